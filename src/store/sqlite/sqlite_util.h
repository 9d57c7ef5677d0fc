/*
 * sqlite_util.h — small helpers shared by the SQLite backend files:
 * a per-connection statement cache, binding and reading columns into an
 * arena, savepoints, and mapping SQLite result codes to store_rc.
 */
#ifndef CALENDULA_STORE_SQLITE_UTIL_H
#define CALENDULA_STORE_SQLITE_UTIL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/store_internal.h"

#define SQ_MAX_STMTS 96

/*
 * The process's one connection for write transactions, used by whichever
 * thread holds the write lock. Its page cache stays warm: no other
 * connection of this process writes, so commits do not invalidate it.
 */
typedef struct sq_writer {
    sqlite3 *db;                       /* opened on first use */
    sqlite3_stmt *stmts[SQ_MAX_STMTS];
} sq_writer;

/*
 * A thread's connection. db and stmts point at its own handle, or at the
 * writer's while it holds the write lock (from BEGIN IMMEDIATE to the end
 * of the transaction); every query goes through them.
 */
typedef struct sq_conn {
    store_conn base; /* must be first */
    sqlite3 *db;
    sqlite3_stmt **stmts;
    sqlite3 *own_db;
    sqlite3_stmt *own_stmts[SQ_MAX_STMTS];
    int savepoint_depth;
    bool holds_write_lock;       /* the backend's, from BEGIN IMMEDIATE to the end */
    struct sq_backend *backend;
} sq_conn;

/* Opens a connection with the project's pragmas. NULL on failure (logged). */
sqlite3 *sq_open_db(const char *path, char *err, size_t errsize);

/* The cached prepared statement number id for sql, reset and unbound. */
sqlite3_stmt *sq_stmt(sq_conn *c, int id, const char *sql);

/* Maps a SQLite result code to store_rc, logging unexpected ones. */
store_rc sq_rc(sq_conn *c, int rc, const char *what);

/* Binding: NULL text binds SQL NULL. Positions start at 1. */
void sq_bind_text(sqlite3_stmt *st, int pos, const char *s);
void sq_bind_int64(sqlite3_stmt *st, int pos, int64_t v);

/* A column as an arena string ("" for NULL unless null_ok, then NULL). */
char *sq_col_text(arena *a, sqlite3_stmt *st, int col, bool null_ok);

/* Runs a statement expected to return no rows. */
store_rc sq_exec_stmt(sq_conn *c, sqlite3_stmt *st, const char *what);
/* sq_exec_stmt, and *count gets the rows it changed (0 on failure). */
store_rc sq_exec_count(sq_conn *c, sqlite3_stmt *st, const char *what, int64_t *count);
store_rc sq_exec_sql(sq_conn *c, const char *sql, const char *what);

/*
 * Runs a bound SELECT expected to give at most one row: reader fills out
 * from it. STORE_NOT_FOUND when there is none.
 */
store_rc sq_step_one(sq_conn *c, sqlite3_stmt *st, const char *what,
                     void (*reader)(arena *, sqlite3_stmt *, void *), arena *a, void *out);

/* Savepoints make multi-statement writes atomic inside or outside a transaction. */
store_rc sq_savepoint(sq_conn *c);
store_rc sq_release(sq_conn *c);
void sq_rollback_to(sq_conn *c);

/* Statement cache slots, one per SQL text. */
enum {
    ST_USER_INSERT, ST_USER_BY_ID, ST_USER_BY_EMAIL, ST_USER_BY_USERNAME, ST_USER_UPDATE,
    ST_SESSION_INSERT, ST_SESSION_GET, ST_SESSION_DELETE, ST_SESSION_DELETE_USER,
    ST_MT_INSERT, ST_MT_HOST_INSERT, ST_MT_HOSTS_DELETE, ST_MT_HOSTS_GET, ST_MT_GET,
    ST_MT_GET_SLUG, ST_MT_LIST, ST_MT_LIST_ACTIVE, ST_MT_UPDATE, ST_MT_DELETE,
    ST_RULES_GET, ST_RULES_DELETE, ST_RULE_INSERT,
    ST_OVR_GET, ST_OVR_DELETE, ST_OVR_INSERT, ST_OVR_INTERVAL_INSERT,
    ST_PING, ST_MIGRATION_STATUS, ST_BUSY_GET, ST_BEGIN, ST_BEGIN_IMMEDIATE, ST_COMMIT,
    ST_ROLLBACK, ST_BATCH_SAVEPOINT, ST_BATCH_ROLLBACK_TO, ST_BATCH_RELEASE,
    ST_BK_INSERT, ST_BK_HOST_INSERT, ST_BK_GET, ST_BK_STANDING, ST_BK_IS_HOST, ST_BK_HOSTS,
    ST_BK_MOVE, ST_BK_HOST_MOVE, ST_BK_HISTORY, ST_BK_CANCEL, ST_BK_HOSTS_RELEASE, ST_BK_LIST,
    ST_BK_COUNT, ST_IDEM_GET, ST_IDEM_PURGE, ST_IDEM_CLAIM, ST_IDEM_FINISH,
    ST_IDEM_RELEASE, ST_SCHEDULE_VERSION,
    ST_OB_INSERT_AT, ST_OB_CLAIM, ST_OB_SETTLE, ST_OB_NEXT_DUE, ST_OB_WITHDRAW, ST_OB_LIST,
    ST_OB_LIST_STATUS, ST_OB_REQUEUE_ONE, ST_OB_REQUEUE_DEAD, ST_OB_PURGE_DEAD, ST_OB_PURGE_DONE, ST_EMAIL_RECORD,
    ST_EMAIL_WAS_SENT, ST_SECRET_PUT, ST_SECRET_GET, ST_MT_REMINDERS_PUT,
    ST_COUNT
};
_Static_assert(ST_COUNT <= SQ_MAX_STMTS, "raise SQ_MAX_STMTS");

/* Implemented in sqlite_meeting.c. */
store_rc sq_mt_insert(store_conn *c, const store_meeting_type *m, store_conflict *conflict);
store_rc sq_mt_get(store_conn *c, arena *a, const char *id, const char *user_id,
                   const char *slug, store_meeting_type *out);
store_rc sq_mt_list(store_conn *c, arena *a, const char *user_id, bool active_only,
                    store_meeting_type **out, size_t *count);
store_rc sq_mt_update(store_conn *c, const store_meeting_type *m, store_conflict *conflict);
store_rc sq_mt_delete(store_conn *c, const char *id, int64_t now);

/* Implemented in sqlite_availability.c. */
store_rc sq_rules_get(store_conn *c, arena *a, const char *user_id, store_rule **out,
                      size_t *count);
store_rc sq_rules_replace(store_conn *c, const char *user_id, const store_rule *rules,
                          size_t count, int64_t now);
store_rc sq_overrides_get(store_conn *c, arena *a, const char *user_id, int32_t from_day,
                          int32_t to_day, store_override **out, size_t *count);
store_rc sq_override_put(store_conn *c, const char *user_id, const store_override *o,
                         int64_t now);
store_rc sq_override_delete(store_conn *c, const char *user_id, int32_t day);


store_rc sq_busy_get(store_conn *c, arena *a, const char *host_id, int64_t from, int64_t to,
                     const char *meeting_type_id, const char *exclude_booking,
                        store_busy **out, size_t *count);

/* Implemented in sqlite_booking.c. */
store_rc sq_booking_insert(store_conn *c, const store_booking *b, const store_booking_host *hosts,
                           size_t nhosts);
store_rc sq_booking_get(store_conn *c, arena *a, const char *id, store_booking *out);
store_rc sq_booking_find_standing(store_conn *c, arena *a, const char *meeting_type_id,
                                  int64_t start, const char *email, store_booking *out);
store_rc sq_booking_is_host(store_conn *c, const char *booking_id, const char *user_id);
store_rc sq_booking_hosts_get(store_conn *c, arena *a, const char *booking_id, char ***host_ids,
                              size_t *count);
store_rc sq_booking_move(store_conn *c, const store_booking *b, const store_booking_host *hosts,
                         size_t nhosts, int64_t old_start, int64_t old_end, const char *reason,
                         const char *changed_by);
store_rc sq_booking_cancel(store_conn *c, const store_booking *b);
store_rc sq_booking_list(store_conn *c, arena *a, const store_booking_filter *f,
                         store_booking **out, size_t *count);
store_rc sq_booking_count_type(store_conn *c, const char *meeting_type_id, int64_t *count);
store_rc sq_idem_get(store_conn *c, arena *a, const char *scope, const char *key, int64_t now,
                     store_idempotency *out);
store_rc sq_idem_claim(store_conn *c, const char *scope, const char *key, const char *fingerprint,
                       int64_t now, int64_t expires_at);
store_rc sq_idem_finish(store_conn *c, const char *scope, const char *key, int status,
                        const char *body);
store_rc sq_schedule_version(store_conn *c, const char *user_id, int64_t *version);
store_rc sq_idem_release(store_conn *c, const char *scope, const char *key);

/* Implemented in sqlite_outbox.c (jobs and notifications). */
store_rc sq_outbox_insert_at(store_conn *c, const char *event_id, const char *topic,
                             const char *aggregate_id, const char *payload_json,
                             int64_t available_at, int64_t now);
store_rc sq_outbox_claim(store_conn *c, arena *a, int64_t now, int64_t lease_until, int limit,
                         store_outbox_job **out, size_t *count);
store_rc sq_outbox_settle(store_conn *c, const store_outbox_settlement *s);
store_rc sq_outbox_next_due(store_conn *c, int64_t *when);
store_rc sq_outbox_withdraw(store_conn *c, const char *aggregate_id, const char *topic,
                            const char *note, int64_t now, int64_t *count);
store_rc sq_outbox_list(store_conn *c, arena *a, const char *status, int limit,
                        store_outbox_job **out, size_t *count);
store_rc sq_outbox_requeue(store_conn *c, int64_t id, int64_t now, int64_t *count);
store_rc sq_outbox_purge_dead(store_conn *c, int64_t *count);
store_rc sq_outbox_purge_done(store_conn *c, int64_t before, int limit, int64_t *count);
store_rc sq_email_record(store_conn *c, const store_email_attempt *e);
store_rc sq_email_was_sent(store_conn *c, const char *message_id);
store_rc sq_booking_secret_put(store_conn *c, const char *booking_id, const char *sealed,
                               int64_t now);
store_rc sq_booking_secret_get(store_conn *c, arena *a, const char *booking_id, char **sealed);
store_rc sq_mt_reminders_put(store_conn *c, const store_meeting_type *m);

#endif
