-- 0004_notifications.sql — what delivering the outbox needs (issue #7).
--
-- booking_secrets keeps each booking's manage token sealed with the
-- server key (the bookings table keeps only its hash), so that every email
-- to the invitee, including reschedules and reminders, can carry the
-- manage link. Rows go with their booking.

CREATE TABLE booking_secrets (
    booking_id          TEXT PRIMARY KEY REFERENCES bookings(id) ON DELETE CASCADE,
    sealed_manage_token TEXT NOT NULL,
    created_at          INTEGER NOT NULL
);

-- Withdrawing a booking's pending reminders.
CREATE INDEX idx_outbox_aggregate ON outbox(aggregate_id, topic) WHERE status = 'pending';
-- Expired leases are found by the claim (status = 'processing' AND lease_until <= now).
CREATE INDEX idx_outbox_lease ON outbox(lease_until) WHERE status = 'processing';
-- "Was this Message-ID already sent?" before each delivery.
CREATE INDEX idx_email_notifications_message ON email_notifications(message_id);
