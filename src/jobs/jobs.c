/* jobs.c — see jobs.h. */
#include "jobs/jobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/secure.h"
#include "base/xalloc.h"
#include "jobs/backoff.h"

/* Idle workers look for new rows at least this often (other processes
 * insert rows we are not told about). */
#define POLL_MAX_MS 500
/* After a store failure, wait before trying again. */
#define ERROR_PAUSE_MS 1000
/* Retention: how often idle workers look for old done rows, and how many
 * they delete per transaction. */
#define PURGE_EVERY 600
#define PURGE_BATCH 500

struct jobs_runner {
    app *app;
    jobs_handler *handlers;
    size_t nhandlers;
    jobs_policy policy;
    pthread_t *threads;
    int nthreads;
    atomic_bool stopping;
    void (*interrupt)(void *ctx);
    void *interrupt_ctx;
    int grace_ms;
    pthread_mutex_t lock; /* guards the idle wait and alive */
    pthread_cond_t wake;
    pthread_cond_t exited;
    int alive;            /* worker threads still running */
    atomic_llong last_purge; /* app clock (s) of the last retention purge */
};

jobs_policy jobs_policy_from_config(const config *cfg)
{
    return (jobs_policy){cfg->job_lease, cfg->job_max_attempts, cfg->job_backoff_base,
                         cfg->job_backoff_cap, cfg->job_retention};
}

jobs_runner *jobs_runner_new(app *a, const jobs_handler *handlers, size_t nhandlers,
                             const jobs_policy *policy)
{
    jobs_runner *r = xcalloc(1, sizeof(*r));
    r->app = a;
    r->handlers = xcalloc(nhandlers + 1, sizeof(*handlers));
    memcpy(r->handlers, handlers, nhandlers * sizeof(*handlers));
    r->nhandlers = nhandlers;
    r->policy = *policy;
    atomic_init(&r->stopping, false);
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->wake, &attr);
    pthread_cond_init(&r->exited, &attr);
    pthread_condattr_destroy(&attr);
    return r;
}

void jobs_runner_free(jobs_runner *r)
{
    if (!r)
        return;
    pthread_cond_destroy(&r->wake);
    pthread_cond_destroy(&r->exited);
    pthread_mutex_destroy(&r->lock);
    free(r->threads);
    free(r->handlers);
    free(r);
}

bool jobs_stopping(const jobs_runner *r)
{
    return atomic_load(&r->stopping);
}

void jobs_set_interrupt(jobs_runner *r, void (*fn)(void *ctx), void *ctx, int grace_ms)
{
    r->interrupt = fn;
    r->interrupt_ctx = ctx;
    r->grace_ms = grace_ms;
}

/* ---------------------------------------------------------------- settling */

static store_rc settle(store_conn *c, const store_outbox_settlement *s)
{
    store_rc rc = store_begin(c, true);
    if (rc != STORE_OK)
        return rc;
    rc = store_outbox_settle(c, s);
    if (rc == STORE_OK)
        return store_commit(c);
    store_rollback(c);
    return rc;
}

store_rc jobs_settle_done(store_conn *c, const jobs_job *job, const char *note)
{
    if (job->queued)
        return STORE_OK;
    store_outbox_settlement s = {
        .id = job->row->id, .claimed_attempts = job->row->attempts, .status = "done",
        .attempts = job->row->attempts, .available_at = job->row->available_at,
        .last_error = note, .now = svc_now(job->app),
    };
    return store_outbox_settle(c, &s);
}

static uint32_t random_u32(void)
{
    uint32_t v;
    secure_random(&v, sizeof(v));
    return v;
}

/* What a verdict writes: the row's next state; *what names it for the log. */
static store_outbox_settlement settlement_for(const jobs_runner *r, const jobs_job *job,
                                              jobs_verdict v, const char **what)
{
    const store_outbox_job *row = job->row;
    int64_t now = svc_now(r->app);
    store_outbox_settlement s = {.id = row->id, .claimed_attempts = row->attempts,
                                 .attempts = row->attempts, .available_at = now, .now = now};
    if (v == JOBS_DONE) {
        s.status = "done";
        s.available_at = row->available_at;
        s.last_error = job->error[0] ? job->error : NULL; /* a note such as "skipped: …" */
        *what = "done";
    } else if (v == JOBS_RELEASE) { /* not attempted: the attempt is given back */
        s.status = "pending";
        s.attempts = row->attempts - 1;
        s.last_error = row->last_error;
        *what = "released";
    } else {
        const jobs_policy *p = &r->policy;
        jobs_retry_plan plan = jobs_plan_retry(row->attempts, p->max_attempts, v == JOBS_FAIL,
                                               p->backoff_base, p->backoff_cap, now,
                                               random_u32());
        s.status = plan.dead ? "dead" : "pending";
        s.available_at = plan.available_at;
        s.last_error = job->error[0] ? job->error : "failed";
        *what = plan.dead ? "dead" : "retry";
    }
    return s;
}

/* Writes the verdict; logs the outcome (never the payload). */
static void finish(jobs_runner *r, store_conn *c, const jobs_job *job, jobs_verdict v)
{
    if (v == JOBS_SETTLED)
        return;
    const store_outbox_job *row = job->row;
    const char *what = "";
    store_outbox_settlement s = settlement_for(r, job, v, &what);
    store_rc rc = settle(c, &s);
    if (rc == STORE_NOT_FOUND) {
        log_msg(LOG_WARN, "job %lld (%s): lease lost before it could be settled as %s",
                (long long)row->id, row->topic, what);
        return;
    }
    if (rc != STORE_OK) { /* the lease will expire and the job run again */
        log_msg(LOG_ERROR, "job %lld (%s): cannot record %s", (long long)row->id, row->topic,
                what);
        return;
    }
    bool failed = v != JOBS_DONE && v != JOBS_RELEASE;
    log_level lvl = !failed ? LOG_INFO : strcmp(s.status, "dead") == 0 ? LOG_ERROR : LOG_WARN;
    log_msg(lvl, "job %lld %s attempt %d: %s%s%s", (long long)row->id, row->topic,
            row->attempts, what, failed ? ": " : "", failed ? s.last_error : "");
}

/* ---------------------------------------------------------------- running */

static const jobs_handler *handler_for(const jobs_runner *r, const char *topic)
{
    for (size_t i = 0; i < r->nhandlers; i++)
        if (strcmp(r->handlers[i].topic, topic) == 0)
            return &r->handlers[i];
    return NULL;
}

const jobs_policy *jobs_runner_policy(const jobs_runner *r)
{
    return &r->policy;
}

app *jobs_runner_app(const jobs_runner *r)
{
    return r->app;
}

void jobs_interrupt(jobs_runner *r)
{
    if (r->interrupt)
        r->interrupt(r->interrupt_ctx);
}

jobs_verdict jobs_handle(jobs_runner *r, jobs_job *job)
{
    const store_outbox_job *row = job->row;
    if (row->attempts > r->policy.max_attempts) {
        /* Claimed again after its lease ran out on the last attempt: a job
         * that keeps killing or stalling its worker stops here. */
        snprintf(job->error, sizeof(job->error), "lease expired on the last attempt%s%.400s",
                 row->last_error ? "; before that: " : "",
                 row->last_error ? row->last_error : "");
        return JOBS_FAIL;
    }
    const jobs_handler *h = handler_for(r, row->topic);
    if (!h) {
        snprintf(job->error, sizeof(job->error), "no handler for topic %.100s", row->topic);
        return JOBS_FAIL;
    }
    return h->fn(h->ctx, job);
}

int jobs_run_one(jobs_runner *r)
{
    store_conn *c = store_conn_get(r->app->store);
    if (!c)
        return -1;
    arena *ar = arena_new();
    int64_t now = svc_now(r->app);
    store_outbox_job *rows = NULL;
    size_t n = 0;
    store_rc rc = store_outbox_claim_tx(c, ar, now, now + r->policy.lease, 1, &rows, &n);
    int result = rc == STORE_OK ? (int)n : -1;
    if (rc == STORE_OK && n == 1) {
        jobs_job job = {.row = &rows[0], .app = r->app, .arena = ar, .runner = r};
        jobs_verdict v = jobs_handle(r, &job);
        finish(r, c, &job, v);
    } else if (rc != STORE_OK) {
        log_msg(LOG_WARN, "jobs: cannot claim due jobs (store busy or unavailable)");
    }
    arena_free(ar);
    return result;
}

/* ---------------------------------------------------------------- threads */

static struct timespec deadline_in(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ns = (int64_t)ts.tv_nsec + ms * 1000000;
    ts.tv_sec += (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    return ts;
}

/* Sleeps up to ms, or until jobs_stop(). */
static void idle_wait(jobs_runner *r, int64_t ms)
{
    struct timespec ts = deadline_in(ms);
    pthread_mutex_lock(&r->lock);
    while (!jobs_stopping(r)) {
        if (pthread_cond_timedwait(&r->wake, &r->lock, &ts) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&r->lock);
}

/* How long to sleep when nothing was claimable: until the next row is due, at most POLL_MAX_MS. */
static int64_t idle_ms(jobs_runner *r)
{
    store_conn *c = store_conn_get(r->app->store);
    int64_t when;
    if (!c || store_outbox_next_due(c, &when) != STORE_OK)
        return POLL_MAX_MS;
    int64_t now_us = clock_now_us(&r->app->clock);
    int64_t ms = (when * 1000000 - now_us) / 1000 + 1;
    /* Due already but not claimable (another worker took it): a short pause. */
    return ms < 50 ? 50 : ms > POLL_MAX_MS ? POLL_MAX_MS : ms;
}

int64_t jobs_purge_done(app *a, int64_t before)
{
    store_conn *c = store_conn_get(a->store);
    if (!c)
        return -1;
    int64_t total = 0, count = PURGE_BATCH;
    /* small batches, each its own short write transaction */
    while (count == PURGE_BATCH) {
        store_rc rc = store_begin(c, true);
        if (rc == STORE_OK) {
            rc = store_outbox_purge_done(c, before, PURGE_BATCH, &count);
            if (rc == STORE_OK)
                rc = store_commit(c);
            else
                store_rollback(c);
        }
        if (rc != STORE_OK)
            return total ? total : -1;
        total += count;
    }
    return total;
}

/* At most every PURGE_EVERY seconds, by one idle worker: done rows past retention. */
static void maybe_purge(jobs_runner *r)
{
    if (r->policy.retention_days <= 0)
        return;
    int64_t now = svc_now(r->app);
    long long last = atomic_load(&r->last_purge);
    if (now - last < PURGE_EVERY || !atomic_compare_exchange_strong(&r->last_purge, &last, now))
        return;
    int64_t n = jobs_purge_done(r->app, now - (int64_t)r->policy.retention_days * 86400);
    if (n > 0)
        log_msg(LOG_INFO, "jobs: deleted %lld finished job(s) older than %d day(s)", (long long)n,
                r->policy.retention_days);
    else if (n < 0)
        log_msg(LOG_WARN, "jobs: cannot delete old finished jobs (store busy or unavailable)");
}

static void *worker_main(void *arg)
{
    jobs_runner *r = arg;
    while (!jobs_stopping(r)) {
        int n = jobs_run_one(r);
        if (n > 0)
            continue;
        if (n == 0)
            maybe_purge(r);
        idle_wait(r, n < 0 ? ERROR_PAUSE_MS : idle_ms(r));
    }
    pthread_mutex_lock(&r->lock);
    r->alive--;
    pthread_cond_broadcast(&r->exited);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

bool jobs_start(jobs_runner *r, int n)
{
    r->threads = xcalloc((size_t)n, sizeof(pthread_t));
    for (int i = 0; i < n; i++) {
        pthread_mutex_lock(&r->lock);
        r->alive++;
        pthread_mutex_unlock(&r->lock);
        if (pthread_create(&r->threads[i], NULL, worker_main, r) != 0) {
            pthread_mutex_lock(&r->lock);
            r->alive--;
            pthread_mutex_unlock(&r->lock);
            log_msg(LOG_ERROR, "jobs: cannot start worker thread %d", i);
            jobs_stop(r);
            return false;
        }
        r->nthreads++;
    }
    log_msg(LOG_INFO, "jobs: %d worker thread(s) started", n);
    return true;
}

void jobs_stop(jobs_runner *r)
{
    struct timespec grace = deadline_in(r->grace_ms);
    pthread_mutex_lock(&r->lock);
    atomic_store(&r->stopping, true);
    pthread_cond_broadcast(&r->wake);
    while (r->alive > 0 && r->interrupt) {
        if (pthread_cond_timedwait(&r->exited, &r->lock, &grace) == ETIMEDOUT)
            break;
    }
    bool busy = r->alive > 0;
    pthread_mutex_unlock(&r->lock);
    if (busy && r->interrupt) {
        log_msg(LOG_INFO, "jobs: interrupting the jobs in progress (they are given back)");
        r->interrupt(r->interrupt_ctx);
    }
    for (int i = 0; i < r->nthreads; i++)
        pthread_join(r->threads[i], NULL);
    if (r->nthreads)
        log_msg(LOG_INFO, "jobs: %d worker thread(s) stopped", r->nthreads);
    r->nthreads = 0;
}
