{{
    config(
        materialized='incremental',
        unique_key='transaction_id',
        on_schema_change='fail',
    )
}}
-- One row per transaction, in its latest state (a deleted one stays, flagged). Incremental: only
-- transactions with a change loaded since the last run are rebuilt, each from its whole change log,
-- so a change loaded late (files of one topic load in any order) can never overwrite a newer one.
with changes as (
    select * from {{ ref('stg_transactions') }}
),

{% if is_incremental() %}
touched as (
    select distinct transaction_id
    from changes
    -- >= not >: a re-merge of the boundary rows is harmless, missing one is not.
    where _loaded_at >= (select max(last_loaded_at) from {{ this }})
),
{% endif %}

latest as (
    select
        changes.*,
        max(_loaded_at) over (partition by transaction_id) as last_loaded_at
    from changes
    {% if is_incremental() %}
    where transaction_id in (select transaction_id from touched)
    {% endif %}
    qualify row_number() over (partition by transaction_id order by _lsn desc, _kafka_offset desc) = 1
)

select
    transaction_id,
    account_id,
    related_account_id,
    txn_type,
    status,
    amount,
    -- Effect on account_id's balance: only COMPLETED transactions move money.
    {{ money(
        "case when status <> 'COMPLETED' or _op = 'd' then 0
              when txn_type = 'DEPOSIT' then amount
              else -amount end"
    ) }} as account_balance_effect,
    created_at,
    {{ utc_date('created_at') }} as transaction_date,
    _op = 'd' as is_deleted,
    case when _op = 'd' then changed_at end as deleted_at,
    changed_at as last_changed_at,
    -- The latest change's WAL position and transaction: `npm run verify` reads the fact as of a snapshot.
    _lsn as last_change_lsn,
    _tx_id as last_change_tx_id,
    last_loaded_at
from latest
