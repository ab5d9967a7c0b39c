-- Every completed transfer moves money between two different accounts in one currency and its two
-- legs sum to exactly zero: nothing created or lost in transit.
with legs as (
    select transaction_id, count(*) as leg_count, count(distinct account_id) as account_count,
           sum(signed_amount) as net
    from {{ ref('account_ledger') }}
    where txn_type = 'TRANSFER'
    group by transaction_id
),

transfers as (
    select *
    from {{ ref('fact_transactions') }}
    where txn_type = 'TRANSFER' and status = 'COMPLETED' and not is_deleted
)

select transaction_id, 'legs do not sum to zero or are not two accounts' as problem
from legs
where net <> 0 or leg_count <> 2 or account_count <> 2

union all

select transaction_id, 'transfer without a credited account'
from transfers
where related_account_id is null or related_account_id = account_id

union all

-- Currencies are compared only when both accounts are known (their rows may land a little later).
select transfers.transaction_id, 'transfer between currencies'
from transfers
inner join {{ ref('int_accounts_current') }} as src on src.account_id = transfers.account_id
inner join {{ ref('int_accounts_current') }} as dst on dst.account_id = transfers.related_account_id
where src.currency <> dst.currency
