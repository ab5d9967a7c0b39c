-- Every change to a customer, once (Kafka redeliveries removed), typed, with its commit time.
with changes as (
    {{ deduplicated_changes('customers') }}
)

select
    cast(id as integer) as customer_id,
    first_name,
    last_name,
    email,
    created_at,
    _op,
    _lsn,
    _kafka_offset,
    _tx_id,
    changed_at,
    _loaded_at
from changes
