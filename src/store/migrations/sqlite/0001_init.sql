-- 0001_init.sql — the first schema (SQLite).
-- Instants are INTEGER seconds since the Unix epoch (UTC). Wall-clock
-- times are INTEGER minutes since local midnight. Civil dates are TEXT
-- 'YYYY-MM-DD'. IDs are lowercase UUID text.

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    email              TEXT NOT NULL UNIQUE,          -- stored lowercased
    username           TEXT NOT NULL UNIQUE,
    password_hash      TEXT NOT NULL,                 -- Argon2id encoded string
    name               TEXT NOT NULL,
    time_zone          TEXT NOT NULL DEFAULT 'UTC',
    schedule_time_zone TEXT NOT NULL DEFAULT 'UTC',   -- zone of the weekly rules
    role               TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,                     -- SHA-256 hex of the bearer token
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX idx_sessions_user ON sessions(user_id);
CREATE INDEX idx_sessions_expires ON sessions(expires_at);

CREATE TABLE meeting_types (
    id                     TEXT PRIMARY KEY,
    user_id                TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name                   TEXT NOT NULL,
    slug                   TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    kind                   TEXT NOT NULL DEFAULT 'one_on_one'
                           CHECK (kind IN ('one_on_one', 'group', 'collective', 'round_robin')),
    duration_minutes       INTEGER NOT NULL DEFAULT 30 CHECK (duration_minutes BETWEEN 5 AND 720),
    buffer_before_minutes  INTEGER NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 240),
    buffer_after_minutes   INTEGER NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 240),
    slot_interval_minutes  INTEGER NOT NULL CHECK (slot_interval_minutes BETWEEN 5 AND 720),
    min_notice_minutes     INTEGER NOT NULL DEFAULT 0 CHECK (min_notice_minutes >= 0),
    booking_window_days    INTEGER NOT NULL DEFAULT 60 CHECK (booking_window_days BETWEEN 1 AND 730),
    max_bookings_per_day   INTEGER CHECK (max_bookings_per_day IS NULL OR max_bookings_per_day >= 1),
    seats                  INTEGER NOT NULL DEFAULT 1 CHECK (seats >= 1),
    questions              TEXT NOT NULL DEFAULT '[]',  -- JSON array
    location               TEXT NOT NULL DEFAULT '',
    color                  TEXT NOT NULL DEFAULT '#3B82F6',
    is_active              INTEGER NOT NULL DEFAULT 1,
    deleted_at             INTEGER,                   -- soft delete keeps bookings' history
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);
CREATE UNIQUE INDEX idx_meeting_types_slug ON meeting_types(user_id, slug) WHERE deleted_at IS NULL;

CREATE TABLE meeting_type_hosts (
    meeting_type_id TEXT NOT NULL REFERENCES meeting_types(id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    PRIMARY KEY (meeting_type_id, user_id)
);
CREATE INDEX idx_meeting_type_hosts_user ON meeting_type_hosts(user_id);

CREATE TABLE availability_rules (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day_of_week  INTEGER NOT NULL CHECK (day_of_week BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute   INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    is_active    INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    CHECK (end_minute > start_minute)
);
CREATE INDEX idx_availability_user_day ON availability_rules(user_id, day_of_week, is_active);

-- A date override replaces the weekly rules on one host-local date.
-- A row here with no intervals means "unavailable all day".
CREATE TABLE date_overrides (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    date       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, date)
);

CREATE TABLE date_override_intervals (
    user_id      TEXT NOT NULL,
    date         TEXT NOT NULL,
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute   INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    CHECK (end_minute > start_minute),
    FOREIGN KEY (user_id, date) REFERENCES date_overrides(user_id, date) ON DELETE CASCADE
);
CREATE INDEX idx_date_override_intervals ON date_override_intervals(user_id, date);

CREATE TABLE bookings (
    id                  TEXT PRIMARY KEY,
    meeting_type_id     TEXT NOT NULL REFERENCES meeting_types(id),
    host_user_id        TEXT NOT NULL REFERENCES users(id),
    invitee_name        TEXT NOT NULL,
    invitee_email       TEXT NOT NULL,
    invitee_timezone    TEXT NOT NULL,
    start_time          INTEGER NOT NULL,
    end_time            INTEGER NOT NULL,
    status              TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled')),
    notes               TEXT NOT NULL DEFAULT '',
    answers             TEXT NOT NULL DEFAULT '{}',
    cancellation_reason TEXT,
    manage_token_hash   TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    CHECK (end_time > start_time)
);
CREATE INDEX idx_bookings_host_time ON bookings(host_user_id, start_time, end_time);
CREATE INDEX idx_bookings_meeting_type ON bookings(meeting_type_id, start_time);
CREATE INDEX idx_bookings_status ON bookings(status);

-- Occupancy: one row per (booking, host). Its busy range is the meeting
-- widened by the meeting type's buffers. The trigger below makes the
-- database itself refuse two overlapping active ranges of one host.
CREATE TABLE booking_hosts (
    booking_id   TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    host_user_id TEXT NOT NULL REFERENCES users(id),
    busy_start   INTEGER NOT NULL,
    busy_end     INTEGER NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (booking_id, host_user_id),
    CHECK (busy_end > busy_start)
);
CREATE INDEX idx_booking_hosts_host_range ON booking_hosts(host_user_id, busy_start, busy_end)
    WHERE active = 1;

CREATE TRIGGER booking_hosts_no_overlap_insert
BEFORE INSERT ON booking_hosts
WHEN NEW.active = 1 AND EXISTS (
    SELECT 1 FROM booking_hosts o
    WHERE o.host_user_id = NEW.host_user_id AND o.active = 1
      AND o.busy_start < NEW.busy_end AND NEW.busy_start < o.busy_end)
BEGIN
    SELECT RAISE(ABORT, 'booking_hosts_overlap');
END;

CREATE TRIGGER booking_hosts_no_overlap_update
BEFORE UPDATE OF busy_start, busy_end, active, host_user_id ON booking_hosts
WHEN NEW.active = 1 AND EXISTS (
    SELECT 1 FROM booking_hosts o
    WHERE o.host_user_id = NEW.host_user_id AND o.active = 1
      AND NOT (o.booking_id = OLD.booking_id AND o.host_user_id = OLD.host_user_id)
      AND o.busy_start < NEW.busy_end AND NEW.busy_start < o.busy_end)
BEGIN
    SELECT RAISE(ABORT, 'booking_hosts_overlap');
END;

-- Old times of rescheduled bookings.
CREATE TABLE booking_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id  TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    start_time  INTEGER NOT NULL,
    end_time    INTEGER NOT NULL,
    reason      TEXT,
    changed_by  TEXT NOT NULL CHECK (changed_by IN ('host', 'invitee')),
    changed_at  INTEGER NOT NULL
);
CREATE INDEX idx_booking_history_booking ON booking_history(booking_id);

CREATE TABLE bookings_archive (
    id                  TEXT PRIMARY KEY,
    meeting_type_id     TEXT NOT NULL,
    host_user_id        TEXT NOT NULL,
    invitee_name        TEXT NOT NULL,
    invitee_email       TEXT NOT NULL,
    invitee_timezone    TEXT NOT NULL,
    start_time          INTEGER NOT NULL,
    end_time            INTEGER NOT NULL,
    status              TEXT NOT NULL,
    notes               TEXT NOT NULL DEFAULT '',
    answers             TEXT NOT NULL DEFAULT '{}',
    cancellation_reason TEXT,
    version             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    archived_at         INTEGER NOT NULL
);
CREATE INDEX idx_bookings_archive_host_time ON bookings_archive(host_user_id, start_time);
CREATE INDEX idx_bookings_archive_archived_at ON bookings_archive(archived_at);

-- Idempotency keys live in the database, written in the booking's own
-- transaction, with a fingerprint of the request and the first answer.
CREATE TABLE idempotency_keys (
    key             TEXT NOT NULL,
    scope           TEXT NOT NULL,                 -- e.g. 'POST /api/bookings'
    fingerprint     TEXT NOT NULL,                 -- SHA-256 of the canonical request
    state           TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    response_status INTEGER,
    response_body   TEXT,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idx_idempotency_expires ON idempotency_keys(expires_at);

-- Transactional outbox: rows written with the change they announce.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      TEXT NOT NULL UNIQUE,
    topic         TEXT NOT NULL,                   -- booking.created, booking.cancelled, …
    aggregate_id  TEXT NOT NULL,
    payload       TEXT NOT NULL,                   -- JSON
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'processing', 'done', 'dead')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    available_at  INTEGER NOT NULL,
    lease_until   INTEGER,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX idx_outbox_due ON outbox(status, available_at);

CREATE TABLE email_notifications (
    id                TEXT PRIMARY KEY,
    booking_id        TEXT REFERENCES bookings(id) ON DELETE CASCADE,
    recipient_email   TEXT NOT NULL,
    notification_type TEXT NOT NULL,
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    message_id        TEXT,
    sent_at           INTEGER,
    status            TEXT NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'failed')),
    error             TEXT,
    created_at        INTEGER NOT NULL
);
CREATE INDEX idx_email_notifications_booking ON email_notifications(booking_id);
