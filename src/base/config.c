/* config.c — see config.h. */
#include "base/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/civil.h"
#include "base/secure.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"

static bool parse_int(const char *s, long min, long max, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

static bool copy_str(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

bool config_parse_listen(const char *s, char *host, size_t host_size, uint16_t *port)
{
    const char *colon;
    const char *h = s;
    size_t hlen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return false;
        h = s + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return false;
        hlen = (size_t)(colon - s);
    }
    if (hlen == 0 || hlen >= host_size)
        return false;
    int p;
    if (!parse_int(colon + 1, 0, 65535, &p))
        return false;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (uint16_t)p;
    return true;
}

typedef enum { OPT_LISTEN, OPT_DATA_DIR, OPT_DATABASE_URL, OPT_SECRET_KEY, OPT_LOG_LEVEL,
               OPT_THREADS, OPT_PUBLIC_URL, OPT_FAKE_NOW, OPT_WEB_DIR, OPT_SMTP_URL,
               OPT_MAIL_FROM, OPT_JOB_WORKERS, OPT_JOB_LEASE, OPT_JOB_MAX_ATTEMPTS,
               OPT_JOB_BACKOFF, OPT_JOB_RETENTION, OPT_REMINDERS, OPT_AMQP_URL,
               OPT_MAX_ACTIVE } opt_id;

static const struct {
    const char *flag;
    const char *env;
    opt_id id;
} options[] = {
    {"--listen", "CALENDULA_LISTEN", OPT_LISTEN},
    {"--data-dir", "CALENDULA_DATA_DIR", OPT_DATA_DIR},
    {"--database-url", "CALENDULA_DATABASE_URL", OPT_DATABASE_URL},
    {"--secret-key", "CALENDULA_SECRET_KEY", OPT_SECRET_KEY},
    {"--log-level", "CALENDULA_LOG_LEVEL", OPT_LOG_LEVEL},
    {"--threads", "CALENDULA_THREADS", OPT_THREADS},
    {"--max-active", "CALENDULA_MAX_ACTIVE", OPT_MAX_ACTIVE},
    {"--public-url", "CALENDULA_PUBLIC_URL", OPT_PUBLIC_URL},
    {"--fake-now", "CALENDULA_FAKE_NOW", OPT_FAKE_NOW},
    {"--web-dir", "CALENDULA_WEB_DIR", OPT_WEB_DIR},
    {"--smtp-url", "CALENDULA_SMTP_URL", OPT_SMTP_URL},
    {"--mail-from", "CALENDULA_MAIL_FROM", OPT_MAIL_FROM},
    {"--job-workers", "CALENDULA_JOB_WORKERS", OPT_JOB_WORKERS},
    {"--job-lease", "CALENDULA_JOB_LEASE", OPT_JOB_LEASE},
    {"--job-max-attempts", "CALENDULA_JOB_MAX_ATTEMPTS", OPT_JOB_MAX_ATTEMPTS},
    {"--job-backoff", "CALENDULA_JOB_BACKOFF", OPT_JOB_BACKOFF},
    {"--job-retention", "CALENDULA_JOB_RETENTION", OPT_JOB_RETENTION},
    {"--reminders", "CALENDULA_REMINDERS", OPT_REMINDERS},
    {"--amqp-url", "CALENDULA_AMQP_URL", OPT_AMQP_URL},
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* A plain address: local@domain, visible ASCII, no specials that could
 * break out of a header or an SMTP command. */
static bool mail_address_ok(const char *v)
{
    const char *at = strchr(v, '@');
    if (!at || at == v || !at[1] || strchr(at + 1, '@') || strlen(v) > 254)
        return false;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
            return false;
    return true;
}

/* "BASE,CAP" seconds with 1 <= BASE <= CAP <= 604800. */
static bool parse_backoff(const char *v, int *base, int *cap)
{
    const char *comma = strchr(v, ',');
    char first[16];
    if (!comma || (size_t)(comma - v) >= sizeof(first))
        return false;
    memcpy(first, v, (size_t)(comma - v));
    first[comma - v] = '\0';
    int b, c;
    if (!parse_int(first, 1, 604800, &b) || !parse_int(comma + 1, 1, 604800, &c) || c < b)
        return false;
    *base = b;
    *cap = c;
    return true;
}

bool config_parse_reminders(const char *s, int out[static CONFIG_MAX_REMINDERS], int *n)
{
    *n = 0;
    if (strcmp(s, "none") == 0)
        return true;
    const char *p = s;
    for (;;) {
        char item[16];
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int v;
        if (len == 0 || len >= sizeof(item) || *n == CONFIG_MAX_REMINDERS)
            return false;
        memcpy(item, p, len);
        item[len] = '\0';
        if (!parse_int(item, 1, 525600, &v))
            return false;
        int i = *n; /* insertion sort, descending, refusing repeats */
        while (i > 0 && out[i - 1] < v) {
            out[i] = out[i - 1];
            i--;
        }
        if (i > 0 && out[i - 1] == v)
            return false;
        out[i] = v;
        (*n)++;
        if (!end)
            return true;
        p = end + 1;
    }
}

/* The notification settings; false with err set for a bad value. */
static bool apply_jobs(config *c, opt_id id, const char *name, const char *v, char *err)
{
    bool ok = true;
    switch (id) {
    case OPT_SMTP_URL:
        ok = (strncmp(v, "smtp://", 7) == 0 || strncmp(v, "smtps://", 8) == 0) &&
             copy_str(c->smtp_url, sizeof(c->smtp_url), v);
        if (!ok) /* never echo the value: it may hold a password */
            snprintf(err, CONFIG_ERR_MAX, "%s: expected smtp://[user:password@]host[:port]"
                     " or smtps://…", name);
        return ok;
    case OPT_AMQP_URL:
        ok = strncmp(v, "amqp://", 7) == 0 && copy_str(c->amqp_url, sizeof(c->amqp_url), v);
        if (!ok) /* never echo the value: it may hold a password */
            snprintf(err, CONFIG_ERR_MAX, "%s: expected amqp://user:password@host:port/vhost",
                     name);
        return ok;
    case OPT_MAIL_FROM:
        ok = mail_address_ok(v) && copy_str(c->mail_from, sizeof(c->mail_from), v);
        break;
    case OPT_JOB_WORKERS:
        ok = parse_int(v, 0, 64, &c->job_workers);
        break;
    case OPT_JOB_LEASE:
        ok = parse_int(v, 2, 86400, &c->job_lease);
        break;
    case OPT_JOB_MAX_ATTEMPTS:
        ok = parse_int(v, 1, 100, &c->job_max_attempts);
        break;
    case OPT_JOB_RETENTION:
        ok = parse_int(v, 0, 3650, &c->job_retention);
        break;
    case OPT_JOB_BACKOFF:
        ok = parse_backoff(v, &c->job_backoff_base, &c->job_backoff_cap);
        if (!ok)
            snprintf(err, CONFIG_ERR_MAX, "%s: expected BASE,CAP seconds (e.g. 30,3600)", name);
        return ok;
    case OPT_REMINDERS:
        ok = config_parse_reminders(v, c->reminders, &c->nreminders);
        if (!ok)
            snprintf(err, CONFIG_ERR_MAX, "%s: expected none or minutes such as 1440,60", name);
        return ok;
    default:
        break;
    }
    if (!ok)
        snprintf(err, CONFIG_ERR_MAX, "%s: invalid value \"%.100s\"", name, v);
    return ok;
}

static bool apply(config *c, opt_id id, const char *name, const char *v, char *err)
{
    bool ok = true;
    switch (id) {
    case OPT_LISTEN:
        ok = config_parse_listen(v, c->listen_host, sizeof(c->listen_host), &c->listen_port);
        if (!ok)
            snprintf(err, CONFIG_ERR_MAX, "%s: expected HOST:PORT (e.g. 127.0.0.1:8080), got \"%.100s\"", name, v);
        return ok;
    case OPT_DATA_DIR:
        ok = *v && copy_str(c->data_dir, sizeof(c->data_dir), v);
        break;
    case OPT_DATABASE_URL:
        ok = copy_str(c->database_url, sizeof(c->database_url), v) &&
             (strncmp(v, "sqlite:", 7) == 0 || strncmp(v, "postgres://", 11) == 0 ||
              strncmp(v, "postgresql://", 13) == 0);
        if (!ok)
            snprintf(err, CONFIG_ERR_MAX, "%s: expected sqlite:PATH or postgres://…", name);
        return ok;
    case OPT_SECRET_KEY:
        ok = secure_hex_decode(v, c->secret_key, sizeof(c->secret_key));
        c->secret_key_set = ok;
        if (!ok)
            snprintf(err, CONFIG_ERR_MAX, "%s: expected 64 hexadecimal characters (32 bytes)", name);
        return ok;
    case OPT_LOG_LEVEL:
        ok = log_level_parse(v, &c->log_level);
        if (!ok)
            snprintf(err, CONFIG_ERR_MAX, "%s: expected debug, info, warn or error, got \"%.40s\"", name, v);
        return ok;
    case OPT_THREADS:
        ok = parse_int(v, 1, 256, &c->threads);
        if (!ok)
            snprintf(err, CONFIG_ERR_MAX, "%s: expected a number from 1 to 256, got \"%.40s\"", name, v);
        return ok;
    case OPT_MAX_ACTIVE:
        ok = parse_int(v, 0, 4096, &c->max_active);
        if (!ok)
            snprintf(err, CONFIG_ERR_MAX, "%s: expected a number from 0 to 4096, got \"%.40s\"", name, v);
        return ok;
    case OPT_PUBLIC_URL:
        ok = (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0) &&
             copy_str(c->public_url, sizeof(c->public_url), v);
        break;
    case OPT_WEB_DIR:
        ok = copy_str(c->web_dir, sizeof(c->web_dir), v);
        break;
    case OPT_FAKE_NOW:
        ok = civil_parse_rfc3339(v, strlen(v), &c->fake_now);
        c->fake_now_set = ok;
        break;
    default:
        return apply_jobs(c, id, name, v, err);
    }
    if (!ok)
        snprintf(err, CONFIG_ERR_MAX, "%s: invalid value \"%.100s\"", name, v);
    return ok;
}

bool config_from_env(config *c, char err[static CONFIG_ERR_MAX])
{
    memset(c, 0, sizeof(*c));
    config_parse_listen(DEFAULT_LISTEN, c->listen_host, sizeof(c->listen_host), &c->listen_port);
    copy_str(c->data_dir, sizeof(c->data_dir), "./var");
    c->log_level = LOG_INFO;
    c->threads = 0; /* a thread per connection (http/server.c says why) */
    c->max_active = -1; /* by store: see config.h */
    c->login_max_failures = 10;
    c->login_max_failures_ip = 100;
    copy_str(c->mail_from, sizeof(c->mail_from), "calendula@localhost");
    c->job_workers = 2;
    c->job_lease = 120;
    c->job_max_attempts = 10;
    c->job_backoff_base = 30;
    c->job_backoff_cap = 3600;
    c->job_retention = 7;
    config_parse_reminders("1440,60", c->reminders, &c->nreminders);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const char *v = getenv(options[i].env);
        if (v && *v && !apply(c, options[i].id, options[i].env, v, err))
            return false;
    }
    return true;
}

bool config_is_flag(const char *flag)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strcmp(flag, options[i].flag) == 0)
            return true;
    return false;
}

bool config_apply_flag(config *c, const char *flag, const char *value,
                       char err[static CONFIG_ERR_MAX])
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strcmp(flag, options[i].flag) == 0)
            return apply(c, options[i].id, flag, value, err);
    snprintf(err, CONFIG_ERR_MAX, "unknown option %.100s (see calendula --help)", flag);
    return false;
}

void config_finish(config *c)
{
    if (!c->database_url[0])
        snprintf(c->database_url, sizeof(c->database_url), "sqlite:%s/calendula.db", c->data_dir);
    if (!c->web_dir[0] && access("web/dist/index.html", R_OK) == 0)
        copy_str(c->web_dir, sizeof(c->web_dir), "web/dist");
    if (!c->public_url[0])
        snprintf(c->public_url, sizeof(c->public_url), "http://%s:%u", c->listen_host,
                 (unsigned)c->listen_port);
}

bool config_mkdir_p(const char *path)
{
    char tmp[1024];
    if (!copy_str(tmp, sizeof(tmp), path))
        return false;
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return false;
            *p = '/';
        }
    }
    return mkdir(tmp, 0700) == 0 || errno == EEXIST;
}

static bool read_key_file(const char *path, uint8_t key[32])
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char hex[80] = {0};
    size_t n = fread(hex, 1, sizeof(hex) - 1, f);
    fclose(f);
    while (n && (hex[n - 1] == '\n' || hex[n - 1] == '\r' || hex[n - 1] == ' '))
        hex[--n] = '\0';
    return secure_hex_decode(hex, key, 32);
}

/*
 * Writes key to path unless another process got there first. The key goes
 * to a file of its own, then is linked to path in one step: processes
 * starting together on one data dir never read a half-written key, and all
 * end up with the same one (the first link wins; the others fail with
 * EEXIST and read it).
 */
static bool write_key_file(const char *path, const uint8_t key[32])
{
    char hex[65], tag[17], tmp[1200];
    secure_hex_encode(key, 32, hex);
    hex[64] = '\n';
    uint8_t r[8];
    secure_random(r, sizeof(r));
    secure_hex_encode(r, sizeof(r), tag);
    snprintf(tmp, sizeof(tmp), "%s.%s.tmp", path, tag);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return false;
    bool ok = write(fd, hex, 65) == 65 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && link(tmp, path) == 0;
    int saved = errno;
    unlink(tmp);
    errno = saved;
    return ok;
}

bool config_prepare_data_dir(config *c, char err[static CONFIG_ERR_MAX])
{
    if (!config_mkdir_p(c->data_dir)) {
        snprintf(err, CONFIG_ERR_MAX, "cannot create data directory %.200s: %s", c->data_dir,
                 strerror(errno));
        return false;
    }
    if (c->secret_key_set)
        return true;
    char path[1100];
    snprintf(path, sizeof(path), "%s/secret.key", c->data_dir);
    if (read_key_file(path, c->secret_key))
        return true;
    if (access(path, F_OK) != 0) { /* none yet: make one, unless another process does first */
        secure_random(c->secret_key, sizeof(c->secret_key));
        if (write_key_file(path, c->secret_key))
            return true;
        int saved = errno;
        if (access(path, F_OK) != 0) {
            snprintf(err, CONFIG_ERR_MAX, "cannot write %.300s: %s", path, strerror(saved));
            return false;
        }
    }
    /* A key file is whole once it has its name (write_key_file). */
    if (read_key_file(path, c->secret_key))
        return true;
    snprintf(err, CONFIG_ERR_MAX, "%.300s is not a valid key (64 hex characters)", path);
    return false;
}

void config_redact_url(const char *url, char *out, size_t size)
{
    if (size == 0)
        return;
    size_t o = 0;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (o + 1 < size)                                                                          \
            out[o++] = (ch);                                                                       \
    } while (0)
#define PUT_STR(s)                                                                                 \
    do {                                                                                           \
        for (const char *q_ = (s); *q_; q_++)                                                      \
            PUT(*q_);                                                                              \
    } while (0)
    const char *p = url;
    const char *auth = strstr(url, "://");
    if (auth) {
        auth += 3;
        size_t auth_len = strcspn(auth, "/?#");
        const char *at = memrchr(auth, '@', auth_len);
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            for (; p <= colon; p++)
                PUT(*p);
            PUT_STR("***");
            p = at;
        }
    }
    bool in_query = false;
    while (*p) {
        char ch = *p++;
        PUT(ch);
        if (ch == '?')
            in_query = true;
        if (in_query && (ch == '?' || ch == '&') && strncasecmp(p, "password=", 9) == 0) {
            PUT_STR("password=***");
            p += 9;
            p += strcspn(p, "&#");
        }
    }
    out[o] = '\0';
#undef PUT
#undef PUT_STR
}
