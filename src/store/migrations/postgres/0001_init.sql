-- 0001_init.sql — the whole schema for PostgreSQL: the tables of the SQLite
-- migrations 0001–0003 in their final form, with PostgreSQL types.
-- Instants are timestamptz (the store API speaks epoch seconds and converts
-- in SQL), ids are uuid, JSON is jsonb, civil dates are date, wall-clock
-- times are integer minutes since local midnight. The backend always writes
-- created_at/updated_at itself (from the service's clock); their now()
-- defaults only serve hand-written SQL (operators, tests).
--
-- Constraint and index names matter: the backend maps a unique violation
-- to the field that clashed by PG_DIAG_CONSTRAINT_NAME (users_email_key,
-- users_username_key, idx_meeting_types_slug).

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE users (
    id                 uuid PRIMARY KEY,
    email              text NOT NULL CONSTRAINT users_email_key UNIQUE,   -- lowercased
    username           text NOT NULL CONSTRAINT users_username_key UNIQUE,
    password_hash      text NOT NULL,                 -- Argon2id encoded string
    name               text NOT NULL,
    time_zone          text NOT NULL DEFAULT 'UTC',
    schedule_time_zone text NOT NULL DEFAULT 'UTC',   -- zone of the weekly rules
    role               text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    token_hash  text PRIMARY KEY,                     -- SHA-256 hex of the bearer token
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX idx_sessions_user ON sessions(user_id);
CREATE INDEX idx_sessions_expires ON sessions(expires_at);

CREATE TABLE meeting_types (
    id                     uuid PRIMARY KEY,
    user_id                uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name                   text NOT NULL,
    slug                   text NOT NULL,
    description            text NOT NULL DEFAULT '',
    kind                   text NOT NULL DEFAULT 'one_on_one'
                           CHECK (kind IN ('one_on_one', 'group', 'collective', 'round_robin')),
    duration_minutes       integer NOT NULL DEFAULT 30 CHECK (duration_minutes BETWEEN 5 AND 720),
    buffer_before_minutes  integer NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 240),
    buffer_after_minutes   integer NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 240),
    slot_interval_minutes  integer NOT NULL CHECK (slot_interval_minutes BETWEEN 5 AND 720),
    min_notice_minutes     integer NOT NULL DEFAULT 0 CHECK (min_notice_minutes >= 0),
    booking_window_days    integer NOT NULL DEFAULT 60 CHECK (booking_window_days BETWEEN 1 AND 730),
    max_bookings_per_day   integer CHECK (max_bookings_per_day IS NULL OR max_bookings_per_day >= 1),
    seats                  integer NOT NULL DEFAULT 1 CHECK (seats >= 1),
    questions              jsonb NOT NULL DEFAULT '[]',
    location               text NOT NULL DEFAULT '',
    color                  text NOT NULL DEFAULT '#3B82F6',
    is_active              boolean NOT NULL DEFAULT true,
    deleted_at             timestamptz,               -- soft delete keeps bookings' history
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_meeting_types_slug ON meeting_types(user_id, slug) WHERE deleted_at IS NULL;
-- The owner's list, in creation order.
CREATE INDEX idx_meeting_types_user ON meeting_types(user_id, created_at, id)
    WHERE deleted_at IS NULL;

CREATE TABLE meeting_type_hosts (
    meeting_type_id uuid NOT NULL REFERENCES meeting_types(id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    position        integer NOT NULL,
    PRIMARY KEY (meeting_type_id, user_id)
);
CREATE INDEX idx_meeting_type_hosts_user ON meeting_type_hosts(user_id);

CREATE TABLE availability_rules (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day_of_week  integer NOT NULL CHECK (day_of_week BETWEEN 0 AND 6),
    start_minute integer NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute   integer NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    is_active    boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (end_minute > start_minute)
);
CREATE INDEX idx_availability_user_day ON availability_rules(user_id, day_of_week, is_active);

-- A date override replaces the weekly rules on one host-local date.
-- A row here with no intervals means "unavailable all day".
CREATE TABLE date_overrides (
    user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    date       date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, date)
);

CREATE TABLE date_override_intervals (
    user_id      uuid NOT NULL,
    date         date NOT NULL,
    start_minute integer NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute   integer NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    CHECK (end_minute > start_minute),
    FOREIGN KEY (user_id, date) REFERENCES date_overrides(user_id, date) ON DELETE CASCADE
);
CREATE INDEX idx_date_override_intervals ON date_override_intervals(user_id, date);

CREATE TABLE bookings (
    id                  uuid PRIMARY KEY,
    meeting_type_id     uuid NOT NULL REFERENCES meeting_types(id),
    host_user_id        uuid NOT NULL REFERENCES users(id),
    invitee_name        text NOT NULL,
    invitee_email       text NOT NULL,
    invitee_timezone    text NOT NULL,
    start_time          timestamptz NOT NULL,
    end_time            timestamptz NOT NULL,
    status              text NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled')),
    notes               text NOT NULL DEFAULT '',
    answers             jsonb NOT NULL DEFAULT '{}',
    cancellation_reason text,
    manage_token_hash   text NOT NULL,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (end_time > start_time)
);
CREATE INDEX idx_bookings_host_time ON bookings(host_user_id, start_time, end_time);
CREATE INDEX idx_bookings_meeting_type ON bookings(meeting_type_id, start_time);
CREATE INDEX idx_bookings_status ON bookings(status);
-- "Repeat of a standing booking" lookups and per-type counts.
CREATE INDEX idx_bookings_duplicate ON bookings(meeting_type_id, start_time, invitee_email)
    WHERE status = 'confirmed';

-- Occupancy: one row per (booking, host). Its busy range is the meeting
-- widened by the meeting type's buffers. The exclusion constraint makes
-- the database itself refuse two overlapping active ranges of one host,
-- except rows of one group slot (same group_key), which share their time:
-- two rows conflict when their host is equal, their ranges overlap and
-- their coalesce(group_key, booking_id) differ. A row's own booking id
-- never equals a group key (those read "<type id>@<start>").
CREATE TABLE booking_hosts (
    booking_id      uuid NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    host_user_id    uuid NOT NULL REFERENCES users(id),
    meeting_type_id uuid NOT NULL,
    start_time      timestamptz NOT NULL,  -- the meeting (copied from bookings for the slot reads)
    end_time        timestamptz NOT NULL,
    busy_start      timestamptz NOT NULL,
    busy_end        timestamptz NOT NULL,
    group_key       text,                  -- meeting_type_id@start for group slots, else NULL
    seats           integer NOT NULL DEFAULT 1 CHECK (seats >= 1),
    active          boolean NOT NULL DEFAULT true,
    PRIMARY KEY (booking_id, host_user_id),
    CHECK (busy_end > busy_start AND busy_end - busy_start < interval '1 day'),
    CONSTRAINT booking_hosts_no_overlap EXCLUDE USING gist (
        host_user_id WITH =,
        tstzrange(busy_start, busy_end, '[)') WITH &&,
        (coalesce(group_key, booking_id::text)) WITH <>
    ) WHERE (active)
);
-- The slot engine's read (index-only: every column it returns is here).
-- Every busy range is shorter than one day, so the read scans the slice
-- busy_start in (from - 1 day, to).
CREATE INDEX idx_booking_hosts_host_start ON booking_hosts(host_user_id, busy_start)
    INCLUDE (busy_end, start_time, end_time, meeting_type_id, booking_id) WHERE active;
-- A host's bookings for the list, cancelled ones included.
CREATE INDEX idx_booking_hosts_host ON booking_hosts(host_user_id, booking_id);

-- A group slot holds at most `seats` invitees. Counting is race-free
-- because the trigger first takes a transaction-scoped advisory lock on
-- (host, group_key): two transactions filling the same slot queue there,
-- and the second counts after the first has committed (in READ COMMITTED
-- each statement of this volatile function takes a fresh snapshot). The
-- lock lives in the trigger rather than in the service so the rule holds
-- for any writer, including a direct SQL insert. Namespace 2 of the
-- two-key advisory locks is this trigger's (1 = hosts, 3 = idempotency).
CREATE FUNCTION booking_hosts_seats_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    taken integer;
BEGIN
    PERFORM pg_advisory_xact_lock(2, hashtext(NEW.host_user_id::text || ' ' || NEW.group_key));
    SELECT count(*) INTO taken FROM booking_hosts o
     WHERE o.host_user_id = NEW.host_user_id AND o.active
       AND o.busy_start > NEW.busy_start - interval '1 day' AND o.busy_start < NEW.busy_end
       AND o.group_key = NEW.group_key
       AND (TG_OP = 'INSERT'
            OR NOT (o.booking_id = OLD.booking_id AND o.host_user_id = OLD.host_user_id));
    IF taken >= NEW.seats THEN
        RAISE EXCEPTION 'booking_hosts_seats_full'
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'booking_hosts_seats_full',
                  DETAIL = 'The group slot has no seat left.';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER booking_hosts_seats_insert
BEFORE INSERT ON booking_hosts
FOR EACH ROW WHEN (NEW.active AND NEW.group_key IS NOT NULL)
EXECUTE FUNCTION booking_hosts_seats_check();

CREATE TRIGGER booking_hosts_seats_update
BEFORE UPDATE OF busy_start, busy_end, active, host_user_id, group_key ON booking_hosts
FOR EACH ROW WHEN (NEW.active AND NEW.group_key IS NOT NULL)
EXECUTE FUNCTION booking_hosts_seats_check();

-- Old times of rescheduled bookings.
CREATE TABLE booking_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    booking_id  uuid NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    version     integer NOT NULL,
    start_time  timestamptz NOT NULL,
    end_time    timestamptz NOT NULL,
    reason      text,
    changed_by  text NOT NULL CHECK (changed_by IN ('host', 'invitee')),
    changed_at  timestamptz NOT NULL
);
CREATE INDEX idx_booking_history_booking ON booking_history(booking_id);

CREATE TABLE bookings_archive (
    id                  uuid PRIMARY KEY,
    meeting_type_id     uuid NOT NULL,
    host_user_id        uuid NOT NULL,
    invitee_name        text NOT NULL,
    invitee_email       text NOT NULL,
    invitee_timezone    text NOT NULL,
    start_time          timestamptz NOT NULL,
    end_time            timestamptz NOT NULL,
    status              text NOT NULL,
    notes               text NOT NULL DEFAULT '',
    answers             jsonb NOT NULL DEFAULT '{}',
    cancellation_reason text,
    version             integer NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    archived_at         timestamptz NOT NULL
);
CREATE INDEX idx_bookings_archive_host_time ON bookings_archive(host_user_id, start_time);
CREATE INDEX idx_bookings_archive_archived_at ON bookings_archive(archived_at);

-- Idempotency keys live in the database, written in the booking's own
-- transaction, with a fingerprint of the request and the first answer.
CREATE TABLE idempotency_keys (
    key             text NOT NULL,
    scope           text NOT NULL,                 -- e.g. 'POST /api/bookings'
    fingerprint     text NOT NULL,                 -- SHA-256 of the canonical request
    state           text NOT NULL CHECK (state IN ('in_flight', 'done')),
    response_status integer,
    response_body   text,                          -- sealed by the service, not JSON
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idx_idempotency_expires ON idempotency_keys(expires_at);

-- Transactional outbox: rows written with the change they announce.
-- Workers claim due rows with FOR UPDATE SKIP LOCKED through idx_outbox_due.
CREATE TABLE outbox (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      text NOT NULL UNIQUE,          -- a UUID, or "<uuid>/<suffix>" for derived events
    topic         text NOT NULL,                   -- booking.created, booking.cancelled, …
    aggregate_id  text NOT NULL,
    payload       jsonb NOT NULL,
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'processing', 'done', 'dead')),
    attempts      integer NOT NULL DEFAULT 0,
    available_at  timestamptz NOT NULL,
    lease_until   timestamptz,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_outbox_due ON outbox(status, available_at);

CREATE TABLE email_notifications (
    id                uuid PRIMARY KEY,
    booking_id        uuid REFERENCES bookings(id) ON DELETE CASCADE,
    recipient_email   text NOT NULL,
    notification_type text NOT NULL,
    subject           text NOT NULL,
    body              text NOT NULL,
    message_id        text,
    sent_at           timestamptz,
    status            text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'failed')),
    error             text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_email_notifications_booking ON email_notifications(booking_id);

-- ------------------------------------------------------------------ schedule versions
-- A version per host that every change to what the slot engine reads about
-- that host bumps (holds, rules, overrides, schedule zone, meeting types),
-- trigger for trigger as in the SQLite migration 0003. Slot answers may be
-- computed from cached inputs only while the versions they were read at
-- still hold.

CREATE TABLE schedule_versions (
    user_id uuid PRIMARY KEY,
    version bigint NOT NULL
);

CREATE FUNCTION sv_bump(p_user uuid) RETURNS void LANGUAGE sql AS $$
    INSERT INTO schedule_versions AS s VALUES (p_user, 1)
        ON CONFLICT (user_id) DO UPDATE SET version = s.version + 1;
$$;

-- booking_hosts: the host of the new row, of the old row, or both.
CREATE FUNCTION sv_booking_hosts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM sv_bump(NEW.host_user_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM sv_bump(OLD.host_user_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER sv_booking_hosts AFTER INSERT OR UPDATE OR DELETE ON booking_hosts
FOR EACH ROW EXECUTE FUNCTION sv_booking_hosts();

-- Tables keyed by user_id: the row's user (the new row's, else the old one's).
CREATE FUNCTION sv_user_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM sv_bump(OLD.user_id);
    ELSE
        PERFORM sv_bump(NEW.user_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER sv_rules AFTER INSERT OR UPDATE OR DELETE ON availability_rules
FOR EACH ROW EXECUTE FUNCTION sv_user_row();
CREATE TRIGGER sv_overrides AFTER INSERT OR DELETE ON date_overrides
FOR EACH ROW EXECUTE FUNCTION sv_user_row();
CREATE TRIGGER sv_override_intervals_insert AFTER INSERT ON date_override_intervals
FOR EACH ROW EXECUTE FUNCTION sv_user_row();
CREATE TRIGGER sv_meeting_types_update AFTER UPDATE ON meeting_types
FOR EACH ROW EXECUTE FUNCTION sv_user_row();
CREATE TRIGGER sv_meeting_type_hosts AFTER INSERT OR DELETE ON meeting_type_hosts
FOR EACH ROW EXECUTE FUNCTION sv_user_row();

CREATE FUNCTION sv_users_zone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sv_bump(NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER sv_users_zone AFTER UPDATE OF schedule_time_zone ON users
FOR EACH ROW EXECUTE FUNCTION sv_users_zone();

-- ------------------------------------------------------------------ writer locks
-- Write transactions take a transaction-scoped advisory lock per host
-- (namespace 1) before they read what they are about to check, so that the
-- service's availability check sees every booking committed before it and
-- none can be committed under it until it ends — the guarantee SQLite's
-- BEGIN IMMEDIATE gives. This locks, in one call and in ascending key
-- order (so that two callers never wait on each other in a cycle), the
-- hosts and the owner of a meeting type (an edit of the type bumps the
-- owner's schedule version), the hosts of a booking and the given ones;
-- it returns the users it locked. NULL arguments add nothing.
CREATE FUNCTION calendula_lock_hosts(p_type uuid, p_booking uuid, p_hosts uuid[])
RETURNS SETOF uuid LANGUAGE plpgsql AS $$
DECLARE
    h uuid;
BEGIN
    FOR h IN
        SELECT u FROM (
            SELECT user_id AS u FROM meeting_type_hosts WHERE meeting_type_id = p_type
            UNION SELECT user_id FROM meeting_types WHERE id = p_type
            UNION SELECT host_user_id FROM booking_hosts WHERE booking_id = p_booking
            UNION SELECT unnest(p_hosts)
        ) s WHERE u IS NOT NULL ORDER BY hashtext(u::text), u
    LOOP
        PERFORM pg_advisory_xact_lock(1, hashtext(h::text));
        RETURN NEXT h;
    END LOOP;
END $$;
