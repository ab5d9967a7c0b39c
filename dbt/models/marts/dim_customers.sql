-- Customers as SCD type 2, built from the change log (not from snapshots, which miss changes
-- between two runs): one row per version, valid from its commit time until the next change's.
{{ scd2_dimension(
    ref('stg_customers'),
    key='customer_id',
    version_key='customer_version_key',
    columns=['first_name', 'last_name', 'email', 'created_at'],
) }}
