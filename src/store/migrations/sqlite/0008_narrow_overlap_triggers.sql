-- 0008 — the overlap triggers read only the host's rows that can overlap.
--
-- They searched back one day from the new busy range (every range is
-- shorter than a day): a host booked back to back with 5-minute meetings
-- has 288 rows in that slice, read on every insert. Now the search starts
-- at the host's last active range outside a group slot that starts at or
-- before the new one (P). It finds the same rows as before: an earlier
-- row o is in no group with P, so the triggers kept o and P apart, so o
-- ends before P starts, which is no later than the new range starts. (By
-- induction: before this insert or update, no two active rows of a host
-- overlap outside a group slot.) A host with no such row within the day
-- keeps the day's slice.
DROP TRIGGER booking_hosts_no_overlap_insert;
DROP TRIGGER booking_hosts_no_overlap_update;

CREATE TRIGGER booking_hosts_no_overlap_insert
BEFORE INSERT ON booking_hosts
WHEN NEW.active = 1 AND EXISTS (
    SELECT 1 FROM booking_hosts o
    WHERE o.host_user_id = NEW.host_user_id AND o.active = 1
      AND o.busy_start >= coalesce((
          SELECT p.busy_start FROM booking_hosts p
          WHERE p.host_user_id = NEW.host_user_id AND p.active = 1
            AND p.group_key IS NULL AND p.busy_start <= NEW.busy_start
            AND p.busy_start > NEW.busy_start - 86400
          ORDER BY p.busy_start DESC LIMIT 1), NEW.busy_start - 86399)
      AND o.busy_start < NEW.busy_end
      AND o.busy_end > NEW.busy_start
      AND NOT (NEW.group_key IS NOT NULL AND o.group_key IS NEW.group_key))
BEGIN
    SELECT RAISE(ABORT, 'booking_hosts_overlap');
END;

CREATE TRIGGER booking_hosts_no_overlap_update
BEFORE UPDATE OF busy_start, busy_end, active, host_user_id, group_key ON booking_hosts
WHEN NEW.active = 1 AND EXISTS (
    SELECT 1 FROM booking_hosts o
    WHERE o.host_user_id = NEW.host_user_id AND o.active = 1
      AND NOT (o.booking_id = OLD.booking_id AND o.host_user_id = OLD.host_user_id)
      AND o.busy_start >= coalesce((
          SELECT p.busy_start FROM booking_hosts p
          WHERE p.host_user_id = NEW.host_user_id AND p.active = 1
            AND p.group_key IS NULL AND p.busy_start <= NEW.busy_start
            AND p.busy_start > NEW.busy_start - 86400
          ORDER BY p.busy_start DESC LIMIT 1), NEW.busy_start - 86399)
      AND o.busy_start < NEW.busy_end
      AND o.busy_end > NEW.busy_start
      AND NOT (NEW.group_key IS NOT NULL AND o.group_key IS NEW.group_key))
BEGIN
    SELECT RAISE(ABORT, 'booking_hosts_overlap');
END;
