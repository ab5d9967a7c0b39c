-- Current state of each customer: its latest change (by LSN, then Kafka offset); deleted customers are excluded.
with latest as (
    {{ current_state(ref('stg_customers_changes'), key='customer_id') }}
)

select
    customer_id,
    first_name,
    last_name,
    email,
    created_at,
    changed_at as last_changed_at
from latest
where _op <> 'd'
