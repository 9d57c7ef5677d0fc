/*
 * main.c — the calendula command: serve, worker, jobs, migrate, --help,
 * --version.
 *
 * Configuration comes from CALENDULA_* environment variables; a flag
 * overrides each (see usage()).
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "base/config.h"
#include "base/log.h"
#include "base/secure.h"
#include "http/server.h"
#include "http/static.h"
#include "jobs/admin.h"
#include "jobs/amqp.h"
#include "jobs/jobs.h"
#include "mail/notify.h"
#include "mail/transport.h"
#include "service/ratelimit.h"
#include "service/slot_cache.h"
#include "service/tzdb.h"
#include "service/users.h"
#include "store/store.h"

#define LOGIN_WINDOW_SECONDS (15 * 60)
#define SLOT_CACHE_ENTRIES 4096
#define STOP_GRACE_MS 3000 /* jobs in progress at SIGTERM may finish within this */

static void usage(FILE *out)
{
    fprintf(out,
            "Calendula %s — meeting scheduling server\n"
            "\n"
            "Usage: calendula COMMAND [OPTIONS]\n"
            "\n"
            "Commands:\n"
            "  serve      apply pending migrations, then serve HTTP (and run job workers)\n"
            "             until SIGTERM/SIGINT\n"
            "  worker     run job workers only (emails, reminders) until SIGTERM/SIGINT\n"
            "  jobs list [--status S] [--limit N] [--json] | retry ID | retry-dead | purge-dead\n"
            "       | purge-done [--older-than DAYS]\n"
            "             inspect and repair the job queue (the outbox)\n"
            "  migrate    apply pending database migrations and exit\n"
            "\n"
            "Options (each overrides its environment variable):\n"
            "  --listen HOST:PORT      CALENDULA_LISTEN        default 127.0.0.1:8080\n"
            "  --data-dir DIR          CALENDULA_DATA_DIR      default ./var\n"
            "  --database-url URL      CALENDULA_DATABASE_URL  default sqlite:DATA_DIR/calendula.db\n"
            "  --secret-key HEX        CALENDULA_SECRET_KEY    default: generated into DATA_DIR/secret.key\n"
            "  --log-level LEVEL       CALENDULA_LOG_LEVEL     debug, info, warn, error (default info)\n"
            "  --threads N             CALENDULA_THREADS       a pool of N HTTP threads (default: one per connection)\n"
            "  --max-active N          CALENDULA_MAX_ACTIVE    API requests served at once, the rest wait; 0 = no limit\n"
            "                                                  (default: 4 per CPU on PostgreSQL, no limit on SQLite)\n"
            "  --public-url URL        CALENDULA_PUBLIC_URL    base URL for links (default http://LISTEN)\n"
            "  --fake-now RFC3339      CALENDULA_FAKE_NOW      start the clock at this instant (tests, demos)\n"
            "  --web-dir DIR           CALENDULA_WEB_DIR       built web app (default web/dist if present)\n"
            "  --smtp-url URL          CALENDULA_SMTP_URL      smtp://user:pass@host:port (default: .eml files\n"
            "                                                  in DATA_DIR/mail/outbox)\n"
            "  --mail-from ADDRESS     CALENDULA_MAIL_FROM     sender address (default calendula@localhost)\n"
            "  --job-workers N         CALENDULA_JOB_WORKERS   job threads in serve, 0 = none (default 2)\n"
            "  --job-lease SECONDS     CALENDULA_JOB_LEASE     lease of a claimed job (default 120)\n"
            "  --job-max-attempts N    CALENDULA_JOB_MAX_ATTEMPTS  then dead letter (default 10)\n"
            "  --job-backoff BASE,CAP  CALENDULA_JOB_BACKOFF   retry waits in seconds (default 30,3600)\n"
            "  --job-retention DAYS    CALENDULA_JOB_RETENTION days finished jobs are kept, 0 = for ever\n"
            "                                                  (default 7)\n"
            "  --reminders LIST        CALENDULA_REMINDERS     minutes before a meeting (default 1440,60;\n"
            "                                                  none = off)\n"
            "  --amqp-url URL          CALENDULA_AMQP_URL      amqp://user:pass@host:port/vhost: relay jobs\n"
            "                                                  through RabbitMQ (worker consumes them)\n"
            "\n"
            "  calendula --help | --version\n",
            CALENDULA_VERSION);
}

static int fail(const char *msg)
{
    fprintf(stderr, "calendula: %s\n", msg);
    return 2;
}

/* Parses argv[2..] into cfg. Returns false after printing the problem. */
static bool parse_flags(config *cfg, int argc, char **argv)
{
    char err[CONFIG_ERR_MAX];
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        char flag[64];
        const char *value;
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "calendula: unexpected argument \"%s\" (see calendula --help)\n", arg);
            return false;
        }
        if (eq) {
            size_t n = (size_t)(eq - arg);
            if (n >= sizeof(flag))
                n = sizeof(flag) - 1;
            memcpy(flag, arg, n);
            flag[n] = '\0';
            value = eq + 1;
        } else {
            snprintf(flag, sizeof(flag), "%s", arg);
            if (!config_is_flag(flag)) {
                config_apply_flag(cfg, flag, "", err);
                fprintf(stderr, "calendula: %s\n", err);
                return false;
            }
            if (i + 1 >= argc) {
                fprintf(stderr, "calendula: %s needs a value\n", flag);
                return false;
            }
            value = argv[++i];
        }
        if (!config_apply_flag(cfg, flag, value, err)) {
            fprintf(stderr, "calendula: %s\n", err);
            return false;
        }
    }
    return true;
}

static store *open_and_migrate(const config *cfg)
{
    store *st = NULL;
    char err[512];
    if (store_open(cfg->database_url, &st, err, sizeof(err)) != STORE_OK) {
        fprintf(stderr, "calendula: %s\n", err);
        return NULL;
    }
    int applied = 0;
    if (store_migrate(st, &applied) != STORE_OK) {
        fprintf(stderr, "calendula: database migration failed (see the log above)\n");
        store_close(st);
        return NULL;
    }
    if (applied)
        log_msg(LOG_INFO, "applied %d migration(s)", applied);
    return st;
}

static int cmd_migrate(config *cfg)
{
    store *st = open_and_migrate(cfg);
    if (!st)
        return 1;
    store_close(st);
    char shown[sizeof(cfg->database_url)];
    config_redact_url(cfg->database_url, shown, sizeof(shown));
    printf("calendula: database is up to date (%s)\n", shown);
    return 0;
}

static int wait_for_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

/* The job workers of a process: transport, email handlers and threads. */
typedef struct workers {
    mail_transport *transport;
    mail_notifier *notifier;
    jobs_runner *runner;
    jobs_amqp *amqp; /* with CALENDULA_AMQP_URL: relay (and consumers) instead of threads */
} workers;

static void interrupt_mail(void *transport)
{
    mail_transport_interrupt(transport);
}

/*
 * Starts n job threads unless n is 0 or the store lacks the jobs ops.
 * With an AMQP URL the process relays the outbox to RabbitMQ instead, and
 * consumes from it with n threads when `consume` (calendula worker).
 */
static bool workers_start(app *a, int n, bool consume, workers *w)
{
    memset(w, 0, sizeof(*w));
    if (n <= 0)
        return true;
    if (!store_supports_jobs(a->store)) {
        log_msg(LOG_WARN, "the %s store cannot run jobs yet: notifications are not sent",
                store_backend_name(a->store));
        return true;
    }
    w->transport = mail_transport_new(a->cfg);
    w->notifier = mail_notifier_new(a, w->transport);
    jobs_handler handlers[MAIL_NOTIFY_HANDLERS];
    size_t nh = mail_notifier_handlers(w->notifier, handlers);
    jobs_policy policy = jobs_policy_from_config(a->cfg);
    w->runner = jobs_runner_new(a, handlers, nh, &policy);
    /* On SIGTERM a send gets a moment to finish; then its connection is cut
     * and its job given back to the queue. */
    jobs_set_interrupt(w->runner, interrupt_mail, w->transport, STOP_GRACE_MS);
    log_msg(LOG_INFO, "mail: %s", mail_transport_describe(w->transport));
    if (a->cfg->amqp_url[0]) {
        w->amqp = jobs_amqp_start(w->runner, a->cfg->amqp_url, true, consume ? n : 0);
        return w->amqp != NULL;
    }
    return jobs_start(w->runner, n);
}

/* Finishes or gives back the jobs in hand, then frees everything. */
static void workers_stop(workers *w)
{
    jobs_amqp_stop(w->amqp, STOP_GRACE_MS);
    if (w->runner)
        jobs_stop(w->runner);
    jobs_runner_free(w->runner);
    mail_notifier_free(w->notifier);
    mail_transport_free(w->transport);
    memset(w, 0, sizeof(*w));
}

static const char *mail_destination(const config *cfg, char *buf, size_t size)
{
    mail_transport *t = mail_transport_new(cfg);
    snprintf(buf, size, "%s", mail_transport_describe(t));
    mail_transport_free(t);
    return buf;
}

static void block_stop_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static app app_for(config *cfg, store *st)
{
    app a = {.cfg = cfg, .store = st};
    a.clock = cfg->fake_now_set ? clock_starting_at(cfg->fake_now) : clock_system();
    a.started_at = clock_now(&a.clock);
    return a;
}

static int cmd_worker(config *cfg)
{
    block_stop_signals();
    store *st = open_and_migrate(cfg);
    if (!st)
        return 1;
    app a = app_for(cfg, st);
    workers w;
    int n = cfg->job_workers > 0 ? cfg->job_workers : 1;
    int rc = 1;
    if (workers_start(&a, n, true, &w) && w.runner) {
        char dest[700], shown[sizeof(cfg->database_url)];
        config_redact_url(cfg->database_url, shown, sizeof(shown));
        printf("Calendula %s worker: %d job thread(s)\n  database: %s\n  mail: %s\n"
               "Press Ctrl-C to stop.\n",
               CALENDULA_VERSION, n, shown, mail_destination(cfg, dest, sizeof(dest)));
        fflush(stdout);
        int sig = wait_for_signal();
        log_msg(LOG_INFO, "received %s, stopping the workers", sig == SIGINT ? "SIGINT" : "SIGTERM");
        rc = 0;
    } else {
        fprintf(stderr, "calendula: cannot run job workers on this store\n");
    }
    workers_stop(&w);
    store_close(st);
    log_msg(LOG_INFO, "stopped");
    return rc;
}

static int cmd_jobs(config *cfg, const jobs_admin_args *args)
{
    store *st = open_and_migrate(cfg);
    if (!st)
        return 1;
    int rc = 1;
    if (store_supports_jobs(st)) {
        app a = app_for(cfg, st);
        rc = jobs_admin_run(&a, args, stdout);
    } else {
        fprintf(stderr, "calendula: the %s store does not support jobs yet\n",
                store_backend_name(st));
    }
    store_close(st);
    return rc;
}

/* Paths no API route matches: the web app's files and its routes. */
static bool serve_web_app(void *ctx, http_request *req, http_response *res)
{
    app *a = ctx;
    return a->cfg->web_dir[0] && static_serve(a->cfg->web_dir, req, res);
}

/* After each API request: the thread's database connection is free for others. */
static void release_store(void *ctx)
{
    app *a = ctx;
    store_conn_release(a->store);
}

/*
 * API handlers let run at once. On PostgreSQL each keeps a backend process
 * busy, and on two cores a few at a time get more done than many that the
 * scheduler switches between (bench/README.md: with 16 clients, 4 at a
 * time booked 975-1,033/s where no limit gave 867-924). Four per CPU, not
 * two: a durable commit leaves its backend waiting for the WAL flush, and
 * the others fill that time (8 at a time were ahead of 4 in 6 of 7
 * interleaved durable pairs, by 6-17%; bench/README.md, 14). SQLite's
 * writes combine best when many wait together.
 */
static int max_active(const config *cfg, store *st)
{
    if (cfg->max_active >= 0)
        return cfg->max_active;
    if (strcmp(store_backend_name(st), "postgres") != 0)
        return 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 1 ? (int)(4 * cpus) : 4;
}

static int cmd_serve(config *cfg)
{
    /* Block the stop signals in every thread; the main thread waits for them. */
    block_stop_signals();

    store *st = open_and_migrate(cfg);
    if (!st)
        return 1;
    app a = app_for(cfg, st);
    a.login_limits = ratelimit_new(LOGIN_WINDOW_SECONDS);
    a.slot_cache = slot_cache_new(SLOT_CACHE_ENTRIES);
    users_init(&a);
    workers w = {0};
    router *routes = router_new();
    api_register(routes);
    http_server_options opt = {cfg->listen_host, cfg->listen_port, cfg->threads,
                               max_active(cfg, st), routes, &a, serve_web_app, release_store};
    char err[512];
    http_server *srv = http_server_start(&opt, err, sizeof(err));
    int rc = 1;
    if (!srv) {
        fprintf(stderr, "calendula: %s\n", err);
        goto out;
    }
    a.http = srv;
    if (!workers_start(&a, cfg->job_workers, false, &w)) {
        http_server_stop(srv);
        goto out;
    }
    char dest[700], shown[sizeof(cfg->database_url)];
    config_redact_url(cfg->database_url, shown, sizeof(shown));
    printf("Calendula %s listening on http://%s:%u\n  data: %s\n  database: %s\n"
           "  web app: %s\n  mail: %s%s\nPress Ctrl-C to stop.\n",
           CALENDULA_VERSION, cfg->listen_host, (unsigned)cfg->listen_port, cfg->data_dir,
           shown, cfg->web_dir[0] ? cfg->web_dir : "(not built: API only)",
           mail_destination(cfg, dest, sizeof(dest)),
           w.runner ? "" : " (no job workers here: run calendula worker)");
    fflush(stdout);
    char admitted[64] = "";
    if (opt.max_active)
        snprintf(admitted, sizeof(admitted), ", at most %d requests at once", opt.max_active);
    if (cfg->threads)
        log_msg(LOG_INFO, "listening on %s:%u with a pool of %d threads%s", cfg->listen_host,
                (unsigned)cfg->listen_port, cfg->threads, admitted);
    else
        log_msg(LOG_INFO, "listening on %s:%u with a thread per connection%s", cfg->listen_host,
                (unsigned)cfg->listen_port, admitted);
    int sig = wait_for_signal();
    log_msg(LOG_INFO, "received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_server_stop(srv);
    workers_stop(&w); /* after HTTP: requests in flight may still write outbox rows */
    rc = 0;
out:
    workers_stop(&w);
    router_free(routes);
    ratelimit_free(a.login_limits);
    slot_cache_free(a.slot_cache);
    store_close(st);
    log_msg(LOG_INFO, "stopped");
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("calendula %s\n", CALENDULA_VERSION);
        return 0;
    }
    bool serve = strcmp(cmd, "serve") == 0, worker = strcmp(cmd, "worker") == 0;
    bool jobs = strcmp(cmd, "jobs") == 0;
    if (!serve && !worker && !jobs && strcmp(cmd, "migrate") != 0) {
        fprintf(stderr, "calendula: unknown command \"%s\" (see calendula --help)\n", cmd);
        return 2;
    }
    if (!secure_init())
        return fail("cannot initialise libsodium");
    config cfg;
    char err[CONFIG_ERR_MAX];
    if (!config_from_env(&cfg, err))
        return fail(err);
    jobs_admin_args jargs;
    if (jobs) { /* the action and its options first; the rest are the usual flags */
        char **rest = calloc((size_t)argc + 1, sizeof(char *));
        int nrest = 0;
        if (!rest)
            return fail("out of memory");
        rest[0] = argv[0];
        rest[1] = argv[1];
        bool ok = jobs_admin_parse(argc - 2, argv + 2, &jargs, rest + 2, &nrest, err,
                                   sizeof(err));
        if (!ok)
            fprintf(stderr, "calendula: %s\n", err);
        else
            ok = parse_flags(&cfg, nrest + 2, rest); /* prints its own complaint */
        free(rest);
        if (!ok)
            return 2;
    } else if (!parse_flags(&cfg, argc, argv)) {
        return 2;
    }
    config_finish(&cfg);
    log_set_level(cfg.log_level);
    if (!config_prepare_data_dir(&cfg, err))
        return fail(err);
    curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread: libcurl's rule */
    int rc = serve ? cmd_serve(&cfg) : worker ? cmd_worker(&cfg) : jobs ? cmd_jobs(&cfg, &jargs)
                                                                          : cmd_migrate(&cfg);
    curl_global_cleanup();
    tzdb_shutdown();
    return rc;
}
