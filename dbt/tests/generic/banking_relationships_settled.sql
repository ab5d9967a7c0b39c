{#- Like `relationships`, for a warehouse that is being loaded while it is tested. Each topic's files
    are written and loaded independently, so a child row (a transaction) may reach RAW before its
    parent (the account). A child is checked only once the parent model has been loaded past the
    child's commit time (`to_changed_at` is the parent's commit-time column), and is older than
    `relationship_grace_minutes` (var; 0 = no grace, as in tests of a finished load). -#}
{% test banking_relationships_settled(model, column_name, to, field, changed_at, to_changed_at) %}
with parents as (
    select {{ field }} as parent_key, {{ to_changed_at }} as parent_changed_at from {{ to }}
),

watermark as (
    select max(parent_changed_at) as loaded_until from parents
),

children as (
    select {{ column_name }} as child_key
    from {{ model }}
    where {{ column_name }} is not null
      and {{ changed_at }} <= (select loaded_until from watermark)
      and {{ changed_at }} < {{ dbt.dateadd('minute', -1 * var('relationship_grace_minutes'), dbt.current_timestamp()) }}
)

select children.child_key
from children
left join parents on parents.parent_key = children.child_key
where parents.parent_key is null
{% endtest %}
