-- 0002_notifications.sql — what delivering the outbox needs (issue #7);
-- the SQLite migrations 0004 and 0005 in PostgreSQL types.
--
-- booking_secrets keeps each booking's manage token sealed with the
-- server key (the bookings table keeps only its hash), so that every email
-- to the invitee, including reschedules and reminders, can carry the
-- manage link. Rows go with their booking.

CREATE TABLE booking_secrets (
    booking_id          uuid PRIMARY KEY REFERENCES bookings(id) ON DELETE CASCADE,
    sealed_manage_token text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- Withdrawing a booking's pending reminders.
CREATE INDEX idx_outbox_aggregate ON outbox(aggregate_id, topic) WHERE status = 'pending';
-- Claims: due pending rows in order, and expired leases. (idx_outbox_due of
-- 0001 serves the operator's lists by status.)
CREATE INDEX idx_outbox_pending ON outbox(available_at, id) WHERE status = 'pending';
CREATE INDEX idx_outbox_lease ON outbox(lease_until) WHERE status = 'processing';
-- "Was this Message-ID already sent?" before each delivery.
CREATE INDEX idx_email_notifications_message ON email_notifications(message_id);

-- Reminder lead times per meeting type: minutes before the start,
-- comma-separated and descending ("1440,60"); '' means no reminders; NULL
-- means the server's CALENDULA_REMINDERS.
ALTER TABLE meeting_types ADD COLUMN reminder_minutes text;
