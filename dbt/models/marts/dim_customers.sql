-- Customers as SCD type 2, built from the change log (not from snapshots, which miss changes
-- between two runs): one row per version, valid from its commit time until the next change's.
with versions as (
    {{ scd2_versions(ref('stg_customers_changes'), key='customer_id') }}
)

select
    {{ dbt.hash(dbt.concat(["cast(customer_id as " ~ dbt.type_string() ~ ")", "'@'", "cast(_lsn as " ~ dbt.type_string() ~ ")"])) }} as customer_version_key,
    customer_id,
    first_name,
    last_name,
    email,
    created_at,
    valid_from,
    valid_to,
    is_current,
    closed_by_delete as is_deleted,
    _op as change_op,
    _lsn as change_lsn
from versions
