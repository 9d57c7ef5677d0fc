/* strbuf.c — see strbuf.h. */
#include "base/strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void strbuf_init(strbuf *sb, size_t max)
{
    sb->buf = NULL;
    sb->len = 0;
    sb->cap = 0;
    sb->max = max;
}

void strbuf_release(strbuf *sb)
{
    free(sb->buf);
    strbuf_init(sb, sb->max);
}

void strbuf_reset(strbuf *sb)
{
    sb->len = 0;
    if (sb->buf)
        sb->buf[0] = '\0';
}

static bool grow(strbuf *sb, size_t extra)
{
    if (extra > SIZE_MAX / 2 - sb->len - 1)
        return false;
    size_t need = sb->len + extra + 1;
    if (sb->max && need - 1 > sb->max)
        return false;
    if (need <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap *= 2;
    sb->buf = xrealloc(sb->buf, cap);
    sb->cap = cap;
    return true;
}

bool strbuf_append(strbuf *sb, const void *data, size_t len)
{
    if (!grow(sb, len))
        return false;
    if (len)
        memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
    return true;
}

bool strbuf_append_str(strbuf *sb, const char *s)
{
    return strbuf_append(sb, s, strlen(s));
}

bool strbuf_appendf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !grow(sb, (size_t)n))
        return false;
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
    return true;
}

char *strbuf_detach(strbuf *sb, size_t *len_out)
{
    if (!sb->buf)
        grow(sb, 0);
    char *p = sb->buf;
    if (len_out)
        *len_out = sb->len;
    strbuf_init(sb, sb->max);
    return p;
}
