/*
 * service.h — what every use case shares: the application context and
 * the error every service function reports.
 *
 * Services validate business rules, run transactions against the store
 * and return svc_rc. api/ maps svc_rc to HTTP status and error code in
 * one table (api/errors.c).
 */
#ifndef CALENDULA_SERVICE_SERVICE_H
#define CALENDULA_SERVICE_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/config.h"
#include "store/store.h"

typedef enum svc_rc {
    SVC_OK = 0,
    SVC_INVALID_PARAMETER,  /* 400 */
    SVC_UNAUTHENTICATED,    /* 401 */
    SVC_INVALID_CREDENTIALS,/* 401 */
    SVC_FORBIDDEN,          /* 403 */
    SVC_NOT_FOUND,          /* 404 */
    SVC_EMAIL_TAKEN,        /* 409 */
    SVC_USERNAME_TAKEN,
    SVC_SLUG_TAKEN,
    SVC_SLOT_UNAVAILABLE,
    SVC_VERSION_CONFLICT,
    SVC_BOOKING_CANCELLED,  /* 409 */
    SVC_IDEMPOTENCY_IN_FLIGHT, /* 409 */
    SVC_IDEMPOTENCY_REUSED, /* 422 */
    SVC_VALIDATION,         /* 422 */
    SVC_INVALID_TIME_ZONE,  /* 422 */
    SVC_RATE_LIMITED,       /* 429 */
    SVC_UNAVAILABLE,        /* 503 */
    SVC_INTERNAL,           /* 500 */
} svc_rc;

typedef struct svc_error {
    svc_rc rc;
    const char *message; /* a sentence for people; static or arena */
    const char *field;   /* the offending input field, or NULL */
    int retry_after;     /* seconds, for SVC_RATE_LIMITED */
} svc_error;

struct ratelimit;
struct slot_cache;

typedef struct app {
    const config *cfg;
    store *store;
    clock_source clock;
    struct ratelimit *login_limits;
    struct slot_cache *slot_cache; /* inputs of recent slot answers */
    char dummy_password_hash[128]; /* equalises login timing for unknown emails */
    int64_t started_at;
    void *http; /* the http_server, for /metrics */
} app;

/* Sets *e and returns rc: `return svc_fail(e, SVC_NOT_FOUND, "…", NULL);` */
svc_rc svc_fail(svc_error *e, svc_rc rc, const char *message, const char *field);

/* Maps a store failure to a service one (busy/unavailable → 503). */
svc_rc svc_store_fail(svc_error *e, store_rc rc);

/* The calling thread's store connection, or SVC_UNAVAILABLE. */
store_conn *svc_conn(app *a, svc_error *e);

static inline int64_t svc_now(const app *a)
{
    return clock_now(&a->clock);
}

#endif
