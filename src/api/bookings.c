/*
 * bookings.c — /api/bookings, the host's booking list and .ics downloads
 * (API.md "Bookings"), including Idempotency-Key handling.
 *
 * Idempotency: the key is claimed (in flight) in a short transaction of
 * its own, so a concurrent duplicate sees it and gets 409; the answer is
 * then stored — sealed with the secret key, since it carries the manage
 * token — in the booking's own transaction. Keys live 24 hours.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "base/civil.h"
#include "base/secure.h"
#include "calendar/ics.h"
#include "service/bookings.h"
#include "service/meeting_types.h"
#include "service/text.h"

#define IDEM_SCOPE "POST /api/bookings"
#define IDEM_TTL (24 * 3600)
#define IDEM_ABANDONED 60 /* an in-flight claim older than this was left by a crash */
#define LIST_DEFAULT 50
#define LIST_MAX 200

/* ---------------------------------------------------------------- output */

static json_t *booking_json(arena *ar, const store_booking *b, const char *manage_token)
{
    json_t *answers = json_loads(b->answers_json, 0, NULL);
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:s, s:s}",
        "id", b->id, "meeting_type_id", b->meeting_type_id, "host_user_id", b->host_user_id,
        "invitee_name", b->invitee_name, "invitee_email", b->invitee_email, "invitee_timezone",
        b->invitee_timezone, "start_time", api_time(ar, b->start_time), "end_time",
        api_time(ar, b->end_time), "status", b->status, "notes", b->notes, "answers",
        answers ? answers : json_object(), "version", b->version, "created_at",
        api_time(ar, b->created_at), "updated_at", api_time(ar, b->updated_at));
    json_object_set_new(j, "cancellation_reason", b->cancellation_reason
                                                      ? json_string(b->cancellation_reason)
                                                      : json_null());
    if (manage_token)
        json_object_set_new(j, "manage_token", json_string(manage_token));
    return j;
}

/* ---------------------------------------------------------------- idempotency */

typedef struct idem {
    const char *key; /* NULL when the request has none */
    const char *fingerprint;
    app *a;
    arena *ar;
    int status;     /* the answer being stored */
    char *body;     /* its JSON text (heap) */
} idem;

static const char *idem_key(http_request *req)
{
    const char *k = http_header_get(req, "Idempotency-Key");
    return k ? k : http_header_get(req, "X-Idempotency-Key");
}

static bool idem_key_valid(const char *k)
{
    size_t n = strlen(k);
    if (n < 1 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e)
            return false;
    return true;
}

static void replay(http_request *req, http_response *res, app *a, const store_idempotency *st)
{
    size_t len = 0;
    char *body = secure_unseal(a->cfg->secret_key, st->body ? st->body : "", &len);
    if (!body) {
        http_error(res, req->arena, 500, "internal", "The stored answer cannot be read.", NULL);
        return;
    }
    char *copy = arena_strndup(req->arena, body, len);
    free(body);
    http_text(res, req->arena, st->status, "application/json", copy, len);
    http_add_header(res, req->arena, "Idempotent-Replayed", "true");
}

/*
 * Phase one: decide between replaying, refusing and proceeding (claiming
 * the key). Returns true when the caller should go on and book.
 */
static bool idem_begin(idem *im, http_request *req, http_response *res)
{
    svc_error e = {0};
    store_conn *c = svc_conn(im->a, &e);
    if (!c) {
        api_fail(res, req->arena, &e);
        return false;
    }
    int64_t now = svc_now(im->a);
    store_idempotency st;
    store_rc rc = store_begin(c, true);
    if (rc == STORE_OK)
        rc = store_idem_get(c, req->arena, IDEM_SCOPE, im->key, now, &st);
    if (rc == STORE_OK && !st.done && now - st.created_at > IDEM_ABANDONED &&
        strcmp(st.fingerprint, im->fingerprint) == 0) {
        rc = store_idem_release(c, IDEM_SCOPE, im->key);
        if (rc == STORE_OK)
            rc = STORE_NOT_FOUND;
    }
    if (rc == STORE_NOT_FOUND) {
        rc = store_idem_claim(c, IDEM_SCOPE, im->key, im->fingerprint, now, now + IDEM_TTL);
        if (rc == STORE_OK && (rc = store_commit(c)) == STORE_OK)
            return true;
    }
    store_rollback(c);
    if (rc != STORE_OK) {
        api_fail(res, req->arena, (svc_store_fail(&e, rc), &e));
        return false;
    }
    if (strcmp(st.fingerprint, im->fingerprint) != 0)
        svc_fail(&e, SVC_IDEMPOTENCY_REUSED,
                 "This Idempotency-Key was used with a different request.", NULL);
    else if (!st.done)
        svc_fail(&e, SVC_IDEMPOTENCY_IN_FLIGHT,
                 "A request with this Idempotency-Key is still being processed.", NULL);
    else {
        replay(req, res, im->a, &st);
        return false;
    }
    api_fail(res, req->arena, &e);
    return false;
}

static store_rc idem_store(idem *im, store_conn *c)
{
    char *sealed = secure_seal(im->a->cfg->secret_key, im->body, strlen(im->body));
    store_rc rc = store_idem_finish(c, IDEM_SCOPE, im->key, im->status, sealed);
    free(sealed);
    return rc;
}

/* Runs inside the booking transaction: the answer is stored with the booking. */
static svc_rc idem_hook(void *ctx, store_conn *c, const booking_result *r, svc_error *e)
{
    idem *im = ctx;
    im->status = r->existing ? 200 : 201;
    free(im->body); /* from an earlier run of the transaction (store_write) */
    json_t *j = booking_json(im->ar, &r->booking, r->existing ? NULL : r->manage_token);
    im->body = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    store_rc rc = idem_store(im, c);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}

/* After a failed booking: keep 4xx answers for replay, free the key after 5xx. */
static void idem_after_failure(idem *im, http_response *res)
{
    svc_error e = {0};
    store_conn *c = svc_conn(im->a, &e);
    if (!c || store_begin(c, true) != STORE_OK)
        return;
    store_rc rc;
    if (res->status >= 500) {
        rc = store_idem_release(c, IDEM_SCOPE, im->key);
    } else {
        im->status = res->status;
        free(im->body); /* the hook's, if its transaction failed after it */
        im->body = strndup(res->body, res->body_len);
        rc = im->body ? idem_store(im, c) : STORE_ERROR;
    }
    if (rc == STORE_OK)
        store_commit(c);
    else
        store_rollback(c);
}

/* ---------------------------------------------------------------- create */

static svc_rc read_create_body(json_t *body, arena *ar, booking_input *in, svc_error *e)
{
    const char *start = NULL;
    const char *const keys[] = {"meeting_type_id", "start_time", "invitee_name", "invitee_email",
                                "invitee_timezone"};
    const char **dst[] = {&in->meeting_type_id, &start, &in->invitee_name, &in->invitee_email,
                          &in->invitee_timezone};
    for (size_t i = 0; i < 5; i++) {
        bool present = false;
        if (api_get_string(body, keys[i], dst[i], &present, e) != SVC_OK)
            return e->rc;
        if (!present)
            return api_missing(e, keys[i]);
    }
    if (!civil_parse_rfc3339(start, strlen(start), &in->start))
        return svc_fail(e, SVC_VALIDATION, "start_time must be an RFC 3339 date-time.",
                        "start_time");
    if (api_get_string(body, "notes", &in->notes, NULL, e) != SVC_OK)
        return e->rc;
    if (api_get_string(body, "invitee_locale", &in->invitee_locale, NULL, e) != SVC_OK)
        return e->rc;
    json_t *answers = json_object_get(body, "answers");
    if (answers && !json_is_null(answers)) {
        if (!json_is_object(answers))
            return svc_fail(e, SVC_VALIDATION, "answers must be an object keyed by question id.",
                            "answers");
        char *text = json_dumps(answers, JSON_COMPACT);
        in->answers_json = arena_strdup(ar, text);
        free(text);
    }
    return SVC_OK;
}

static void free_heap(void *p)
{
    free(p);
}

static void create(void *ctx, http_request *req, http_response *res)
{
    app *a = ctx;
    json_t *body = api_body_object(req, res);
    if (!body)
        return;
    idem im = {.key = idem_key(req), .a = a, .ar = req->arena};
    if (im.key && !idem_key_valid(im.key)) {
        http_error(res, req->arena, 400, "invalid_parameter",
                   "Idempotency-Key must be 1 to 255 visible ASCII characters.", "Idempotency-Key");
        return;
    }
    if (im.key) {
        char *canon = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
        char *fp = arena_alloc(req->arena, SECURE_HASH_HEX_LEN + 1);
        secure_sha256_hex(canon, strlen(canon), fp);
        free(canon);
        im.fingerprint = fp;
        if (!idem_begin(&im, req, res))
            return;
    }
    booking_input in = {0};
    booking_result r;
    svc_error e = {0};
    svc_rc read = read_create_body(body, req->arena, &in, &e);
    char tag[TEXT_LOCALE_MAX + 1];
    const char *accept = http_header_get(req, "Accept-Language");
    if (read == SVC_OK && !in.invitee_locale && accept &&
        text_locale_from_accept_language(accept, tag))
        in.invitee_locale = arena_strdup(req->arena, tag); /* the browser's language */
    if (read != SVC_OK ||
        bookings_create(a, req->arena, &in, im.key ? idem_hook : NULL, &im, &r, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        if (im.key)
            idem_after_failure(&im, res);
        free(im.body);
        return;
    }
    if (im.body) { /* exactly the text that was stored for replays */
        arena_on_free(req->arena, free_heap, im.body);
        http_text(res, req->arena, im.status, "application/json", im.body, strlen(im.body));
        return;
    }
    http_json(res, req->arena, r.existing ? 200 : 201,
              booking_json(req->arena, &r.booking, r.existing ? NULL : r.manage_token));
}

/* ---------------------------------------------------------------- by id */

static void access_of(app *a, http_request *req, users_auth *auth, booking_access *who)
{
    who->token = http_query(req, "token");
    who->user = NULL;
    bool via_cookie = http_header_get(req, "Authorization") == NULL;
    if (api_try_auth(a, req, auth)) {
        /* A cookie session may change a booking only with the CSRF proof. */
        if (!via_cookie || !strcmp(req->method, "GET") || api_csrf_ok(a, req, auth))
            who->user = &auth->user;
    }
}

static void get_one(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    booking_access who;
    access_of(ctx, req, &auth, &who);
    store_booking b;
    svc_error e = {0};
    if (bookings_get(ctx, req->arena, http_param(req, "id"), &who, &b, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    http_json(res, req->arena, 200, booking_json(req->arena, &b, NULL));
}

static void reschedule(void *ctx, http_request *req, http_response *res)
{
    json_t *body = api_body_object(req, res);
    if (!body)
        return;
    users_auth auth;
    booking_access who;
    access_of(ctx, req, &auth, &who);
    svc_error e = {0};
    const char *start = NULL, *reason = NULL;
    bool has_start = false;
    int version = 0;
    int64_t t;
    store_booking b;
    if (api_get_string(body, "start_time", &start, &has_start, &e) != SVC_OK ||
        api_get_string(body, "reason", &reason, NULL, &e) != SVC_OK ||
        api_get_int(body, "version", true, &version, NULL, &e) != SVC_OK)
        goto fail;
    if (!has_start) {
        api_missing(&e, "start_time");
        goto fail;
    }
    if (!civil_parse_rfc3339(start, strlen(start), &t)) {
        svc_fail(&e, SVC_VALIDATION, "start_time must be an RFC 3339 date-time.", "start_time");
        goto fail;
    }
    if (bookings_reschedule(ctx, req->arena, http_param(req, "id"), &who, t, reason, version, &b,
                            &e) != SVC_OK)
        goto fail;
    http_json(res, req->arena, 200, booking_json(req->arena, &b, NULL));
    return;
fail:
    api_fail(res, req->arena, &e);
}

static void cancel(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    booking_access who;
    access_of(ctx, req, &auth, &who);
    const char *reason = http_query(req, "reason");
    svc_error e = {0};
    if (req->body_len > 0) {
        json_t *body = api_body_object(req, res);
        if (!body)
            return;
        if (api_get_string(body, "reason", &reason, NULL, &e) != SVC_OK) {
            api_fail(res, req->arena, &e);
            return;
        }
    }
    store_booking b;
    if (bookings_cancel(ctx, req->arena, http_param(req, "id"), &who, reason, &b, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    http_json(res, req->arena, 200, booking_json(req->arena, &b, NULL));
}

static void free_ics(void *p)
{
    free(p);
}

static void ics(void *ctx, http_request *req, http_response *res)
{
    app *a = ctx;
    users_auth auth;
    booking_access who;
    access_of(a, req, &auth, &who);
    store_booking b;
    store_meeting_type m;
    store_user host;
    svc_error e = {0};
    if (bookings_get(a, req->arena, http_param(req, "id"), &who, &b, &e) != SVC_OK ||
        users_get(a, req->arena, b.host_user_id, &host, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    store_conn *c = store_conn_get(a->store);
    bool have_type = c && store_meeting_type_get(c, req->arena, b.meeting_type_id, &m) == STORE_OK;
    const char *title = have_type ? m.name : "Meeting";
    ics_event ev = {
        .booking_id = b.id, .start = b.start_time, .end = b.end_time, .stamp = b.updated_at,
        .sequence = b.version - 1, .cancelled = strcmp(b.status, "cancelled") == 0,
        .summary = arena_printf(req->arena, "%s: %s and %s", title, host.name, b.invitee_name),
        .description = b.notes, .location = have_type ? m.location : NULL,
        .organizer_name = host.name, .organizer_email = host.email,
        .attendee_name = b.invitee_name, .attendee_email = b.invitee_email,
    };
    char *text = ics_render(&ev, ICS_PUBLISH);
    if (!text) {
        http_error(res, req->arena, 500, "internal", "The calendar file cannot be made.", NULL);
        return;
    }
    arena_on_free(req->arena, free_ics, text);
    http_text(res, req->arena, 200, "text/calendar; charset=utf-8", text, strlen(text));
    http_add_header(res, req->arena, "Content-Disposition",
                    arena_printf(req->arena, "attachment; filename=\"booking-%s.ics\"", b.id));
}

/* ---------------------------------------------------------------- list */

/* An instant or a date (its UTC midnight) from the query. */
static bool query_instant(http_request *req, http_response *res, const char *name, int64_t *out)
{
    const char *v = http_query(req, name);
    int32_t day;
    if (!v)
        return true;
    if (civil_parse_rfc3339(v, strlen(v), out))
        return true;
    if (civil_parse_date(v, strlen(v), &day)) {
        *out = (int64_t)day * 86400;
        return true;
    }
    http_error(res, req->arena, 400, "invalid_parameter",
               "Use an RFC 3339 date-time or a YYYY-MM-DD date.", name);
    return false;
}

static bool parse_list_query(http_request *req, http_response *res, store_booking_filter *f)
{
    const char *status = http_query(req, "status"), *limit = http_query(req, "limit");
    const char *cursor = http_query(req, "cursor");
    f->from = INT64_MIN / 2;
    f->to = INT64_MAX / 2;
    f->limit = LIST_DEFAULT;
    if (status && strcmp(status, "confirmed") && strcmp(status, "cancelled")) {
        http_error(res, req->arena, 400, "invalid_parameter",
                   "status is confirmed or cancelled.", "status");
        return false;
    }
    f->status = status;
    if (!query_instant(req, res, "from", &f->from) || !query_instant(req, res, "to", &f->to))
        return false;
    if (limit) {
        char *end;
        long v = strtol(limit, &end, 10);
        if (*limit == '\0' || *end || v < 1 || v > LIST_MAX) {
            http_error(res, req->arena, 400, "invalid_parameter", "limit is 1 to 200.", "limit");
            return false;
        }
        f->limit = (int)v;
    }
    if (cursor) { /* "<start>_<id>" as handed out in next_cursor */
        char *end;
        long long t = strtoll(cursor, &end, 10);
        if (*end != '_' || !secure_uuid_valid(end + 1)) {
            http_error(res, req->arena, 400, "invalid_parameter", "That cursor is not valid.",
                       "cursor");
            return false;
        }
        f->after_start = t;
        f->after_id = end + 1;
    }
    return true;
}

static void list(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    if (!api_auth(ctx, req, res, &auth))
        return;
    if (strcasecmp(http_param(req, "id"), auth.user.id) != 0) {
        http_error(res, req->arena, 403, "forbidden", "You can only list your own bookings.",
                   NULL);
        return;
    }
    store_booking_filter f = {.host_user_id = auth.user.id};
    if (!parse_list_query(req, res, &f))
        return;
    f.limit++; /* one more tells whether there is a next page */
    store_booking *items;
    size_t n;
    svc_error e = {0};
    if (bookings_list(ctx, req->arena, &f, &items, &n, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    bool more = n == (size_t)f.limit;
    if (more)
        n--;
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(data, booking_json(req->arena, &items[i], NULL));
    json_t *next = more ? json_string(arena_printf(req->arena, "%lld_%s",
                                                   (long long)items[n - 1].start_time,
                                                   items[n - 1].id))
                        : json_null();
    http_json(res, req->arena, 200, json_pack("{s:o, s:o}", "data", data, "next_cursor", next));
}

void api_bookings_register(router *r)
{
    router_add(r, "POST", "/api/bookings", create);
    router_add(r, "GET", "/api/bookings/:id", get_one);
    router_add(r, "PUT", "/api/bookings/:id/reschedule", reschedule);
    router_add(r, "DELETE", "/api/bookings/:id", cancel);
    router_add(r, "GET", "/api/bookings/:id/ics", ics);
    router_add(r, "GET", "/api/users/:id/bookings", list);
}
