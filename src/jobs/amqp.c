/* amqp.c — see amqp.h. */
#include "jobs/amqp.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/secure.h"
#include "base/xalloc.h"
#include "jobs/backoff.h"

#define Q_MAIN "calendula.jobs"
#define Q_DEAD "calendula.jobs.dead"
#define PREFETCH 4
#define RELAY_BATCH 32
#define CONFIRM_TIMEOUT_S 10
#define CONNECT_TIMEOUT_S 5
#define RECONNECT_PAUSE_MS 1000
#define POLL_MS 300
#define MAX_THREADS 65

/* One connection with channel 1; in confirm mode when publishing. */
typedef struct mq_link {
    amqp_connection_state_t conn; /* NULL: closed */
    uint64_t next_tag;            /* the delivery tag of the next publish */
} mq_link;

struct jobs_amqp {
    jobs_runner *runner;
    app *app;
    char *url; /* holds the password */
    char where[300];
    atomic_bool stopping;
    pthread_t threads[MAX_THREADS];
    int nthreads;
    pthread_mutex_t lock; /* guards alive */
    pthread_cond_t exited;
    int alive;
};

static bool stopping(const jobs_amqp *q)
{
    return atomic_load(&q->stopping);
}

/* Sleeps ms in small steps, returning early when stopping. */
static void pause_ms(const jobs_amqp *q, int ms)
{
    for (int t = 0; t < ms && !stopping(q); t += 50)
        usleep(50 * 1000);
}

void jobs_amqp_describe(const char *url, char *out, size_t size)
{
    char *copy = xstrdup(url);
    struct amqp_connection_info ci;
    amqp_default_connection_info(&ci);
    if (amqp_parse_url(copy, &ci) == AMQP_STATUS_OK)
        snprintf(out, size, "amqp://%s:%d%s%s", ci.host, ci.port, ci.vhost[0] == '/' ? "" : "/",
                 ci.vhost);
    else
        snprintf(out, size, "amqp://(unparsable URL)");
    free(copy);
}

/* ---------------------------------------------------------------- connections */

static bool reply_ok(amqp_connection_state_t conn)
{
    return amqp_get_rpc_reply(conn).reply_type == AMQP_RESPONSE_NORMAL;
}

static void link_close(mq_link *l)
{
    if (!l->conn)
        return;
    amqp_connection_close(l->conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(l->conn);
    l->conn = NULL;
}

/* Declares a durable queue; a retry queue (ttl_ms > 0) dead-letters into Q_MAIN. */
static bool declare(amqp_connection_state_t conn, const char *name, int64_t ttl_ms)
{
    amqp_table_entry_t e[3];
    amqp_table_t args = {0, e};
    if (ttl_ms > 0) {
        e[0].key = amqp_cstring_bytes("x-message-ttl");
        e[0].value.kind = AMQP_FIELD_KIND_I64;
        e[0].value.value.i64 = ttl_ms;
        e[1].key = amqp_cstring_bytes("x-dead-letter-exchange");
        e[1].value.kind = AMQP_FIELD_KIND_UTF8;
        e[1].value.value.bytes = amqp_cstring_bytes("");
        e[2].key = amqp_cstring_bytes("x-dead-letter-routing-key");
        e[2].value.kind = AMQP_FIELD_KIND_UTF8;
        e[2].value.value.bytes = amqp_cstring_bytes(Q_MAIN);
        args.num_entries = 3;
    }
    amqp_queue_declare(conn, 1, amqp_cstring_bytes(name), 0, 1, 0, 0, args);
    return reply_ok(conn);
}

/* The steps of link_open on a parsed copy of the URL; NULL on success, else what failed. */
static const char *link_setup(mq_link *l, char *url, bool confirm)
{
    struct amqp_connection_info ci;
    amqp_default_connection_info(&ci);
    if (amqp_parse_url(url, &ci) != AMQP_STATUS_OK || ci.ssl)
        return "cannot use the URL (amqp://user:password@host:port/vhost)";
    l->conn = amqp_new_connection();
    amqp_socket_t *sock = amqp_tcp_socket_new(l->conn);
    struct timeval tv = {CONNECT_TIMEOUT_S, 0};
    if (!sock || amqp_socket_open_noblock(sock, ci.host, ci.port, &tv) != AMQP_STATUS_OK)
        return "cannot connect";
    struct timeval rpc = {CONFIRM_TIMEOUT_S, 0};
    amqp_set_rpc_timeout(l->conn, &rpc);
    if (amqp_login(l->conn, ci.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, ci.user, ci.password)
            .reply_type != AMQP_RESPONSE_NORMAL)
        return "login refused";
    amqp_channel_open(l->conn, 1);
    if (!reply_ok(l->conn))
        return "cannot open a channel";
    if (confirm) {
        amqp_confirm_select(l->conn, 1);
        if (!reply_ok(l->conn))
            return "cannot turn on publisher confirms";
        l->next_tag = 1;
    }
    if (!declare(l->conn, Q_MAIN, 0) || !declare(l->conn, Q_DEAD, 0))
        return "cannot declare the queues";
    return NULL;
}

/*
 * Connects, logs in, opens channel 1 (confirm mode when asked), declares
 * the queues. Failures are logged once per outage (*failing remembers),
 * and so is the recovery.
 */
static bool link_open(jobs_amqp *q, mq_link *l, bool confirm, bool *failing)
{
    size_t len = strlen(q->url);
    char *copy = xstrdup(q->url);
    l->conn = NULL;
    const char *why = link_setup(l, copy, confirm);
    memset(copy, 0, len); /* it held the password */
    free(copy);
    if (!why) {
        if (*failing)
            log_msg(LOG_INFO, "amqp %s: connected again", q->where);
        *failing = false;
        return true;
    }
    log_msg(*failing ? LOG_DEBUG : LOG_WARN, "amqp %s: %s; retrying every second", q->where, why);
    *failing = true;
    if (l->conn)
        amqp_destroy_connection(l->conn);
    l->conn = NULL;
    return false;
}

/* ---------------------------------------------------------------- messages */

static void header_i64(amqp_table_entry_t *e, const char *key, int64_t v)
{
    e->key = amqp_cstring_bytes(key);
    e->value.kind = AMQP_FIELD_KIND_I64;
    e->value.value.i64 = v;
}

static void header_str(amqp_table_entry_t *e, const char *key, const char *v)
{
    e->key = amqp_cstring_bytes(key);
    e->value.kind = AMQP_FIELD_KIND_UTF8;
    e->value.value.bytes = amqp_cstring_bytes(v);
}

/*
 * Publishes row as a persistent message to queue: message-id = event id,
 * type = topic, headers carry the outbox id, aggregate, attempts so far
 * and the last error. expiration_ms > 0 sets a per-message TTL. false when
 * the connection failed (it is then closed).
 */
static bool publish(mq_link *l, const char *queue, const store_outbox_job *row, int attempts,
                    const char *last_error, int64_t expiration_ms)
{
    amqp_table_entry_t h[4];
    header_i64(&h[0], "outbox-id", row->id);
    header_str(&h[1], "aggregate-id", row->aggregate_id);
    header_i64(&h[2], "attempts", attempts);
    int nh = 3;
    if (last_error)
        header_str(&h[nh++], "last-error", last_error);
    char expiration[24];
    amqp_basic_properties_t p = {0};
    p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
               AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_TYPE_FLAG |
               AMQP_BASIC_TIMESTAMP_FLAG;
    p.content_type = amqp_cstring_bytes("application/json");
    p.delivery_mode = 2; /* persistent */
    p.headers = (amqp_table_t){nh, h};
    p.message_id = amqp_cstring_bytes(row->event_id);
    p.type = amqp_cstring_bytes(row->topic);
    p.timestamp = (uint64_t)row->created_at;
    if (expiration_ms > 0) {
        snprintf(expiration, sizeof(expiration), "%lld", (long long)expiration_ms);
        p.expiration = amqp_cstring_bytes(expiration);
        p._flags |= AMQP_BASIC_EXPIRATION_FLAG;
    }
    int rc = amqp_basic_publish(l->conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0,
                                &p, amqp_cstring_bytes(row->payload_json));
    if (rc != AMQP_STATUS_OK) {
        link_close(l);
        return false;
    }
    l->next_tag++;
    return true;
}

/* Marks state[] (for tags first..first+n-1) from one ack or nack. */
static void mark(int *state, uint64_t first, size_t n, uint64_t tag, bool multiple, int v)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t t = first + i;
        if ((t == tag || (multiple && t <= tag)) && state[i] == 0)
            state[i] = v;
    }
}

/*
 * Waits for the broker's verdict on the publishes with tags first..first+n-1:
 * state[i] becomes 1 (confirmed) or -1 (refused); 0 left means no answer
 * in time or a broken connection (then closed).
 */
static void wait_confirms(mq_link *l, uint64_t first, size_t n, int *state)
{
    time_t deadline = time(NULL) + CONFIRM_TIMEOUT_S;
    size_t open = n;
    while (open > 0 && l->conn && time(NULL) < deadline) {
        amqp_frame_t f;
        struct timeval tv = {1, 0};
        int rc = amqp_simple_wait_frame_noblock(l->conn, &f, &tv);
        if (rc == AMQP_STATUS_TIMEOUT)
            continue;
        if (rc != AMQP_STATUS_OK) {
            link_close(l);
            break;
        }
        if (f.frame_type != AMQP_FRAME_METHOD)
            continue;
        amqp_method_number_t id = f.payload.method.id;
        if (id == AMQP_BASIC_ACK_METHOD) {
            amqp_basic_ack_t *a = f.payload.method.decoded;
            mark(state, first, n, a->delivery_tag, a->multiple, 1);
        } else if (id == AMQP_BASIC_NACK_METHOD) {
            amqp_basic_nack_t *a = f.payload.method.decoded;
            mark(state, first, n, a->delivery_tag, a->multiple, -1);
        } else if (id == AMQP_CHANNEL_CLOSE_METHOD || id == AMQP_CONNECTION_CLOSE_METHOD) {
            link_close(l);
            break;
        }
        open = 0;
        for (size_t i = 0; i < n; i++)
            open += state[i] == 0;
    }
    if (l->conn)
        amqp_maybe_release_buffers(l->conn);
}

/* Publishes one message and waits for its confirm. */
static bool publish_confirmed(mq_link *l, const char *queue, const store_outbox_job *row,
                              int attempts, const char *last_error, int64_t expiration_ms)
{
    uint64_t tag = l->next_tag;
    int state = 0;
    if (!publish(l, queue, row, attempts, last_error, expiration_ms))
        return false;
    wait_confirms(l, tag, 1, &state);
    return state == 1;
}

/* ---------------------------------------------------------------- the relay */

/* Settles the claimed rows: confirmed ones done (relayed), the others given back. */
static void settle_batch(jobs_amqp *q, store_conn *c, const store_outbox_job *rows,
                         const int *state, size_t n)
{
    int64_t now = svc_now(q->app);
    if (store_begin(c, true) != STORE_OK)
        return; /* the leases will run out and the rows be relayed again */
    for (size_t i = 0; i < n; i++) {
        bool ok = state[i] == 1;
        store_outbox_settlement s = {
            .id = rows[i].id, .claimed_attempts = rows[i].attempts,
            .status = ok ? "done" : "pending",
            .attempts = ok ? rows[i].attempts : rows[i].attempts - 1,
            .available_at = ok ? rows[i].available_at : now,
            .last_error = ok ? "relayed to AMQP" : rows[i].last_error, .now = now,
        };
        if (store_outbox_settle(c, &s) == STORE_ERROR) {
            store_rollback(c);
            return;
        }
    }
    store_commit(c);
}

/* Claims due rows and relays them; returns how many were claimed (-1: store trouble). */
static int relay_once(jobs_amqp *q, mq_link *l)
{
    store_conn *c = store_conn_get(q->app->store);
    if (!c)
        return -1;
    arena *ar = arena_new();
    int64_t now = svc_now(q->app);
    store_outbox_job *rows = NULL;
    size_t n = 0;
    store_rc rc = store_outbox_claim_tx(c, ar, now, now + jobs_runner_policy(q->runner)->lease,
                                        RELAY_BATCH, &rows, &n);
    if (rc == STORE_OK && n > 0) {
        int state[RELAY_BATCH] = {0};
        uint64_t first = l->next_tag;
        size_t sent = 0;
        while (sent < n && publish(l, Q_MAIN, &rows[sent], 0, NULL, 0))
            sent++;
        if (sent)
            wait_confirms(l, first, sent, state);
        settle_batch(q, c, rows, state, n);
        size_t ok = 0;
        for (size_t i = 0; i < n; i++)
            ok += state[i] == 1;
        log_msg(ok == n ? LOG_INFO : LOG_WARN, "amqp relay: %zu of %zu job(s) confirmed", ok, n);
    }
    arena_free(ar);
    return rc == STORE_OK ? (int)n : -1;
}

static void *relay_main(void *arg)
{
    jobs_amqp *q = arg;
    mq_link l = {0};
    bool failing = false;
    while (!stopping(q)) {
        if (!l.conn && !link_open(q, &l, true, &failing)) {
            pause_ms(q, RECONNECT_PAUSE_MS);
            continue;
        }
        int n = relay_once(q, &l);
        if (n < RELAY_BATCH)
            pause_ms(q, n < 0 ? RECONNECT_PAUSE_MS : POLL_MS);
    }
    link_close(&l);
    return NULL;
}

/* ---------------------------------------------------------------- consumers */

static const amqp_field_value_t *header(const amqp_basic_properties_t *p, const char *key)
{
    if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG))
        return NULL;
    size_t n = strlen(key);
    for (int i = 0; i < p->headers.num_entries; i++) {
        const amqp_table_entry_t *e = &p->headers.entries[i];
        if (e->key.len == n && memcmp(e->key.bytes, key, n) == 0)
            return &e->value;
    }
    return NULL;
}

static int64_t header_int(const amqp_basic_properties_t *p, const char *key)
{
    const amqp_field_value_t *v = header(p, key);
    if (!v)
        return 0;
    switch (v->kind) {
    case AMQP_FIELD_KIND_I64: return v->value.i64;
    case AMQP_FIELD_KIND_U64: return (int64_t)v->value.u64;
    case AMQP_FIELD_KIND_I32: return v->value.i32;
    case AMQP_FIELD_KIND_U32: return v->value.u32;
    default: return 0;
    }
}

static char *bytes(arena *a, amqp_bytes_t b)
{
    return arena_strndup(a, b.bytes ? b.bytes : "", b.len);
}

static char *header_text(arena *a, const amqp_basic_properties_t *p, const char *key)
{
    const amqp_field_value_t *v = header(p, key);
    return v && (v->kind == AMQP_FIELD_KIND_UTF8 || v->kind == AMQP_FIELD_KIND_BYTES)
               ? bytes(a, v->value.bytes)
               : NULL;
}

/* The message as the outbox row it came from, one attempt further. */
static store_outbox_job row_of(arena *a, const amqp_envelope_t *env)
{
    const amqp_basic_properties_t *p = &env->message.properties;
    store_outbox_job r = {
        .id = header_int(p, "outbox-id"),
        .event_id = bytes(a, p->message_id),
        .topic = bytes(a, p->type),
        .aggregate_id = header_text(a, p, "aggregate-id"),
        .payload_json = bytes(a, env->message.body),
        .status = "processing",
        .attempts = (int)header_int(p, "attempts") + 1,
        .last_error = header_text(a, p, "last-error"),
        .created_at = (int64_t)p->timestamp,
    };
    if (!r.aggregate_id)
        r.aggregate_id = "";
    return r;
}

/* Sends a failed job on: to its retry queue, or to the dead-letter queue. */
static bool forward(jobs_amqp *q, mq_link *out, const store_outbox_job *row, jobs_verdict v,
                    const char *error, bool *dead)
{
    bool failing = false;
    const jobs_policy *p = jobs_runner_policy(q->runner);
    *dead = v == JOBS_FAIL || row->attempts >= p->max_attempts;
    if (!out->conn && !link_open(q, out, true, &failing))
        return false;
    if (*dead)
        return publish_confirmed(out, Q_DEAD, row, row->attempts, error, 0);
    /* One queue per backoff step (its TTL is the step); the message's own,
     * jittered TTL may let it out earlier. */
    int64_t step = jobs_backoff_ceiling(row->attempts, p->backoff_base, p->backoff_cap);
    uint32_t rnd;
    secure_random(&rnd, sizeof(rnd));
    int64_t wait = jobs_backoff(row->attempts, p->backoff_base, p->backoff_cap, rnd);
    char queue[64];
    snprintf(queue, sizeof(queue), Q_MAIN ".retry.%llds", (long long)step);
    if (!declare(out->conn, queue, step * 1000)) {
        link_close(out);
        return false;
    }
    return publish_confirmed(out, queue, row, row->attempts, error, wait * 1000);
}

static void handle(jobs_amqp *q, mq_link *in, mq_link *out, const amqp_envelope_t *env)
{
    arena *ar = arena_new();
    store_outbox_job row = row_of(ar, env);
    jobs_job job = {.row = &row, .app = q->app, .arena = ar, .runner = q->runner, .queued = true};
    jobs_verdict v = jobs_handle(q->runner, &job);
    const char *what = "done";
    bool ack = true;
    if (v == JOBS_RELEASE) {
        ack = false;
        what = "given back";
    } else if (v == JOBS_RETRY || v == JOBS_FAIL) {
        bool dead = false;
        ack = forward(q, out, &row, v, job.error[0] ? job.error : "failed", &dead);
        what = !ack ? "not forwarded (left in the queue)" : dead ? "dead" : "retry";
    }
    if (ack)
        amqp_basic_ack(in->conn, 1, env->delivery_tag, 0);
    else
        amqp_basic_reject(in->conn, 1, env->delivery_tag, 1);
    log_msg(v == JOBS_DONE || v == JOBS_SETTLED || v == JOBS_RELEASE ? LOG_INFO : LOG_WARN,
            "job %lld %s attempt %d (amqp): %s%s%s", (long long)row.id, row.topic, row.attempts,
            what, v == JOBS_RETRY || v == JOBS_FAIL ? ": " : "",
            v == JOBS_RETRY || v == JOBS_FAIL ? job.error : "");
    arena_free(ar);
}

static bool consume_open(jobs_amqp *q, mq_link *in, bool *failing)
{
    if (!link_open(q, in, false, failing))
        return false;
    amqp_basic_qos(in->conn, 1, 0, PREFETCH, 0);
    if (reply_ok(in->conn)) {
        amqp_basic_consume(in->conn, 1, amqp_cstring_bytes(Q_MAIN), amqp_empty_bytes, 0, 0, 0,
                           amqp_empty_table);
        if (reply_ok(in->conn))
            return true;
    }
    log_msg(LOG_WARN, "amqp %s: cannot consume from %s", q->where, Q_MAIN);
    link_close(in);
    return false;
}

static void *consumer_main(void *arg)
{
    jobs_amqp *q = arg;
    mq_link in = {0}, out = {0};
    bool failing = false;
    while (!stopping(q)) {
        if (!in.conn && !consume_open(q, &in, &failing)) {
            pause_ms(q, RECONNECT_PAUSE_MS);
            continue;
        }
        amqp_maybe_release_buffers(in.conn);
        amqp_envelope_t env;
        struct timeval tv = {0, POLL_MS * 1000};
        amqp_rpc_reply_t r = amqp_consume_message(in.conn, &env, &tv, 0);
        if (r.reply_type == AMQP_RESPONSE_NORMAL) {
            handle(q, &in, &out, &env);
            amqp_destroy_envelope(&env);
        } else if (!(r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
                     r.library_error == AMQP_STATUS_TIMEOUT)) {
            log_msg(LOG_WARN, "amqp %s: the consumer lost its connection", q->where);
            link_close(&in); /* unacked messages go back to the queue */
            link_close(&out);
        }
    }
    link_close(&in);
    link_close(&out);
    return NULL;
}

/* ---------------------------------------------------------------- threads */

typedef struct thread_arg {
    jobs_amqp *q;
    void *(*fn)(void *);
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg ta = *(thread_arg *)p;
    free(p);
    ta.fn(ta.q);
    pthread_mutex_lock(&ta.q->lock);
    ta.q->alive--;
    pthread_cond_broadcast(&ta.q->exited);
    pthread_mutex_unlock(&ta.q->lock);
    return NULL;
}

static bool spawn(jobs_amqp *q, void *(*fn)(void *))
{
    thread_arg *ta = xmalloc(sizeof(*ta));
    *ta = (thread_arg){q, fn};
    pthread_mutex_lock(&q->lock);
    q->alive++;
    pthread_mutex_unlock(&q->lock);
    if (q->nthreads < MAX_THREADS && pthread_create(&q->threads[q->nthreads], NULL, thread_main,
                                                     ta) == 0) {
        q->nthreads++;
        return true;
    }
    free(ta);
    pthread_mutex_lock(&q->lock);
    q->alive--;
    pthread_mutex_unlock(&q->lock);
    return false;
}

jobs_amqp *jobs_amqp_start(jobs_runner *r, const char *url, bool relay, int consumers)
{
    jobs_amqp *q = xcalloc(1, sizeof(*q));
    q->runner = r;
    q->app = jobs_runner_app(r);
    q->url = xstrdup(url);
    jobs_amqp_describe(url, q->where, sizeof(q->where));
    atomic_init(&q->stopping, false);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->exited, NULL);
    bool ok = !relay || spawn(q, relay_main);
    for (int i = 0; ok && i < consumers; i++)
        ok = spawn(q, consumer_main);
    if (!ok) {
        log_msg(LOG_ERROR, "amqp: cannot start a thread");
        jobs_amqp_stop(q, 0);
        return NULL;
    }
    log_msg(LOG_INFO, "amqp %s: %s%d consumer(s)", q->where, relay ? "relay and " : "", consumers);
    return q;
}

void jobs_amqp_stop(jobs_amqp *q, int grace_ms)
{
    if (!q)
        return;
    atomic_store(&q->stopping, true);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += grace_ms / 1000;
    until.tv_nsec += (long)(grace_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&q->lock);
    while (q->alive > 0)
        if (pthread_cond_timedwait(&q->exited, &q->lock, &until) == ETIMEDOUT)
            break;
    bool busy = q->alive > 0;
    pthread_mutex_unlock(&q->lock);
    if (busy) /* a handler is still sending: cut it short, its message is requeued */
        jobs_interrupt(q->runner);
    for (int i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
    pthread_cond_destroy(&q->exited);
    pthread_mutex_destroy(&q->lock);
    memset(q->url, 0, strlen(q->url));
    free(q->url);
    free(q);
}
