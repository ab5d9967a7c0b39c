-- One row per current (not deleted) customer: profile, accounts, balances and activity. Balances are
-- summed per currency; total_balance is given only when all the customer's accounts share one.
with customers as (
    select * from {{ ref('dim_customers') }} where is_current
),

customer_history as (
    select customer_id, count(*) as profile_versions, min(valid_from) as first_seen_at
    from {{ ref('dim_customers') }}
    group by customer_id
),

accounts as (
    select * from {{ ref('dim_accounts') }} where is_current
),

by_currency as (
    select customer_id, currency, sum(balance) as balance
    from accounts
    group by customer_id, currency
),

account_summary as (
    select
        customer_id,
        count(*) as account_count,
        sum(case when status = 'OPEN' then 1 else 0 end) as open_account_count,
        count(distinct currency) as currency_count,
        min(currency) as any_currency,
        sum(balance) as summed_balance
    from accounts
    group by customer_id
),

balances_text as (
    select
        customer_id,
        {{ dbt.listagg(dbt.concat(['currency', "' '", 'cast(balance as ' ~ dbt.type_string() ~ ')']), "', '", 'order by currency') }} as balances_by_currency
    from by_currency
    group by customer_id
),

activity as (
    select
        accounts.customer_id,
        count(*) as transaction_count,
        sum(case when fact.status = 'FAILED' then 1 else 0 end) as failed_transaction_count,
        min(fact.created_at) as first_transaction_at,
        max(fact.created_at) as last_transaction_at
    from {{ ref('fact_transactions') }} as fact
    inner join accounts on accounts.account_id = fact.account_id
    where not fact.is_deleted
    group by accounts.customer_id
)

select
    customers.customer_id,
    customers.first_name,
    customers.last_name,
    customers.email,
    customers.created_at,
    customers.valid_from as profile_updated_at,
    customer_history.profile_versions,
    coalesce(account_summary.account_count, 0) as account_count,
    coalesce(account_summary.open_account_count, 0) as open_account_count,
    case when account_summary.currency_count = 1 then account_summary.any_currency end as balance_currency,
    {{ money('case when account_summary.currency_count = 1 then account_summary.summed_balance end') }} as total_balance,
    balances_text.balances_by_currency,
    coalesce(activity.transaction_count, 0) as transaction_count,
    coalesce(activity.failed_transaction_count, 0) as failed_transaction_count,
    activity.first_transaction_at,
    activity.last_transaction_at,
    -- The latest RAW load its inputs had seen: `npm run verify` compares the mart only with those inputs.
    (
        select max(loaded_at) from (
            select max(change_loaded_at) as loaded_at from {{ ref('dim_customers') }}
            union all
            select max(change_loaded_at) from {{ ref('dim_accounts') }}
            union all
            select max(last_loaded_at) from {{ ref('fact_transactions') }}
        ) as inputs
    ) as inputs_loaded_through
from customers
inner join customer_history on customer_history.customer_id = customers.customer_id
left join account_summary on account_summary.customer_id = customers.customer_id
left join balances_text on balances_text.customer_id = customers.customer_id
left join activity on activity.customer_id = customers.customer_id
