{{ config(materialized='view') }}
-- Every balance movement, one row per leg: a deposit credits its account, a withdrawal debits it,
-- a transfer debits account_id and credits related_account_id by the same amount. Only COMPLETED,
-- not deleted transactions move money. Summing an account's legs gives its balance.
with moved as (
    select *
    from {{ ref('fact_transactions') }}
    where status = 'COMPLETED' and not is_deleted
)

select
    transaction_id,
    account_id,
    txn_type,
    case when txn_type = 'DEPOSIT' then 'CREDIT' else 'DEBIT' end as leg,
    {{ money("case when txn_type = 'DEPOSIT' then amount else -amount end") }} as signed_amount,
    created_at,
    transaction_date
from moved

union all

select
    transaction_id,
    related_account_id as account_id,
    txn_type,
    'CREDIT' as leg,
    amount as signed_amount,
    created_at,
    transaction_date
from moved
where txn_type = 'TRANSFER'
