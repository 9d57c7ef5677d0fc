/* pg_util.c — see pg_util.h. */
#include "store/postgres/pg_util.h"

#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/xalloc.h"

/* Statements that lose a deadlock or a serialization check are retried this often. */
#define PG_RETRIES 4
/* Instants outside 0001-01-01 .. 9999-12-31 are clamped (API bounds like INT64_MAX/2). */
#define PG_TIME_MIN (-62135596800LL)
#define PG_TIME_MAX 253402300799LL
#define PG_DAY_MIN (-719162)
#define PG_DAY_MAX 2932896

/* ---------------------------------------------------------------- parameters */

void pg_params_init(pg_params *p)
{
    memset(p, 0, sizeof(*p));
}

void pg_params_release(pg_params *p)
{
    for (int i = 0; i < p->narr; i++)
        strbuf_release(&p->arr[i]);
    p->narr = 0;
}

static int next_slot(pg_params *p)
{
    if (p->n >= PG_MAX_PARAMS) {
        log_msg(LOG_ERROR, "postgres: more than %d parameters", PG_MAX_PARAMS);
        abort();
    }
    return p->n++;
}

/* Strict UTF-8 as PostgreSQL checks it: no overlong forms, surrogates or
 * code points past U+10FFFF. */
static bool utf8_valid(const unsigned char *s)
{
    while (*s) {
        unsigned char c = *s;
        int n = c < 0x80 ? 0 : c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2
              : c >= 0xF0 && c <= 0xF4 ? 3 : -1;
        if (n < 0)
            return false;
        unsigned char lo = 0x80, hi = 0xBF; /* bounds of the second byte */
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
        else if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
        for (int i = 1; i <= n; i++) {
            unsigned char b = s[i];
            if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
                return false;
        }
        s += n + 1;
    }
    return true;
}

void pg_p_text(pg_params *p, const char *s)
{
    if (s && !utf8_valid((const unsigned char *)s))
        p->bad_value = true;
    p->v[next_slot(p)] = s;
}

bool pg_uuid_valid(const char *s)
{
    if (!s || strlen(s) != PG_UUID_LEN)
        return false;
    for (int i = 0; i < PG_UUID_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
        if (dash ? s[i] != '-' : !hex)
            return false;
    }
    return true;
}

/* Only the lowercase canonical form: SQLite compares ids as text, so
 * "ABC…" never matches a stored "abc…" there either. */
void pg_p_uuid(pg_params *p, const char *s)
{
    if (s && !pg_uuid_valid(s))
        p->bad_value = true;
    pg_p_text(p, s);
}

void pg_p_int(pg_params *p, int64_t v)
{
    int i = next_slot(p);
    snprintf(p->num[i], sizeof(p->num[i]), "%lld", (long long)v);
    p->v[i] = p->num[i];
}

void pg_p_time(pg_params *p, int64_t t)
{
    pg_p_int(p, t < PG_TIME_MIN ? PG_TIME_MIN : t > PG_TIME_MAX ? PG_TIME_MAX : t);
}

void pg_p_day(pg_params *p, int32_t day)
{
    pg_p_int(p, day < PG_DAY_MIN ? PG_DAY_MIN : day > PG_DAY_MAX ? PG_DAY_MAX : day);
}

void pg_p_bool(pg_params *p, bool b)
{
    pg_p_text(p, b ? "true" : "false");
}

strbuf *pg_p_array_begin(pg_params *p)
{
    if (p->narr >= PG_MAX_ARRAYS) {
        log_msg(LOG_ERROR, "postgres: more than %d array parameters", PG_MAX_ARRAYS);
        abort();
    }
    strbuf *sb = &p->arr[p->narr++];
    strbuf_init(sb, 0);
    strbuf_append_str(sb, "{");
    return sb;
}

static void array_sep(strbuf *sb)
{
    if (sb->len > 1)
        strbuf_append_str(sb, ",");
}

/* Array literal elements are double-quoted with \ and " escaped. */
void pg_array_text(strbuf *sb, const char *s)
{
    array_sep(sb);
    if (!s) {
        strbuf_append_str(sb, "NULL");
        return;
    }
    strbuf_append_str(sb, "\"");
    for (const char *q = s; *q; q++) {
        if (*q == '"' || *q == '\\')
            strbuf_append_str(sb, "\\");
        strbuf_append(sb, q, 1);
    }
    strbuf_append_str(sb, "\"");
}

void pg_array_int(strbuf *sb, int64_t v)
{
    array_sep(sb);
    strbuf_appendf(sb, "%lld", (long long)v);
}

void pg_p_array_end(pg_params *p, strbuf *sb)
{
    strbuf_append_str(sb, "}");
    pg_p_text(p, sb->buf);
}

/* ---------------------------------------------------------------- results */

char *pg_text(arena *a, const PGresult *r, int row, int col, bool null_ok)
{
    if (PQgetisnull(r, row, col))
        return null_ok ? NULL : arena_strdup(a, "");
    return arena_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

int64_t pg_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool pg_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* ---------------------------------------------------------------- errors */

static bool state_is(const char *state, const char *code)
{
    return state && strcmp(state, code) == 0;
}

static bool connection_state(const char *state)
{
    return (state && strncmp(state, "08", 2) == 0) || state_is(state, "57P01") ||
           state_is(state, "57P02") || state_is(state, "57P03") || state_is(state, "53300");
}

/* libpq's messages end in a newline and may run over several lines. */
static int first_line_len(const char *msg)
{
    size_t n = strcspn(msg, "\n");
    return n > 300 ? 300 : (int)n;
}

/* A lost connection is logged once, when it is noticed. */
static store_rc connection_lost(pg_conn *c, const char *what, const char *msg)
{
    if (!c->down)
        log_msg(LOG_WARN, "postgres %s: connection lost: %.*s", what, first_line_len(msg), msg);
    c->down = true;
    return STORE_UNAVAILABLE;
}

store_rc pg_rc(pg_conn *c, const PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQerrorMessage(c->pc);
    c->retryable = false;
    c->constraint[0] = '\0';
    if (PQstatus(c->pc) != CONNECTION_OK || connection_state(state))
        return connection_lost(c, what, msg);
    if (state && strncmp(state, "23", 2) == 0) {
        const char *name = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
        snprintf(c->constraint, sizeof(c->constraint), "%s", name ? name : "");
        return STORE_CONFLICT;
    }
    if (state_is(state, "40001") || state_is(state, "40P01")) {
        c->retryable = true;
        log_msg(LOG_WARN, "postgres %s: %s (SQLSTATE %s)", what, msg, state);
        return STORE_BUSY;
    }
    if (state_is(state, "55P03") || state_is(state, "57014")) {
        log_msg(LOG_WARN, "postgres %s: %s (SQLSTATE %s)", what, msg, state);
        return STORE_BUSY;
    }
    log_msg(LOG_ERROR, "postgres %s: %s (SQLSTATE %s)", what, msg, state ? state : "none");
    return STORE_ERROR;
}

/* ---------------------------------------------------------------- connection */

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs ("already exists, skipping") are not worth a log line */
}

PGconn *pg_connect(const char *url)
{
    /* Keywords before dbname are defaults the URL may override. */
    const char *keys[] = {"application_name", "connect_timeout", "dbname", NULL};
    const char *vals[] = {"calendula", "5", url, NULL};
    PGconn *pc = PQconnectdbParams(keys, vals, 1);
    if (!pc) {
        log_msg(LOG_ERROR, "postgres: out of memory");
        abort();
    }
    PQsetNoticeProcessor(pc, quiet_notices, NULL);
    return pc;
}

bool pg_session_setup(PGconn *pc)
{
    PGresult *r = PQexec(pc, "SET statement_timeout = '5s';"
                             " SET idle_in_transaction_session_timeout = '60s';"
                             " SET TimeZone = 'UTC'; SET DateStyle = 'ISO'");
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
}

/* Reconnects a broken connection (prepared statements are gone with it). */
static store_rc reconnect(pg_conn *c)
{
    PQreset(c->pc);
    memset(c->prepared, 0, sizeof(c->prepared));
    c->session_ok = PQstatus(c->pc) == CONNECTION_OK && pg_session_setup(c->pc);
    if (c->session_ok) {
        if (c->down)
            log_msg(LOG_INFO, "postgres: connection restored");
        c->down = false;
        return STORE_OK;
    }
    return connection_lost(c, "connect", PQerrorMessage(c->pc));
}

/*
 * Before a statement outside a transaction: an idle connection has nothing
 * to read unless the server said something — usually that it is going
 * away (restart, admin shutdown). Reading it then marks the connection
 * broken here instead of failing the next statement.
 */
static store_rc ready(pg_conn *c)
{
    if (PQstatus(c->pc) == CONNECTION_OK) {
        struct pollfd pfd = {.fd = PQsocket(c->pc), .events = POLLIN};
        if (poll(&pfd, 1, 0) > 0) {
            PQconsumeInput(c->pc);
            PGnotify *n;
            while ((n = PQnotifies(c->pc)))
                PQfreemem(n);
        }
    }
    return PQstatus(c->pc) == CONNECTION_OK && c->session_ok ? STORE_OK : reconnect(c);
}

static void backoff(int attempt)
{
    long ms = (long)(1 + randombytes_uniform(4)) * (1L << attempt);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- statements */

/*
 * The users to lock: the hosts and the owner of meeting type $1 (an edit
 * of the type bumps the owner's schedule version), the hosts of booking $2
 * and the users $3; each gets a transaction-scoped advisory lock in
 * namespace 1, in one order for every caller (hash, then id), so that two
 * writers never wait on each other in a cycle. The inner query sorts
 * (OFFSET 0 keeps it a query of its own) and the outer one takes the
 * locks row by row in that order. The service's check then sees every
 * booking committed before it, and no other writer of those hosts can
 * commit under it until it ends — what SQLite's BEGIN IMMEDIATE gives.
 * Namespaces: 1 hosts, 2 group seats (trigger of migration 0001),
 * 3 idempotency keys.
 */
#define LOCK_HOSTS_SQL                                                                 \
    "SELECT o.u, pg_advisory_xact_lock(1, hashtext(o.u::text)) FROM ("                 \
    " SELECT u FROM ("                                                                 \
    "  SELECT user_id AS u FROM meeting_type_hosts WHERE meeting_type_id = $1::uuid"   \
    "  UNION SELECT user_id FROM meeting_types WHERE id = $1::uuid"                    \
    "  UNION SELECT host_user_id FROM booking_hosts WHERE booking_id = $2::uuid"       \
    "  UNION SELECT unnest($3::uuid[])"                                                \
    " ) s WHERE u IS NOT NULL ORDER BY hashtext(u::text), u OFFSET 0) o"

/*
 * The same locks in the same order when the caller names every user to
 * lock (pg_lock_users, or hosts alone): no table to read, which makes it
 * about a quarter of LOCK_HOSTS_SQL's cost (callgrind: 62,000 against
 * 248,000 instructions in PostgreSQL). A user named twice is locked twice,
 * which holds it once.
 */
#define LOCK_USERS_SQL                                                                 \
    "SELECT o.u, pg_advisory_xact_lock(1, hashtext(o.u::text)) FROM ("                 \
    " SELECT u FROM unnest($1::uuid[]) u WHERE u IS NOT NULL"                          \
    " ORDER BY hashtext(u::text), u OFFSET 0) o"

/* One statement of a pipeline. */
typedef struct pipe_stmt {
    int id;            /* prepared statement id; -1: sql sent as it is (BEGIN) */
    const char *sql;
    const pg_params *p;
    PGresult *res;     /* its result, when it succeeded */
} pipe_stmt;

#define PIPE_MAX 4 /* BEGIN, a writer lock, a write kept for the COMMIT, a statement */

/* The statement of a writer lock: of named users, or of a type's, a booking's and hosts. */
static pipe_stmt lock_stmt(bool named, const pg_params *p)
{
    return named ? (pipe_stmt){PS_LOCK_USERS, LOCK_USERS_SQL, p, NULL}
                 : (pipe_stmt){PS_LOCK_HOSTS, LOCK_HOSTS_SQL, p, NULL};
}

/*
 * Statements in one pipeline, one round trip, each prepared on its first
 * use on this connection. Each statement's result lands in its res; the
 * first failure is the answer (PostgreSQL skips what follows a failed
 * statement up to the sync).
 */
static store_rc exec_pipeline(pg_conn *c, pipe_stmt *s, int n, const char *what)
{
    PGconn *pc = c->pc;
    bool prepare[PIPE_MAX] = {false};
    if (!PQenterPipelineMode(pc))
        return connection_lost(c, what, PQerrorMessage(pc));
    bool sent = true;
    for (int i = 0; sent && i < n; i++) {
        s[i].res = NULL;
        if (s[i].id < 0) {
            sent = PQsendQueryParams(pc, s[i].sql, 0, NULL, NULL, NULL, NULL, 0);
            continue;
        }
        char name[16];
        snprintf(name, sizeof(name), "cal%d", s[i].id);
        prepare[i] = !c->prepared[s[i].id];
        sent = (!prepare[i] || PQsendPrepare(pc, name, s[i].sql, 0, NULL)) &&
               PQsendQueryPrepared(pc, name, s[i].p ? s[i].p->n : 0, s[i].p ? s[i].p->v : NULL,
                                   NULL, NULL, 0);
    }
    sent = sent && PQpipelineSync(pc);
    store_rc r = sent ? STORE_OK : connection_lost(c, what, PQerrorMessage(pc));
    /* Results in order: per statement its PREPARE's (if sent), then its own,
     * each closed by a NULL; then the sync. */
    for (int i = 0; sent && i < n; i++) {
        for (int part = prepare[i] ? 0 : 1; sent && part < 2; part++) {
            PGresult *res = PQgetResult(pc);
            ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
            if (!res || st == PGRES_PIPELINE_SYNC) { /* out of step: stop reading */
                PQclear(res);
                r = r == STORE_OK ? connection_lost(c, what, PQerrorMessage(pc)) : r;
                sent = false;
                break;
            }
            bool ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
            if (ok && part == 0) {
                c->prepared[s[i].id] = true; /* kept even if the transaction fails */
            } else if (ok) {
                s[i].res = res;
                res = NULL;
            } else if (st != PGRES_PIPELINE_ABORTED && r == STORE_OK) {
                r = pg_rc(c, res, what);
            }
            PQclear(res);
            PQclear(PQgetResult(pc)); /* the NULL that ends this part */
        }
    }
    if (sent) {
        PGresult *sync = PQgetResult(pc);
        if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC && r == STORE_OK)
            r = connection_lost(c, what, PQerrorMessage(pc));
        PQclear(sync);
    }
    if (!PQexitPipelineMode(pc)) {
        /* Results left unread: the connection is of no further use. */
        c->session_ok = false;
        if (r == STORE_OK)
            r = connection_lost(c, what, PQerrorMessage(pc));
    }
    for (int i = 0; r != STORE_OK && i < n; i++) {
        PQclear(s[i].res);
        s[i].res = NULL;
    }
    return r;
}

static void lock_params(pg_params *p, bool named, const char *type_id, const char *booking_id,
                        const char *const *hosts, size_t nhosts);
static void remember_locks(pg_conn *c, const char *type_id, const char *booking_id,
                           const PGresult *res);

/* The transaction has put something off that must reach the server first. */
static bool put_off(const pg_conn *c)
{
    return c->begin || c->lock.pending || c->last.pending;
}

static void drop_last(pg_conn *c)
{
    free(c->last.buf);
    c->last.buf = NULL;
    c->last.pending = false;
}

/*
 * Sends what the transaction has put off — its BEGIN, a writer lock, the
 * statement kept by pg_exec_with_commit — and then the statement `main`
 * (may be NULL), all in one pipeline.
 */
static store_rc exec_deferred(pg_conn *c, pipe_stmt *main, const char *what)
{
    pipe_stmt s[PIPE_MAX];
    int n = 0, begin = -1, lock = -1;
    pg_params lp;
    pg_params_init(&lp);
    if (c->begin) {
        begin = n;
        s[n++] = (pipe_stmt){-1, c->begin, NULL, NULL};
    }
    if (c->lock.pending) {
        const char *hosts[PG_TX_HOSTS];
        for (int i = 0; i < c->lock.nhosts; i++)
            hosts[i] = c->lock.hosts[i];
        lock_params(&lp, c->lock.named, c->lock.type[0] ? c->lock.type : NULL,
                    c->lock.booking[0] ? c->lock.booking : NULL, hosts, (size_t)c->lock.nhosts);
        lock = n;
        s[n++] = lock_stmt(c->lock.named, &lp);
    }
    int last = -1;
    if (c->last.pending) {
        last = n;
        s[n++] = (pipe_stmt){c->last.id, c->last.sql, &c->last.p, NULL};
        what = c->last.what; /* the first failure is the answer: most likely its */
    }
    if (main)
        s[n++] = *main;
    c->begin = NULL; /* sent now, whatever becomes of them */
    c->lock.pending = false;
    store_rc r = exec_pipeline(c, s, n, what);
    if (last >= 0) {
        PQclear(s[last].res);
        drop_last(c);
    }
    if (r == STORE_OK && lock >= 0 && !c->lock.named)
        remember_locks(c, c->lock.type[0] ? c->lock.type : NULL,
                       c->lock.booking[0] ? c->lock.booking : NULL, s[lock].res);
    if (begin >= 0)
        PQclear(s[begin].res);
    if (lock >= 0)
        PQclear(s[lock].res);
    if (main)
        main->res = s[n - 1].res;
    pg_params_release(&lp);
    return r;
}

static store_rc exec_once(pg_conn *c, int id, const char *sql, const pg_params *p,
                          PGresult **out, const char *what)
{
    char name[16];
    snprintf(name, sizeof(name), "cal%d", id);
    if (put_off(c)) {
        pipe_stmt main = {id, sql, p, NULL};
        store_rc r = exec_deferred(c, &main, what);
        *out = main.res;
        return r;
    }
    if (!c->prepared[id]) {
        PGresult *pr = PQprepare(c->pc, name, sql, 0, NULL);
        store_rc r = PQresultStatus(pr) == PGRES_COMMAND_OK ? STORE_OK : pg_rc(c, pr, what);
        PQclear(pr);
        if (r != STORE_OK)
            return r;
        c->prepared[id] = true;
    }
    PGresult *res = PQexecPrepared(c->pc, name, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        *out = res;
        return STORE_OK;
    }
    store_rc r = pg_rc(c, res, what);
    PQclear(res);
    return r;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Statements that add rows (alone or after a WITH). */
static bool is_insert(const char *sql)
{
    return strstr(sql, "INSERT INTO") != NULL;
}

store_rc pg_exec(pg_conn *c, int id, const char *sql, const pg_params *p, PGresult **res,
                 const char *what)
{
    if (res)
        *res = NULL;
    if (p && p->bad_value) /* no row holds it: nothing to find, nothing to refer to */
        return is_insert(sql) ? STORE_CONFLICT : STORE_NOT_FOUND;
    if (c->in_tx && c->tx_rc != STORE_OK)
        return c->tx_rc;
    /* Reads may be repeated after a lost connection; a write might have committed. */
    bool read = starts_with(sql, "SELECT");
    for (int attempt = 0;; attempt++) {
        const char *begin = c->begin; /* this is the transaction's first statement */
        bool lock = c->lock.pending;
        store_rc r = c->in_tx && !begin ? STORE_OK : ready(c);
        PGresult *out = NULL;
        if (r == STORE_OK)
            r = exec_once(c, id, sql, p, &out, what);
        if (r == STORE_OK) {
            if (res)
                *res = out;
            else
                PQclear(out);
            return STORE_OK;
        }
        if (c->in_tx) {
            if (begin && r == STORE_UNAVAILABLE && attempt == 0) {
                c->begin = begin; /* nothing of it ran: start it again, reconnected */
                c->lock.pending = lock;
                continue;
            }
            c->tx_rc = r;
            return r;
        }
        if (r == STORE_BUSY && c->retryable && attempt < PG_RETRIES) {
            backoff(attempt);
            continue;
        }
        if (!(r == STORE_UNAVAILABLE && read && attempt == 0))
            return r;
    }
}

store_rc pg_exec_with_commit(pg_conn *c, int id, const char *sql, const pg_params *p,
                             const char *what)
{
    if (!c->in_tx || c->tx_rc != STORE_OK || c->last.pending || (p && p->bad_value))
        return pg_exec(c, id, sql, p, NULL, what);
    size_t len = 1;
    for (int i = 0; p && i < p->n; i++)
        len += p->v[i] ? strlen(p->v[i]) + 1 : 0;
    char *at = c->last.buf = xmalloc(len);
    pg_params_init(&c->last.p);
    for (int i = 0; p && i < p->n; i++) {
        const char *v = p->v[i];
        c->last.p.v[c->last.p.n++] = v ? at : NULL;
        if (v) {
            size_t k = strlen(v) + 1;
            memcpy(at, v, k);
            at += k;
        }
    }
    c->last.id = id;
    c->last.sql = sql;
    c->last.what = what;
    c->last.pending = true;
    return STORE_OK;
}

store_rc pg_exec_count(pg_conn *c, int id, const char *sql, const pg_params *p,
                       int64_t *changed, const char *what)
{
    *changed = 0;
    if (p && p->bad_value && !is_insert(sql))
        return STORE_OK;
    PGresult *res;
    store_rc r = pg_exec(c, id, sql, p, &res, what);
    if (r == STORE_OK) {
        *changed = strtoll(PQcmdTuples(res), NULL, 10);
        PQclear(res);
    }
    return r;
}

/* A statement without parameters or prepared plan (transaction control). */
static store_rc simple(pg_conn *c, const char *sql, const char *what)
{
    if (put_off(c)) { /* what was put off comes first */
        store_rc r = exec_deferred(c, NULL, what);
        if (r != STORE_OK)
            return r;
    }
    PGresult *res = PQexec(c->pc, sql);
    store_rc r = PQresultStatus(res) == PGRES_COMMAND_OK ? STORE_OK : pg_rc(c, res, what);
    PQclear(res);
    return r;
}

/* ---------------------------------------------------------------- transactions */

static void tx_end(pg_conn *c)
{
    drop_last(c);
    c->in_tx = false;
    c->begin = NULL;
    c->lock.pending = false;
    c->write_tx = false;
    c->tx_rc = STORE_OK;
    c->tx_type[0] = '\0';
    c->tx_booking[0] = '\0';
    c->tx_nhosts = 0;
}

/*
 * Write transactions run in READ COMMITTED: each statement sees what was
 * committed before it began, so a check made after taking a writer lock
 * sees everything the previous holder committed. Read transactions run in
 * REPEATABLE READ: one snapshot for all their statements, as SQLite's
 * deferred BEGIN gives (the slot cache reads versions and data together).
 *
 * The BEGIN itself waits for the transaction's first statement and goes
 * to the server in one pipeline with it (exec_deferred): a round trip
 * less per transaction. A transaction that runs no statement sends
 * nothing at all.
 */
static store_rc begin_as(pg_conn *c, const char *sql, bool write)
{
    if (c->in_tx) {
        log_msg(LOG_ERROR, "postgres begin: already in a transaction");
        return STORE_ERROR;
    }
    store_rc r = ready(c);
    if (r != STORE_OK)
        return r;
    tx_end(c);
    c->in_tx = true;
    c->write_tx = write;
    c->begin = sql;
    return STORE_OK;
}

store_rc pg_tx_begin(pg_conn *c, bool write)
{
    return begin_as(c,
                    write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                          : "BEGIN ISOLATION LEVEL REPEATABLE READ",
                    write);
}

store_rc pg_tx_commit(pg_conn *c)
{
    if (!c->in_tx) {
        log_msg(LOG_ERROR, "postgres commit: no transaction");
        return STORE_ERROR;
    }
    store_rc r = c->tx_rc;
    if (!c->last.pending)
        c->lock.pending = false; /* nothing follows it: nothing to guard */
    if (r == STORE_OK && c->begin && !c->last.pending) { /* nothing sent: nothing to commit */
        tx_end(c);
        return STORE_OK;
    }
    if (r == STORE_OK) {
        /* A statement kept by pg_exec_with_commit goes in one pipeline with
         * the COMMIT: if it fails, PostgreSQL skips the COMMIT and the
         * transaction is rolled back below. */
        pipe_stmt commit = {-1, "COMMIT", NULL, NULL};
        if (c->last.pending) {
            r = exec_deferred(c, &commit, "commit");
        } else {
            commit.res = PQexec(c->pc, "COMMIT");
            if (PQresultStatus(commit.res) != PGRES_COMMAND_OK)
                r = pg_rc(c, commit.res, "commit");
        }
        if (r == STORE_OK && strcmp(PQcmdStatus(commit.res), "ROLLBACK") == 0)
            r = STORE_ERROR; /* the server had aborted it */
        PQclear(commit.res);
    }
    if (PQstatus(c->pc) == CONNECTION_OK && PQtransactionStatus(c->pc) != PQTRANS_IDLE)
        simple(c, "ROLLBACK", "rollback");
    tx_end(c);
    return r;
}

void pg_tx_rollback(pg_conn *c)
{
    c->lock.pending = false; /* nothing to guard any more */
    drop_last(c);            /* nor to write */
    if (c->in_tx && PQstatus(c->pc) == CONNECTION_OK &&
        PQtransactionStatus(c->pc) != PQTRANS_IDLE)
        simple(c, "ROLLBACK", "rollback");
    tx_end(c);
}

/* Inside the caller's transaction: a savepoint around body. */
static store_rc atomic_nested(pg_conn *c, pg_body body, void *ctx, const char *what)
{
    if (c->tx_rc != STORE_OK)
        return c->tx_rc;
    store_rc r = simple(c, "SAVEPOINT calendula_op", what);
    if (r != STORE_OK) {
        c->tx_rc = r;
        return r;
    }
    r = body(c, ctx);
    if (r == STORE_OK) {
        r = simple(c, "RELEASE SAVEPOINT calendula_op", what);
        if (r != STORE_OK)
            c->tx_rc = r;
        return r;
    }
    if (simple(c, "ROLLBACK TO SAVEPOINT calendula_op", what) == STORE_OK &&
        simple(c, "RELEASE SAVEPOINT calendula_op", what) == STORE_OK)
        c->tx_rc = STORE_OK; /* body's failure is undone; the transaction goes on */
    return r;
}

store_rc pg_atomic(pg_conn *c, pg_body body, void *ctx, bool one_statement, const char *what)
{
    if (c->in_tx)
        return atomic_nested(c, body, ctx, what);
    if (one_statement) /* a statement alone is atomic; pg_exec retries it */
        return body(c, ctx);
    for (int attempt = 0;; attempt++) {
        store_rc r = begin_as(c, "BEGIN ISOLATION LEVEL READ COMMITTED", true);
        if (r != STORE_OK)
            return r;
        c->retryable = false;
        r = body(c, ctx);
        bool again; /* PostgreSQL aborted it to break a deadlock or a serialization conflict */
        if (r == STORE_OK) {
            r = pg_tx_commit(c);
            again = r == STORE_BUSY && c->retryable;
        } else {
            /* whatever body made of its failed statement */
            again = c->tx_rc == STORE_BUSY && c->retryable;
            pg_tx_rollback(c);
        }
        if (!again || attempt >= PG_RETRIES)
            return r;
        log_msg(LOG_INFO, "postgres %s: running the transaction again (attempt %d)", what,
                attempt + 2);
        backoff(attempt);
    }
}

/* ---------------------------------------------------------------- writer locks */

static bool host_held(const pg_conn *c, const char *id)
{
    for (int i = 0; i < c->tx_nhosts; i++)
        if (strcmp(c->tx_hosts[i], id) == 0)
            return true;
    return false;
}

static bool locks_needed(const pg_conn *c, const char *type_id, const char *booking_id,
                         const char *const *hosts, size_t nhosts)
{
    if (type_id && strcmp(type_id, c->tx_type) != 0)
        return true;
    if (booking_id && strcmp(booking_id, c->tx_booking) != 0)
        return true;
    for (size_t i = 0; i < nhosts; i++)
        if (hosts[i] && !host_held(c, hosts[i]))
            return true;
    return false;
}

static void remember_host(pg_conn *c, const char *h)
{
    if (c->tx_nhosts < PG_TX_HOSTS && !host_held(c, h))
        snprintf(c->tx_hosts[c->tx_nhosts++], sizeof(c->tx_hosts[0]), "%s", h);
}

static void remember_ids(pg_conn *c, const char *type_id, const char *booking_id)
{
    if (type_id)
        snprintf(c->tx_type, sizeof(c->tx_type), "%s", type_id);
    if (booking_id)
        snprintf(c->tx_booking, sizeof(c->tx_booking), "%s", booking_id);
}

/* What LOCK_HOSTS_SQL locked: the users it answers. */
static void remember_locks(pg_conn *c, const char *type_id, const char *booking_id,
                           const PGresult *res)
{
    remember_ids(c, type_id, booking_id);
    for (int i = 0; i < PQntuples(res); i++)
        remember_host(c, PQgetvalue(res, i, 0));
}

/*
 * What a named lock locks, known before it is sent: remembered then, so
 * that the calls before a put-off statement goes out add nothing. If it
 * fails, so does the transaction, and tx_end forgets it all.
 */
static void remember_named(pg_conn *c, const char *type_id, const char *booking_id,
                           const char *const *users, size_t n)
{
    remember_ids(c, type_id, booking_id);
    for (size_t i = 0; i < n; i++)
        if (users[i])
            remember_host(c, users[i]);
}

/* named: users are all there is to lock (LOCK_USERS_SQL, $1); else LOCK_HOSTS_SQL's $1-$3. */
static void lock_params(pg_params *p, bool named, const char *type_id, const char *booking_id,
                        const char *const *hosts, size_t nhosts)
{
    if (!named) {
        pg_p_uuid(p, type_id);
        pg_p_uuid(p, booking_id);
    }
    strbuf *arr = pg_p_array_begin(p);
    for (size_t i = 0; i < nhosts; i++) {
        if (hosts[i] && !pg_uuid_valid(hosts[i]))
            p->bad_value = true;
        pg_array_text(arr, hosts[i]);
    }
    pg_p_array_end(p, arr);
}

/* Keeps the lock to send with the transaction's next statement; false if it does not fit. */
static bool defer_lock(pg_conn *c, bool named, const char *type_id, const char *booking_id,
                       const char *const *hosts, size_t nhosts)
{
    if (c->lock.pending || nhosts > PG_TX_HOSTS)
        return false;
    c->lock.named = named;
    snprintf(c->lock.type, sizeof(c->lock.type), "%s", type_id ? type_id : "");
    snprintf(c->lock.booking, sizeof(c->lock.booking), "%s", booking_id ? booking_id : "");
    c->lock.nhosts = 0;
    for (size_t i = 0; i < nhosts; i++)
        if (hosts[i])
            snprintf(c->lock.hosts[c->lock.nhosts++], sizeof(c->lock.hosts[0]), "%s", hosts[i]);
    c->lock.pending = true;
    return true;
}

/*
 * Locking lazily (on the first read of a host's bookings) rather than at
 * BEGIN keeps transactions that touch no host (sign-up, sessions) free of
 * locks. One call locks a whole meeting type's hosts in ascending order;
 * a second call in the same transaction for other hosts could in theory
 * wait in a cycle — PostgreSQL then aborts one side (40P01), which the
 * caller sees as STORE_BUSY (503, retry).
 *
 * The lock statement itself is put off until the transaction's next
 * statement and sent in one pipeline with it (exec_deferred): every
 * caller reads or writes right after locking, and PostgreSQL runs the
 * pipeline's statements one after the other, each with a snapshot taken
 * when it starts, so that next statement still sees everything committed
 * before the lock was granted. A failure of the lock (a deadlock, the
 * statement timeout) is that statement's failure.
 */
static store_rc lock_users(pg_conn *c, bool named, const char *type_id, const char *booking_id,
                           const char *const *hosts, size_t nhosts)
{
    if (!c->in_tx || !c->write_tx || !locks_needed(c, type_id, booking_id, hosts, nhosts))
        return STORE_OK;
    pg_params p;
    pg_params_init(&p);
    lock_params(&p, named, type_id, booking_id, hosts, nhosts);
    PGresult *res = NULL;
    store_rc r = STORE_OK;
    /* A value no user can have locks nothing: there is nothing to guard. Another
     * lock already waiting for its statement goes first, with this one. */
    if (!p.bad_value) {
        if (named)
            remember_named(c, type_id, booking_id, hosts, nhosts);
        if (!defer_lock(c, named, type_id, booking_id, hosts, nhosts)) {
            pipe_stmt s = lock_stmt(named, &p);
            r = pg_exec(c, s.id, s.sql, &p, &res, named ? "lock users" : "lock hosts");
        }
    }
    if (res) {
        if (!named) /* the users the statement found */
            remember_locks(c, type_id, booking_id, res);
        PQclear(res);
    }
    pg_params_release(&p);
    return r;
}

store_rc pg_lock_hosts(pg_conn *c, const char *type_id, const char *booking_id,
                       const char *const *hosts, size_t nhosts)
{
    return lock_users(c, !type_id && !booking_id, type_id, booking_id, hosts, nhosts);
}

store_rc pg_lock_users(pg_conn *c, const char *type_id, const char *const *users, size_t n)
{
    return lock_users(c, true, type_id, NULL, users, n);
}
