/*
 * arena.h — a region allocator: many allocations, one free.
 *
 * A request gets one arena; everything it allocates while being served
 * (parsed input, records read from the store, formatted strings) lives in
 * it and is released at once when the request ends. Cleanup callbacks
 * release non-memory resources (JSON values, statements) at that moment.
 * An arena is used by one thread at a time.
 */
#ifndef CALENDULA_BASE_ARENA_H
#define CALENDULA_BASE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena;

/* Creates an empty arena. Never NULL (aborts on OOM). */
arena *arena_new(void);

/* Runs the cleanups (newest first) and frees every block. NULL is a no-op. */
void arena_free(arena *a);

/* size bytes aligned for any type; never NULL; contents undefined. */
void *arena_alloc(arena *a, size_t size);

/* count * size zeroed bytes; aborts if the product overflows. */
void *arena_calloc(arena *a, size_t count, size_t size);

/* Copies of strings; the result is NUL-terminated. s may be NULL (→ NULL). */
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);

/* printf into the arena. */
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena *a, const char *fmt, va_list ap);

/*
 * Growth for arrays that live in the arena: when n == *cap, returns a copy
 * of items (n elements of elem_size) with room for twice as many (at least
 * 8) and updates *cap; otherwise returns items. The old block is simply
 * left to the arena.
 */
void *arena_array_reserve(arena *a, void *items, size_t n, size_t *cap, size_t elem_size);

/* Registers fn(data) to run when the arena is freed. */
void arena_on_free(arena *a, void (*fn)(void *), void *data);

#endif
