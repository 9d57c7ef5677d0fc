/*
 * text.h — checks and small transformations of user-supplied text.
 * Inputs are NUL-terminated UTF-8 (jansson has already rejected invalid
 * UTF-8); lengths are counted in code points.
 */
#ifndef CALENDULA_SERVICE_TEXT_H
#define CALENDULA_SERVICE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

/* Number of code points in UTF-8 text. */
size_t text_chars(const char *s);

/* min..max code points, no control characters (so no CR/LF). */
bool text_valid_line(const char *s, size_t min, size_t max);

/* Up to max code points; newlines and tabs allowed, other controls not. */
bool text_valid_block(const char *s, size_t max);

/* ASCII-lowercased copy in the arena. */
char *text_lower(arena *a, const char *s);

#define TEXT_LOCALE_MAX 35 /* longest tag kept, without the NUL */

/*
 * A language tag for formatting dates (BCP 47 subset): a 2–3 letter
 * language, then up to three subtags of 2–8 letters or digits (script,
 * region, variant), separated by "-" or "_". Writes the canonical form to
 * out: "-" separators, the language lowercase, a 4-letter script in title
 * case, a 2-letter region uppercase ("pt_br" → "pt-BR"). false otherwise.
 */
bool text_locale_tag(const char *s, size_t len, char out[static TEXT_LOCALE_MAX + 1]);

/*
 * The first acceptable tag of an Accept-Language header value
 * ("de-CH, de;q=0.9, en;q=0.5" → "de-CH"), skipping "*" and tags with
 * q=0. false when there is none.
 */
bool text_locale_from_accept_language(const char *header, char out[static TEXT_LOCALE_MAX + 1]);

#endif
