-- Record lifecycle (issue 8) and schedules.

-- Why a link needs an accountant's eye (a deleted deal with a paid invoice, an
-- invoice edited in the finance system); reconciliation reports it.
ALTER TABLE links ADD COLUMN flag TEXT;
ALTER TABLE links ADD COLUMN flagged_at BIGINT;

-- One row per fired schedule tick, so a fleet of workers enqueues each tick once.
CREATE TABLE schedule_ticks (
    pair      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    tick_at   BIGINT NOT NULL,
    fired_by  TEXT NOT NULL,
    fired_at  BIGINT NOT NULL,
    PRIMARY KEY (pair, kind, tick_at)
);
