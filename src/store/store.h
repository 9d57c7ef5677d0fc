/*
 * store.h — the persistence interface the services use.
 *
 * A `store` is opened once per process from CALENDULA_DATABASE_URL and
 * shared by all threads. Each thread works through its own `store_conn`
 * (store_conn_get), so there is no global lock around the database.
 * Backends (store/sqlite/, later store/postgres/) implement store_ops; the
 * services only see the functions below and never learn which backend
 * they talk to.
 *
 * Ownership: every string or array a read function returns is allocated
 * in the arena the caller passes and lives as long as that arena.
 * Instants are int64 seconds since the epoch (UTC); wall-clock times are
 * minutes since local midnight; civil dates are days since 1970-01-01.
 */
#ifndef CALENDULA_STORE_STORE_H
#define CALENDULA_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

typedef enum store_rc {
    STORE_OK = 0,
    STORE_NOT_FOUND,   /* no such row */
    STORE_CONFLICT,    /* a unique/exclusion constraint; see *conflict */
    STORE_BUSY,        /* lock not obtained in time; the caller may retry */
    STORE_UNAVAILABLE, /* the database cannot be reached */
    STORE_ERROR,       /* anything else; logged by the backend */
} store_rc;

typedef enum store_conflict {
    STORE_CONFLICT_NONE = 0,
    STORE_CONFLICT_EMAIL,
    STORE_CONFLICT_USERNAME,
    STORE_CONFLICT_SLUG,
    STORE_CONFLICT_OTHER,
} store_conflict;

typedef struct store store;
typedef struct store_conn store_conn;

#define STORE_MAX_REMINDERS 8

typedef struct store_user {
    char *id;
    char *email;
    char *username;
    char *name;
    char *time_zone;
    char *schedule_time_zone; /* zone of the weekly rules and overrides */
    char *role;
    char *password_hash;
    int64_t created_at;
    int64_t updated_at;
} store_user;

typedef struct store_session {
    char *token_hash; /* SHA-256 hex of the token; the token itself is never stored */
    char *user_id;
    char *csrf_token;
    int64_t created_at;
    int64_t expires_at;
} store_session;

typedef struct store_meeting_type {
    char *id;
    char *user_id;
    char *name;
    char *slug;
    char *description;
    char *kind; /* one_on_one | group | collective | round_robin */
    int duration_minutes;
    int buffer_before_minutes;
    int buffer_after_minutes;
    int slot_interval_minutes;
    int min_notice_minutes;
    int booking_window_days;
    int max_bookings_per_day; /* 0 = no limit (null in the API) */
    int seats;
    char *questions_json; /* validated JSON array text */
    char *location;
    char *color;
    bool is_active;
    char **host_ids; /* in order; the owner first by default */
    size_t nhosts;
    int64_t created_at;
    int64_t updated_at;
    /* Reminder lead times (minutes before the start, descending), read with
     * the type by the meeting type reads and written only by
     * store_meeting_type_reminders_put, not by insert or update.
     * reminders_custom false = the server default. */
    bool reminders_custom;
    int reminder_minutes[STORE_MAX_REMINDERS];
    int nreminders;
} store_meeting_type;

typedef struct store_window {
    int start_minute;
    int end_minute;
} store_window;

typedef struct store_rule {
    char *id;
    int day_of_week;
    int start_minute;
    int end_minute;
} store_rule;

typedef struct store_override {
    int32_t day;
    store_window *windows; /* empty = closed all day */
    size_t nwindows;
} store_override;

/* A standing booking's hold on one host, as the slot engine needs it. */
typedef struct store_busy {
    int64_t start, end;           /* the meeting */
    int64_t busy_start, busy_end; /* widened by its meeting type's buffers */
    bool same_type;               /* of the meeting type being asked about */
    int seats;                    /* invitees it holds */
} store_busy;

typedef struct store_booking {
    char *id;
    char *meeting_type_id;
    char *host_user_id; /* the assigned (first) host */
    char *invitee_name;
    char *invitee_email; /* lowercased */
    char *invitee_timezone;
    int64_t start_time;
    int64_t end_time;
    char *status; /* confirmed | cancelled */
    char *notes;
    char *answers_json;
    char *cancellation_reason; /* NULL unless cancelled */
    char *manage_token_hash;
    int version;
    int64_t created_at;
    int64_t updated_at;
    char *invitee_locale; /* language tag for the invitee's emails ("de-DE"); NULL = en-US */
} store_booking;

/* One host's hold for a booking. */
typedef struct store_booking_host {
    const char *host_user_id;
    int64_t busy_start, busy_end;
    const char *group_key; /* group slots share it; NULL otherwise */
    int seats;
} store_booking_host;

typedef struct store_booking_filter {
    const char *host_user_id;
    const char *status; /* NULL = any */
    int64_t from, to;   /* start_time in [from, to) */
    int64_t after_start; /* cursor: (start_time, id) > (after_start, after_id) */
    const char *after_id; /* NULL = from the beginning */
    int limit;
} store_booking_filter;

typedef struct store_idempotency {
    char *fingerprint;
    bool done;
    int status;
    char *body; /* as stored (the service encrypts it) */
    int64_t created_at;
} store_idempotency;

typedef struct store_migration_status {
    int applied;  /* highest applied version */
    int known;    /* highest version this binary carries */
} store_migration_status;

/* ---- lifecycle ---- */

/*
 * Opens the store named by url: "sqlite:PATH", or "postgres://…" /
 * "postgresql://…" (libpq URL; PG* variables fill the gaps). err gets a
 * sentence, never the URL's password.
 */
store_rc store_open(const char *url, store **out, char *err, size_t errsize);
void store_close(store *s);
const char *store_backend_name(const store *s);

/* Applies pending migrations; safe to call from several processes. */
store_rc store_migrate(store *s, int *applied_now);

/* The calling thread's connection; opened on first use. NULL if it cannot. */
store_conn *store_conn_get(store *s);

/*
 * The calling thread is done with the store for now (a request has ended;
 * no transaction may be open). On PostgreSQL its connection goes back to
 * the idle list, for whichever thread needs one next: the server holds as
 * many connections as requests run at once (--max-active), not one for
 * each client connected, and PostgreSQL's max_connections is not spent on
 * idle keep-alive clients. On SQLite the thread keeps its connection.
 */
void store_conn_release(store *s);

store_rc store_ping(store_conn *c);
store_rc store_migration_status_get(store_conn *c, store_migration_status *out);

/* ---- transactions (write = take the write lock up front) ---- */
store_rc store_begin(store_conn *c, bool write);
store_rc store_commit(store_conn *c);
void store_rollback(store_conn *c);

/*
 * A unit of write work: runs inside a write transaction on c and returns
 * STORE_OK to keep what it wrote, anything else to have all of it undone.
 */
typedef store_rc (*store_write_fn)(store_conn *c, void *ctx);

/*
 * Runs fn in a write transaction and commits it durably before returning.
 * The store may run fn on another thread's connection, in one transaction
 * with other callers' work (in a savepoint of its own, so that undoing one
 * leaves the others): fn reaches the database only through the c it is
 * given, keeps its state in ctx and must not begin or end transactions.
 * When the database aborts the transaction to break a deadlock or a
 * serialization conflict (PostgreSQL), the store undoes it and runs fn
 * again, a few times at most: each run of fn must start afresh, setting
 * whatever it reports through ctx anew.
 * Returns fn's result when it is not STORE_OK (nothing of fn's is kept),
 * else the commit's.
 */
store_rc store_write(store_conn *c, store_write_fn fn, void *ctx);

/* ---- users and sessions ---- */
store_rc store_user_insert(store_conn *c, const store_user *u, store_conflict *conflict);
store_rc store_user_get(store_conn *c, arena *a, const char *id, store_user *out);
store_rc store_user_get_by_email(store_conn *c, arena *a, const char *email, store_user *out);
store_rc store_user_get_by_username(store_conn *c, arena *a, const char *username, store_user *out);
/* Writes name, time_zone, schedule_time_zone, password_hash, updated_at. */
store_rc store_user_update(store_conn *c, const store_user *u);

store_rc store_session_insert(store_conn *c, const store_session *s);
store_rc store_session_get(store_conn *c, arena *a, const char *token_hash, int64_t now,
                           store_session *out);
store_rc store_session_delete(store_conn *c, const char *token_hash);
/* Removes every session of a user except keep_hash (may be NULL). */
store_rc store_session_delete_user(store_conn *c, const char *user_id, const char *keep_hash);

/* ---- meeting types ---- */
store_rc store_meeting_type_insert(store_conn *c, const store_meeting_type *m,
                                   store_conflict *conflict);
store_rc store_meeting_type_get(store_conn *c, arena *a, const char *id, store_meeting_type *out);
store_rc store_meeting_type_get_by_slug(store_conn *c, arena *a, const char *user_id,
                                        const char *slug, store_meeting_type *out);
/* Lists a user's types ordered by creation; active_only filters. */
store_rc store_meeting_type_list(store_conn *c, arena *a, const char *user_id, bool active_only,
                                 store_meeting_type **out, size_t *count);
store_rc store_meeting_type_update(store_conn *c, const store_meeting_type *m,
                                   store_conflict *conflict);
/* Soft delete: the row stays for bookings that refer to it; the slug is freed. */
store_rc store_meeting_type_delete(store_conn *c, const char *id, int64_t now);

/* ---- weekly rules and date overrides ---- */
store_rc store_rules_get(store_conn *c, arena *a, const char *user_id, store_rule **out,
                         size_t *count);
/* Replaces all of a user's rules (call inside a write transaction). */
store_rc store_rules_replace(store_conn *c, const char *user_id, const store_rule *rules,
                             size_t count, int64_t now);

/* Overrides with from_day <= day <= to_day, sorted by day. */
store_rc store_overrides_get(store_conn *c, arena *a, const char *user_id, int32_t from_day,
                             int32_t to_day, store_override **out, size_t *count);
store_rc store_override_put(store_conn *c, const char *user_id, const store_override *o,
                            int64_t now);
store_rc store_override_delete(store_conn *c, const char *user_id, int32_t day);


/* ---- occupancy ---- */

/*
 * What the slot engine needs of one host, in one read where the backend
 * can: the zone its schedule is kept in, its active weekly rules (ids may
 * be NULL) and its overrides with from_day <= day <= to_day, as
 * store_user_get, store_rules_get and store_overrides_get give them; and
 * its active holds whose busy range overlaps [busy_from, busy_to), by
 * busy_start, flagged same_type when they belong to meeting_type_id,
 * leaving out exclude_booking (a booking being moved). STORE_NOT_FOUND
 * when there is no such user.
 */
typedef struct store_host_schedule {
    char *zone;
    store_rule *rules;
    size_t nrules;
    store_override *overrides;
    size_t noverrides;
    store_busy *busy;
    size_t nbusy;
} store_host_schedule;

typedef struct store_schedule_query {
    const char *host_id;
    int32_t from_day, to_day;
    int64_t busy_from, busy_to;
    const char *meeting_type_id; /* marks the holds of this type (same_type) */
    const char *exclude_booking; /* may be NULL */
} store_schedule_query;

store_rc store_host_schedule_get(store_conn *c, arena *a, const store_schedule_query *q,
                                 store_host_schedule *out);

/* ---- bookings (writes belong inside a write transaction) ---- */

/* STORE_CONFLICT when a host's hold would overlap another (or a group slot is full). */
store_rc store_booking_insert(store_conn *c, const store_booking *b, const store_booking_host *hosts,
                              size_t nhosts);
store_rc store_booking_get(store_conn *c, arena *a, const char *id, store_booking *out);
/*
 * In a write transaction, before its first read of m's bookings: guards
 * them for the rest of the transaction with the owner and hosts of m as
 * the caller read it, so the store need not read them again. Where writes
 * are serial (SQLite) it does nothing; without it the reads of a type's
 * bookings guard them by its id (PostgreSQL's writer locks, pg_store.c).
 */
store_rc store_lock_meeting_type(store_conn *c, const store_meeting_type *m);
/* A confirmed booking of that type, start and invitee email. */
store_rc store_booking_find_standing(store_conn *c, arena *a, const char *meeting_type_id,
                                     int64_t start, const char *email, store_booking *out);
/* STORE_OK when user_id holds the booking as a host, else STORE_NOT_FOUND. */
store_rc store_booking_is_host(store_conn *c, const char *booking_id, const char *user_id);
store_rc store_booking_hosts_get(store_conn *c, arena *a, const char *booking_id,
                                 char ***host_ids, size_t *count);
/*
 * Moves a booking: new start/end/version/updated_at from b, new holds
 * for each host; records the old times in booking_history.
 */
store_rc store_booking_move(store_conn *c, const store_booking *b, const store_booking_host *hosts,
                            size_t nhosts, int64_t old_start, int64_t old_end, const char *reason,
                            const char *changed_by);
/* Marks cancelled (status, reason, version, updated_at from b) and releases the holds. */
store_rc store_booking_cancel(store_conn *c, const store_booking *b);
store_rc store_booking_list(store_conn *c, arena *a, const store_booking_filter *f,
                            store_booking **out, size_t *count);
/* Confirmed bookings of a meeting type (round-robin rotation). */
store_rc store_booking_count_type(store_conn *c, const char *meeting_type_id, int64_t *count);

/* ---- cache validation ---- */
/* The schedule version of a user (0 when nothing was ever recorded). */
store_rc store_schedule_version(store_conn *c, const char *user_id, int64_t *version);

/* ---- outbox ---- */
store_rc store_outbox_insert(store_conn *c, const char *event_id, const char *topic,
                             const char *aggregate_id, const char *payload_json, int64_t now);

/* ---- jobs: processing the outbox ----
 *
 * Rows move pending → processing (claimed under a lease) → done | pending
 * (retry later) | dead (parked after the last attempt). `attempts` counts
 * claims, so the value a claim returns identifies that claim: every later
 * write about the row passes it back as a fence and fails with
 * STORE_NOT_FOUND when the lease was lost (it expired and another worker
 * claimed the row). All instants are seconds since the epoch.
 */
typedef struct store_outbox_job {
    int64_t id;
    char *event_id;
    char *topic;
    char *aggregate_id;
    char *payload_json;
    char *status;     /* pending | processing | done | dead */
    int attempts;
    int64_t available_at;
    int64_t lease_until; /* 0 when not leased */
    char *last_error;    /* NULL when none */
    int64_t created_at;
    int64_t updated_at;
} store_outbox_job;

/* How a claimed row ends up; see store_outbox_settle. */
typedef struct store_outbox_settlement {
    int64_t id;
    int claimed_attempts;   /* `attempts` as the claim returned it: the fence */
    const char *status;     /* "done", "pending" (retry) or "dead" */
    int attempts;           /* value to store (claimed_attempts, or one less to give it back) */
    int64_t available_at;   /* next try, for "pending" */
    const char *last_error; /* stored as is; NULL clears it */
    int64_t now;
} store_outbox_settlement;

/*
 * True when the backend runs one write transaction at a time (SQLite):
 * reads done before a write instead of inside it then shorten the one
 * queue every write waits in. Otherwise (PostgreSQL: writers of different
 * hosts run side by side) reading twice only adds work.
 */
bool store_serial_writes(const store *s);

/* True when the backend implements every jobs and notification op below
 * (a backend being written may not yet; callers then skip that work). */
bool store_supports_jobs(const store *s);

/* Like store_outbox_insert, but the row is due at available_at (reminders). */
store_rc store_outbox_insert_at(store_conn *c, const char *event_id, const char *topic,
                                const char *aggregate_id, const char *payload_json,
                                int64_t available_at, int64_t now);

typedef struct store_outbox_row {
    const char *event_id;
    const char *topic;
    const char *aggregate_id;
    const char *payload_json;
    int64_t available_at;
} store_outbox_row;

/* store_outbox_insert_at for n rows at once (one statement where the backend can). */
store_rc store_outbox_insert_many(store_conn *c, const store_outbox_row *rows, size_t n,
                                  int64_t now);

/*
 * A new booking with all it writes: store_booking_insert, then its sealed
 * manage token (store_booking_secret_put; none when sealed is NULL) and
 * its outbox rows (store_outbox_insert_many), in one statement where the
 * backend can. STORE_CONFLICT as store_booking_insert.
 *
 * last: nothing but store_commit follows in this transaction. PostgreSQL
 * then sends the statement with the COMMIT, a round trip less, and its
 * failure (STORE_CONFLICT, say) is store_commit's answer instead.
 */
store_rc store_booking_create(store_conn *c, const store_booking *b,
                              const store_booking_host *hosts, size_t nhosts, const char *sealed,
                              const store_outbox_row *rows, size_t nrows, int64_t now, bool last);

/*
 * Claims up to `limit` due rows, earliest available_at first (then id):
 * pending rows with available_at <= now, and processing rows whose
 * lease_until <= now (their worker died or stalled). Each claimed row
 * becomes processing with lease_until, attempts + 1 and updated_at = now,
 * and is returned as it is after the change (in the arena). Concurrent
 * claimers never get the same row: SQLite runs one
 *   UPDATE outbox SET … WHERE id IN (SELECT id … ORDER BY … LIMIT n) RETURNING …
 * under its single-writer lock; PostgreSQL must use
 *   UPDATE outbox o SET … FROM (SELECT id FROM outbox WHERE … ORDER BY
 *   available_at, id LIMIT n FOR UPDATE SKIP LOCKED) d WHERE o.id = d.id RETURNING …
 * so that claimers skip each other's rows instead of waiting. *count may be 0.
 */
store_rc store_outbox_claim(store_conn *c, arena *a, int64_t now, int64_t lease_until, int limit,
                            store_outbox_job **out, size_t *count);

/* store_outbox_claim in a write transaction of its own, committed. */
store_rc store_outbox_claim_tx(store_conn *c, arena *a, int64_t now, int64_t lease_until,
                               int limit, store_outbox_job **out, size_t *count);

/*
 * Ends a claim: writes status, attempts, available_at, last_error and
 * updated_at, and clears the lease, only if the row is still processing
 * with attempts == claimed_attempts. STORE_NOT_FOUND when the lease was
 * lost (nothing is written).
 */
store_rc store_outbox_settle(store_conn *c, const store_outbox_settlement *s);

/*
 * The earliest instant at which a row may become claimable: the minimum
 * of pending rows' available_at and processing rows' lease_until.
 * STORE_NOT_FOUND when there are neither.
 */
store_rc store_outbox_next_due(store_conn *c, int64_t *when);

/*
 * Withdraws the pending rows of aggregate_id with that topic (reminders of
 * a booking that moved or was cancelled): they become done with
 * last_error = note. Rows being processed are left alone (their handler
 * checks the booking). *count gets the number withdrawn (may be NULL).
 */
store_rc store_outbox_withdraw(store_conn *c, const char *aggregate_id, const char *topic,
                               const char *note, int64_t now, int64_t *count);

/* Rows with that status (NULL = any), by id ascending, at most limit. */
store_rc store_outbox_list(store_conn *c, arena *a, const char *status, int limit,
                           store_outbox_job **out, size_t *count);

/*
 * Makes rows due again now with attempts 0 (last_error is kept): the row
 * `id` when id > 0 (any status but processing; STORE_NOT_FOUND otherwise),
 * or every dead row when id == 0. *count gets the number changed.
 */
store_rc store_outbox_requeue(store_conn *c, int64_t id, int64_t now, int64_t *count);

/* Deletes every dead row; *count gets how many. */
store_rc store_outbox_purge_dead(store_conn *c, int64_t *count);

/* Deletes up to `limit` done rows last changed before `before` (retention);
 * *count gets how many. */
store_rc store_outbox_purge_done(store_conn *c, int64_t before, int limit, int64_t *count);

/* One delivery attempt of one email (table email_notifications). */
typedef struct store_email_attempt {
    const char *id;            /* a new UUID */
    const char *booking_id;
    const char *recipient_email;
    const char *notification_type; /* confirmation, reschedule, cancellation, reminder */
    const char *subject;
    const char *body;          /* the plain text, secrets removed */
    const char *message_id;
    bool sent;                 /* status sent, else failed */
    const char *error;         /* NULL when sent */
    int64_t created_at;        /* also sent_at when sent */
} store_email_attempt;

store_rc store_email_record(store_conn *c, const store_email_attempt *e);

/* STORE_OK when an attempt with this Message-ID was sent, else STORE_NOT_FOUND. */
store_rc store_email_was_sent(store_conn *c, const char *message_id);

/*
 * The booking's manage token sealed with the server key (secure_seal), so
 * later emails can carry the invitee's manage link; the token itself is
 * stored only as a hash. put inserts or replaces; get gives an arena copy.
 */
store_rc store_booking_secret_put(store_conn *c, const char *booking_id, const char *sealed,
                                  int64_t now);
store_rc store_booking_secret_get(store_conn *c, arena *a, const char *booking_id,
                                  char **sealed);

/* Stores m's reminder fields for type m->id (custom false = back to the default). */
store_rc store_meeting_type_reminders_put(store_conn *c, const store_meeting_type *m);

/* ---- idempotency keys ---- */
/* The unexpired entry for (scope, key), or STORE_NOT_FOUND. */
store_rc store_idem_get(store_conn *c, arena *a, const char *scope, const char *key, int64_t now,
                        store_idempotency *out);
/* Claims (scope, key) as in flight; replaces an expired entry. CONFLICT if taken. */
store_rc store_idem_claim(store_conn *c, const char *scope, const char *key,
                          const char *fingerprint, int64_t now, int64_t expires_at);
store_rc store_idem_finish(store_conn *c, const char *scope, const char *key, int status,
                           const char *body);
store_rc store_idem_release(store_conn *c, const char *scope, const char *key);

#endif
