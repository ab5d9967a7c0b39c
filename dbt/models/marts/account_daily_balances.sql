-- One row per account per UTC day it existed, from its first version's day to today: the balance and
-- status in force at the end of that day (from dim_accounts' versions) and the day's money movements
-- (from account_ledger).
{%- set first_day = "(select coalesce(min(" ~ utc_date('valid_from') ~ "), " ~ utc_date(dbt.current_timestamp()) ~ ") from " ~ ref('dim_accounts') ~ ")" %}
{%- set today = utc_date(dbt.current_timestamp()) %}

with days as (
    {{ dbt.date_spine('day', first_day, dbt.dateadd('day', 1, today)) }}
),

calendar as (
    select
        cast(date_day as date) as balance_date,
        -- End of the day, as an instant: the version valid just before it is the closing one.
        {{ dbt.dateadd('day', 1, 'cast(date_day as date)') }} as day_end
    from days
),

closing as (
    select
        calendar.balance_date,
        accounts.account_id,
        accounts.customer_id,
        accounts.currency,
        accounts.status,
        accounts.balance as closing_balance
    from calendar
    inner join {{ ref('dim_accounts') }} as accounts
        on accounts.valid_from < calendar.day_end
        and (accounts.valid_to is null or accounts.valid_to >= calendar.day_end)
    where calendar.balance_date <= {{ today }}
),

movements as (
    select
        account_id,
        transaction_date,
        sum(case when signed_amount > 0 then signed_amount else 0 end) as credits,
        sum(case when signed_amount < 0 then -signed_amount else 0 end) as debits,
        count(*) as movement_count
    from {{ ref('account_ledger') }}
    group by account_id, transaction_date
)

select
    closing.account_id,
    closing.balance_date,
    closing.customer_id,
    closing.currency,
    closing.status,
    closing.closing_balance,
    {{ money('coalesce(movements.credits, 0)') }} as credits,
    {{ money('coalesce(movements.debits, 0)') }} as debits,
    {{ money('coalesce(movements.credits, 0) - coalesce(movements.debits, 0)') }} as net_change,
    coalesce(movements.movement_count, 0) as movement_count
from closing
left join movements
    on movements.account_id = closing.account_id
    and movements.transaction_date = closing.balance_date
