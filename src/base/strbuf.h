/*
 * strbuf.h — a growable byte buffer with a maximum size.
 *
 * Always NUL-terminated so it can be handed to C string APIs. Appends past
 * the maximum fail (return false) and leave the buffer unchanged, so a
 * caller reading untrusted input can bound its memory.
 */
#ifndef CALENDULA_BASE_STRBUF_H
#define CALENDULA_BASE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strbuf {
    char *buf;  /* NUL-terminated; owned */
    size_t len;
    size_t cap;
    size_t max; /* 0 = unbounded */
} strbuf;

void strbuf_init(strbuf *sb, size_t max);
void strbuf_release(strbuf *sb);
void strbuf_reset(strbuf *sb);

bool strbuf_append(strbuf *sb, const void *data, size_t len);
bool strbuf_append_str(strbuf *sb, const char *s);
bool strbuf_appendf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Gives the caller the heap string (free() it) and resets sb to empty. */
char *strbuf_detach(strbuf *sb, size_t *len_out);

#endif
