/* health.c — liveness, readiness, component health and Prometheus metrics. */
#include <string.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/strbuf.h"
#include "http/server.h"

typedef struct db_check {
    bool ok;
    bool migrated;
    double latency_ms;
} db_check;

static db_check check_database(app *a)
{
    db_check r = {false, false, 0};
    int64_t t0 = clock_monotonic_us();
    store_conn *c = store_conn_get(a->store);
    store_migration_status ms;
    if (c && store_ping(c) == STORE_OK) {
        r.ok = true;
        r.migrated = store_migration_status_get(c, &ms) == STORE_OK && ms.applied >= ms.known;
    }
    r.latency_ms = (double)(clock_monotonic_us() - t0) / 1000.0;
    return r;
}

static void health(void *ctx, http_request *req, http_response *res)
{
    db_check d = check_database(ctx);
    http_json(res, req->arena, d.ok ? 200 : 503,
              json_pack("{s:s}", "status", d.ok ? "healthy" : "unhealthy"));
}

static void live(void *ctx, http_request *req, http_response *res)
{
    (void)ctx;
    http_json(res, req->arena, 200, json_pack("{s:s}", "status", "alive"));
}

static void ready(void *ctx, http_request *req, http_response *res)
{
    db_check d = check_database(ctx);
    bool ok = d.ok && d.migrated;
    http_json(res, req->arena, ok ? 200 : 503,
              json_pack("{s:s}", "status", ok ? "ready" : "not_ready"));
}

static void detailed(void *ctx, http_request *req, http_response *res)
{
    app *a = ctx;
    db_check d = check_database(a);
    const char *db_status = !d.ok ? "unhealthy" : d.migrated ? "healthy" : "degraded";
    json_t *components = json_pack("{s:{s:s, s:s, s:f, s:b}}", "database", "status", db_status,
                                   "backend", store_backend_name(a->store), "latency_ms",
                                   d.latency_ms, "migrations_applied", d.migrated);
    json_t *j = json_pack("{s:s, s:s, s:I, s:o}", "status", d.ok ? "healthy" : "unhealthy",
                          "version", CALENDULA_VERSION, "uptime_seconds",
                          (json_int_t)(svc_now(a) - a->started_at), "components", components);
    http_json(res, req->arena, d.ok ? 200 : 503, j);
}

static void free_buf(void *p)
{
    strbuf_release(p);
}

static void metrics(void *ctx, http_request *req, http_response *res)
{
    app *a = ctx;
    strbuf *sb = arena_alloc(req->arena, sizeof(*sb));
    strbuf_init(sb, 0);
    arena_on_free(req->arena, free_buf, sb);
    strbuf_appendf(sb, "# HELP calendula_up Whether the server is running.\n"
                       "# TYPE calendula_up gauge\ncalendula_up 1\n");
    if (a->http)
        http_server_metrics(a->http, sb);
    http_text(res, req->arena, 200, "text/plain; version=0.0.4; charset=utf-8", sb->buf,
              sb->len);
}

void api_health_register(router *r)
{
    router_add(r, "GET", "/health", health);
    router_add(r, "GET", "/health/live", live);
    router_add(r, "GET", "/health/ready", ready);
    router_add(r, "GET", "/health/detailed", detailed);
    router_add(r, "GET", "/metrics", metrics);
}
