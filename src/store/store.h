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

/* Opens the store named by url ("sqlite:PATH"). err gets a sentence. */
store_rc store_open(const char *url, store **out, char *err, size_t errsize);
void store_close(store *s);
const char *store_backend_name(const store *s);

/* Applies pending migrations; safe to call from several processes. */
store_rc store_migrate(store *s, int *applied_now);

/* The calling thread's connection; opened on first use. NULL if it cannot. */
store_conn *store_conn_get(store *s);

store_rc store_ping(store_conn *c);
store_rc store_migration_status_get(store_conn *c, store_migration_status *out);

/* ---- transactions (write = take the write lock up front) ---- */
store_rc store_begin(store_conn *c, bool write);
store_rc store_commit(store_conn *c);
void store_rollback(store_conn *c);

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
 * The active holds of host_id whose busy range overlaps [from, to),
 * flagged same_type when they belong to meeting_type_id, leaving out
 * exclude_booking (may be NULL; a booking being moved). Reads through
 * the (host, range) index.
 */
store_rc store_busy_get(store_conn *c, arena *a, const char *host_id, int64_t from, int64_t to,
                        const char *meeting_type_id, const char *exclude_booking,
                        store_busy **out, size_t *count);

/* ---- bookings (writes belong inside a write transaction) ---- */

/* STORE_CONFLICT when a host's hold would overlap another (or a group slot is full). */
store_rc store_booking_insert(store_conn *c, const store_booking *b, const store_booking_host *hosts,
                              size_t nhosts);
store_rc store_booking_get(store_conn *c, arena *a, const char *id, store_booking *out);
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
