/*
 * tzdb.h — the system IANA time-zone database, loaded on demand.
 *
 * Zones are read from <dir>/<Name> (default /usr/share/zoneinfo), parsed
 * with domain/tz.h and cached for the life of the process (until
 * tzdb_shutdown). Cached zones are immutable, so the pointers handed out
 * may be used from any thread without locking. tzdb_get() and
 * tzdb_is_valid() are thread-safe; tzdb_init() and tzdb_shutdown() are
 * not (call them while no other thread uses tzdb).
 *
 * A name is looked up only if it looks like an IANA name: 1..64 bytes,
 * '/'-separated segments of [A-Za-z0-9_+-] (so no "..", no leading '/'),
 * and not one of the non-zone entries of the directory (posix/..., right/...,
 * posixrules, localtime, Factory). The file must then be a TZif file.
 */
#ifndef CALENDULA_SERVICE_TZDB_H
#define CALENDULA_SERVICE_TZDB_H

#include <stdbool.h>

#include "domain/tz.h"

/*
 * Uses `dir` (copied; NULL restores the default) as the database folder
 * and drops every cached zone, so pointers from earlier tzdb_get() calls
 * become invalid. Optional: without it the default folder is used.
 */
void tzdb_init(const char *dir);

/*
 * The zone called `name`, or NULL when the name is not acceptable, no
 * such file exists, or the file is not valid TZif. The zone stays owned
 * by the cache and valid until tzdb_init() or tzdb_shutdown().
 */
const tz_zone *tzdb_get(const char *name);

/* True when tzdb_get(name) would return a zone. */
bool tzdb_is_valid(const char *name);

/* Frees every cached zone and the folder setting (for a clean exit). */
void tzdb_shutdown(void);

#endif
