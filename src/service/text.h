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

#endif
