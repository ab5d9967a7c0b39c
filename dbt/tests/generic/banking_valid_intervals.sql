{#- SCD2 sanity for a model with valid_from / valid_to / is_current per key: intervals are not
    inverted, a key has at most one current version, and consecutive versions neither overlap nor
    leave a gap (each version ends exactly where the next one starts). -#}
{% test banking_valid_intervals(model, key) %}
with versions as (
    select
        {{ key }} as k,
        valid_from,
        valid_to,
        is_current,
        lead(valid_from) over (partition by {{ key }} order by valid_from, change_lsn) as next_valid_from
    from {{ model }}
)

select k, 'inverted interval' as problem from versions where valid_to < valid_from
union all
select k, 'current version has valid_to' from versions where is_current and valid_to is not null
union all
select k, 'closed version is current' from versions where not is_current and valid_to is null
union all
select k, 'gap or overlap with next version' from versions
where next_valid_from is not null and (valid_to is null or valid_to <> next_valid_from)
union all
select k, 'more than one current version' from versions where is_current group by k having count(*) > 1
{% endtest %}
