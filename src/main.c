/*
 * main.c — the calendula command: serve, migrate, --help, --version.
 *
 * Configuration comes from CALENDULA_* environment variables; a flag
 * overrides each (see usage()).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/config.h"
#include "base/log.h"
#include "base/secure.h"
#include "http/server.h"
#include "http/static.h"
#include "service/ratelimit.h"
#include "service/slot_cache.h"
#include "service/tzdb.h"
#include "service/users.h"
#include "store/store.h"

#define LOGIN_WINDOW_SECONDS (15 * 60)
#define SLOT_CACHE_ENTRIES 4096

static void usage(FILE *out)
{
    fprintf(out,
            "Calendula %s — meeting scheduling server\n"
            "\n"
            "Usage: calendula COMMAND [OPTIONS]\n"
            "\n"
            "Commands:\n"
            "  serve      apply pending migrations, then serve HTTP until SIGTERM/SIGINT\n"
            "  migrate    apply pending database migrations and exit\n"
            "\n"
            "Options (each overrides its environment variable):\n"
            "  --listen HOST:PORT      CALENDULA_LISTEN        default 127.0.0.1:8080\n"
            "  --data-dir DIR          CALENDULA_DATA_DIR      default ./var\n"
            "  --database-url URL      CALENDULA_DATABASE_URL  default sqlite:DATA_DIR/calendula.db\n"
            "  --secret-key HEX        CALENDULA_SECRET_KEY    default: generated into DATA_DIR/secret.key\n"
            "  --log-level LEVEL       CALENDULA_LOG_LEVEL     debug, info, warn, error (default info)\n"
            "  --threads N             CALENDULA_THREADS       HTTP worker threads (default: 4 per core)\n"
            "  --public-url URL        CALENDULA_PUBLIC_URL    base URL for links (default http://LISTEN)\n"
            "  --fake-now RFC3339      CALENDULA_FAKE_NOW      start the clock at this instant (tests, demos)\n"
            "  --web-dir DIR           CALENDULA_WEB_DIR       built web app (default web/dist if present)\n"
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
    printf("calendula: database is up to date (%s)\n", cfg->database_url);
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

/* Paths no API route matches: the web app's files and its routes. */
static bool serve_web_app(void *ctx, http_request *req, http_response *res)
{
    app *a = ctx;
    return a->cfg->web_dir[0] && static_serve(a->cfg->web_dir, req, res);
}

static int cmd_serve(config *cfg)
{
    /* Block the stop signals in every thread; the main thread waits for them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    store *st = open_and_migrate(cfg);
    if (!st)
        return 1;
    app a = {.cfg = cfg, .store = st};
    a.clock = cfg->fake_now_set ? clock_starting_at(cfg->fake_now) : clock_system();
    a.login_limits = ratelimit_new(LOGIN_WINDOW_SECONDS);
    a.slot_cache = slot_cache_new(SLOT_CACHE_ENTRIES);
    a.started_at = clock_now(&a.clock);
    users_init(&a);
    router *routes = router_new();
    api_register(routes);
    http_server_options opt = {cfg->listen_host, cfg->listen_port, cfg->threads, routes, &a,
                               serve_web_app};
    char err[512];
    http_server *srv = http_server_start(&opt, err, sizeof(err));
    int rc = 1;
    if (!srv) {
        fprintf(stderr, "calendula: %s\n", err);
        goto out;
    }
    a.http = srv;
    printf("Calendula %s listening on http://%s:%u\n  data: %s\n  database: %s\n"
           "  web app: %s\nPress Ctrl-C to stop.\n",
           CALENDULA_VERSION, cfg->listen_host, (unsigned)cfg->listen_port, cfg->data_dir,
           cfg->database_url, cfg->web_dir[0] ? cfg->web_dir : "(not built: API only)");
    fflush(stdout);
    log_msg(LOG_INFO, "listening on %s:%u with %d threads", cfg->listen_host,
            (unsigned)cfg->listen_port, cfg->threads);
    int sig = wait_for_signal();
    log_msg(LOG_INFO, "received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_server_stop(srv);
    rc = 0;
out:
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
    bool serve = strcmp(cmd, "serve") == 0;
    if (!serve && strcmp(cmd, "migrate") != 0) {
        fprintf(stderr, "calendula: unknown command \"%s\" (see calendula --help)\n", cmd);
        return 2;
    }
    if (!secure_init())
        return fail("cannot initialise libsodium");
    config cfg;
    char err[CONFIG_ERR_MAX];
    if (!config_from_env(&cfg, err))
        return fail(err);
    if (!parse_flags(&cfg, argc, argv))
        return 2;
    config_finish(&cfg);
    log_set_level(cfg.log_level);
    if (!config_prepare_data_dir(&cfg, err))
        return fail(err);
    int rc = serve ? cmd_serve(&cfg) : cmd_migrate(&cfg);
    tzdb_shutdown();
    return rc;
}
