/* text.c — see text.h. */
#include "service/text.h"

#include <string.h>

size_t text_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

static bool has_controls(const char *s, bool allow_newlines)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (allow_newlines && (*p == '\n' || *p == '\r' || *p == '\t'))
            continue;
        if (*p < 0x20 || *p == 0x7f)
            return true;
    }
    return false;
}

bool text_valid_line(const char *s, size_t min, size_t max)
{
    size_t n = text_chars(s);
    if (n < min || n > max || has_controls(s, false))
        return false;
    if (min > 0) { /* a required value is not just spaces */
        const char *p = s;
        while (*p == ' ')
            p++;
        if (*p == '\0')
            return false;
    }
    return true;
}

bool text_valid_block(const char *s, size_t max)
{
    return text_chars(s) <= max && !has_controls(s, true);
}

char *text_lower(arena *a, const char *s)
{
    char *out = arena_strdup(a, s);
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return out;
}
