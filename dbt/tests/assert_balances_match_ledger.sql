-- Reconciliation to the cent: every live account's current balance equals the sum of its ledger legs
-- (completed deposits - withdrawals - transfers out + transfers in; accounts open with a DEPOSIT).
-- While the pipeline runs, an account's row and its transactions' rows land in separate files, so this
-- can be briefly off: it warns by default, and a test of a settled pipeline makes it an error
-- (--vars '{ledger_reconciliation_severity: error}').
{{ config(severity=var('ledger_reconciliation_severity', 'warn')) }}

with ledger as (
    select account_id, sum(signed_amount) as ledger_balance
    from {{ ref('account_ledger') }}
    group by account_id
)

select accounts.account_id, accounts.balance, coalesce(ledger.ledger_balance, 0) as ledger_balance
from {{ ref('int_accounts_current') }} as accounts
left join ledger on ledger.account_id = accounts.account_id
where accounts.balance <> coalesce(ledger.ledger_balance, 0)
