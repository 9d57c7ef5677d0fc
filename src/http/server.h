/*
 * server.h — the HTTP server: libmicrohttpd, a thread per connection (or
 * an epoll thread pool with --threads N).
 *
 * Requests are answered only once fully received (keeps keep-alive
 * working). Bodies over HTTP_BODY_MAX get 413 and are discarded. Every
 * answer carries the security headers and an X-Request-Id; one JSON log
 * line is written per request.
 */
#ifndef CALENDULA_HTTP_SERVER_H
#define CALENDULA_HTTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "http/router.h"

typedef void (*http_handler)(void *ctx, http_request *req, http_response *res);

/* Called for paths no route matches, before the 404 (static files, SPA). */
typedef bool (*http_fallback)(void *ctx, http_request *req, http_response *res);

typedef struct http_server http_server;

typedef struct http_server_options {
    const char *host;
    uint16_t port;
    int threads;      /* 0: a thread per connection; N: a pool of N threads */
    int max_active;   /* at most this many handlers run at once, the others wait
                       * their turn (503 after ADMIT_WAIT_S); 0: no limit */
    router *routes;   /* handlers are http_handler */
    void *ctx;        /* passed to handlers */
    http_fallback fallback; /* may be NULL */
    void (*after)(void *ctx); /* may be NULL: runs after each handler, before its turn ends */
} http_server_options;

/* Starts listening; NULL with a message in err if it cannot. */
http_server *http_server_start(const http_server_options *opt, char *err, size_t errsize);

/* Stops accepting, lets running requests finish, closes everything. */
void http_server_stop(http_server *s);

/* Prometheus text for the request counters (appended to out). */
struct strbuf;
void http_server_metrics(http_server *s, struct strbuf *out);

#endif
