-- Postgres forbids a negative balance (CHECK balance >= 0); if one shows up here, decoding, loading
-- or the latest-change logic is wrong. Checked on both the current state and the current SCD2 version.
select 'int_accounts_current' as model, account_id, balance
from {{ ref('int_accounts_current') }}
where balance < 0
union all
select 'dim_accounts', account_id, balance
from {{ ref('dim_accounts') }}
where is_current and balance < 0
