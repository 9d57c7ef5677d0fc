/*
 * xalloc.h — allocation that never returns NULL.
 *
 * Out of memory is not a condition request code can recover from, so
 * these print a message and abort instead of returning NULL. Sizes are
 * checked for overflow.
 */
#ifndef CALENDULA_BASE_XALLOC_H
#define CALENDULA_BASE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* realloc to count * size bytes, aborting if the product overflows. */
void *xreallocarray(void *ptr, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
