-- Current state of each transaction: its latest change (by LSN, then Kafka offset); deleted ones are excluded.
-- Every column of the change log but its CDC bookkeeping, so new columns pass through.
with latest as (
    {{ current_state(ref('stg_transactions_changes'), key='transaction_id') }}
)

select
    * exclude ({{ change_log_columns() }}),
    changed_at as last_changed_at
from latest
where _op <> 'd'
