-- Current state of each account: its latest change (by LSN, then Kafka offset); deleted accounts are excluded.
-- Every column of the change log but its CDC bookkeeping, so new columns pass through.
{{ current_state(ref('stg_accounts'), key='account_id') }}
