/* ratelimit.c — see ratelimit.h. Open addressing keyed by a hash of the key. */
#include "service/ratelimit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define RL_SLOTS 8192
#define RL_KEY_MAX 128

typedef struct rl_entry {
    char key[RL_KEY_MAX];
    int64_t window_start;
    int count;
} rl_entry;

struct ratelimit {
    pthread_mutex_t lock;
    int window;
    rl_entry *slots;
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

ratelimit *ratelimit_new(int window_seconds)
{
    ratelimit *rl = xcalloc(1, sizeof(*rl));
    pthread_mutex_init(&rl->lock, NULL);
    rl->window = window_seconds;
    rl->slots = xcalloc(RL_SLOTS, sizeof(rl_entry));
    return rl;
}

void ratelimit_free(ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl->slots);
    free(rl);
}

/*
 * The entry for key, or a free/expired slot to take over, within a short
 * probe; when every probed slot is live, the oldest one is reused (the
 * table is bounded: under a flood of distinct keys old counts are lost,
 * never memory).
 */
static rl_entry *find(ratelimit *rl, const char *key, int64_t now, bool create)
{
    uint64_t h = hash_key(key);
    rl_entry *victim = NULL;
    bool victim_reusable = false;
    for (int probe = 0; probe < 16; probe++) {
        rl_entry *e = &rl->slots[(h + (uint64_t)probe) % RL_SLOTS];
        if (e->key[0] && strcmp(e->key, key) == 0)
            return e;
        bool reusable = !e->key[0] || now - e->window_start >= rl->window;
        if (reusable && !victim_reusable) {
            victim = e;
            victim_reusable = true;
        } else if (!victim_reusable && (!victim || e->window_start < victim->window_start)) {
            victim = e;
        }
    }
    if (!create)
        return NULL;
    size_t n = strlen(key);
    if (n >= RL_KEY_MAX)
        n = RL_KEY_MAX - 1;
    memset(victim, 0, sizeof(*victim));
    memcpy(victim->key, key, n);
    victim->window_start = now;
    return victim;
}

int ratelimit_take(ratelimit *rl, const char *key, int limit, int64_t now)
{
    int wait = 0;
    pthread_mutex_lock(&rl->lock);
    rl_entry *e = find(rl, key, now, true);
    if (now - e->window_start >= rl->window) {
        e->window_start = now;
        e->count = 0;
    }
    if (e->count >= limit)
        wait = (int)(e->window_start + rl->window - now);
    else
        e->count++;
    pthread_mutex_unlock(&rl->lock);
    return wait > 0 ? wait : 0;
}

void ratelimit_refund(ratelimit *rl, const char *key)
{
    pthread_mutex_lock(&rl->lock);
    rl_entry *e = find(rl, key, 0, false);
    if (e && e->count > 0)
        e->count--;
    pthread_mutex_unlock(&rl->lock);
}

void ratelimit_reset(ratelimit *rl, const char *key)
{
    pthread_mutex_lock(&rl->lock);
    rl_entry *e = find(rl, key, 0, false);
    if (e)
        memset(e, 0, sizeof(*e));
    pthread_mutex_unlock(&rl->lock);
}
