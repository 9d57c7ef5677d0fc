/*
 * sqlite_sync.h — group commit for SQLite write transactions.
 *
 * A write transaction commits with synchronous=NORMAL (the WAL frames are
 * written but not yet flushed), then waits here until an fdatasync of the
 * WAL file that began after its COMMIT has finished. One thread flushes
 * for everyone who committed before it started, so a burst of bookings
 * shares a few disk flushes instead of paying one each — and no caller
 * answers before its commit is on disk.
 */
#ifndef CALENDULA_STORE_SQLITE_SYNC_H
#define CALENDULA_STORE_SQLITE_SYNC_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sq_sync sq_sync;

/* For the database file at db_path (its WAL is db_path + "-wal"). */
sq_sync *sq_sync_new(const char *db_path);
void sq_sync_free(sq_sync *s);

/* Call right after a successful COMMIT, still holding the write lock. */
uint64_t sq_sync_committed(sq_sync *s);

/* Returns once commit number seq is durable; false if the flush failed. */
bool sq_sync_wait(sq_sync *s, uint64_t seq);

#endif
