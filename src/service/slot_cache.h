/*
 * slot_cache.h — cached inputs of the slot engine, per (meeting type,
 * date range).
 *
 * An entry holds what slot_service loads from the store (the meeting type
 * and each host's zone, rules, overrides and holds) together with the
 * schedule versions of the users it depends on, read in the same
 * snapshot. slot_service uses an entry only after re-reading those
 * versions and finding them unchanged, so a cached entry never hides a
 * committed booking. The engine itself runs on every request (answers
 * depend on "now"). Bounded in size; thread-safe; entries are immutable
 * once published and reference counted.
 */
#ifndef CALENDULA_SERVICE_SLOT_CACHE_H
#define CALENDULA_SERVICE_SLOT_CACHE_H

#include "base/arena.h"
#include "domain/slots.h"
#include "store/store.h"

/*
 * The schedule versions of a meeting type's owner and hosts. Every change
 * to what the slot engine reads about a user bumps that user's version,
 * so what was read in the same snapshot holds while these do
 * (slot_watch_read, slot_watch_unchanged in slot_service.h).
 */
typedef struct slot_watch {
    const char **ids; /* owner and hosts, each once */
    int64_t *versions;
    size_t n;
} slot_watch;

typedef struct slot_inputs {
    arena *arena; /* owns everything below */
    char *key;
    store_meeting_type mt;
    slots_host *hosts;
    const char *first_zone;
    slot_watch watch;
    int refs;      /* guarded by the cache lock */
    bool detached; /* replaced or evicted: freed at the last release */
    int64_t last_used;
} slot_inputs;

typedef struct slot_cache slot_cache;

slot_cache *slot_cache_new(size_t capacity);
void slot_cache_free(slot_cache *c);

/* A new, unpublished entry with its own arena. */
slot_inputs *slot_inputs_new(const char *key);

/* The entry for key with a reference taken, or NULL. */
slot_inputs *slot_cache_acquire(slot_cache *c, const char *key, int64_t now);

/* Publishes in (replacing any entry of the same key); the caller keeps a reference. */
void slot_cache_put(slot_cache *c, slot_inputs *in, int64_t now);

/* Drops a reference taken by acquire or kept by put; NULL is a no-op. */
void slot_cache_release(slot_cache *c, slot_inputs *in);

/* Drops a never-published entry. */
void slot_inputs_free(slot_inputs *in);

#endif
