/*
 * admin.h — `calendula jobs`: the operator's view of the outbox.
 *
 *   calendula jobs list [--status pending|processing|done|dead] [--limit N] [--json]
 *   calendula jobs retry ID       make one job due now, attempts reset
 *   calendula jobs retry-dead     the same for every dead job
 *   calendula jobs purge-dead     delete every dead job
 *   calendula jobs purge-done [--older-than DAYS]
 *                                 delete finished jobs last changed more than
 *                                 DAYS ago (default 0: every finished job)
 */
#ifndef CALENDULA_JOBS_ADMIN_H
#define CALENDULA_JOBS_ADMIN_H

#include <stdbool.h>
#include <stdio.h>

#include "service/service.h"

#define JOBS_ADMIN_MAX_ARGS 8

typedef struct jobs_admin_args {
    const char *action; /* list | retry | retry-dead | purge-dead | purge-done */
    long long id;       /* retry */
    const char *status; /* list filter, NULL = any */
    int limit;          /* list, default 100 */
    bool json;          /* list: one JSON object per line */
    int older_than;     /* purge-done: days */
} jobs_admin_args;

/*
 * Takes from argv[0..argc) the words that belong to `jobs` (the action,
 * its ID, --status, --limit, --json) into out; the other words are copied
 * to rest (for the configuration flags). false with a message in err for
 * a missing or bad action or value.
 */
bool jobs_admin_parse(int argc, char **argv, jobs_admin_args *out, char **rest, int *nrest,
                      char *err, size_t errsize);

/* Runs the action against a's store, printing to out. Returns the exit code. */
int jobs_admin_run(app *a, const jobs_admin_args *args, FILE *out);

#endif
