/* server.c — see server.h. */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/secure.h"
#include "base/strbuf.h"
#include "base/xalloc.h"

/* Past this we stop draining an oversized body and close the connection. */
#define HTTP_DRAIN_MAX (64u * 1024 * 1024)
#define METRIC_SLOTS 256
/* How long shutdown waits for requests in flight. */
#define HTTP_DRAIN_US (5 * 1000 * 1000)

typedef struct metric {
    const char *route; /* static pattern string, or "unmatched" */
    int status;
    uint64_t count;
    double seconds_sum;
} metric;

/*
 * Admission (opt.max_active): a handler waits for one of max_active turns
 * before it runs. With PostgreSQL each running handler keeps a backend
 * busy; a few at a time finish sooner, on two cores, than many that the
 * scheduler switches between (bench/README.md). A request that waits
 * longer than ADMIT_WAIT_S is answered 503.
 */
#define ADMIT_WAIT_S 10

typedef struct admission {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    int free; /* turns left */
} admission;

struct http_server {
    struct MHD_Daemon *daemon;
    admission admit;
    _Atomic int in_flight; /* requests begun and not yet completed */
    http_server_options opt;
    pthread_mutex_t metrics_lock;
    metric metrics[METRIC_SLOTS];
    size_t nmetrics;
};

typedef struct conn_state {
    arena *arena;
    strbuf body;
    size_t received;
    bool too_large;
    int64_t started_us;
    http_request req;
    int status;
} conn_state;

/* ------------------------------------------------------------ accessors */

const char *http_param(const http_request *req, const char *name)
{
    for (size_t i = 0; i < req->nparams; i++)
        if (strcmp(req->param_names[i], name) == 0)
            return req->param_values[i];
    return NULL;
}

const char *http_header_get(const http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_cookie(const http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

void http_add_header(http_response *res, arena *a, const char *name, const char *value)
{
    (void)a;
    if (res->nheaders < HTTP_MAX_HEADERS)
        res->headers[res->nheaders++] = (http_header){name, value};
}

static void free_json_string(void *p)
{
    free(p);
}

void http_json(http_response *res, arena *a, int status, json_t *json)
{
    char *text = json_dumps(json, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(json);
    if (!text) {
        http_text(res, a, 500, "application/json",
                  "{\"error\":{\"code\":\"internal\",\"message\":\"Internal error.\"}}", 57);
        return;
    }
    arena_on_free(a, free_json_string, text);
    res->status = status;
    res->content_type = "application/json";
    res->body = text;
    res->body_len = strlen(text);
}

void http_error(http_response *res, arena *a, int status, const char *code,
                const char *message, const char *field)
{
    json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);
    if (field)
        json_object_set_new(err, "field", json_string(field));
    http_json(res, a, status, json_pack("{s:o}", "error", err));
}

void http_text(http_response *res, arena *a, int status, const char *content_type,
               const char *text, size_t len)
{
    (void)a;
    res->status = status;
    res->content_type = content_type;
    res->body = (char *)text;
    res->body_len = len;
}

/* ------------------------------------------------------------ metrics */

static void metrics_record(http_server *s, const char *route, int status, double seconds)
{
    pthread_mutex_lock(&s->metrics_lock);
    size_t i;
    for (i = 0; i < s->nmetrics; i++)
        if (s->metrics[i].status == status && s->metrics[i].route == route)
            break;
    if (i == s->nmetrics && s->nmetrics < METRIC_SLOTS)
        s->metrics[s->nmetrics++] = (metric){route, status, 0, 0};
    if (i < s->nmetrics) {
        s->metrics[i].count++;
        s->metrics[i].seconds_sum += seconds;
    }
    pthread_mutex_unlock(&s->metrics_lock);
}

void http_server_metrics(http_server *s, strbuf *out)
{
    strbuf_append_str(out, "# HELP calendula_http_requests_total HTTP requests answered.\n"
                           "# TYPE calendula_http_requests_total counter\n");
    pthread_mutex_lock(&s->metrics_lock);
    for (size_t i = 0; i < s->nmetrics; i++)
        strbuf_appendf(out, "calendula_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                       s->metrics[i].route, s->metrics[i].status,
                       (unsigned long long)s->metrics[i].count);
    strbuf_append_str(out, "# HELP calendula_http_request_duration_seconds_sum Time spent "
                           "answering.\n# TYPE calendula_http_request_duration_seconds_sum "
                           "counter\n");
    for (size_t i = 0; i < s->nmetrics; i++)
        strbuf_appendf(out,
                       "calendula_http_request_duration_seconds_sum{route=\"%s\",status=\"%d\"} "
                       "%.6f\n",
                       s->metrics[i].route, s->metrics[i].status, s->metrics[i].seconds_sum);
    pthread_mutex_unlock(&s->metrics_lock);
}

/* ------------------------------------------------------------ dispatch */

static bool method_has_body(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}

static bool content_type_is_json(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    size_t n = strlen("application/json");
    if (strncasecmp(ct, "application/json", n) != 0)
        return false;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static void client_address(struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, size, "unknown");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)size);
}

static void admission_destroy(admission *ad)
{
    pthread_cond_destroy(&ad->freed);
    pthread_mutex_destroy(&ad->lock);
}

static bool admit(http_server *s)
{
    if (s->opt.max_active <= 0)
        return true;
    admission *ad = &s->admit;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ADMIT_WAIT_S;
    pthread_mutex_lock(&ad->lock);
    int rc = 0;
    while (ad->free == 0 && rc == 0)
        rc = pthread_cond_timedwait(&ad->freed, &ad->lock, &until);
    bool in = ad->free > 0;
    if (in)
        ad->free--;
    pthread_mutex_unlock(&ad->lock);
    return in;
}

static void leave(http_server *s)
{
    if (s->opt.max_active <= 0)
        return;
    pthread_mutex_lock(&s->admit.lock);
    s->admit.free++;
    pthread_cond_signal(&s->admit.freed);
    pthread_mutex_unlock(&s->admit.lock);
}

static void dispatch(http_server *s, conn_state *st, http_response *res)
{
    http_request *req = &st->req;
    arena *a = st->arena;
    if (st->too_large) {
        http_error(res, a, 413, "payload_too_large", "The request body is larger than 1 MiB.", NULL);
        return;
    }
    req->body = st->body.buf ? st->body.buf : "";
    req->body_len = st->body.len;
    char *buf = arena_alloc(a, strlen(req->path) + 1);
    router_match m;
    /* HEAD is GET without the body, which MHD leaves out by itself. */
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    router_result rr = router_find(s->opt.routes, method, req->path, buf,
                                   strlen(req->path) + 1, &m);
    if (rr == ROUTER_NOT_FOUND) {
        if (s->opt.fallback && s->opt.fallback(s->opt.ctx, req, res))
            return;
        http_error(res, a, 404, "not_found", "No such resource.", NULL);
        return;
    }
    if (rr == ROUTER_METHOD_NOT_ALLOWED) {
        http_error(res, a, 405, "method_not_allowed", "This method is not allowed here.", NULL);
        http_add_header(res, a, "Allow", arena_strdup(a, m.allow));
        return;
    }
    req->route = m.pattern;
    for (size_t i = 0; i < m.nparams && i < HTTP_MAX_PARAMS; i++) {
        req->param_names[i] = m.names[i];
        req->param_values[i] = m.values[i];
        req->nparams = i + 1;
    }
    if (method_has_body(req->method) && req->body_len > 0 &&
        !content_type_is_json(http_header_get(req, "Content-Type"))) {
        http_error(res, a, 415, "unsupported_media_type",
                   "Send the body as application/json.", NULL);
        return;
    }
    if (!admit(s)) {
        http_error(res, a, 503, "unavailable", "The server is busy; try again shortly.", NULL);
        http_add_header(res, a, "Retry-After", "1");
        return;
    }
    ((http_handler)m.handler)(s->opt.ctx, req, res);
    if (s->opt.after)
        s->opt.after(s->opt.ctx);
    leave(s);
}

static void add_standard_headers(struct MHD_Response *r, const http_request *req,
                                 const http_response *res)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "strict-origin-when-cross-origin");
    MHD_add_response_header(r, "X-Request-Id", req->request_id);
    if (res->content_type)
        MHD_add_response_header(r, "Content-Type", res->content_type);
    if (!res->cacheable)
        MHD_add_response_header(r, "Cache-Control", "no-store");
    bool has_csp = false;
    for (size_t i = 0; i < res->nheaders; i++) {
        MHD_add_response_header(r, res->headers[i].name, res->headers[i].value);
        if (strcasecmp(res->headers[i].name, "Content-Security-Policy") == 0)
            has_csp = true;
    }
    if (!has_csp)
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'");
}

static enum MHD_Result send_response(struct MHD_Connection *conn, conn_state *st,
                                     http_response *res)
{
    if (res->status == 0)
        http_error(res, st->arena, 500, "internal", "The handler gave no answer.", NULL);
    struct MHD_Response *r = MHD_create_response_from_buffer(res->body_len, res->body,
                                                             MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    add_standard_headers(r, &st->req, res);
    st->status = res->status;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)res->status, r);
    MHD_destroy_response(r);
    return ret;
}

/*
 * 128-bit request ids from a per-thread xorshift generator seeded from the
 * CSPRNG: ids only need to be unique, and this keeps a getrandom(2) call
 * off every request.
 */
static void request_id(char out[33])
{
    static _Thread_local uint64_t s0, s1;
    if (!s0 && !s1) {
        uint64_t seed[2];
        secure_random(seed, sizeof(seed));
        s0 = seed[0] | 1;
        s1 = seed[1];
    }
    uint8_t b[16];
    for (int half = 0; half < 2; half++) {
        uint64_t x = s0, y = s1; /* xorshift128+ */
        s0 = y;
        x ^= x << 23;
        s1 = x ^ y ^ (x >> 17) ^ (y >> 26);
        uint64_t v = s1 + y;
        memcpy(b + half * 8, &v, 8);
    }
    secure_hex_encode(b, sizeof(b), out);
}

static conn_state *state_new(struct MHD_Connection *conn, const char *url, const char *method)
{
    conn_state *st = xcalloc(1, sizeof(*st));
    st->arena = arena_new();
    strbuf_init(&st->body, HTTP_BODY_MAX);
    st->started_us = clock_monotonic_us();
    st->req.arena = st->arena;
    st->req.conn = conn;
    st->req.method = arena_strdup(st->arena, method);
    st->req.path = arena_strdup(st->arena, url);
    st->req.route = "unmatched";
    request_id(st->req.request_id);
    client_address(conn, st->req.client_ip, sizeof(st->req.client_ip));
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > HTTP_BODY_MAX)
        st->too_large = true;
    return st;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    http_server *s = cls;
    conn_state *st = *con_cls;
    if (!st) {
        st = state_new(conn, url, method);
        *con_cls = st;
        atomic_fetch_add(&s->in_flight, 1);
        const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
        if (st->too_large && expect && strcasecmp(expect, "100-continue") == 0) {
            /* Answer now instead of "100 Continue": the client never sends the body. */
            http_response res = {0};
            dispatch(s, st, &res);
            return send_response(conn, st, &res);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        st->received += *upload_size;
        if (!st->too_large && !strbuf_append(&st->body, upload_data, *upload_size)) {
            st->too_large = true;
            strbuf_release(&st->body);
        }
        *upload_size = 0;
        if (st->received > HTTP_DRAIN_MAX)
            return MHD_NO; /* stop reading a flood; the connection is closed */
        return MHD_YES;
    }
    http_response res = {0};
    res.cacheable = false;
    dispatch(s, st, &res);
    return send_response(conn, st, &res);
}

static void log_request(const conn_state *st, double ms)
{
    if (!log_enabled(LOG_INFO))
        return;
    strbuf sb;
    strbuf_init(&sb, 4096);
    strbuf_append_str(&sb, "\"msg\":\"request\",\"method\":\"");
    log_escape(&sb, st->req.method);
    strbuf_append_str(&sb, "\",\"route\":\"");
    log_escape(&sb, st->req.route);
    strbuf_appendf(&sb, "\",\"status\":%d,\"duration_ms\":%.3f,\"request_id\":\"%s\","
                        "\"client\":\"",
                   st->status, ms, st->req.request_id);
    log_escape(&sb, st->req.client_ip);
    strbuf_append_str(&sb, "\"");
    log_fields(st->status >= 500 ? LOG_ERROR : LOG_INFO, sb.buf ? sb.buf : "");
    strbuf_release(&sb);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    http_server *s = cls;
    conn_state *st = *con_cls;
    if (!st)
        return;
    double ms = (double)(clock_monotonic_us() - st->started_us) / 1000.0;
    if (st->status) {
        log_request(st, ms);
        metrics_record(s, st->req.route, st->status, ms / 1000.0);
    }
    strbuf_release(&st->body);
    arena_free(st->arena);
    free(st);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Percent-decoding of the path and query, in place. "%00" stays as the
 * three characters: a decoded NUL would cut the C string short, and
 * "/api/meeting-types/<id>%00junk" must not act on "/api/meeting-types/<id>".
 */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    char *out = s;
    for (const char *in = s; *in;) {
        int hi, lo;
        if (in[0] == '%' && (hi = hex_value(in[1])) >= 0 && (lo = hex_value(in[2])) >= 0 &&
            (hi || lo)) {
            *out++ = (char)(hi * 16 + lo);
            in += 3;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
    return (size_t)(out - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_msg(LOG_DEBUG, "libmicrohttpd: %s", msg);
}

http_server *http_server_start(const http_server_options *opt, char *err, size_t errsize)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    /*
     * By default every connection gets a thread of its own: handlers block
     * (a booking waits for its group flush to reach the disk), and a pool
     * thread blocked in one request holds up the other connections it
     * serves. A pool shares its connections out unevenly, too: in a burst
     * of 16 connections on 8 threads, 3 threads had none and the rest 3 or
     * 4 each, waiting on one another. A pool (--threads N) suits many idle
     * connections better.
     */
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    flags |= opt->threads > 0 ? MHD_USE_EPOLL : MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
    if (inet_pton(AF_INET, opt->host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(opt->port);
    } else if (inet_pton(AF_INET6, opt->host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(opt->port);
        flags |= MHD_USE_IPv6;
    } else if (strcmp(opt->host, "localhost") == 0) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(opt->port);
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else {
        snprintf(err, errsize, "listen address must be an IP address, got %s", opt->host);
        return NULL;
    }
    http_server *s = xcalloc(1, sizeof(*s));
    s->opt = *opt;
    pthread_mutex_init(&s->metrics_lock, NULL);
    pthread_mutex_init(&s->admit.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->admit.freed, &ca);
    pthread_condattr_destroy(&ca);
    s->admit.free = opt->max_active;
    s->daemon = MHD_start_daemon(
        flags, opt->port, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)opt->threads, /* 0: no pool */
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4096,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
        MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errsize, "cannot listen on %s:%u (address in use or not permitted)",
                 opt->host, (unsigned)opt->port);
        admission_destroy(&s->admit);
        pthread_mutex_destroy(&s->metrics_lock);
        free(s);
        return NULL;
    }
    return s;
}

void http_server_stop(http_server *s)
{
    if (!s)
        return;
    /* Stop accepting, let requests already begun (even those still
     * receiving their body) finish, then close what is left. */
    MHD_socket listen_fd = MHD_quiesce_daemon(s->daemon);
    int64_t deadline = clock_monotonic_us() + HTTP_DRAIN_US;
    while (atomic_load(&s->in_flight) > 0 && clock_monotonic_us() < deadline) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    MHD_stop_daemon(s->daemon);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    admission_destroy(&s->admit);
    pthread_mutex_destroy(&s->metrics_lock);
    free(s);
}
