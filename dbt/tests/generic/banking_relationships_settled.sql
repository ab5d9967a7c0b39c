{#- Like `relationships`, but ignores child rows changed in the last `relationship_grace_minutes`
    (var): each topic's files are written and loaded independently, so a child row may reach RAW a
    little before its parent. A settled pipeline is tested with the var at 0. -#}
{% test banking_relationships_settled(model, column_name, to, field, changed_at) %}
with children as (
    select {{ column_name }} as child_key
    from {{ model }}
    where {{ column_name }} is not null
      and {{ changed_at }} < {{ dbt.dateadd('minute', -1 * var('relationship_grace_minutes'), dbt.current_timestamp()) }}
),

parents as (
    select {{ field }} as parent_key from {{ to }}
)

select children.child_key
from children
left join parents on parents.parent_key = children.child_key
where parents.parent_key is null
{% endtest %}
