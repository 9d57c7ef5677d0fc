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

static char lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

char *text_lower(arena *a, const char *s)
{
    char *out = arena_strdup(a, s);
    for (char *p = out; *p; p++)
        *p = lower(*p);
    return out;
}

static bool is_alpha(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_alnum(char ch)
{
    return is_alpha(ch) || (ch >= '0' && ch <= '9');
}

static char upper(char ch)
{
    return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
}

bool text_locale_tag(const char *s, size_t len, char out[static TEXT_LOCALE_MAX + 1])
{
    if (len == 0 || len > TEXT_LOCALE_MAX)
        return false;
    size_t i = 0, o = 0;
    for (int sub = 0; i < len; sub++) {
        if (sub > 3)
            return false;
        if (sub > 0) {
            if (s[i] != '-' && s[i] != '_')
                return false;
            out[o++] = '-';
            i++;
        }
        size_t start = i;
        while (i < len && is_alnum(s[i]))
            i++;
        size_t n = i - start;
        if (sub == 0) {
            if (n < 2 || n > 3)
                return false;
            for (size_t k = start; k < i; k++) {
                if (!is_alpha(s[k]))
                    return false;
                out[o++] = lower(s[k]);
            }
            continue;
        }
        if (n < 2 || n > 8)
            return false;
        bool alpha = true;
        for (size_t k = start; k < i; k++)
            alpha = alpha && is_alpha(s[k]);
        for (size_t k = start; k < i; k++) {
            char ch = lower(s[k]);
            if (alpha && n == 4 && k == start)
                ch = upper(ch); /* script: Latn */
            else if (alpha && n == 2)
                ch = upper(ch); /* region: BR */
            out[o++] = ch;
        }
    }
    out[o] = '\0';
    return true;
}

bool text_locale_from_accept_language(const char *header, char out[static TEXT_LOCALE_MAX + 1])
{
    const char *p = header;
    while (p && *p) {
        size_t item = strcspn(p, ",");
        size_t tag = strcspn(p, ",;");
        const char *t = p;
        while (tag && (*t == ' ' || *t == '\t')) {
            t++;
            tag--;
        }
        while (tag && (t[tag - 1] == ' ' || t[tag - 1] == '\t'))
            tag--;
        /* a q of 0 (q=0, q=0.0, q=0.000) refuses the tag */
        const char *q = memchr(p, ';', item);
        bool refused = false;
        if (q) {
            const char *v = strstr(q, "q=");
            if (v && v < p + item) {
                v += 2;
                refused = *v == '0';
                for (const char *d = v + 1; refused && d < p + item && *d != ' '; d++)
                    if (*d != '.' && *d != '0')
                        refused = false;
            }
        }
        if (!refused && text_locale_tag(t, tag, out))
            return true;
        p += item;
        if (*p == ',')
            p++;
    }
    return false;
}
