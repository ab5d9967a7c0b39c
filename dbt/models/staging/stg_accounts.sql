-- Current state of each account: its latest change (by LSN, then Kafka offset); deleted accounts are excluded.
-- Every column of the change log but its CDC bookkeeping, so new columns pass through.
with latest as (
    {{ current_state(ref('stg_accounts_changes'), key='account_id') }}
)

select
    * exclude ({{ change_log_columns() }}),
    changed_at as last_changed_at
from latest
where _op <> 'd'
