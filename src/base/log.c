/* log.c — see log.h. */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/civil.h"
#include "base/strbuf.h"

static _Atomic int current_level = LOG_INFO;

bool log_level_parse(const char *s, log_level *out)
{
    static const struct { const char *name; log_level level; } names[] = {
        {"debug", LOG_DEBUG}, {"info", LOG_INFO}, {"warn", LOG_WARN},
        {"warning", LOG_WARN}, {"error", LOG_ERROR},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].level;
            return true;
        }
    }
    return false;
}

const char *log_level_name(log_level level)
{
    switch (level) {
    case LOG_DEBUG: return "debug";
    case LOG_INFO: return "info";
    case LOG_WARN: return "warn";
    default: return "error";
    }
}

void log_set_level(log_level level)
{
    atomic_store(&current_level, (int)level);
}

bool log_enabled(log_level level)
{
    return (int)level >= atomic_load(&current_level);
}

void log_escape(strbuf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            strbuf_append(out, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            strbuf_appendf(out, "\\u%04x", c);
        } else {
            strbuf_append(out, &c, 1);
        }
    }
}

static void write_line(log_level level, const char *fields_or_null, const char *msg)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char stamp[26];
    civil_format_rfc3339((int64_t)ts.tv_sec, 0, stamp);
    strbuf sb;
    strbuf_init(&sb, 64 * 1024);
    /* "2027-03-15T13:00:00Z" → insert milliseconds before the Z. */
    stamp[19] = '\0';
    strbuf_appendf(&sb, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\"", stamp,
                   (long)(ts.tv_nsec / 1000000), log_level_name(level));
    if (msg) {
        strbuf_append_str(&sb, ",\"msg\":\"");
        log_escape(&sb, msg);
        strbuf_append_str(&sb, "\"");
    }
    if (fields_or_null && *fields_or_null) {
        strbuf_append_str(&sb, ",");
        strbuf_append_str(&sb, fields_or_null);
    }
    strbuf_append_str(&sb, "}\n");
    if (sb.buf) {
        ssize_t rc = write(STDERR_FILENO, sb.buf, sb.len);
        (void)rc;
    }
    strbuf_release(&sb);
}

void log_msg(log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    write_line(level, NULL, msg);
}

void log_fields(log_level level, const char *fields)
{
    if (!log_enabled(level))
        return;
    write_line(level, fields, NULL);
}
