/* router.c — see router.h. A linear scan: the table is small and fixed. */
#include "http/router.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

typedef struct route {
    const char *method;
    const char *pattern;
    void *handler;
    char *segs[ROUTER_MAX_SEGMENTS];
    size_t nsegs;
    int literal_score; /* number of literal segments, for precedence */
} route;

struct router {
    route *routes;
    size_t count;
    size_t cap;
};

router *router_new(void)
{
    return xcalloc(1, sizeof(router));
}

void router_free(router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        for (size_t j = 0; j < r->routes[i].nsegs; j++)
            free(r->routes[i].segs[j]);
    free(r->routes);
    free(r);
}

/* Splits "/a/b/c" in place into segments; false if too many or empty ones. */
static bool split(char *path, char **segs, size_t *nsegs)
{
    *nsegs = 0;
    if (path[0] != '/')
        return false;
    if (path[1] == '\0')
        return true;
    char *p = path + 1;
    for (;;) {
        if (*nsegs == ROUTER_MAX_SEGMENTS)
            return false;
        char *slash = strchr(p, '/');
        segs[(*nsegs)++] = p;
        if (!slash)
            return true;
        *slash = '\0';
        p = slash + 1;
        if (*p == '\0') /* trailing slash: "/a/" is "/a" */
            return true;
    }
}

void router_add(router *r, const char *method, const char *pattern, void *handler)
{
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->routes = xreallocarray(r->routes, r->cap, sizeof(route));
    }
    route *rt = &r->routes[r->count++];
    memset(rt, 0, sizeof(*rt));
    rt->method = method;
    rt->pattern = pattern;
    rt->handler = handler;
    char *copy = xstrdup(pattern);
    char *segs[ROUTER_MAX_SEGMENTS];
    if (!split(copy, segs, &rt->nsegs))
        abort(); /* a programming error in the route table */
    for (size_t i = 0; i < rt->nsegs; i++) {
        rt->segs[i] = xstrdup(segs[i]);
        if (segs[i][0] != ':')
            rt->literal_score++;
    }
    free(copy);
}

static bool segments_match(const route *rt, char **segs, size_t nsegs)
{
    if (rt->nsegs != nsegs)
        return false;
    for (size_t i = 0; i < nsegs; i++) {
        if (rt->segs[i][0] == ':') {
            if (segs[i][0] == '\0')
                return false;
        } else if (strcmp(rt->segs[i], segs[i]) != 0) {
            return false;
        }
    }
    return true;
}

static void append_allow(router_match *m, const char *method)
{
    if (strstr(m->allow, method))
        return;
    size_t len = strlen(m->allow);
    size_t need = strlen(method) + (len ? 2 : 0);
    if (len + need + 1 > sizeof(m->allow))
        return;
    if (len)
        strcat(m->allow, ", ");
    strcat(m->allow, method);
}

router_result router_find(const router *r, const char *method, const char *path, char *buf,
                          size_t bufsize, router_match *m)
{
    memset(m, 0, sizeof(*m));
    size_t len = strlen(path);
    if (len + 1 > bufsize)
        return ROUTER_NOT_FOUND;
    memcpy(buf, path, len + 1);
    char *segs[ROUTER_MAX_SEGMENTS];
    size_t nsegs;
    if (!split(buf, segs, &nsegs))
        return ROUTER_NOT_FOUND;
    const route *best = NULL;
    bool path_known = false;
    for (size_t i = 0; i < r->count; i++) {
        const route *rt = &r->routes[i];
        if (!segments_match(rt, segs, nsegs))
            continue;
        path_known = true;
        append_allow(m, rt->method);
        if (strcmp(rt->method, method) == 0 &&
            (!best || rt->literal_score > best->literal_score))
            best = rt;
    }
    if (!best)
        return path_known ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
    m->handler = best->handler;
    m->pattern = best->pattern;
    for (size_t i = 0; i < nsegs; i++) {
        if (best->segs[i][0] == ':') {
            m->names[m->nparams] = best->segs[i] + 1;
            m->values[m->nparams] = segs[i];
            m->nparams++;
        }
    }
    return ROUTER_FOUND;
}
