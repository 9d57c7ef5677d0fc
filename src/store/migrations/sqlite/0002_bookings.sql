-- 0002_bookings.sql — occupancy that the database itself keeps from overlapping.
--
-- booking_hosts holds one row per (booking, host): the host's busy range
-- (meeting widened by the meeting type's buffers). Triggers refuse an
-- active row that overlaps another active row of the same host, except
-- rows of the same group slot (same group_key), and refuse a group slot
-- past its seat count. Every busy range is shorter than one day (duration
-- <= 720 min, buffers <= 240 min each), which lets the overlap search
-- read a bounded slice of the (host, busy_start) index.

DROP TRIGGER booking_hosts_no_overlap_insert;
DROP TRIGGER booking_hosts_no_overlap_update;
DROP TABLE booking_hosts;

CREATE TABLE booking_hosts (
    booking_id      TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    host_user_id    TEXT NOT NULL REFERENCES users(id),
    meeting_type_id TEXT NOT NULL,
    start_time      INTEGER NOT NULL,  -- the meeting (copied from bookings for the slot reads)
    end_time        INTEGER NOT NULL,
    busy_start      INTEGER NOT NULL,
    busy_end        INTEGER NOT NULL,
    group_key       TEXT,              -- meeting_type_id@start for group slots, else NULL
    seats           INTEGER NOT NULL DEFAULT 1 CHECK (seats >= 1),
    active          INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (booking_id, host_user_id),
    CHECK (busy_end > busy_start AND busy_end - busy_start < 86400)
);
-- Covers the slot engine's read (no table lookups) and the triggers' search.
CREATE INDEX idx_booking_hosts_host_start ON booking_hosts(host_user_id, busy_start, busy_end,
    start_time, end_time, meeting_type_id, booking_id) WHERE active = 1;

CREATE TRIGGER booking_hosts_no_overlap_insert
BEFORE INSERT ON booking_hosts
WHEN NEW.active = 1 AND EXISTS (
    SELECT 1 FROM booking_hosts o
    WHERE o.host_user_id = NEW.host_user_id AND o.active = 1
      AND o.busy_start > NEW.busy_start - 86400 AND o.busy_start < NEW.busy_end
      AND o.busy_end > NEW.busy_start
      AND NOT (NEW.group_key IS NOT NULL AND o.group_key IS NEW.group_key))
BEGIN
    SELECT RAISE(ABORT, 'booking_hosts_overlap');
END;

CREATE TRIGGER booking_hosts_seats_insert
BEFORE INSERT ON booking_hosts
WHEN NEW.active = 1 AND NEW.group_key IS NOT NULL AND (
    SELECT count(*) FROM booking_hosts o
    WHERE o.host_user_id = NEW.host_user_id AND o.active = 1
      AND o.busy_start > NEW.busy_start - 86400 AND o.busy_start < NEW.busy_end
      AND o.group_key = NEW.group_key) >= NEW.seats
BEGIN
    SELECT RAISE(ABORT, 'booking_hosts_seats_full');
END;

CREATE TRIGGER booking_hosts_no_overlap_update
BEFORE UPDATE OF busy_start, busy_end, active, host_user_id, group_key ON booking_hosts
WHEN NEW.active = 1 AND EXISTS (
    SELECT 1 FROM booking_hosts o
    WHERE o.host_user_id = NEW.host_user_id AND o.active = 1
      AND NOT (o.booking_id = OLD.booking_id AND o.host_user_id = OLD.host_user_id)
      AND o.busy_start > NEW.busy_start - 86400 AND o.busy_start < NEW.busy_end
      AND o.busy_end > NEW.busy_start
      AND NOT (NEW.group_key IS NOT NULL AND o.group_key IS NEW.group_key))
BEGIN
    SELECT RAISE(ABORT, 'booking_hosts_overlap');
END;

CREATE TRIGGER booking_hosts_seats_update
BEFORE UPDATE OF busy_start, busy_end, active, host_user_id, group_key ON booking_hosts
WHEN NEW.active = 1 AND NEW.group_key IS NOT NULL AND (
    SELECT count(*) FROM booking_hosts o
    WHERE o.host_user_id = NEW.host_user_id AND o.active = 1
      AND NOT (o.booking_id = OLD.booking_id AND o.host_user_id = OLD.host_user_id)
      AND o.busy_start > NEW.busy_start - 86400 AND o.busy_start < NEW.busy_end
      AND o.group_key = NEW.group_key) >= NEW.seats
BEGIN
    SELECT RAISE(ABORT, 'booking_hosts_seats_full');
END;

-- "Repeat of a standing booking" lookups and per-type counts.
CREATE INDEX idx_bookings_duplicate ON bookings(meeting_type_id, start_time, invitee_email)
    WHERE status = 'confirmed';
