-- Current state of each account: its latest change (by LSN, then Kafka offset); deleted accounts are excluded.
with latest as (
    {{ current_state(ref('stg_accounts_changes'), key='account_id') }}
)

select
    account_id,
    customer_id,
    account_type,
    balance,
    currency,
    status,
    created_at,
    changed_at as last_changed_at
from latest
where _op <> 'd'
