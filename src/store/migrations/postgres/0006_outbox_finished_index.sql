-- 0006 — idx_outbox_due (status, available_at) took an entry for every
-- outbox row, three per booking, though only the lists and purges of
-- finished rows need an index on status: claims and the next-due time
-- use idx_outbox_pending and idx_outbox_lease. Finished rows get an index
-- of their own, which pending rows (every new row) do not enter.
DROP INDEX IF EXISTS idx_outbox_due;
CREATE INDEX idx_outbox_finished ON outbox(status, updated_at) WHERE status IN ('done', 'dead');
