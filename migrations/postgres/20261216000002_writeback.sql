-- Write-back of finance status to the CRM (issue 11).

-- The invoices of a pair as the finance system last reported them: what the deal
-- and company write-back properties are computed from (no re-read per company).
CREATE TABLE invoice_state (
    pair           TEXT NOT NULL,
    invoice_id     TEXT NOT NULL,
    source_key     TEXT NOT NULL,
    company_key    TEXT,
    number         TEXT,
    status         TEXT NOT NULL,
    currency       TEXT NOT NULL,
    -- units of the invoice currency per unit of the base currency (NULL: 1)
    currency_rate  TEXT,
    total          TEXT NOT NULL,
    amount_paid    TEXT NOT NULL,
    amount_due     TEXT NOT NULL,
    due_date       TEXT,
    fully_paid_on  TEXT,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (pair, invoice_id)
);
CREATE INDEX invoice_state_company ON invoice_state (pair, company_key);

-- What was last written back to each CRM record (a hash of the properties), so an
-- unchanged status is never written twice.
CREATE TABLE writebacks (
    pair        TEXT NOT NULL,
    record_key  TEXT NOT NULL,
    props_hash  TEXT NOT NULL,
    written_at  BIGINT NOT NULL,
    PRIMARY KEY (pair, record_key)
);
