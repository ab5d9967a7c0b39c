-- Every change to an account, once (Kafka redeliveries removed), typed, with its commit time.
-- Columns that need no cast pass through by name (`* exclude`), so a column the source gained
-- (RAW adds it, typed exactly, when an object carries it) reaches staging with no edit here.
with changes as (
    {{ deduplicated_changes('accounts') }}
)

select
    cast(id as integer) as account_id,
    cast(customer_id as integer) as customer_id,
    {{ money('balance') }} as balance,
    -- CHAR(3) in Postgres: trim any padding so codes compare equal everywhere.
    trim(currency) as currency,
    * exclude (id, customer_id, balance, currency, {{ unexposed_raw_columns() }})
from changes
