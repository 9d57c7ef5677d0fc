/*
 * log.h — structured logging: one JSON object per line on stderr.
 *
 * Lines are assembled in memory and written with a single write(2) so
 * lines from concurrent threads never interleave. Callers must never pass
 * secrets (passwords, tokens, keys) to these functions.
 */
#ifndef CALENDULA_BASE_LOG_H
#define CALENDULA_BASE_LOG_H

#include <stdbool.h>

typedef enum log_level {
    LOG_DEBUG = 0,
    LOG_INFO,
    LOG_WARN,
    LOG_ERROR,
} log_level;

/* Parses "debug"|"info"|"warn"|"warning"|"error". */
bool log_level_parse(const char *s, log_level *out);
const char *log_level_name(log_level level);

void log_set_level(log_level level);
bool log_enabled(log_level level);

/* {"ts":…,"level":…,"msg":<formatted>} */
void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Writes one line built by the caller: `fields` is the inside of a JSON
 * object (already escaped, without braces), e.g. "\"method\":\"GET\"".
 * ts and level are prepended.
 */
void log_fields(log_level level, const char *fields);

/* Appends s to out as JSON string content (escaped, no quotes), bounded. */
struct strbuf;
void log_escape(struct strbuf *out, const char *s);

#endif
