/* arena.c — see arena.h. Blocks grow geometrically; big requests get their own block. */
#include "base/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define ARENA_ALIGN 16
#define ARENA_FIRST_BLOCK 4096
#define ARENA_MAX_BLOCK (1u << 20)

typedef struct arena_block {
    struct arena_block *next;
    size_t used;
    size_t size;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} arena_block;

typedef struct arena_cleanup {
    struct arena_cleanup *next;
    void (*fn)(void *);
    void *data;
} arena_cleanup;

struct arena {
    arena_block *head;
    arena_cleanup *cleanups;
    size_t next_size;
};

static arena_block *block_new(size_t size)
{
    arena_block *b = xmalloc(sizeof(*b) + size);
    b->next = NULL;
    b->used = 0;
    b->size = size;
    return b;
}

arena *arena_new(void)
{
    arena *a = xmalloc(sizeof(*a));
    a->head = block_new(ARENA_FIRST_BLOCK);
    a->cleanups = NULL;
    a->next_size = ARENA_FIRST_BLOCK * 2;
    return a;
}

void arena_free(arena *a)
{
    if (!a)
        return;
    for (arena_cleanup *c = a->cleanups; c; c = c->next)
        c->fn(c->data);
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void *arena_alloc(arena *a, size_t size)
{
    if (size > SIZE_MAX - ARENA_ALIGN)
        xmalloc(SIZE_MAX); /* aborts with a message */
    size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    arena_block *b = a->head;
    if (b->size - b->used < need) {
        size_t bsize = a->next_size;
        if (bsize < need)
            bsize = need;
        arena_block *nb = block_new(bsize);
        if (a->next_size < ARENA_MAX_BLOCK)
            a->next_size *= 2;
        nb->next = a->head;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

void *arena_calloc(arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        xmalloc(SIZE_MAX);
    void *p = arena_alloc(a, count * size);
    memset(p, 0, count * size);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (vsnprintf(p, (size_t)n + 1, fmt, ap) < 0) /* checked: also keeps -Wformat-truncation quiet */
        p[0] = '\0';
    return p;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void *arena_array_reserve(arena *a, void *items, size_t n, size_t *cap, size_t elem_size)
{
    if (items && n < *cap)
        return items;
    size_t ncap = *cap < 4 ? 8 : *cap * 2;
    void *grown = arena_calloc(a, ncap, elem_size);
    if (items && n)
        memcpy(grown, items, n * elem_size);
    *cap = ncap;
    return grown;
}

void arena_on_free(arena *a, void (*fn)(void *), void *data)
{
    arena_cleanup *c = arena_alloc(a, sizeof(*c));
    c->fn = fn;
    c->data = data;
    c->next = a->cleanups;
    a->cleanups = c;
}
