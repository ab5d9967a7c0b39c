-- Current state of each transaction: its latest change (by LSN, then Kafka offset); deleted ones are excluded.
with latest as (
    {{ current_state(ref('stg_transactions_changes'), key='transaction_id') }}
)

select
    transaction_id,
    account_id,
    txn_type,
    amount,
    related_account_id,
    status,
    created_at,
    changed_at as last_changed_at
from latest
where _op <> 'd'
