-- Write-back is deferred and coalesced (benchmark issue 12): a push records the
-- invoices it wrote in invoice_state and marks the CRM records whose properties
-- change here, in the same transaction as its links. The run's closing write-back
-- job writes them in full batches (one HubSpot call per 100 deals or companies) and a
-- company once, after the last of its invoices, instead of once per push job.
CREATE TABLE writeback_pending (
    pair        TEXT NOT NULL,
    record_key  TEXT NOT NULL,
    -- how many times it was marked: a flush clears only the mark it read, so a
    -- record marked again while a flush writes it is written again
    marks       BIGINT NOT NULL,
    marked_at   BIGINT NOT NULL,
    PRIMARY KEY (pair, record_key)
);

-- deal properties come from the deal's invoice state
CREATE INDEX invoice_state_source ON invoice_state (pair, source_key);
