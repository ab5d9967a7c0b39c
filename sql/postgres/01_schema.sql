-- OLTP schema of the banking source database. Column names follow the original project;
-- money is NUMERIC(18,2) (never a float) and every table is described once more, for the
-- pipeline, in functions/shared/tables.ts (a unit test keeps the two in step).
-- Idempotent: safe to apply on every `stack up`.

CREATE TABLE IF NOT EXISTS customers (
    id          SERIAL PRIMARY KEY,
    first_name  VARCHAR(100) NOT NULL,
    last_name   VARCHAR(100) NOT NULL,
    email       VARCHAR(255) NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS accounts (
    id            SERIAL PRIMARY KEY,
    customer_id   INTEGER       NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    account_type  VARCHAR(50)   NOT NULL,
    balance       NUMERIC(18,2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
    currency      CHAR(3)       NOT NULL DEFAULT 'USD',
    -- OPEN or CLOSED: the generator closes accounts so CDC carries updates (an addition to the original)
    status        VARCHAR(20)   NOT NULL DEFAULT 'OPEN',
    created_at    TIMESTAMPTZ   NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS transactions (
    id                  BIGSERIAL PRIMARY KEY,
    account_id          INTEGER       NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    txn_type            VARCHAR(50)   NOT NULL,
    amount              NUMERIC(18,2) NOT NULL CHECK (amount > 0),
    related_account_id  INTEGER       NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status              VARCHAR(20)   NOT NULL DEFAULT 'COMPLETED',
    created_at          TIMESTAMPTZ   NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_transactions_account_created
    ON transactions (account_id, created_at);

CREATE INDEX IF NOT EXISTS idx_accounts_customer ON accounts (customer_id);

-- Deletes must carry the whole old row in the WAL so the warehouse keeps the before image.
ALTER TABLE customers    REPLICA IDENTITY FULL;
ALTER TABLE accounts     REPLICA IDENTITY FULL;
ALTER TABLE transactions REPLICA IDENTITY FULL;
