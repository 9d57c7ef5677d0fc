/*
 * http.h — the request and response the API handlers see.
 *
 * The server (http/server.c) turns a libmicrohttpd connection into an
 * http_request once the whole body has arrived, calls the matched handler,
 * and sends the http_response it fills. Everything hangs off the request's
 * arena, which is freed when the request is done.
 */
#ifndef CALENDULA_HTTP_HTTP_H
#define CALENDULA_HTTP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

#define HTTP_MAX_PARAMS 8
#define HTTP_MAX_HEADERS 16
#define HTTP_BODY_MAX (1024 * 1024)

struct MHD_Connection;

typedef struct http_request {
    arena *arena;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    const char *route; /* the matched pattern, for logs and metrics */
    const char *body;  /* NUL-terminated; may contain NULs (see body_len) */
    size_t body_len;
    const char *param_names[HTTP_MAX_PARAMS];
    const char *param_values[HTTP_MAX_PARAMS];
    size_t nparams;
    char request_id[33];
    char client_ip[64];
    void *auth; /* set by api/ when the caller is authenticated */
} http_request;

typedef struct http_header {
    const char *name;
    const char *value;
} http_header;

typedef struct http_response {
    int status;
    const char *content_type;
    char *body; /* arena or static memory; copied when sent */
    size_t body_len;
    http_header headers[HTTP_MAX_HEADERS];
    size_t nheaders;
    bool cacheable; /* false adds Cache-Control: no-store */
} http_response;

/* Request accessors. Missing → NULL. Strings live in the request. */
const char *http_param(const http_request *req, const char *name);
const char *http_header_get(const http_request *req, const char *name);
const char *http_query(const http_request *req, const char *name);
const char *http_cookie(const http_request *req, const char *name);

/* Response helpers. */
void http_add_header(http_response *res, arena *a, const char *name, const char *value);

/* Serialises json (stealing the reference) as the body with status. */
void http_json(http_response *res, arena *a, int status, json_t *json);

/*
 * The error envelope of API.md:
 * {"error":{"code":…,"message":…,"field":…}}; field may be NULL.
 */
void http_error(http_response *res, arena *a, int status, const char *code,
                const char *message, const char *field);

void http_text(http_response *res, arena *a, int status, const char *content_type,
               const char *text, size_t len);

#endif
