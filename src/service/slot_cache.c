/* slot_cache.c — see slot_cache.h. Open addressing with a short probe; LRU within it. */
#include "service/slot_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define PROBE 8

struct slot_cache {
    pthread_mutex_t lock;
    slot_inputs **slots;
    size_t capacity;
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

slot_cache *slot_cache_new(size_t capacity)
{
    slot_cache *c = xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    c->capacity = capacity < PROBE ? PROBE : capacity;
    c->slots = xcalloc(c->capacity, sizeof(*c->slots));
    return c;
}

void slot_inputs_free(slot_inputs *in)
{
    if (in)
        arena_free(in->arena);
}

void slot_cache_free(slot_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->capacity; i++)
        slot_inputs_free(c->slots[i]);
    free(c->slots);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

slot_inputs *slot_inputs_new(const char *key)
{
    arena *a = arena_new();
    slot_inputs *in = arena_calloc(a, 1, sizeof(*in));
    in->arena = a;
    in->key = arena_strdup(a, key);
    return in;
}

/* Takes an entry out of the table; freed now or at its last release. */
static void detach(slot_inputs *in)
{
    if (in->refs == 0)
        slot_inputs_free(in);
    else
        in->detached = true;
}

slot_inputs *slot_cache_acquire(slot_cache *c, const char *key, int64_t now)
{
    size_t base = hash_key(key) % c->capacity;
    slot_inputs *found = NULL;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < PROBE; i++) {
        slot_inputs *in = c->slots[(base + i) % c->capacity];
        if (in && strcmp(in->key, key) == 0) {
            in->refs++;
            in->last_used = now;
            found = in;
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return found;
}

void slot_cache_put(slot_cache *c, slot_inputs *in, int64_t now)
{
    size_t base = hash_key(in->key) % c->capacity;
    size_t target = base;
    bool have_target = false;
    in->refs = 1;
    in->last_used = now;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < PROBE; i++) {
        size_t at = (base + i) % c->capacity;
        slot_inputs *cur = c->slots[at];
        if (cur && strcmp(cur->key, in->key) == 0) {
            target = at;
            have_target = true;
            break;
        }
        if (!cur && (!have_target || c->slots[target])) {
            target = at;
            have_target = true;
        } else if (cur && (!have_target || (c->slots[target] &&
                                            cur->last_used < c->slots[target]->last_used))) {
            target = at;
            have_target = true;
        }
    }
    if (c->slots[target])
        detach(c->slots[target]);
    c->slots[target] = in;
    pthread_mutex_unlock(&c->lock);
}

void slot_cache_release(slot_cache *c, slot_inputs *in)
{
    if (!in)
        return;
    pthread_mutex_lock(&c->lock);
    bool free_it = --in->refs == 0 && in->detached;
    pthread_mutex_unlock(&c->lock);
    if (free_it)
        slot_inputs_free(in);
}
