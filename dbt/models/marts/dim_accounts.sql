-- Accounts as SCD type 2, built from the change log: one row per version (every balance or status
-- change opens one), valid from its commit time until the next change's; a delete closes the last.
with versions as (
    {{ scd2_versions(ref('stg_accounts_changes'), key='account_id') }}
)

select
    {{ dbt.hash(dbt.concat(["cast(account_id as " ~ dbt.type_string() ~ ")", "'@'", "cast(_lsn as " ~ dbt.type_string() ~ ")"])) }} as account_version_key,
    account_id,
    customer_id,
    account_type,
    balance,
    currency,
    status,
    created_at,
    valid_from,
    valid_to,
    is_current,
    closed_by_delete as is_deleted,
    _op as change_op,
    _lsn as change_lsn
from versions
