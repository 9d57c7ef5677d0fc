/*
 * router.h — maps (method, path) to a handler, with :name path parameters.
 *
 * Patterns are literal segments and ":name" segments ("/api/users/:id").
 * A literal segment beats a parameter at the same position, so
 * "/api/meeting-types/new" could coexist with "/api/meeting-types/:id".
 */
#ifndef CALENDULA_HTTP_ROUTER_H
#define CALENDULA_HTTP_ROUTER_H

#include <stddef.h>

#define ROUTER_MAX_SEGMENTS 12

typedef struct router router;

typedef enum router_result {
    ROUTER_FOUND = 0,
    ROUTER_NOT_FOUND,
    ROUTER_METHOD_NOT_ALLOWED,
} router_result;

typedef struct router_match {
    void *handler;
    const char *pattern;
    /* Parameters point into the buffer the caller supplied. */
    const char *names[ROUTER_MAX_SEGMENTS];
    const char *values[ROUTER_MAX_SEGMENTS];
    size_t nparams;
    char allow[128]; /* "GET, POST" when ROUTER_METHOD_NOT_ALLOWED */
} router_match;

router *router_new(void);
void router_free(router *r);

/* Registers a route. Patterns and methods must outlive the router. */
void router_add(router *r, const char *method, const char *pattern, void *handler);

/*
 * Matches path (without query). buf is scratch space of at least
 * strlen(path)+1 bytes that the match's values point into.
 */
router_result router_find(const router *r, const char *method, const char *path, char *buf,
                          size_t bufsize, router_match *m);

#endif
