-- Accounts as SCD type 2, built from the change log: one row per version (every balance or status
-- change opens one), valid from its commit time until the next change's; a delete closes the last.
{{ scd2_dimension(
    ref('stg_accounts'),
    key='account_id',
    version_key='account_version_key',
    columns=['customer_id', 'account_type', 'balance', 'currency', 'status', 'created_at'],
) }}
