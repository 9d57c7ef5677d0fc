/* sqlite_util.c — see sqlite_util.h. */
#include "store/sqlite/sqlite_util.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"

#define BUSY_TIMEOUT_MS 10000

sqlite3 *sq_open_db(const char *path, char *err, size_t errsize)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errsize, "cannot open SQLite database %s: %s", path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db, 1);
    /* WAL lets readers run beside the one writer; FULL makes a commit
     * durable before we answer 201 (a power cut cannot lose it). */
    const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                          "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                          "PRAGMA cache_size=-16384; PRAGMA mmap_size=0;";
    char *msg = NULL;
    /* Switching a new file to WAL needs its exclusive lock, and SQLite answers
     * BUSY at once, without the busy handler, when another process opening
     * it holds a lock that would make waiting a deadlock: try again, for as
     * long as the busy timeout. The pragmas can be repeated. */
    for (int waited = 0;; waited += 10) {
        rc = sqlite3_exec(db, pragmas, NULL, NULL, &msg);
        if ((rc & 0xff) != SQLITE_BUSY || waited >= BUSY_TIMEOUT_MS)
            break;
        sqlite3_free(msg);
        msg = NULL;
        sqlite3_sleep(10);
    }
    if (rc != SQLITE_OK) {
        snprintf(err, errsize, "cannot configure SQLite database %s: %s", path,
                 msg ? msg : "unknown error");
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

sqlite3_stmt *sq_stmt(sq_conn *c, int id, const char *sql)
{
    sqlite3_stmt *st = c->stmts[id];
    if (!st) {
        int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK) {
            log_msg(LOG_ERROR, "sqlite prepare failed: %s", sqlite3_errmsg(c->db));
            return NULL;
        }
        c->stmts[id] = st;
    } else {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    return st;
}

store_rc sq_rc(sq_conn *c, int rc, const char *what)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return STORE_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return STORE_BUSY;
    case SQLITE_CONSTRAINT:
        return STORE_CONFLICT;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
        log_msg(LOG_ERROR, "sqlite %s: %s", what, sqlite3_errmsg(c->db));
        return STORE_UNAVAILABLE;
    default:
        log_msg(LOG_ERROR, "sqlite %s: %s", what, sqlite3_errmsg(c->db));
        return STORE_ERROR;
    }
}

void sq_bind_text(sqlite3_stmt *st, int pos, const char *s)
{
    if (s)
        sqlite3_bind_text(st, pos, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, pos);
}

void sq_bind_int64(sqlite3_stmt *st, int pos, int64_t v)
{
    sqlite3_bind_int64(st, pos, v);
}

char *sq_col_text(arena *a, sqlite3_stmt *st, int col, bool null_ok)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    if (!t)
        return null_ok ? NULL : arena_strdup(a, "");
    return arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(st, col));
}

store_rc sq_exec_stmt(sq_conn *c, sqlite3_stmt *st, const char *what)
{
    if (!st)
        return STORE_ERROR;
    int rc = sqlite3_step(st);
    store_rc r = sq_rc(c, rc, what);
    sqlite3_reset(st);
    return r;
}

store_rc sq_exec_count(sq_conn *c, sqlite3_stmt *st, const char *what, int64_t *count)
{
    store_rc r = sq_exec_stmt(c, st, what);
    *count = r == STORE_OK ? sqlite3_changes(c->db) : 0;
    return r;
}

store_rc sq_exec_sql(sq_conn *c, const char *sql, const char *what)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return sq_rc(c, rc, what);
}

store_rc sq_savepoint(sq_conn *c)
{
    store_rc r = sq_exec_sql(c, "SAVEPOINT sp", "savepoint");
    if (r == STORE_OK)
        c->savepoint_depth++;
    return r;
}

store_rc sq_release(sq_conn *c)
{
    store_rc r = sq_exec_sql(c, "RELEASE sp", "release savepoint");
    if (r == STORE_OK)
        c->savepoint_depth--;
    else
        sq_rollback_to(c);
    return r;
}

void sq_rollback_to(sq_conn *c)
{
    sqlite3_exec(c->db, "ROLLBACK TO sp; RELEASE sp", NULL, NULL, NULL);
    c->savepoint_depth--;
}

/* Runs a one-row SELECT already bound; fills via reader. */
store_rc sq_step_one(sq_conn *c, sqlite3_stmt *st, const char *what,
                         void (*reader)(arena *, sqlite3_stmt *, void *), arena *a, void *out)
{
    int rc = sqlite3_step(st);
    store_rc r;
    if (rc == SQLITE_ROW) {
        reader(a, st, out);
        r = STORE_OK;
    } else if (rc == SQLITE_DONE) {
        r = STORE_NOT_FOUND;
    } else {
        r = sq_rc(c, rc, what);
    }
    sqlite3_reset(st);
    return r;
}

