/*
 * api.h — the HTTP API: one file per resource turns requests into service
 * calls and service results into JSON (API.md is the contract).
 *
 * Shared here: body parsing, typed field access that reports the field
 * name on a wrong type, authentication of the caller, and the one table
 * that maps service errors to status codes and error codes.
 */
#ifndef CALENDULA_API_API_H
#define CALENDULA_API_API_H

#include <jansson.h>
#include <stdbool.h>

#include "http/http.h"
#include "http/router.h"
#include "service/service.h"
#include "service/users.h"

/* Registers every API route. Handlers receive the app as ctx. */
void api_register(router *r);

/* Writes the error answer for a failed service call. */
void api_fail(http_response *res, arena *a, const svc_error *e);

/* Parses the body as a JSON object; on failure answers 400 and returns NULL. */
json_t *api_body_object(http_request *req, http_response *res);

/*
 * Typed field access. Each returns SVC_OK when the key is absent (leaving
 * *out and *present untouched/false) or holds the right type; otherwise
 * SVC_VALIDATION with e naming the key (prefix + key).
 */
svc_rc api_get_string(json_t *obj, const char *key, const char **out, bool *present,
                      svc_error *e);
svc_rc api_get_int(json_t *obj, const char *key, bool nullable, int *out, bool *present,
                   svc_error *e);
svc_rc api_get_bool(json_t *obj, const char *key, bool *out, bool *present, svc_error *e);

/* A string that must be present and non-empty is missing: 422 naming key. */
svc_rc api_missing(svc_error *e, const char *key);

/*
 * Authenticates the caller by Bearer token or session cookie (with the
 * CSRF check for cookie-authenticated writes). On failure answers
 * 401/403 and returns false.
 */
bool api_auth(app *a, http_request *req, http_response *res, users_auth *out);

/* True when a cookie-authenticated request carries the CSRF proof. */
bool api_csrf_ok(app *a, const http_request *req, const users_auth *auth);

/* Authenticates silently: true when the request carries a valid session. */
bool api_try_auth(app *a, http_request *req, users_auth *out);

/* Formats an instant as RFC 3339 UTC in the arena. */
const char *api_time(arena *a, int64_t t);

/* JSON of a user: full (the user themselves) or public profile. */
json_t *api_user_json(arena *a, const store_user *u, bool full);

/* Route handlers, grouped by file. */
void api_users_register(router *r);
void api_meeting_types_register(router *r);
void api_availability_register(router *r);
void api_health_register(router *r);
void api_bookings_register(router *r);

#endif
