-- Every change to a customer, once (Kafka redeliveries removed), typed, with its commit time.
-- Columns that need no cast pass through by name (`* exclude`), so a column the source gained
-- (RAW adds it, typed exactly, when an object carries it) reaches staging with no edit here.
with changes as (
    {{ deduplicated_changes('customers') }}
)

select
    cast(id as integer) as customer_id,
    * exclude (id, {{ unexposed_raw_columns() }})
from changes
