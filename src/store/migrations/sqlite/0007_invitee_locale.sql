-- 0007 — the invitee's language tag (BCP 47, e.g. "de-DE"), for the dates
-- in their emails; bookings made before it get en-US.
ALTER TABLE bookings ADD COLUMN invitee_locale TEXT NOT NULL DEFAULT 'en-US';
