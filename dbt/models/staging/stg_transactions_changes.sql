-- Every change to a transaction, once (Kafka redeliveries removed), typed, with its commit time.
with changes as (
    {{ deduplicated_changes('transactions') }}
)

select
    cast(id as {{ dbt.type_bigint() }}) as transaction_id,
    cast(account_id as integer) as account_id,
    txn_type,
    {{ money('amount') }} as amount,
    cast(related_account_id as integer) as related_account_id,
    status,
    created_at,
    _op,
    _lsn,
    _kafka_offset,
    _tx_id,
    changed_at,
    _loaded_at
from changes
