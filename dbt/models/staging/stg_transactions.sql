-- Every change to a transaction, once (Kafka redeliveries removed), typed, with its commit time.
-- Columns that need no cast pass through by name (`* exclude`), so a column the source gained
-- (RAW adds it, typed exactly, when an object carries it) reaches staging with no edit here.
with changes as (
    {{ deduplicated_changes('transactions') }}
)

select
    cast(id as {{ dbt.type_bigint() }}) as transaction_id,
    cast(account_id as integer) as account_id,
    {{ money('amount') }} as amount,
    cast(related_account_id as integer) as related_account_id,
    * exclude (id, account_id, amount, related_account_id, {{ unexposed_raw_columns() }})
from changes
