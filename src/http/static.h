/*
 * static.h — the web app's files: GET/HEAD of paths outside /api are
 * served from a directory (web/dist), with index.html as the fallback for
 * application routes (paths without a file extension).
 *
 * Hashed build assets under /assets/ are cached for a year as immutable;
 * everything else must be revalidated. Paths with "..", backslashes or
 * NULs never touch the filesystem.
 */
#ifndef CALENDULA_HTTP_STATIC_H
#define CALENDULA_HTTP_STATIC_H

#include <stdbool.h>

#include "http/http.h"

/* True when it answered (a file, the SPA fallback, or a 404 for a missing asset). */
bool static_serve(const char *root, http_request *req, http_response *res);

#endif
