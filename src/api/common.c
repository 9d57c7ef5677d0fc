/* common.c — see api.h: errors, body parsing, typed fields, authentication. */
#include "api/api.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/civil.h"
#include "base/secure.h"

static const struct {
    svc_rc rc;
    int status;
    const char *code;
} error_table[] = {
    {SVC_INVALID_PARAMETER, 400, "invalid_parameter"},
    {SVC_UNAUTHENTICATED, 401, "unauthenticated"},
    {SVC_INVALID_CREDENTIALS, 401, "invalid_credentials"},
    {SVC_FORBIDDEN, 403, "forbidden"},
    {SVC_NOT_FOUND, 404, "not_found"},
    {SVC_EMAIL_TAKEN, 409, "email_taken"},
    {SVC_USERNAME_TAKEN, 409, "username_taken"},
    {SVC_SLUG_TAKEN, 409, "slug_taken"},
    {SVC_SLOT_UNAVAILABLE, 409, "slot_unavailable"},
    {SVC_VERSION_CONFLICT, 409, "version_conflict"},
    {SVC_BOOKING_CANCELLED, 409, "booking_cancelled"},
    {SVC_IDEMPOTENCY_IN_FLIGHT, 409, "idempotency_in_flight"},
    {SVC_IDEMPOTENCY_REUSED, 422, "idempotency_key_reused"},
    {SVC_VALIDATION, 422, "validation_failed"},
    {SVC_INVALID_TIME_ZONE, 422, "invalid_time_zone"},
    {SVC_RATE_LIMITED, 429, "rate_limited"},
    {SVC_UNAVAILABLE, 503, "unavailable"},
    {SVC_INTERNAL, 500, "internal"},
};

void api_fail(http_response *res, arena *a, const svc_error *e)
{
    int status = 500;
    const char *code = "internal";
    for (size_t i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++) {
        if (error_table[i].rc == e->rc) {
            status = error_table[i].status;
            code = error_table[i].code;
            break;
        }
    }
    http_error(res, a, status, code, e->message ? e->message : "Request failed.", e->field);
    if (e->rc == SVC_RATE_LIMITED)
        http_add_header(res, a, "Retry-After", arena_printf(a, "%d", e->retry_after > 0 ? e->retry_after : 1));
}

static void decref_json(void *p)
{
    json_decref(p);
}

json_t *api_body_object(http_request *req, http_response *res)
{
    json_error_t jerr;
    if (req->body_len == 0) {
        http_error(res, req->arena, 400, "invalid_json", "The request needs a JSON object body.",
                   NULL);
        return NULL;
    }
    /* NULs inside strings are accepted here and rejected per field with a 422. */
    json_t *j = json_loadb(req->body, req->body_len, JSON_ALLOW_NUL, &jerr);
    if (!j) {
        http_error(res, req->arena, 400, "invalid_json",
                   arena_printf(req->arena, "The body is not valid JSON: %s (line %d, column %d).",
                                jerr.text, jerr.line, jerr.column),
                   NULL);
        return NULL;
    }
    arena_on_free(req->arena, decref_json, j);
    if (!json_is_object(j)) {
        http_error(res, req->arena, 400, "invalid_json", "The body must be a JSON object.", NULL);
        return NULL;
    }
    return j;
}

svc_rc api_missing(svc_error *e, const char *key)
{
    return svc_fail(e, SVC_VALIDATION, "This field is required.", key);
}

svc_rc api_get_string(json_t *obj, const char *key, const char **out, bool *present,
                      svc_error *e)
{
    json_t *v = json_object_get(obj, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return SVC_OK;
    if (!json_is_string(v))
        return svc_fail(e, SVC_VALIDATION, "This field must be a string.", key);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return svc_fail(e, SVC_VALIDATION, "This field must not contain NUL characters.", key);
    *out = json_string_value(v);
    return SVC_OK;
}

svc_rc api_get_int(json_t *obj, const char *key, bool nullable, int *out, bool *present,
                   svc_error *e)
{
    json_t *v = json_object_get(obj, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return SVC_OK;
    if (nullable && json_is_null(v)) {
        *out = 0;
        return SVC_OK;
    }
    if (!json_is_integer(v))
        return svc_fail(e, SVC_VALIDATION,
                        nullable ? "This field must be an integer or null."
                                 : "This field must be an integer.", key);
    json_int_t n = json_integer_value(v);
    if (n < INT_MIN / 2 || n > INT_MAX / 2)
        return svc_fail(e, SVC_VALIDATION, "This number is out of range.", key);
    *out = (int)n;
    return SVC_OK;
}

svc_rc api_get_bool(json_t *obj, const char *key, bool *out, bool *present, svc_error *e)
{
    json_t *v = json_object_get(obj, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return SVC_OK;
    if (!json_is_boolean(v))
        return svc_fail(e, SVC_VALIDATION, "This field must be true or false.", key);
    *out = json_is_true(v);
    return SVC_OK;
}

const char *api_time(arena *a, int64_t t)
{
    char *buf = arena_alloc(a, 26);
    civil_format_rfc3339(t, 0, buf);
    return buf;
}

json_t *api_user_json(arena *a, const store_user *u, bool full)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "id", u->id, "name", u->name, "username",
                          u->username, "time_zone", u->time_zone);
    if (full) {
        json_object_set_new(j, "email", json_string(u->email));
        json_object_set_new(j, "role", json_string(u->role));
        json_object_set_new(j, "created_at", json_string(api_time(a, u->created_at)));
        json_object_set_new(j, "updated_at", json_string(api_time(a, u->updated_at)));
    }
    return j;
}

/* ---------------------------------------------------------------- auth */

static bool is_unsafe(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

/* Origin must name this very host: http(s)://<Host header>, or the public URL. */
static bool origin_ok(app *a, const http_request *req)
{
    const char *origin = http_header_get(req, "Origin");
    const char *host = http_header_get(req, "Host");
    if (!origin)
        return false;
    if (strcmp(origin, a->cfg->public_url) == 0)
        return true;
    if (!host)
        return false;
    const char *rest = NULL;
    if (strncmp(origin, "http://", 7) == 0)
        rest = origin + 7;
    else if (strncmp(origin, "https://", 8) == 0)
        rest = origin + 8;
    return rest && strcasecmp(rest, host) == 0;
}

bool api_csrf_ok(app *a, const http_request *req, const users_auth *auth)
{
    const char *hdr = http_header_get(req, "X-CSRF-Token");
    if (hdr && secure_equal(hdr, strlen(hdr), auth->session.csrf_token,
                            strlen(auth->session.csrf_token)))
        return true;
    return origin_ok(a, req);
}

/* The session token of the request: Bearer header first, else the cookie. */
static const char *request_token(const http_request *req, bool *via_cookie)
{
    const char *authz = http_header_get(req, "Authorization");
    *via_cookie = false;
    if (authz)
        return strncasecmp(authz, "Bearer ", 7) == 0 ? authz + 7 : NULL;
    const char *cookie = http_cookie(req, "calendula_session");
    *via_cookie = cookie != NULL;
    return cookie;
}

bool api_try_auth(app *a, http_request *req, users_auth *out)
{
    bool via_cookie;
    const char *token = request_token(req, &via_cookie);
    svc_error e = {0};
    return token && users_authenticate(a, req->arena, token, out, &e) == SVC_OK;
}

bool api_auth(app *a, http_request *req, http_response *res, users_auth *out)
{
    bool via_cookie;
    const char *token = request_token(req, &via_cookie);
    svc_error e = {0};
    if (!token) {
        svc_fail(&e, SVC_UNAUTHENTICATED, "Sign in first.", NULL);
        api_fail(res, req->arena, &e);
        return false;
    }
    if (users_authenticate(a, req->arena, token, out, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return false;
    }
    if (via_cookie && is_unsafe(req->method) && !api_csrf_ok(a, req, out)) {
        svc_fail(&e, SVC_FORBIDDEN,
                 "CSRF check failed: send the X-CSRF-Token header or a same-origin Origin.",
                 NULL);
        api_fail(res, req->arena, &e);
        return false;
    }
    req->auth = out;
    return true;
}

void api_register(router *r)
{
    api_health_register(r);
    api_users_register(r);
    api_meeting_types_register(r);
    api_availability_register(r);
    api_bookings_register(r);
}
