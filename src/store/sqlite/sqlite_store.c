/*
 * sqlite_store.c — the embedded store: store_ops on SQLite in WAL mode.
 *
 * One sqlite3 handle per thread for reads (SQLITE_OPEN_NOMUTEX; a handle
 * is used by one thread at a time), and one handle for all the process's
 * write transactions, taken with the write lock: its cache stays warm
 * because nothing else here writes. Writers use BEGIN IMMEDIATE so the
 * file lock is taken up front and waits in the busy handler (another
 * process) instead of failing on upgrade. Work handed to store_write
 * (bookings) is combined: several callers' writes in one transaction
 * (sq_write, under "combined writes" below).
 *
 * Checkpoints are kept off the write path: the writer does not
 * auto-checkpoint; when a commit leaves the WAL at CHECKPOINT_FRAMES
 * frames or more, a background thread runs a PASSIVE checkpoint on a
 * connection of its own while writers go on.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/civil.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_sync.h"
#include "store/sqlite/sqlite_util.h"

/*
 * About 64 MB of WAL. The tail of each checkpoint holds writers off for
 * two fsyncs (the WAL's and the database's), so checkpoints are made
 * seldom: at 2,000 frames they stalled booking bursts about ten times a
 * second.
 */
#define CHECKPOINT_FRAMES 16000

typedef struct sq_write_req sq_write_req;

/*
 * SQLite has one writer at a time. Writers of this process queue on
 * write_lock instead of sleeping in SQLite's busy handler, which keeps
 * latency flat under bursts; other processes still meet the file lock
 * and wait in the busy handler.
 */
typedef struct sq_backend {
    char *path;
    pthread_mutex_t write_lock;
    sq_writer writer; /* guarded by write_lock */
    sq_sync *sync;    /* group commit of write transactions */
    /* store_write's queue of work to combine (sq_write) */
    pthread_mutex_t batch_lock;
    sq_write_req *batch_head, **batch_tail;
    bool combining; /* a thread is running batches or has been told to */
    /* the checkpointer */
    pthread_t ckpt_thread;
    bool ckpt_started;
    pthread_mutex_t ckpt_lock;
    pthread_cond_t ckpt_cond;
    bool ckpt_wanted, ckpt_stop;
} sq_backend;

static void *checkpointer(void *arg)
{
    sq_backend *b = arg;
    char err[512];
    sqlite3 *db = NULL;
    pthread_mutex_lock(&b->ckpt_lock);
    for (;;) {
        while (!b->ckpt_wanted && !b->ckpt_stop)
            pthread_cond_wait(&b->ckpt_cond, &b->ckpt_lock);
        if (b->ckpt_stop)
            break;
        b->ckpt_wanted = false;
        pthread_mutex_unlock(&b->ckpt_lock);
        if (!db && !(db = sq_open_db(b->path, err, sizeof(err))))
            log_msg(LOG_WARN, "checkpointer: %s", err);
        /* The bulk is copied beside the writers; the rest (what they added
         * meanwhile) with writers held off, so the checkpoint reaches the
         * end of the WAL and the next writer can start it over instead of
         * letting it grow. */
        for (int pass = 0; db && pass < 2; pass++) {
            if (pass == 1)
                pthread_mutex_lock(&b->write_lock);
            int frames = 0, copied = 0;
            int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames,
                                               &copied);
            if (pass == 1)
                pthread_mutex_unlock(&b->write_lock);
            if (rc != SQLITE_OK && rc != SQLITE_BUSY)
                log_msg(LOG_WARN, "checkpoint failed: %s", sqlite3_errmsg(db));
        }
        pthread_mutex_lock(&b->ckpt_lock);
    }
    pthread_mutex_unlock(&b->ckpt_lock);
    sqlite3_close(db);
    return NULL;
}

/* SQLite calls this after each commit of the writer with the WAL's size. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    sq_backend *b = arg;
    if (frames >= CHECKPOINT_FRAMES) {
        pthread_mutex_lock(&b->ckpt_lock);
        b->ckpt_wanted = true;
        pthread_cond_signal(&b->ckpt_cond);
        pthread_mutex_unlock(&b->ckpt_lock);
    }
    return SQLITE_OK;
}

/* Opens the writer connection (under the write lock) if not yet open. */
static bool writer_ready(sq_backend *b)
{
    if (b->writer.db)
        return true;
    char err[512];
    sqlite3 *db = sq_open_db(b->path, err, sizeof(err));
    if (!db) {
        log_msg(LOG_ERROR, "%s", err);
        return false;
    }
    /* Commits are made durable by the group flush in sq_commit (sqlite_sync.h). */
    sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    if (b->ckpt_started) /* else SQLite's own auto-checkpoint stays on */
        sqlite3_wal_hook(db, wal_hook, b); /* replaces the auto-checkpoint */
    b->writer.db = db;
    return true;
}


/* ---------------------------------------------------------------- lifecycle */

/*
 * SQLite counts its memory use under one process-wide mutex by default:
 * every allocation of every connection takes it. Nothing here reads the
 * counts. (Must run before SQLite initialises; later it is refused and
 * changes nothing.)
 */
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static store_rc sq_open(const char *url, void **backend, char *err, size_t errsize)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_setup);
    const char *path = url + strlen("sqlite:");
    if (!*path) {
        snprintf(err, errsize, "sqlite: URL has no file path");
        return STORE_ERROR;
    }
    sqlite3 *db = sq_open_db(path, err, errsize);
    if (!db)
        return STORE_UNAVAILABLE;
    sqlite3_close(db);
    sq_backend *b = xcalloc(1, sizeof(*b));
    b->path = xstrdup(path);
    pthread_mutex_init(&b->write_lock, NULL);
    pthread_mutex_init(&b->batch_lock, NULL);
    b->batch_tail = &b->batch_head;
    pthread_mutex_init(&b->ckpt_lock, NULL);
    pthread_cond_init(&b->ckpt_cond, NULL);
    b->ckpt_started = pthread_create(&b->ckpt_thread, NULL, checkpointer, b) == 0;
    b->sync = sq_sync_new(path);
    *backend = b;
    return STORE_OK;
}

static void sq_close(void *backend)
{
    sq_backend *b = backend;
    if (b->ckpt_started) {
        pthread_mutex_lock(&b->ckpt_lock);
        b->ckpt_stop = true;
        pthread_cond_signal(&b->ckpt_cond);
        pthread_mutex_unlock(&b->ckpt_lock);
        pthread_join(b->ckpt_thread, NULL);
    }
    for (int i = 0; i < SQ_MAX_STMTS; i++)
        sqlite3_finalize(b->writer.stmts[i]);
    sqlite3_close(b->writer.db);
    pthread_cond_destroy(&b->ckpt_cond);
    pthread_mutex_destroy(&b->ckpt_lock);
    pthread_mutex_destroy(&b->write_lock);
    pthread_mutex_destroy(&b->batch_lock);
    sq_sync_free(b->sync);
    free(b->path);
    free(b);
}

static store_conn *sq_conn_open(void *backend)
{
    sq_backend *b = backend;
    char err[512];
    sqlite3 *db = sq_open_db(b->path, err, sizeof(err));
    if (!db) {
        log_msg(LOG_ERROR, "%s", err);
        return NULL;
    }
    sq_conn *c = xcalloc(1, sizeof(*c));
    c->db = c->own_db = db;
    c->stmts = c->own_stmts;
    c->backend = b;
    return &c->base;
}

static void release_write_lock(sq_conn *c)
{
    if (c->holds_write_lock) {
        c->db = c->own_db;
        c->stmts = c->own_stmts;
        c->holds_write_lock = false;
        pthread_mutex_unlock(&c->backend->write_lock);
    }
}

static void sq_conn_close(store_conn *base)
{
    sq_conn *c = (sq_conn *)base;
    release_write_lock(c);
    for (int i = 0; i < SQ_MAX_STMTS; i++)
        sqlite3_finalize(c->own_stmts[i]);
    sqlite3_close(c->own_db);
    free(c);
}

static int applied_version(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int v = 0;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1,
                           &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static bool exec_logged(sqlite3 *db, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return true;
    log_msg(LOG_ERROR, "migration %s failed: %s", what, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return false;
}

/* All pending migrations run in one IMMEDIATE transaction: concurrent
 * migrators queue on the write lock and the second finds nothing to do. */
static store_rc sq_migrate(void *backend, int *applied_now)
{
    sq_backend *b = backend;
    char err[512];
    sqlite3 *db = sq_open_db(b->path, err, sizeof(err));
    *applied_now = 0;
    if (!db) {
        log_msg(LOG_ERROR, "%s", err);
        return STORE_UNAVAILABLE;
    }
    store_rc rc = STORE_ERROR;
    if (!exec_logged(db, "BEGIN IMMEDIATE", "begin"))
        goto out;
    if (!exec_logged(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                         " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                         " applied_at INTEGER NOT NULL)", "schema_migrations"))
        goto rollback;
    for (int v = applied_version(db); v < store_sqlite_migrations_count; v++) {
        const store_migration *m = &store_sqlite_migrations[v];
        if (!exec_logged(db, m->sql, m->name))
            goto rollback;
        char *ins = sqlite3_mprintf("INSERT INTO schema_migrations VALUES (%d, %Q, unixepoch())",
                                    m->version, m->name);
        bool ok = exec_logged(db, ins, m->name);
        sqlite3_free(ins);
        if (!ok)
            goto rollback;
        (*applied_now)++;
    }
    if (!exec_logged(db, "COMMIT", "commit"))
        goto rollback;
    rc = STORE_OK;
    goto out;
rollback:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    *applied_now = 0;
out:
    sqlite3_close(db);
    return rc;
}

static store_rc sq_ping(store_conn *base)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_PING, "SELECT 1");
    return sq_exec_stmt(c, st, "ping");
}

static store_rc sq_migration_status(store_conn *base, store_migration_status *out)
{
    sq_conn *c = (sq_conn *)base;
    out->known = store_sqlite_migrations_count;
    out->applied = 0;
    sqlite3_stmt *st = sq_stmt(c, ST_MIGRATION_STATUS,
                               "SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (!st)
        return STORE_ERROR;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        out->applied = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : sq_rc(c, rc, "migration status");
}

static store_rc sq_begin(store_conn *base, bool write)
{
    sq_conn *c = (sq_conn *)base;
    if (!write)
        return sq_exec_stmt(c, sq_stmt(c, ST_BEGIN, "BEGIN"), "begin");
    pthread_mutex_lock(&c->backend->write_lock);
    if (!writer_ready(c->backend)) {
        pthread_mutex_unlock(&c->backend->write_lock);
        return STORE_UNAVAILABLE;
    }
    c->holds_write_lock = true;
    c->db = c->backend->writer.db;
    c->stmts = c->backend->writer.stmts;
    store_rc r = sq_exec_stmt(c, sq_stmt(c, ST_BEGIN_IMMEDIATE, "BEGIN IMMEDIATE"), "begin");
    if (r != STORE_OK)
        release_write_lock(c);
    return r;
}

/*
 * COMMIT, and the write lock let go; *seq gets the commit's number in the
 * group flush (0 when there is nothing to flush), to wait for it with
 * sq_sync_wait after.
 */
static store_rc commit_unflushed(sq_conn *c, uint64_t *seq)
{
    bool write = c->holds_write_lock;
    store_rc r = sq_exec_stmt(c, sq_stmt(c, ST_COMMIT, "COMMIT"), "commit");
    if (r != STORE_OK && !sqlite3_get_autocommit(c->db))
        sq_exec_stmt(c, sq_stmt(c, ST_ROLLBACK, "ROLLBACK"), "rollback");
    *seq = r == STORE_OK && write ? sq_sync_committed(c->backend->sync) : 0;
    release_write_lock(c);
    return r;
}

/* Committed, but not known to be on disk, is not a success: no 2xx. */
static store_rc flushed(sq_backend *b, store_rc r, uint64_t seq)
{
    if (r == STORE_OK && seq && !sq_sync_wait(b->sync, seq))
        return STORE_UNAVAILABLE;
    return r;
}

static store_rc sq_commit(store_conn *base)
{
    sq_conn *c = (sq_conn *)base;
    uint64_t seq;
    store_rc r = commit_unflushed(c, &seq);
    return flushed(c->backend, r, seq);
}

static void sq_rollback(store_conn *base)
{
    sq_conn *c = (sq_conn *)base;
    if (!sqlite3_get_autocommit(c->db))
        sq_exec_stmt(c, sq_stmt(c, ST_ROLLBACK, "ROLLBACK"), "rollback");
    c->savepoint_depth = 0;
    release_write_lock(c);
}

/* ---------------------------------------------------------------- combined writes */

/*
 * store_write on SQLite. A thread with write work queues it; the first to
 * find nobody combining becomes the combiner: it takes the queue (up to
 * BATCH_MAX requests), runs them back to back in one transaction on the
 * writer connection, a savepoint each, commits once and wakes their
 * threads; if more work queued meanwhile, the oldest waiting thread is told
 * to combine next. Compared with each thread taking the write lock in
 * turn, the requests of a batch run without a thread switch between them
 * (under load a woken thread waits for a core while the lock sits idle),
 * and pages that several of them change (the tables' last leaves, a
 * host's schedule version) are written to the WAL once. Each thread then
 * waits for the group flush of its batch (sqlite_sync.h) on its own, so
 * the next batch runs while the last one is flushed.
 */
struct sq_write_req {
    store_write_fn fn;
    void *ctx;
    store_rc rc;
    uint64_t seq; /* the commit that holds the work, for the group flush */
    bool done;
    bool lead;    /* told to combine next */
    pthread_cond_t wake;
    sq_write_req *next;
};

#define BATCH_MAX 32

/* Runs a batch in one transaction; sets each request's rc, and *seq. */
static void run_batch(sq_conn *c, sq_write_req *batch, uint64_t *seq)
{
    *seq = 0;
    store_rc rc = sq_begin(&c->base, true);
    bool kept = false;
    for (sq_write_req *r = batch; r; r = r->next) {
        if (rc != STORE_OK) {
            r->rc = rc;
            continue;
        }
        r->rc = sq_exec_stmt(c, sq_stmt(c, ST_BATCH_SAVEPOINT, "SAVEPOINT w"), "savepoint");
        if (r->rc == STORE_OK)
            r->rc = r->fn(&c->base, r->ctx);
        c->savepoint_depth = 0;
        if (sqlite3_get_autocommit(c->db)) {
            /* Some errors (I/O, disk full) make SQLite roll back the whole
             * transaction: what the batch did so far is gone too. */
            rc = r->rc != STORE_OK ? r->rc : STORE_ERROR;
            for (sq_write_req *k = batch; k != r->next; k = k->next)
                k->rc = rc;
            continue;
        }
        if (r->rc != STORE_OK)
            sq_exec_stmt(c, sq_stmt(c, ST_BATCH_ROLLBACK_TO, "ROLLBACK TO w"), "rollback to");
        sq_exec_stmt(c, sq_stmt(c, ST_BATCH_RELEASE, "RELEASE w"), "release");
        kept |= r->rc == STORE_OK;
    }
    if (rc == STORE_OK && kept) {
        rc = commit_unflushed(c, seq);
        for (sq_write_req *k = batch; rc != STORE_OK && k; k = k->next)
            if (k->rc == STORE_OK)
                k->rc = rc;
    } else if (c->holds_write_lock) {
        sq_rollback(&c->base); /* nothing to keep: no commit, no flush to wait for */
    }
}

static store_rc sq_write(store_conn *base, store_write_fn fn, void *ctx)
{
    sq_conn *c = (sq_conn *)base;
    sq_backend *b = c->backend;
    sq_write_req me = {.fn = fn, .ctx = ctx};
    pthread_cond_init(&me.wake, NULL);
    pthread_mutex_lock(&b->batch_lock);
    *b->batch_tail = &me;
    b->batch_tail = &me.next;
    if (b->combining)
        while (!me.done && !me.lead)
            pthread_cond_wait(&me.wake, &b->batch_lock);
    while (!me.done) { /* our turn to combine */
        b->combining = true;
        sq_write_req *batch = b->batch_head, **cut = &b->batch_head;
        for (int n = 0; *cut && n < BATCH_MAX; n++)
            cut = &(*cut)->next;
        b->batch_head = *cut;
        *cut = NULL;
        if (!b->batch_head)
            b->batch_tail = &b->batch_head;
        pthread_mutex_unlock(&b->batch_lock);
        uint64_t seq;
        run_batch(c, batch, &seq);
        pthread_mutex_lock(&b->batch_lock);
        for (sq_write_req *r = batch, *next; r; r = next) {
            next = r->next; /* r may be gone once its thread runs */
            r->seq = seq;
            r->done = true;
            if (r != &me)
                pthread_cond_signal(&r->wake);
        }
        if (me.done) { /* hand over to the oldest waiting, or stop */
            b->combining = b->batch_head != NULL;
            if (b->batch_head) {
                b->batch_head->lead = true;
                pthread_cond_signal(&b->batch_head->wake);
            }
        }
    }
    pthread_mutex_unlock(&b->batch_lock);
    pthread_cond_destroy(&me.wake);
    return flushed(b, me.rc, me.seq);
}

/* ---------------------------------------------------------------- users */

#define USER_COLS "id, email, username, name, time_zone, schedule_time_zone, role, " \
                  "password_hash, created_at, updated_at"

static store_conflict user_conflict(sq_conn *c)
{
    const char *msg = sqlite3_errmsg(c->db);
    if (strstr(msg, "users.email"))
        return STORE_CONFLICT_EMAIL;
    if (strstr(msg, "users.username"))
        return STORE_CONFLICT_USERNAME;
    return STORE_CONFLICT_OTHER;
}

static store_rc sq_user_insert(store_conn *base, const store_user *u, store_conflict *conflict)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_USER_INSERT,
                               "INSERT INTO users (" USER_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?)");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, u->id);
    sq_bind_text(st, 2, u->email);
    sq_bind_text(st, 3, u->username);
    sq_bind_text(st, 4, u->name);
    sq_bind_text(st, 5, u->time_zone);
    sq_bind_text(st, 6, u->schedule_time_zone);
    sq_bind_text(st, 7, u->role);
    sq_bind_text(st, 8, u->password_hash);
    sq_bind_int64(st, 9, u->created_at);
    sq_bind_int64(st, 10, u->updated_at);
    store_rc r = sq_exec_stmt(c, st, "user insert");
    *conflict = r == STORE_CONFLICT ? user_conflict(c) : STORE_CONFLICT_NONE;
    return r;
}

static void read_user(arena *a, sqlite3_stmt *st, store_user *u)
{
    u->id = sq_col_text(a, st, 0, false);
    u->email = sq_col_text(a, st, 1, false);
    u->username = sq_col_text(a, st, 2, false);
    u->name = sq_col_text(a, st, 3, false);
    u->time_zone = sq_col_text(a, st, 4, false);
    u->schedule_time_zone = sq_col_text(a, st, 5, false);
    u->role = sq_col_text(a, st, 6, false);
    u->password_hash = sq_col_text(a, st, 7, false);
    u->created_at = sqlite3_column_int64(st, 8);
    u->updated_at = sqlite3_column_int64(st, 9);
}

static void read_user_v(arena *a, sqlite3_stmt *st, void *out) { read_user(a, st, out); }

static store_rc sq_user_get(store_conn *base, arena *a, const char *column, const char *value,
                            store_user *out)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st;
    if (strcmp(column, "email") == 0)
        st = sq_stmt(c, ST_USER_BY_EMAIL, "SELECT " USER_COLS " FROM users WHERE email = ?");
    else if (strcmp(column, "username") == 0)
        st = sq_stmt(c, ST_USER_BY_USERNAME, "SELECT " USER_COLS " FROM users WHERE username = ?");
    else
        st = sq_stmt(c, ST_USER_BY_ID, "SELECT " USER_COLS " FROM users WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, value);
    return sq_step_one(c, st, "user get", read_user_v, a, out);
}

static store_rc sq_user_update(store_conn *base, const store_user *u)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_USER_UPDATE,
                               "UPDATE users SET name = ?, time_zone = ?, schedule_time_zone = ?,"
                               " password_hash = ?, updated_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, u->name);
    sq_bind_text(st, 2, u->time_zone);
    sq_bind_text(st, 3, u->schedule_time_zone);
    sq_bind_text(st, 4, u->password_hash);
    sq_bind_int64(st, 5, u->updated_at);
    sq_bind_text(st, 6, u->id);
    store_rc r = sq_exec_stmt(c, st, "user update");
    if (r == STORE_OK && sqlite3_changes(c->db) == 0)
        return STORE_NOT_FOUND;
    return r;
}

/* ---------------------------------------------------------------- sessions */

static store_rc sq_session_insert(store_conn *base, const store_session *s)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_SESSION_INSERT,
                               "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at,"
                               " expires_at) VALUES (?,?,?,?,?)");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, s->token_hash);
    sq_bind_text(st, 2, s->user_id);
    sq_bind_text(st, 3, s->csrf_token);
    sq_bind_int64(st, 4, s->created_at);
    sq_bind_int64(st, 5, s->expires_at);
    return sq_exec_stmt(c, st, "session insert");
}

static void read_session(arena *a, sqlite3_stmt *st, void *out)
{
    store_session *s = out;
    s->token_hash = sq_col_text(a, st, 0, false);
    s->user_id = sq_col_text(a, st, 1, false);
    s->csrf_token = sq_col_text(a, st, 2, false);
    s->created_at = sqlite3_column_int64(st, 3);
    s->expires_at = sqlite3_column_int64(st, 4);
}

static store_rc sq_session_get(store_conn *base, arena *a, const char *token_hash, int64_t now,
                               store_session *out)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_SESSION_GET,
                               "SELECT token_hash, user_id, csrf_token, created_at, expires_at"
                               " FROM sessions WHERE token_hash = ? AND expires_at > ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, token_hash);
    sq_bind_int64(st, 2, now);
    return sq_step_one(c, st, "session get", read_session, a, out);
}

static store_rc sq_session_delete(store_conn *base, const char *token_hash)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_SESSION_DELETE, "DELETE FROM sessions WHERE token_hash = ?");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, token_hash);
    return sq_exec_stmt(c, st, "session delete");
}

static store_rc sq_session_delete_user(store_conn *base, const char *user_id, const char *keep)
{
    sq_conn *c = (sq_conn *)base;
    sqlite3_stmt *st = sq_stmt(c, ST_SESSION_DELETE_USER,
                               "DELETE FROM sessions WHERE user_id = ?"
                               " AND (? IS NULL OR token_hash <> ?)");
    if (!st)
        return STORE_ERROR;
    sq_bind_text(st, 1, user_id);
    sq_bind_text(st, 2, keep);
    sq_bind_text(st, 3, keep);
    return sq_exec_stmt(c, st, "session delete user");
}


const store_ops store_sqlite_ops = {
    .name = "sqlite",
    .serial_writes = true,
    .open = sq_open,
    .close = sq_close,
    .migrate = sq_migrate,
    .conn_open = sq_conn_open,
    .conn_close = sq_conn_close,
    .ping = sq_ping,
    .migration_status = sq_migration_status,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .write = sq_write,
    .user_insert = sq_user_insert,
    .user_get = sq_user_get,
    .user_update = sq_user_update,
    .session_insert = sq_session_insert,
    .session_get = sq_session_get,
    .session_delete = sq_session_delete,
    .session_delete_user = sq_session_delete_user,
    .meeting_type_insert = sq_mt_insert,
    .meeting_type_get = sq_mt_get,
    .meeting_type_list = sq_mt_list,
    .meeting_type_update = sq_mt_update,
    .meeting_type_delete = sq_mt_delete,
    .rules_get = sq_rules_get,
    .rules_replace = sq_rules_replace,
    .overrides_get = sq_overrides_get,
    .override_put = sq_override_put,
    .override_delete = sq_override_delete,
    .busy_get = sq_busy_get,
    .booking_insert = sq_booking_insert,
    .booking_get = sq_booking_get,
    .booking_find_standing = sq_booking_find_standing,
    .booking_is_host = sq_booking_is_host,
    .booking_hosts_get = sq_booking_hosts_get,
    .booking_move = sq_booking_move,
    .booking_cancel = sq_booking_cancel,
    .booking_list = sq_booking_list,
    .booking_count_type = sq_booking_count_type,
    .idem_get = sq_idem_get,
    .idem_claim = sq_idem_claim,
    .idem_finish = sq_idem_finish,
    .idem_release = sq_idem_release,
    .schedule_version = sq_schedule_version,
    .outbox_insert_at = sq_outbox_insert_at,
    .outbox_claim = sq_outbox_claim,
    .outbox_settle = sq_outbox_settle,
    .outbox_next_due = sq_outbox_next_due,
    .outbox_withdraw = sq_outbox_withdraw,
    .outbox_list = sq_outbox_list,
    .outbox_requeue = sq_outbox_requeue,
    .outbox_purge_dead = sq_outbox_purge_dead,
    .outbox_purge_done = sq_outbox_purge_done,
    .email_record = sq_email_record,
    .email_was_sent = sq_email_was_sent,
    .booking_secret_put = sq_booking_secret_put,
    .booking_secret_get = sq_booking_secret_get,
    .meeting_type_reminders_put = sq_mt_reminders_put,
};
