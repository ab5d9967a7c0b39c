-- Every change to an account, once (Kafka redeliveries removed), typed, with its commit time.
with changes as (
    {{ deduplicated_changes('accounts') }}
)

select
    cast(id as integer) as account_id,
    cast(customer_id as integer) as customer_id,
    account_type,
    {{ money('balance') }} as balance,
    -- CHAR(3) in Postgres: trim any padding so codes compare equal everywhere.
    trim(currency) as currency,
    status,
    created_at,
    _op,
    _lsn,
    _kafka_offset,
    _tx_id,
    changed_at,
    _loaded_at
from changes
