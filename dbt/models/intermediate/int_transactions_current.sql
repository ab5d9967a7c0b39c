-- Current state of each transaction: its latest change (by LSN, then Kafka offset); deleted transactions are excluded.
-- Every column of the change log but its CDC bookkeeping, so new columns pass through.
{{ current_state(ref('stg_transactions'), key='transaction_id') }}
