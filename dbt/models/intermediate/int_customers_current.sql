-- Current state of each customer: its latest change (by LSN, then Kafka offset); deleted customers are excluded.
-- Every column of the change log but its CDC bookkeeping, so new columns pass through.
{{ current_state(ref('stg_customers'), key='customer_id') }}
