/* admin.c — see admin.h. */
#include "jobs/admin.h"
#include "jobs/jobs.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/civil.h"

#define LIST_DEFAULT 100
#define LIST_MAX 100000

static bool parse_long(const char *s, long long min, long long max, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool is_status(const char *s)
{
    return !strcmp(s, "pending") || !strcmp(s, "processing") || !strcmp(s, "done") ||
           !strcmp(s, "dead");
}

bool jobs_admin_parse(int argc, char **argv, jobs_admin_args *out, char **rest, int *nrest,
                      char *err, size_t errsize)
{
    *out = (jobs_admin_args){.limit = LIST_DEFAULT};
    *nrest = 0;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        long long v;
        if (!out->action && w[0] != '-') {
            out->action = w;
        } else if (out->action && !strcmp(out->action, "retry") && !out->id && w[0] != '-') {
            if (!parse_long(w, 1, INT64_MAX, &v)) {
                snprintf(err, errsize, "jobs retry: expected a job id, got \"%.40s\"", w);
                return false;
            }
            out->id = v;
        } else if (!strcmp(w, "--json")) {
            out->json = true;
        } else if (!strcmp(w, "--status") || !strcmp(w, "--limit") ||
                   !strcmp(w, "--older-than")) {
            if (i + 1 >= argc) {
                snprintf(err, errsize, "jobs: %s needs a value", w);
                return false;
            }
            const char *val = argv[++i];
            if (!strcmp(w, "--status") && is_status(val)) {
                out->status = val;
            } else if (!strcmp(w, "--limit") && parse_long(val, 1, LIST_MAX, &v)) {
                out->limit = (int)v;
            } else if (!strcmp(w, "--older-than") && parse_long(val, 0, 36500, &v)) {
                out->older_than = (int)v;
            } else {
                snprintf(err, errsize, "jobs: bad %s \"%.40s\"", w, val);
                return false;
            }
        } else {
            rest[(*nrest)++] = argv[i];
        }
    }
    const char *a = out->action;
    if (!a || (strcmp(a, "list") && strcmp(a, "retry") && strcmp(a, "retry-dead") &&
               strcmp(a, "purge-dead") && strcmp(a, "purge-done"))) {
        snprintf(err, errsize,
                 "jobs: expected list, retry ID, retry-dead, purge-dead or purge-done");
        return false;
    }
    if (!strcmp(a, "retry") && !out->id) {
        snprintf(err, errsize, "jobs retry: which job? (calendula jobs retry ID)");
        return false;
    }
    return true;
}

static const char *when(int64_t t, char buf[static 26])
{
    if (!t)
        return "-";
    civil_format_rfc3339(t, 0, buf);
    return buf;
}

static void print_json(FILE *out, const store_outbox_job *j)
{
    char b1[26], b2[26], b3[26], b4[26];
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s}", "id",
                          (json_int_t)j->id, "event_id", j->event_id, "topic", j->topic,
                          "aggregate_id", j->aggregate_id, "status", j->status, "attempts",
                          j->attempts, "available_at", when(j->available_at, b1), "created_at",
                          when(j->created_at, b2), "updated_at", when(j->updated_at, b3));
    json_object_set_new(o, "lease_until",
                        j->lease_until ? json_string(when(j->lease_until, b4)) : json_null());
    json_object_set_new(o, "last_error", j->last_error ? json_string(j->last_error) : json_null());
    json_t *payload = json_loads(j->payload_json, 0, NULL);
    json_object_set_new(o, "payload", payload ? payload : json_null());
    char *s = json_dumps(o, JSON_COMPACT);
    fprintf(out, "%s\n", s);
    free(s);
    json_decref(o);
}

static int list(app *a, store_conn *c, const jobs_admin_args *args, FILE *out)
{
    arena *ar = arena_new();
    store_outbox_job *rows;
    size_t n;
    store_rc rc = store_outbox_list(c, ar, args->status, args->limit, &rows, &n);
    if (rc == STORE_OK && !args->json)
        fprintf(out, "%-8s %-10s %-8s %-20s %-20s %-36s %s\n", "ID", "STATUS", "ATTEMPTS",
                "TOPIC", "AVAILABLE_AT", "AGGREGATE", "LAST_ERROR");
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        const store_outbox_job *j = &rows[i];
        char buf[26];
        if (args->json)
            print_json(out, j);
        else
            fprintf(out, "%-8lld %-10s %-8d %-20s %-20s %-36s %s\n", (long long)j->id,
                    j->status, j->attempts, j->topic, when(j->available_at, buf),
                    j->aggregate_id, j->last_error ? j->last_error : "");
    }
    arena_free(ar);
    (void)a;
    return rc == STORE_OK ? 0 : 1;
}

int jobs_admin_run(app *a, const jobs_admin_args *args, FILE *out)
{
    store_conn *c = store_conn_get(a->store);
    if (!c) {
        fprintf(stderr, "calendula: cannot open the database\n");
        return 1;
    }
    if (!strcmp(args->action, "list"))
        return list(a, c, args, out);
    if (!strcmp(args->action, "purge-done")) {
        int64_t n = jobs_purge_done(a, svc_now(a) - (int64_t)args->older_than * 86400);
        if (n < 0) {
            fprintf(stderr, "calendula: the database refused the change (see the log)\n");
            return 1;
        }
        fprintf(out, "purged %lld finished job(s)\n", (long long)n);
        return 0;
    }
    int64_t count = 0;
    store_rc rc = store_begin(c, true);
    if (rc == STORE_OK) {
        if (!strcmp(args->action, "purge-dead"))
            rc = store_outbox_purge_dead(c, &count);
        else
            rc = store_outbox_requeue(c, args->id, svc_now(a), &count);
        if (rc == STORE_OK)
            rc = store_commit(c);
        else
            store_rollback(c);
    }
    if (rc == STORE_NOT_FOUND) {
        fprintf(stderr, "calendula: no job %lld that can be retried (it may be in progress)\n",
                args->id);
        return 1;
    }
    if (rc != STORE_OK) {
        fprintf(stderr, "calendula: the database refused the change (see the log)\n");
        return 1;
    }
    if (!strcmp(args->action, "purge-dead"))
        fprintf(out, "purged %lld dead job(s)\n", (long long)count);
    else
        fprintf(out, "requeued %lld job(s)\n", (long long)count);
    return 0;
}
