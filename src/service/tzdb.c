/*
 * tzdb.c — loads and caches IANA zones from the zoneinfo folder; see
 * tzdb.h.
 *
 * The cache is an open-addressing hash table (FNV-1a, linear probing)
 * under a read-write lock: lookups of cached zones take the read lock
 * only. A miss reads and parses the file with no lock held, then takes
 * the write lock and inserts the zone unless another thread got there
 * first (the loser frees its copy). Unknown names are not cached, so a
 * stream of bogus names cannot grow memory; each costs one failed open().
 */
#include "service/tzdb.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"

#define DEFAULT_DIR "/usr/share/zoneinfo"
#define NAME_MAX_LEN 64
#define FILE_MAX_LEN (1 << 20) /* real TZif files are a few KB */

typedef struct entry {
    tz_zone *zone; /* NULL: empty slot; the key is tz_zone_name(zone) */
    uint64_t hash;
} entry;

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static char *dir_setting;  /* NULL: DEFAULT_DIR */
static entry *table;       /* cap slots, cap a power of two */
static size_t table_cap, table_count;

static uint64_t hash_name(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/* ---- names -------------------------------------------------------------- */

static bool name_char_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '+' || c == '-';
}

static bool segment_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* The syntax and deny-list checks of tzdb.h, before any file access. */
static bool name_ok(const char *name)
{
    if (!name)
        return false;
    size_t len = strnlen(name, NAME_MAX_LEN + 1);
    if (len == 0 || len > NAME_MAX_LEN)
        return false;
    size_t seg = 0; /* length of the current segment */
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '/') {
            if (seg == 0)
                return false;
            seg = 0;
        } else if (name_char_ok(name[i])) {
            seg++;
        } else {
            return false;
        }
    }
    if (seg == 0)
        return false;
    const char *slash = memchr(name, '/', len);
    size_t first = slash ? (size_t)(slash - name) : len;
    return !segment_is(name, first, "posix") && !segment_is(name, first, "right") &&
           strcmp(name, "posixrules") != 0 && strcmp(name, "localtime") != 0 &&
           strcmp(name, "Factory") != 0;
}

/* ---- files -------------------------------------------------------------- */

/* Reads a whole regular file of at most FILE_MAX_LEN bytes; NULL if not. */
static uint8_t *file_read(const char *path, size_t *len_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return NULL;
    uint8_t *buf = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > FILE_MAX_LEN)
        goto fail;
    size_t len = (size_t)st.st_size, got = 0;
    buf = xmalloc(len ? len : 1);
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        got += (size_t)n;
    }
    close(fd);
    *len_out = len;
    return buf;
fail:
    free(buf);
    close(fd);
    return NULL;
}

/* Loads and parses dir/name; the caller has checked the name. */
static tz_zone *zone_load(const char *name)
{
    char path[4096];
    pthread_rwlock_rdlock(&lock);
    int n = snprintf(path, sizeof path, "%s/%s", dir_setting ? dir_setting : DEFAULT_DIR, name);
    pthread_rwlock_unlock(&lock);
    if (n < 0 || (size_t)n >= sizeof path)
        return NULL;
    size_t len;
    uint8_t *data = file_read(path, &len);
    if (!data)
        return NULL;
    tz_zone *z = tz_parse_tzif(name, data, len);
    free(data);
    return z;
}

/* ---- the table (callers hold the lock) --------------------------------- */

static entry *table_find(const char *name, uint64_t h)
{
    if (table_cap == 0)
        return NULL;
    for (size_t i = h & (table_cap - 1);; i = (i + 1) & (table_cap - 1)) {
        if (!table[i].zone)
            return NULL;
        if (table[i].hash == h && strcmp(tz_zone_name(table[i].zone), name) == 0)
            return &table[i];
    }
}

static void table_put(tz_zone *z, uint64_t h)
{
    size_t i = h & (table_cap - 1);
    while (table[i].zone)
        i = (i + 1) & (table_cap - 1);
    table[i].zone = z;
    table[i].hash = h;
    table_count++;
}

static void table_grow(void)
{
    entry *old = table;
    size_t old_cap = table_cap;
    table_cap = old_cap ? old_cap * 2 : 64;
    table = xcalloc(table_cap, sizeof *table);
    table_count = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].zone)
            table_put(old[i].zone, old[i].hash);
    free(old);
}

static void table_free(void)
{
    for (size_t i = 0; i < table_cap; i++)
        tz_zone_free(table[i].zone);
    free(table);
    table = NULL;
    table_cap = table_count = 0;
}

/* ---- public ------------------------------------------------------------- */

void tzdb_init(const char *dir)
{
    pthread_rwlock_wrlock(&lock);
    table_free();
    free(dir_setting);
    dir_setting = dir ? xstrdup(dir) : NULL;
    pthread_rwlock_unlock(&lock);
}

const tz_zone *tzdb_get(const char *name)
{
    if (!name_ok(name))
        return NULL;
    uint64_t h = hash_name(name);
    pthread_rwlock_rdlock(&lock);
    entry *e = table_find(name, h);
    const tz_zone *found = e ? e->zone : NULL;
    pthread_rwlock_unlock(&lock);
    if (found)
        return found;

    tz_zone *z = zone_load(name);
    if (!z)
        return NULL;
    pthread_rwlock_wrlock(&lock);
    e = table_find(name, h);
    if (e) {
        tz_zone_free(z); /* another thread loaded it meanwhile */
        found = e->zone;
    } else {
        if ((table_count + 1) * 4 > table_cap * 3)
            table_grow();
        table_put(z, h);
        found = z;
    }
    pthread_rwlock_unlock(&lock);
    return found;
}

bool tzdb_is_valid(const char *name)
{
    return tzdb_get(name) != NULL;
}

void tzdb_shutdown(void)
{
    pthread_rwlock_wrlock(&lock);
    table_free();
    free(dir_setting);
    dir_setting = NULL;
    pthread_rwlock_unlock(&lock);
}
