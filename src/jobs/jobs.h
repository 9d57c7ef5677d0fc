/*
 * jobs.h — workers that process the outbox: claim a due row under a
 * lease, run the handler of its topic, settle the row.
 *
 * Delivery is at least once. A row is claimed in one statement (see
 * store_outbox_claim), so two workers — threads of `calendula serve` or
 * separate `calendula worker` processes — never hold the same row. A
 * worker that dies leaves its lease to expire; the row is then claimed
 * again. Failures are retried with capped exponential backoff and jitter
 * (backoff.h); after the last attempt, or at once for a permanent failure,
 * the row is parked as dead with its last error, for `calendula jobs`.
 * Handlers must therefore be idempotent (emails carry deterministic
 * Message-IDs and are not sent twice once recorded as sent).
 *
 * Time comes from the app's clock; only the idle waits use real time.
 */
#ifndef CALENDULA_JOBS_JOBS_H
#define CALENDULA_JOBS_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "service/service.h"

typedef enum jobs_verdict {
    JOBS_DONE,    /* finished: the row becomes done */
    JOBS_RETRY,   /* failed for now (SMTP 4xx, no connection): retry after a backoff */
    JOBS_FAIL,    /* failed for good (SMTP 5xx, bad payload): park as dead now */
    JOBS_RELEASE, /* not done because the worker is stopping: give the attempt back */
    JOBS_SETTLED, /* the handler settled the row in its own transaction (jobs_settle_done) */
} jobs_verdict;

typedef struct jobs_runner jobs_runner;

/* One claimed row while its handler runs. */
typedef struct jobs_job {
    const store_outbox_job *row;
    app *app;
    arena *arena;        /* freed when the job is settled */
    jobs_runner *runner;
    bool queued;         /* came through RabbitMQ: the outbox row is not leased */
    char error[512];     /* the handler's reason for RETRY or FAIL (no secrets) */
} jobs_job;

typedef jobs_verdict (*jobs_handler_fn)(void *ctx, jobs_job *job);

typedef struct jobs_handler {
    const char *topic; /* exact topic, e.g. "booking.created" */
    jobs_handler_fn fn;
    void *ctx;
} jobs_handler;

typedef struct jobs_policy {
    int lease;        /* seconds */
    int max_attempts;
    int backoff_base; /* seconds */
    int backoff_cap;
    int retention_days; /* done rows older than this are deleted by the workers; 0 = kept */
} jobs_policy;

/*
 * Deletes done outbox rows last changed before `before` (app clock
 * seconds), in batches of short transactions; how many, or -1 when the
 * store failed before any was deleted. Idle workers call it every ten
 * minutes with the policy's retention; `calendula jobs purge-done` too.
 */
int64_t jobs_purge_done(app *a, int64_t before);

/* The policy configured for the process (CALENDULA_JOB_*). */
jobs_policy jobs_policy_from_config(const config *cfg);

/*
 * A runner for app's store with these handlers (the array is copied; the
 * contexts must outlive the runner). A topic without a handler is parked
 * as dead. Free with jobs_runner_free() after jobs_stop().
 */
jobs_runner *jobs_runner_new(app *a, const jobs_handler *handlers, size_t nhandlers,
                             const jobs_policy *policy);
void jobs_runner_free(jobs_runner *r);

/*
 * Claims at most one due job and runs it on the calling thread. Returns 1
 * when a job was run, 0 when none was due, -1 on a store failure (logged).
 */
int jobs_run_one(jobs_runner *r);

/* Starts n worker threads (n >= 1). false if a thread cannot be made. */
bool jobs_start(jobs_runner *r, int n);

/*
 * Stops the workers and joins them: each finishes its current job or —
 * when interrupted (jobs_set_interrupt) — gives it back (released, the
 * attempt not counted) so another worker takes it at once.
 */
void jobs_stop(jobs_runner *r);

/* True once jobs_stop() has begun. */
bool jobs_stopping(const jobs_runner *r);

/*
 * When jobs_stop() finds workers still busy grace_ms after it began, it
 * calls fn(ctx) once (from the stopping thread), which must make the
 * handlers return soon — mail/ shuts down its SMTP connections — so that
 * they give their jobs back (JOBS_RELEASE) instead of holding up the stop.
 */
void jobs_set_interrupt(jobs_runner *r, void (*fn)(void *ctx), void *ctx, int grace_ms);

/*
 * Runs the handler of job->row's topic (a row from elsewhere than the
 * outbox claim, e.g. a RabbitMQ message; set job->queued). A row past
 * max_attempts, or of a topic without handler, is JOBS_FAIL.
 */
jobs_verdict jobs_handle(jobs_runner *r, jobs_job *job);

const jobs_policy *jobs_runner_policy(const jobs_runner *r);
app *jobs_runner_app(const jobs_runner *r);

/* Calls the interrupt set with jobs_set_interrupt(), if any. */
void jobs_interrupt(jobs_runner *r);

/*
 * For JOBS_SETTLED handlers: marks the job done inside the caller's open
 * write transaction (with note as last_error, may be NULL); a queued job
 * has no lease and nothing to mark (STORE_OK). STORE_NOT_FOUND means the
 * lease was lost: roll back.
 */
store_rc jobs_settle_done(store_conn *c, const jobs_job *job, const char *note);

#endif
