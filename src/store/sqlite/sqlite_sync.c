/* sqlite_sync.c — see sqlite_sync.h. */
#include "store/sqlite/sqlite_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"

struct sq_sync {
    pthread_mutex_t lock;
    pthread_cond_t done;
    char *wal_path;
    uint64_t committed; /* commits made by this process */
    uint64_t synced;    /* commits known to be on disk */
    bool flushing;
    bool failed;        /* the last flush failed */
};

sq_sync *sq_sync_new(const char *db_path)
{
    sq_sync *s = xcalloc(1, sizeof(*s));
    size_t n = strlen(db_path);
    s->wal_path = xmalloc(n + 5);
    memcpy(s->wal_path, db_path, n);
    memcpy(s->wal_path + n, "-wal", 5);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->done, NULL);
    return s;
}

void sq_sync_free(sq_sync *s)
{
    if (!s)
        return;
    pthread_cond_destroy(&s->done);
    pthread_mutex_destroy(&s->lock);
    free(s->wal_path);
    free(s);
}

uint64_t sq_sync_committed(sq_sync *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t seq = ++s->committed;
    pthread_mutex_unlock(&s->lock);
    return seq;
}

/*
 * Opens the WAL anew for each flush: SQLite may delete and recreate it, and
 * an fd of an old file would flush the wrong inode.
 */
static bool flush_wal(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT; /* no WAL: everything is in the database file */
    bool ok = fdatasync(fd) == 0;
    if (!ok)
        log_msg(LOG_ERROR, "fdatasync of %s failed: %s", path, strerror(errno));
    close(fd);
    return ok;
}

bool sq_sync_wait(sq_sync *s, uint64_t seq)
{
    pthread_mutex_lock(&s->lock);
    bool ok = true;
    while (s->synced < seq) {
        if (s->flushing) {
            pthread_cond_wait(&s->done, &s->lock);
            continue;
        }
        s->flushing = true;
        uint64_t target = s->committed;
        pthread_mutex_unlock(&s->lock);
        bool flushed = flush_wal(s->wal_path);
        pthread_mutex_lock(&s->lock);
        s->flushing = false;
        if (flushed)
            s->synced = target;
        s->failed = !flushed;
        pthread_cond_broadcast(&s->done);
        if (!flushed) {
            ok = false;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}
