/*
 * pg_store.c — the scale-out store: store_ops on PostgreSQL through libpq.
 *
 * One PGconn per thread (store.c hands each thread its own store_conn),
 * prepared statements prepared once per connection, statement_timeout
 * set at connect. Behaviour matches the SQLite backend op for op: same
 * return codes, same conflicts, same orderings. How the differences
 * between the two databases are bridged:
 *
 *  - Writers. SQLite's BEGIN IMMEDIATE makes every write transaction run
 *    alone, so a check followed by an insert cannot be overtaken. Here a
 *    write transaction runs in READ COMMITTED and takes a transaction-
 *    scoped advisory lock per host (pg_lock_hosts) just before it reads
 *    what it checks: the host's bookings (host_schedule_get) or a
 *    standing booking of the type (find_standing); idempotency keys get a
 *    lock of their own (idem_get) and a moved or cancelled booking its row lock
 *    (booking_get ... FOR UPDATE). Writers of other hosts run in parallel.
 *    The exclusion constraint on booking_hosts is the hard guarantee
 *    underneath: even a writer that skipped the locks cannot double-book.
 *  - Failures inside a transaction abort it in PostgreSQL. Ops that SQLite
 *    runs under a savepoint do the same here (pg_atomic), so their failure
 *    leaves the caller's transaction usable; after any other failure the
 *    services roll back, as they do on SQLite.
 *  - Outages. A broken connection is reset on its next use outside a
 *    transaction; while the server is away every op answers
 *    STORE_UNAVAILABLE (503), never a guess. Reads and BEGIN are retried
 *    once after a reconnect; deadlocks and serialization failures of
 *    statements outside a caller's transaction are retried a few times.
 *
 * Files: pg_util.c (connection, statements, transactions, locks),
 * pg_meeting.c, pg_availability.c, pg_booking.c, pg_outbox.c (jobs and
 * notifications); the schema is in migrations/postgres/.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "store/migrations.h"
#include "store/postgres/pg_util.h"

typedef struct pg_backend {
    char *url;
} pg_backend;

/* ---------------------------------------------------------------- lifecycle */

static store_rc pgs_open(const char *url, void **backend, char *err, size_t errsize)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &msg);
    if (!opts) {
        snprintf(err, errsize, "invalid PostgreSQL URL: %s", msg ? msg : "out of memory");
        PQfreemem(msg);
        return STORE_ERROR;
    }
    PQconninfoFree(opts);
    pg_backend *b = xcalloc(1, sizeof(*b));
    b->url = xstrdup(url);
    *backend = b;
    return STORE_OK;
}

static void pgs_close(void *backend)
{
    pg_backend *b = backend;
    free(b->url);
    free(b);
}

/* Never NULL: a connection that cannot be made now is retried on use. */
static store_conn *pgs_conn_open(void *backend)
{
    pg_backend *b = backend;
    pg_conn *c = xcalloc(1, sizeof(*c));
    c->pc = pg_connect(b->url);
    c->session_ok = PQstatus(c->pc) == CONNECTION_OK && pg_session_setup(c->pc);
    if (!c->session_ok) { /* the PGconn keeps its parameters: PQreset retries it */
        log_msg(LOG_WARN, "postgres: cannot connect: %.*s",
                (int)strcspn(PQerrorMessage(c->pc), "\n"), PQerrorMessage(c->pc));
        c->down = true;
    }
    return &c->base;
}

static void pgs_conn_close(store_conn *base)
{
    pg_conn *c = (pg_conn *)base;
    pg_tx_rollback(c);
    PQfinish(c->pc);
    free(c);
}

/* ---------------------------------------------------------------- migrations */

static bool migrate_exec(PGconn *pc, const char *sql, const char *what)
{
    PGresult *r = PQexec(pc, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        log_msg(LOG_ERROR, "migration %s failed: %s", what, PQerrorMessage(pc));
    PQclear(r);
    return ok;
}

static int applied_version(PGconn *pc)
{
    PGresult *r = PQexec(pc, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    int v = PQresultStatus(r) == PGRES_TUPLES_OK ? (int)strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    if (v < 0)
        log_msg(LOG_ERROR, "migration: cannot read schema_migrations: %s", PQerrorMessage(pc));
    PQclear(r);
    return v;
}

/* Applies migration m and records it, in one transaction. */
static bool migrate_one(PGconn *pc, const store_migration *m)
{
    if (!migrate_exec(pc, "BEGIN", m->name))
        return false;
    char version[16];
    snprintf(version, sizeof(version), "%d", m->version);
    const char *vals[] = {version, m->name};
    bool ok = migrate_exec(pc, m->sql, m->name);
    if (ok) {
        PGresult *r = PQexecParams(pc, "INSERT INTO schema_migrations (version, name)"
                                       " VALUES ($1, $2)", 2, NULL, vals, NULL, NULL, 0);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            log_msg(LOG_ERROR, "migration %s failed: %s", m->name, PQerrorMessage(pc));
        PQclear(r);
    }
    if (ok)
        ok = migrate_exec(pc, "COMMIT", m->name);
    if (!ok)
        PQclear(PQexec(pc, "ROLLBACK"));
    return ok;
}

/*
 * Concurrent migrators (several `serve` processes starting together) queue
 * on a session advisory lock; the later ones find nothing left to do.
 * No statement_timeout here: a migration may take long, and so may
 * waiting for another process's.
 */
static store_rc pgs_migrate(void *backend, int *applied_now)
{
    pg_backend *b = backend;
    *applied_now = 0;
    PGconn *pc = pg_connect(b->url);
    if (PQstatus(pc) != CONNECTION_OK) {
        log_msg(LOG_ERROR, "postgres: cannot connect to migrate: %s", PQerrorMessage(pc));
        PQfinish(pc);
        return STORE_UNAVAILABLE;
    }
    store_rc rc = STORE_ERROR;
    if (!migrate_exec(pc, "SET statement_timeout = 0; SET TimeZone = 'UTC'", "setup") ||
        !migrate_exec(pc, "SELECT pg_advisory_lock(hashtext('calendula schema migrations'))",
                      "lock"))
        goto out;
    if (!migrate_exec(pc, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                          " version integer PRIMARY KEY, name text NOT NULL,"
                          " applied_at timestamptz NOT NULL DEFAULT now())",
                      "schema_migrations"))
        goto unlock;
    int v = applied_version(pc);
    if (v < 0)
        goto unlock;
    for (; v < store_postgres_migrations_count; v++) {
        if (!migrate_one(pc, &store_postgres_migrations[v]))
            goto unlock;
        (*applied_now)++;
    }
    rc = STORE_OK;
unlock:
    migrate_exec(pc, "SELECT pg_advisory_unlock_all()", "unlock");
out:
    PQfinish(pc);
    return rc;
}

/* ---------------------------------------------------------------- health */

static store_rc pgs_ping(store_conn *base)
{
    return pg_exec((pg_conn *)base, PS_PING, "SELECT 1", NULL, NULL, "ping");
}

static store_rc pgs_migration_status(store_conn *base, store_migration_status *out)
{
    pg_conn *c = (pg_conn *)base;
    out->known = store_postgres_migrations_count;
    out->applied = 0;
    PGresult *res;
    store_rc r = pg_exec(c, PS_MIGRATION_STATUS,
                         "SELECT coalesce(max(version), 0) FROM schema_migrations", NULL, &res,
                         "migration status");
    if (r != STORE_OK)
        return r;
    out->applied = (int)pg_int(res, 0, 0);
    PQclear(res);
    return STORE_OK;
}

/* ---------------------------------------------------------------- transactions */

static store_rc pgs_begin(store_conn *base, bool write)
{
    return pg_tx_begin((pg_conn *)base, write);
}

static store_rc pgs_commit(store_conn *base)
{
    return pg_tx_commit((pg_conn *)base);
}

static void pgs_rollback(store_conn *base)
{
    pg_tx_rollback((pg_conn *)base);
}

/* store_write: fn in a transaction of its own, run again after a lost deadlock (pg_atomic). */
typedef struct write_call {
    store_write_fn fn;
    void *ctx;
} write_call;

static store_rc write_body(pg_conn *c, void *ctx)
{
    write_call *w = ctx;
    return w->fn(&c->base, w->ctx);
}

static store_rc pgs_write(store_conn *base, store_write_fn fn, void *ctx)
{
    pg_conn *c = (pg_conn *)base;
    if (c->in_tx) {
        log_msg(LOG_ERROR, "postgres write: already in a transaction");
        return STORE_ERROR;
    }
    write_call w = {fn, ctx};
    return pg_atomic(c, write_body, &w, false, "write");
}

/* ---------------------------------------------------------------- users */

#define USER_COLS "id, email, username, name, time_zone, schedule_time_zone, role," \
    " password_hash, " PG_EPOCH("created_at") ", " PG_EPOCH("updated_at")

static store_conflict user_conflict(const pg_conn *c)
{
    if (strcmp(c->constraint, "users_email_key") == 0)
        return STORE_CONFLICT_EMAIL;
    if (strcmp(c->constraint, "users_username_key") == 0)
        return STORE_CONFLICT_USERNAME;
    return STORE_CONFLICT_OTHER;
}

static store_rc pgs_user_insert(store_conn *base, const store_user *u, store_conflict *conflict)
{
    pg_conn *c = (pg_conn *)base;
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, u->id);
    pg_p_text(&p, u->email);
    pg_p_text(&p, u->username);
    pg_p_text(&p, u->name);
    pg_p_text(&p, u->time_zone);
    pg_p_text(&p, u->schedule_time_zone);
    pg_p_text(&p, u->role);
    pg_p_text(&p, u->password_hash);
    pg_p_time(&p, u->created_at);
    pg_p_time(&p, u->updated_at);
    c->constraint[0] = '\0';
    store_rc r = pg_exec(c, PS_USER_INSERT,
                         "INSERT INTO users (id, email, username, name, time_zone,"
                         " schedule_time_zone, role, password_hash, created_at, updated_at)"
                         " VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9),"
                         " to_timestamp($10))",
                         &p, NULL, "user insert");
    *conflict = r == STORE_CONFLICT ? user_conflict(c) : STORE_CONFLICT_NONE;
    return r;
}

static void read_user(arena *a, const PGresult *r, store_user *u)
{
    u->id = pg_text(a, r, 0, 0, false);
    u->email = pg_text(a, r, 0, 1, false);
    u->username = pg_text(a, r, 0, 2, false);
    u->name = pg_text(a, r, 0, 3, false);
    u->time_zone = pg_text(a, r, 0, 4, false);
    u->schedule_time_zone = pg_text(a, r, 0, 5, false);
    u->role = pg_text(a, r, 0, 6, false);
    u->password_hash = pg_text(a, r, 0, 7, false);
    u->created_at = pg_int(r, 0, 8);
    u->updated_at = pg_int(r, 0, 9);
}

static store_rc pgs_user_get(store_conn *base, arena *a, const char *column, const char *value,
                             store_user *out)
{
    pg_conn *c = (pg_conn *)base;
    pg_params p;
    pg_params_init(&p);
    PGresult *res;
    store_rc r;
    if (strcmp(column, "email") == 0) {
        pg_p_text(&p, value);
        r = pg_exec(c, PS_USER_BY_EMAIL, "SELECT " USER_COLS " FROM users WHERE email = $1", &p,
                    &res, "user get");
    } else if (strcmp(column, "username") == 0) {
        pg_p_text(&p, value);
        r = pg_exec(c, PS_USER_BY_USERNAME, "SELECT " USER_COLS " FROM users WHERE username = $1",
                    &p, &res, "user get");
    } else {
        pg_p_uuid(&p, value);
        r = pg_exec(c, PS_USER_BY_ID, "SELECT " USER_COLS " FROM users WHERE id = $1::uuid", &p,
                    &res, "user get");
    }
    if (r != STORE_OK)
        return r;
    r = PQntuples(res) ? STORE_OK : STORE_NOT_FOUND;
    if (r == STORE_OK)
        read_user(a, res, out);
    PQclear(res);
    return r;
}

static store_rc pgs_user_update(store_conn *base, const store_user *u)
{
    pg_conn *c = (pg_conn *)base;
    /* A new schedule zone bumps the user's schedule version: writer lock first. */
    store_rc r = pg_lock_hosts(c, NULL, NULL, (const char *const *)&u->id, 1);
    if (r != STORE_OK)
        return r;
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, u->name);
    pg_p_text(&p, u->time_zone);
    pg_p_text(&p, u->schedule_time_zone);
    pg_p_text(&p, u->password_hash);
    pg_p_time(&p, u->updated_at);
    pg_p_uuid(&p, u->id);
    int64_t changed;
    r = pg_exec_count(c, PS_USER_UPDATE,
                               "UPDATE users SET name = $1, time_zone = $2,"
                               " schedule_time_zone = $3, password_hash = $4,"
                               " updated_at = to_timestamp($5) WHERE id = $6::uuid",
                               &p, &changed, "user update");
    return r == STORE_OK && changed == 0 ? STORE_NOT_FOUND : r;
}

/* ---------------------------------------------------------------- sessions */

static store_rc pgs_session_insert(store_conn *base, const store_session *s)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, s->token_hash);
    pg_p_uuid(&p, s->user_id);
    pg_p_text(&p, s->csrf_token);
    pg_p_time(&p, s->created_at);
    pg_p_time(&p, s->expires_at);
    return pg_exec((pg_conn *)base, PS_SESSION_INSERT,
                   "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)"
                   " VALUES ($1, $2::uuid, $3, to_timestamp($4), to_timestamp($5))",
                   &p, NULL, "session insert");
}

static store_rc pgs_session_get(store_conn *base, arena *a, const char *token_hash, int64_t now,
                                store_session *out)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, token_hash);
    pg_p_time(&p, now);
    PGresult *res;
    store_rc r = pg_exec((pg_conn *)base, PS_SESSION_GET,
                         "SELECT token_hash, user_id, csrf_token, " PG_EPOCH("created_at") ", "
                         PG_EPOCH("expires_at") " FROM sessions WHERE token_hash = $1"
                         " AND expires_at > to_timestamp($2)",
                         &p, &res, "session get");
    if (r != STORE_OK)
        return r;
    r = PQntuples(res) ? STORE_OK : STORE_NOT_FOUND;
    if (r == STORE_OK) {
        out->token_hash = pg_text(a, res, 0, 0, false);
        out->user_id = pg_text(a, res, 0, 1, false);
        out->csrf_token = pg_text(a, res, 0, 2, false);
        out->created_at = pg_int(res, 0, 3);
        out->expires_at = pg_int(res, 0, 4);
    }
    PQclear(res);
    return r;
}

static store_rc pgs_session_delete(store_conn *base, const char *token_hash)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, token_hash);
    int64_t changed;
    return pg_exec_count((pg_conn *)base, PS_SESSION_DELETE,
                         "DELETE FROM sessions WHERE token_hash = $1", &p, &changed,
                         "session delete");
}

static store_rc pgs_session_delete_user(store_conn *base, const char *user_id, const char *keep)
{
    pg_params p;
    pg_params_init(&p);
    pg_p_uuid(&p, user_id);
    pg_p_text(&p, keep);
    int64_t changed;
    return pg_exec_count((pg_conn *)base, PS_SESSION_DELETE_USER,
                         "DELETE FROM sessions WHERE user_id = $1::uuid"
                         " AND ($2::text IS NULL OR token_hash <> $2)",
                         &p, &changed, "session delete user");
}

const store_ops store_postgres_ops = {
    .name = "postgres",
    .release_conns = true,
    .open = pgs_open,
    .close = pgs_close,
    .migrate = pgs_migrate,
    .conn_open = pgs_conn_open,
    .conn_close = pgs_conn_close,
    .ping = pgs_ping,
    .migration_status = pgs_migration_status,
    .begin = pgs_begin,
    .commit = pgs_commit,
    .rollback = pgs_rollback,
    .write = pgs_write,
    .user_insert = pgs_user_insert,
    .user_get = pgs_user_get,
    .user_update = pgs_user_update,
    .session_insert = pgs_session_insert,
    .session_get = pgs_session_get,
    .session_delete = pgs_session_delete,
    .session_delete_user = pgs_session_delete_user,
    .meeting_type_insert = pg_mt_insert,
    .meeting_type_get = pg_mt_get,
    .meeting_type_list = pg_mt_list,
    .meeting_type_update = pg_mt_update,
    .meeting_type_delete = pg_mt_delete,
    .rules_get = pg_rules_get,
    .rules_replace = pg_rules_replace,
    .overrides_get = pg_overrides_get,
    .override_put = pg_override_put,
    .override_delete = pg_override_delete,
    .host_schedule_get = pg_host_schedule_get,
    .booking_insert = pg_booking_insert,
    .booking_create = pg_booking_create,
    .booking_get = pg_booking_get,
    .lock_meeting_type = pg_booking_lock_type,
    .booking_find_standing = pg_booking_find_standing,
    .booking_is_host = pg_booking_is_host,
    .booking_hosts_get = pg_booking_hosts_get,
    .booking_move = pg_booking_move,
    .booking_cancel = pg_booking_cancel,
    .booking_list = pg_booking_list,
    .booking_count_type = pg_booking_count_type,
    .idem_get = pg_idem_get,
    .idem_claim = pg_idem_claim,
    .idem_finish = pg_idem_finish,
    .idem_release = pg_idem_release,
    .schedule_version = pg_schedule_version,
    .outbox_insert_at = pg_outbox_insert_at,
    .outbox_insert_many = pg_outbox_insert_many,
    .outbox_claim = pg_outbox_claim,
    .outbox_settle = pg_outbox_settle,
    .outbox_next_due = pg_outbox_next_due,
    .outbox_withdraw = pg_outbox_withdraw,
    .outbox_list = pg_outbox_list,
    .outbox_requeue = pg_outbox_requeue,
    .outbox_purge_dead = pg_outbox_purge_dead,
    .outbox_purge_done = pg_outbox_purge_done,
    .email_record = pg_email_record,
    .email_was_sent = pg_email_was_sent,
    .booking_secret_put = pg_booking_secret_put,
    .booking_secret_get = pg_booking_secret_get,
    .meeting_type_reminders_put = pg_mt_reminders_put,
};
