/*
 * test_jobs.c — the outbox runner against a real SQLite store in a temp
 * folder, with a frozen clock that the tests move: due times, leases and
 * their expiry, retries with backoff, dead letter, give-back on stop,
 * requeue and purge, and several threads never running a job twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/secure.h"
#include "jobs/jobs.h"

#define T0 1900000000

typedef struct fixture {
    char dir[64];
    config cfg;
    app app;
    jobs_runner *runner;
    jobs_verdict verdict; /* what the test handler answers */
    atomic_int calls;
    int last_attempt;
    bool wait_for_stop; /* the handler spins until jobs_stop() */
} fixture;

static jobs_verdict handler(void *ctx, jobs_job *job)
{
    fixture *f = ctx;
    atomic_fetch_add(&f->calls, 1);
    f->last_attempt = job->row->attempts;
    if (f->wait_for_stop) {
        while (!jobs_stopping(job->runner))
            usleep(1000);
        return JOBS_RELEASE;
    }
    if (f->verdict != JOBS_DONE)
        snprintf(job->error, sizeof(job->error), "smtp said no");
    return f->verdict;
}

static const jobs_policy policy = {.lease = 60, .max_attempts = 3, .backoff_base = 10,
                                   .backoff_cap = 100};

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/calendula-jobs-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char url[128];
    snprintf(url, sizeof(url), "sqlite:%s/db", f->dir);
    char err[256];
    assert_int_equal(store_open(url, &f->app.store, err, sizeof(err)), STORE_OK);
    int applied;
    assert_int_equal(store_migrate(f->app.store, &applied), STORE_OK);
    f->app.cfg = &f->cfg;
    f->app.clock = clock_frozen(T0);
    jobs_handler hs[] = {{"test.topic", handler, f}};
    f->runner = jobs_runner_new(&f->app, hs, 1, &policy);
    f->verdict = JOBS_DONE;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    jobs_stop(f->runner);
    jobs_runner_free(f->runner);
    store_close(f->app.store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static store_conn *conn(fixture *f)
{
    return store_conn_get(f->app.store);
}

static void add_row(fixture *f, const char *topic, int64_t due)
{
    char id[SECURE_UUID_LEN + 1];
    secure_uuid(id);
    assert_int_equal(store_outbox_insert_at(conn(f), id, topic, "agg", "{}", due, T0), STORE_OK);
}

/* The single row of the outbox (there is one in most tests). */
static store_outbox_job row(fixture *f, arena *a, int64_t id)
{
    store_outbox_job *rows;
    size_t n;
    assert_int_equal(store_outbox_list(conn(f), a, NULL, 100, &rows, &n), STORE_OK);
    for (size_t i = 0; i < n; i++)
        if (rows[i].id == id)
            return rows[i];
    fail_msg("no outbox row %lld", (long long)id);
    return rows[0];
}

static void set_now(fixture *f, int64_t t)
{
    f->app.clock = clock_frozen(t);
}

static void test_due_only_at_its_time(void **state)
{
    fixture *f = *state;
    add_row(f, "test.topic", T0 + 3600); /* a reminder an hour from now */
    int64_t when = 0;
    assert_int_equal(store_outbox_next_due(conn(f), &when), STORE_OK);
    assert_int_equal(when, T0 + 3600);
    assert_int_equal(jobs_run_one(f->runner), 0);
    set_now(f, T0 + 3599);
    assert_int_equal(jobs_run_one(f->runner), 0);
    set_now(f, T0 + 3600);
    assert_int_equal(jobs_run_one(f->runner), 1);
    assert_int_equal(f->calls, 1);
    arena *a = arena_new();
    store_outbox_job j = row(f, a, 1);
    assert_string_equal(j.status, "done");
    assert_int_equal(j.attempts, 1);
    assert_int_equal(j.lease_until, 0);
    assert_null(j.last_error);
    arena_free(a);
    assert_int_equal(store_outbox_next_due(conn(f), &when), STORE_NOT_FOUND);
}

static void test_retry_backoff_then_dead(void **state)
{
    fixture *f = *state;
    f->verdict = JOBS_RETRY;
    add_row(f, "test.topic", T0);
    arena *a = arena_new();
    int64_t now = T0, prev_wait = 0;
    for (int attempt = 1; attempt <= 3; attempt++) {
        assert_int_equal(jobs_run_one(f->runner), 1);
        assert_int_equal(f->last_attempt, attempt);
        store_outbox_job j = row(f, a, 1);
        assert_int_equal(j.attempts, attempt);
        assert_string_equal(j.last_error, "smtp said no");
        if (attempt == 3) { /* max_attempts: parked */
            assert_string_equal(j.status, "dead");
            break;
        }
        assert_string_equal(j.status, "pending");
        int64_t wait = j.available_at - now;
        int64_t d = attempt == 1 ? 10 : 20;
        assert_true(wait >= d / 2 && wait <= d);
        assert_true(attempt == 1 || wait >= prev_wait / 2);
        prev_wait = wait;
        set_now(f, j.available_at - 1); /* not yet */
        assert_int_equal(jobs_run_one(f->runner), 0);
        now = j.available_at;
        set_now(f, now);
    }
    set_now(f, T0 + 100000); /* dead rows are never claimed again */
    assert_int_equal(jobs_run_one(f->runner), 0);
    assert_int_equal(f->calls, 3);
    arena_free(a);
}

static void test_permanent_failure_and_unknown_topic(void **state)
{
    fixture *f = *state;
    f->verdict = JOBS_FAIL;
    add_row(f, "test.topic", T0);
    add_row(f, "no.such.topic", T0);
    assert_int_equal(jobs_run_one(f->runner), 1);
    assert_int_equal(jobs_run_one(f->runner), 1);
    arena *a = arena_new();
    store_outbox_job j1 = row(f, a, 1), j2 = row(f, a, 2);
    assert_string_equal(j1.status, "dead");
    assert_int_equal(j1.attempts, 1);
    assert_string_equal(j2.status, "dead");
    assert_non_null(strstr(j2.last_error, "no handler"));
    /* requeue one, then all dead ones; purge */
    int64_t n = 0;
    assert_int_equal(store_outbox_requeue(conn(f), 1, T0 + 5, &n), STORE_OK);
    assert_int_equal(n, 1);
    j1 = row(f, a, 1);
    assert_string_equal(j1.status, "pending");
    assert_int_equal(j1.attempts, 0);
    assert_int_equal(j1.available_at, T0 + 5);
    assert_int_equal(store_outbox_requeue(conn(f), 99, T0, &n), STORE_NOT_FOUND);
    assert_int_equal(store_outbox_requeue(conn(f), 0, T0, &n), STORE_OK);
    assert_int_equal(n, 1); /* only row 2 was still dead */
    set_now(f, T0 + 5);
    assert_int_equal(jobs_run_one(f->runner), 1);
    assert_int_equal(jobs_run_one(f->runner), 1);
    assert_int_equal(store_outbox_purge_dead(conn(f), &n), STORE_OK);
    assert_int_equal(n, 2);
    store_outbox_job *rows;
    size_t count;
    assert_int_equal(store_outbox_list(conn(f), a, NULL, 10, &rows, &count), STORE_OK);
    assert_int_equal(count, 0);
    arena_free(a);
}

static void test_expired_lease_is_claimed_again(void **state)
{
    fixture *f = *state;
    add_row(f, "test.topic", T0);
    /* A worker claims the row and dies (never settles). */
    arena *a = arena_new();
    store_outbox_job *rows;
    size_t n;
    assert_int_equal(store_outbox_claim(conn(f), a, T0, T0 + 60, 5, &rows, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].attempts, 1);
    assert_string_equal(rows[0].status, "processing");
    store_outbox_job dead_claim = rows[0];
    int64_t when;
    assert_int_equal(store_outbox_next_due(conn(f), &when), STORE_OK);
    assert_int_equal(when, T0 + 60);
    set_now(f, T0 + 59); /* still leased */
    assert_int_equal(jobs_run_one(f->runner), 0);
    set_now(f, T0 + 60);
    assert_int_equal(jobs_run_one(f->runner), 1);
    assert_int_equal(f->last_attempt, 2);
    assert_string_equal(row(f, a, 1).status, "done");
    /* The first claim's late settle is fenced off. */
    store_outbox_settlement s = {.id = 1, .claimed_attempts = dead_claim.attempts,
                                 .status = "pending", .attempts = 1, .available_at = T0,
                                 .now = T0 + 61};
    assert_int_equal(store_outbox_settle(conn(f), &s), STORE_NOT_FOUND);
    assert_string_equal(row(f, a, 1).status, "done");
    arena_free(a);
}

static void test_lease_expiry_after_last_attempt_is_dead(void **state)
{
    fixture *f = *state;
    add_row(f, "test.topic", T0);
    arena *a = arena_new();
    store_outbox_job *rows;
    size_t n;
    for (int i = 0; i < 3; i++) { /* three workers die holding it */
        set_now(f, T0 + i * 60);
        assert_int_equal(store_outbox_claim(conn(f), a, T0 + i * 60, T0 + i * 60 + 60, 1, &rows,
                                            &n), STORE_OK);
        assert_int_equal(n, 1);
    }
    set_now(f, T0 + 180);
    assert_int_equal(jobs_run_one(f->runner), 1);
    assert_int_equal(f->calls, 0); /* not run a fourth time */
    store_outbox_job j = row(f, a, 1);
    assert_string_equal(j.status, "dead");
    assert_non_null(strstr(j.last_error, "lease expired"));
    arena_free(a);
}

static void test_release_gives_the_attempt_back(void **state)
{
    fixture *f = *state;
    f->verdict = JOBS_RELEASE;
    add_row(f, "test.topic", T0);
    assert_int_equal(jobs_run_one(f->runner), 1);
    arena *a = arena_new();
    store_outbox_job j = row(f, a, 1);
    assert_string_equal(j.status, "pending");
    assert_int_equal(j.attempts, 0);
    assert_int_equal(j.available_at, T0);
    arena_free(a);
}

static void test_withdraw_pending_only(void **state)
{
    fixture *f = *state;
    char id[SECURE_UUID_LEN + 1];
    secure_uuid(id);
    assert_int_equal(store_outbox_insert_at(conn(f), id, "booking.reminder", "b1", "{}",
                                            T0 + 100, T0), STORE_OK);
    secure_uuid(id);
    assert_int_equal(store_outbox_insert_at(conn(f), id, "booking.reminder", "b2", "{}",
                                            T0 + 100, T0), STORE_OK);
    int64_t n = 0;
    assert_int_equal(store_outbox_withdraw(conn(f), "b1", "booking.reminder", "moved", T0, &n),
                     STORE_OK);
    assert_int_equal(n, 1);
    arena *a = arena_new();
    store_outbox_job j = row(f, a, 1);
    assert_string_equal(j.status, "done");
    assert_string_equal(j.last_error, "moved");
    assert_string_equal(row(f, a, 2).status, "pending");
    arena_free(a);
}

static void test_threads_run_each_job_once(void **state)
{
    fixture *f = *state;
    enum { N = 40 };
    for (int i = 0; i < N; i++)
        add_row(f, "test.topic", T0);
    assert_true(jobs_start(f->runner, 4));
    for (int i = 0; i < 2000 && atomic_load(&f->calls) < N; i++)
        usleep(5000);
    jobs_stop(f->runner);
    assert_int_equal(atomic_load(&f->calls), N);
    arena *a = arena_new();
    store_outbox_job *rows;
    size_t n;
    assert_int_equal(store_outbox_list(conn(f), a, "done", 100, &rows, &n), STORE_OK);
    assert_int_equal(n, N);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rows[i].attempts, 1);
    arena_free(a);
}

static void test_stop_releases_the_job_in_hand(void **state)
{
    fixture *f = *state;
    f->wait_for_stop = true;
    add_row(f, "test.topic", T0);
    assert_true(jobs_start(f->runner, 1));
    for (int i = 0; i < 2000 && atomic_load(&f->calls) == 0; i++)
        usleep(1000);
    jobs_stop(f->runner);
    arena *a = arena_new();
    store_outbox_job j = row(f, a, 1);
    assert_string_equal(j.status, "pending");
    assert_int_equal(j.attempts, 0);
    arena_free(a);
}

int main(void)
{
    secure_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_due_only_at_its_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_backoff_then_dead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permanent_failure_and_unknown_topic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expired_lease_is_claimed_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_expiry_after_last_attempt_is_dead, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_release_gives_the_attempt_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_withdraw_pending_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_run_each_job_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_releases_the_job_in_hand, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
