-- ledgerbridge serve (issue 11). Kept in step with the other backend's folder.

-- The webhook job handler finds the events of its job by job_id.
CREATE INDEX webhook_inbox_job ON webhook_inbox (job_id);

-- API calls per connection, added to by the processes that make them (workers), so the
-- `serve` process can report them on /metrics: it makes no vendor calls itself.
CREATE TABLE api_call_stats (
    connection    TEXT PRIMARY KEY,
    api_calls     BIGINT NOT NULL DEFAULT 0,
    rate_limited  BIGINT NOT NULL DEFAULT 0,
    updated_at    BIGINT NOT NULL
);
