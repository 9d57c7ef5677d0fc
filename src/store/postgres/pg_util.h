/*
 * pg_util.h — what the PostgreSQL backend files share: the connection
 * (one PGconn per thread, reconnected after an outage), prepared
 * statements run with text parameters, transactions and atomic sections,
 * writer locks, and mapping SQLSTATEs to store_rc.
 *
 * Every op goes through pg_exec, which
 *   - outside a transaction: makes sure the connection is up (resetting a
 *     broken one), retries a statement that lost a deadlock or a
 *     serialization check, and retries a read once after a lost connection;
 *   - inside a transaction: runs once; after a failure the transaction is
 *     spoiled (PostgreSQL aborts it) and every later statement returns
 *     the first failure without reaching the server, until the caller
 *     rolls back. Commit of a spoiled transaction returns that failure.
 */
#ifndef CALENDULA_STORE_PG_UTIL_H
#define CALENDULA_STORE_PG_UTIL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/strbuf.h"
#include "store/store_internal.h"

#define PG_MAX_PARAMS 32
#define PG_MAX_ARRAYS 12
#define PG_TX_HOSTS 16   /* hosts whose writer lock this transaction remembers */
#define PG_UUID_LEN 36

/* Statements, one prepared statement per id and connection. */
enum {
    PS_PING, PS_MIGRATION_STATUS,
    PS_USER_INSERT, PS_USER_BY_ID, PS_USER_BY_EMAIL, PS_USER_BY_USERNAME, PS_USER_UPDATE,
    PS_SESSION_INSERT, PS_SESSION_GET, PS_SESSION_DELETE, PS_SESSION_DELETE_USER,
    PS_MT_INSERT, PS_MT_HOSTS_DELETE, PS_MT_HOSTS_INSERT, PS_MT_GET,
    PS_MT_GET_SLUG, PS_MT_LIST, PS_MT_LIST_ACTIVE, PS_MT_UPDATE, PS_MT_DELETE,
    PS_RULES_GET, PS_RULES_DELETE, PS_RULES_INSERT,
    PS_OVR_GET, PS_OVR_DELETE, PS_OVR_INSERT,
    PS_HOST_SCHEDULE, PS_SCHEDULE_VERSION, PS_LOCK_HOSTS, PS_LOCK_USERS, PS_LOCK_IDEM,
    PS_BK_INSERT, PS_BK_CREATE, PS_BK_GET, PS_BK_GET_LOCK, PS_BK_STANDING, PS_BK_IS_HOST,
    PS_BK_HOSTS,
    PS_BK_MOVE, PS_BK_CANCEL, PS_BK_LIST, PS_BK_COUNT,
    PS_IDEM_GET, PS_IDEM_CLAIM, PS_IDEM_FINISH, PS_IDEM_RELEASE,
    PS_OB_INSERT_AT, PS_OB_INSERT_MANY, PS_OB_CLAIM, PS_OB_SETTLE, PS_OB_NEXT_DUE,
    PS_OB_WITHDRAW, PS_OB_LIST,
    PS_OB_REQUEUE_ONE, PS_OB_REQUEUE_DEAD, PS_OB_PURGE_DEAD, PS_OB_PURGE_DONE, PS_EMAIL_RECORD, PS_EMAIL_WAS_SENT,
    PS_SECRET_PUT, PS_SECRET_GET, PS_MT_REMINDERS_PUT,
    PS_COUNT
};

/* ---- parameters: text values, numbers formatted in place ---- */

typedef struct pg_params {
    int n;
    /* A value no row can hold (a uuid that is no UUID, text that is not
     * UTF-8): nothing can match it, nothing can be stored with it. */
    bool bad_value;
    const char *v[PG_MAX_PARAMS];
    char num[PG_MAX_PARAMS][24];
    strbuf arr[PG_MAX_ARRAYS];
    int narr;
} pg_params;

typedef struct pg_conn {
    store_conn base; /* must be first */
    PGconn *pc;
    bool prepared[PS_COUNT];
    bool session_ok;     /* connected and session settings applied */
    bool down;           /* the last connection attempt failed (logged once) */
    /* Transaction state. */
    bool in_tx;          /* in a transaction (store_begin or an atomic section) */
    const char *begin;   /* its BEGIN, not sent yet: it goes with the first statement */
    struct {             /* a writer lock not sent yet: it goes with the next statement */
        bool pending;
        bool named;      /* hosts are all it locks (pg_lock_users): type, booking remembered */
        char type[PG_UUID_LEN + 1], booking[PG_UUID_LEN + 1]; /* "" = none */
        char hosts[PG_TX_HOSTS][PG_UUID_LEN + 1];
        int nhosts;
    } lock;
    struct {             /* pg_exec_with_commit's statement, not sent yet */
        bool pending;
        int id;
        const char *sql, *what;
        pg_params p;     /* its text values point into buf */
        char *buf;
    } last;
    bool write_tx;       /* store_begin(write = true): take writer locks */
    store_rc tx_rc;      /* first failure inside the transaction, else STORE_OK */
    /* Writer locks held by this transaction (see pg_lock_hosts). */
    char tx_type[PG_UUID_LEN + 1];
    char tx_booking[PG_UUID_LEN + 1];
    char tx_hosts[PG_TX_HOSTS][PG_UUID_LEN + 1];
    int tx_nhosts;
    /* Details of the last failure: conflict mapping and retries. */
    char constraint[64]; /* PG_DIAG_CONSTRAINT_NAME of a constraint violation */
    bool retryable;      /* a deadlock or serialization failure */
} pg_conn;

void pg_params_init(pg_params *p);
/* Frees the arrays' buffers. */
void pg_params_release(pg_params *p);
void pg_p_text(pg_params *p, const char *s); /* NULL binds SQL NULL; s must outlive p */
void pg_p_uuid(pg_params *p, const char *s); /* NULL binds SQL NULL */
void pg_p_int(pg_params *p, int64_t v);
/* An instant (epoch seconds), clamped to a range timestamptz can hold. */
void pg_p_time(pg_params *p, int64_t t);
/* A civil date (days since 1970-01-01), clamped to a range date can hold. */
void pg_p_day(pg_params *p, int32_t day);
void pg_p_bool(pg_params *p, bool b);

/* Array parameters: begin, add elements, end. Elements may be NULL (text). */
strbuf *pg_p_array_begin(pg_params *p);
void pg_array_text(strbuf *sb, const char *s);
void pg_array_int(strbuf *sb, int64_t v);
void pg_p_array_end(pg_params *p, strbuf *sb);

/* ---- running statements ---- */

/*
 * Runs statement id (sql prepared on first use on this connection) with
 * p's values. On STORE_OK *res holds the result (PQclear it; res may be
 * NULL when the caller wants none). With a bad value in p (see pg_params)
 * it answers without a round trip: STORE_CONFLICT for an insert (nothing
 * can refer to or hold it), else STORE_NOT_FOUND (nothing matches it);
 * pg_exec_count then answers STORE_OK with no row changed. what names the
 * op in the log.
 */
store_rc pg_exec(pg_conn *c, int id, const char *sql, const pg_params *p, PGresult **res,
                 const char *what);
/*
 * pg_exec for a write transaction's last statement, which returns nothing
 * the caller needs: it is kept (p's values copied) and sent with the
 * COMMIT in one pipeline, a round trip less, so its failure is
 * pg_tx_commit's answer. Nothing else may run in the transaction after
 * it; if something does, the statement goes first, with it. Outside a
 * transaction it is pg_exec.
 */
store_rc pg_exec_with_commit(pg_conn *c, int id, const char *sql, const pg_params *p,
                             const char *what);
/* pg_exec for a statement that changes rows: *changed gets their count. */
store_rc pg_exec_count(pg_conn *c, int id, const char *sql, const pg_params *p,
                       int64_t *changed, const char *what);

/* Maps the error of a failed result (or of the connection when res is NULL). */
store_rc pg_rc(pg_conn *c, const PGresult *res, const char *what);

/* ---- reading results ---- */

/* A column as an arena string ("" for NULL unless null_ok, then NULL). */
char *pg_text(arena *a, const PGresult *r, int row, int col, bool null_ok);
int64_t pg_int(const PGresult *r, int row, int col); /* NULL and junk read as 0 */
bool pg_bool(const PGresult *r, int row, int col);   /* 't' is true */

/* ---- connection and transactions ---- */

/* Makes a connection for url; never NULL (a failed one is retried on use). */
PGconn *pg_connect(const char *url);
/* After (re)connecting: session settings. false when they cannot be set. */
bool pg_session_setup(PGconn *pc);

/* BEGIN with the given isolation; marks c as in a transaction. */
store_rc pg_tx_begin(pg_conn *c, bool write);
/* COMMIT (or the spoiled transaction's failure); c leaves the transaction. */
store_rc pg_tx_commit(pg_conn *c);
void pg_tx_rollback(pg_conn *c);

/*
 * Runs body atomically: inside the caller's transaction under a savepoint
 * (a failure undoes body alone and leaves the transaction usable, as
 * SQLite's savepoints do), otherwise in a transaction of its own, retried
 * when it loses a deadlock or a serialization check — or, when body is a
 * single statement (one_statement), as that statement alone.
 */
typedef store_rc (*pg_body)(pg_conn *c, void *ctx);
store_rc pg_atomic(pg_conn *c, pg_body body, void *ctx, bool one_statement, const char *what);

/*
 * Writer locks (LOCK_HOSTS_SQL in pg_util.c): in a write
 * transaction, locks the hosts and the owner of meeting type type_id, the
 * hosts of booking booking_id (either may be NULL) and hosts[0..nhosts)
 * before the caller reads what it is going to check (the lock statement
 * travels with the caller's next statement, ahead of it; its failure is
 * that statement's). Remembers what it locked so repeated calls in one
 * transaction cost nothing. A no-op outside write transactions
 * (store_begin(write = true)).
 */
store_rc pg_lock_hosts(pg_conn *c, const char *type_id, const char *booking_id,
                       const char *const *hosts, size_t nhosts);

/*
 * Locks users[0..n) as pg_lock_hosts does, and counts meeting type type_id
 * as locked for the rest of the transaction: for a caller that has read
 * the type and names its owner and hosts, which spares PostgreSQL reading
 * them again. Every writer of a type locks its owner, so writers of one
 * type still run one at a time.
 */
store_rc pg_lock_users(pg_conn *c, const char *type_id, const char *const *users, size_t n);

/* true for a canonical 8-4-4-4-12 hex UUID. */
bool pg_uuid_valid(const char *s);

/* Implemented in pg_meeting.c. */
store_rc pg_mt_insert(store_conn *c, const store_meeting_type *m, store_conflict *conflict);
store_rc pg_mt_get(store_conn *c, arena *a, const char *id, const char *user_id,
                   const char *slug, store_meeting_type *out);
store_rc pg_mt_list(store_conn *c, arena *a, const char *user_id, bool active_only,
                    store_meeting_type **out, size_t *count);
store_rc pg_mt_update(store_conn *c, const store_meeting_type *m, store_conflict *conflict);
store_rc pg_mt_delete(store_conn *c, const char *id, int64_t now);

/* Implemented in pg_availability.c. */
store_rc pg_rules_get(store_conn *c, arena *a, const char *user_id, store_rule **out,
                      size_t *count);
store_rc pg_rules_replace(store_conn *c, const char *user_id, const store_rule *rules,
                          size_t count, int64_t now);
store_rc pg_overrides_get(store_conn *c, arena *a, const char *user_id, int32_t from_day,
                          int32_t to_day, store_override **out, size_t *count);
store_rc pg_override_put(store_conn *c, const char *user_id, const store_override *o,
                         int64_t now);
store_rc pg_override_delete(store_conn *c, const char *user_id, int32_t day);
store_rc pg_host_schedule_get(store_conn *c, arena *a, const store_schedule_query *q,
                              store_host_schedule *out);
store_rc pg_schedule_version(store_conn *c, const char *user_id, int64_t *version);

/* Implemented in pg_booking.c. */
store_rc pg_booking_insert(store_conn *c, const store_booking *b, const store_booking_host *hosts,
                           size_t nhosts);
store_rc pg_booking_create(store_conn *c, const store_booking *b, const store_booking_host *hosts,
                           size_t nhosts, const char *sealed, const store_outbox_row *rows,
                           size_t nrows, int64_t now, bool last);
store_rc pg_booking_get(store_conn *c, arena *a, const char *id, store_booking *out);
store_rc pg_booking_lock_type(store_conn *c, const store_meeting_type *m);
store_rc pg_booking_find_standing(store_conn *c, arena *a, const char *meeting_type_id,
                                  int64_t start, const char *email, store_booking *out);
store_rc pg_booking_is_host(store_conn *c, const char *booking_id, const char *user_id);
store_rc pg_booking_hosts_get(store_conn *c, arena *a, const char *booking_id, char ***host_ids,
                              size_t *count);
store_rc pg_booking_move(store_conn *c, const store_booking *b, const store_booking_host *hosts,
                         size_t nhosts, int64_t old_start, int64_t old_end, const char *reason,
                         const char *changed_by);
store_rc pg_booking_cancel(store_conn *c, const store_booking *b);
store_rc pg_booking_list(store_conn *c, arena *a, const store_booking_filter *f,
                         store_booking **out, size_t *count);
store_rc pg_booking_count_type(store_conn *c, const char *meeting_type_id, int64_t *count);
store_rc pg_idem_get(store_conn *c, arena *a, const char *scope, const char *key, int64_t now,
                     store_idempotency *out);
store_rc pg_idem_claim(store_conn *c, const char *scope, const char *key, const char *fingerprint,
                       int64_t now, int64_t expires_at);
store_rc pg_idem_finish(store_conn *c, const char *scope, const char *key, int status,
                        const char *body);
store_rc pg_idem_release(store_conn *c, const char *scope, const char *key);

/* Implemented in pg_outbox.c. */
store_rc pg_outbox_insert_many(store_conn *c, const store_outbox_row *rows, size_t n,
                               int64_t now);
/* Five array parameters (event ids, topics, aggregates, payloads, due times) for unnest. */
void pg_p_outbox_rows(pg_params *p, const store_outbox_row *rows, size_t n);
store_rc pg_outbox_insert_at(store_conn *c, const char *event_id, const char *topic,
                             const char *aggregate_id, const char *payload_json,
                             int64_t available_at, int64_t now);
store_rc pg_outbox_claim(store_conn *c, arena *a, int64_t now, int64_t lease_until, int limit,
                         store_outbox_job **out, size_t *count);
store_rc pg_outbox_settle(store_conn *c, const store_outbox_settlement *s);
store_rc pg_outbox_next_due(store_conn *c, int64_t *when);
store_rc pg_outbox_withdraw(store_conn *c, const char *aggregate_id, const char *topic,
                            const char *note, int64_t now, int64_t *count);
store_rc pg_outbox_list(store_conn *c, arena *a, const char *status, int limit,
                        store_outbox_job **out, size_t *count);
store_rc pg_outbox_requeue(store_conn *c, int64_t id, int64_t now, int64_t *count);
store_rc pg_outbox_purge_dead(store_conn *c, int64_t *count);
store_rc pg_outbox_purge_done(store_conn *c, int64_t before, int limit, int64_t *count);
store_rc pg_email_record(store_conn *c, const store_email_attempt *e);
store_rc pg_email_was_sent(store_conn *c, const char *message_id);
store_rc pg_booking_secret_put(store_conn *c, const char *booking_id, const char *sealed,
                               int64_t now);
store_rc pg_booking_secret_get(store_conn *c, arena *a, const char *booking_id, char **sealed);
store_rc pg_mt_reminders_put(store_conn *c, const store_meeting_type *m);

/* SQL for "epoch seconds of a timestamptz column". */
#define PG_EPOCH(col) "extract(epoch from " col ")::bigint"

#endif
