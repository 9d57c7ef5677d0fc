-- 0006 — two indexes on bookings that no query uses: every insert paid for
-- them. Per-type lookups and counts use idx_bookings_duplicate (confirmed
-- bookings by meeting type and start); lists use idx_bookings_host_time.
DROP INDEX IF EXISTS idx_bookings_meeting_type;
DROP INDEX IF EXISTS idx_bookings_status;
