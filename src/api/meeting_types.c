/* meeting_types.c — /api/meeting-types and the public lookups (API.md "Meeting types"). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "service/meeting_types.h"
#include "service/text.h"

#define MAX_QUESTIONS 20
#define MAX_OPTIONS 50

/* ---------------------------------------------------------------- output */

static json_t *mt_json(arena *a, const store_meeting_type *m, bool full)
{
    json_error_t jerr;
    json_t *questions = json_loads(m->questions_json, 0, &jerr);
    if (!questions)
        questions = json_array();
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:o, s:i}",
                          "id", m->id, "user_id", m->user_id, "name", m->name, "slug", m->slug,
                          "description", m->description, "kind", m->kind, "duration_minutes",
                          m->duration_minutes, "location", m->location, "color", m->color,
                          "questions", questions, "seats", m->seats);
    if (!full)
        return j;
    json_object_set_new(j, "buffer_before_minutes", json_integer(m->buffer_before_minutes));
    json_object_set_new(j, "buffer_after_minutes", json_integer(m->buffer_after_minutes));
    json_object_set_new(j, "slot_interval_minutes", json_integer(m->slot_interval_minutes));
    json_object_set_new(j, "min_notice_minutes", json_integer(m->min_notice_minutes));
    json_object_set_new(j, "booking_window_days", json_integer(m->booking_window_days));
    json_object_set_new(j, "max_bookings_per_day",
                        m->max_bookings_per_day > 0 ? json_integer(m->max_bookings_per_day)
                                                    : json_null());
    json_t *hosts = json_array();
    for (size_t i = 0; i < m->nhosts; i++)
        json_array_append_new(hosts, json_string(m->host_ids[i]));
    json_object_set_new(j, "host_ids", hosts);
    json_object_set_new(j, "is_active", json_boolean(m->is_active));
    json_t *reminders = m->reminders_custom ? json_array() : json_null();
    for (int i = 0; m->reminders_custom && i < m->nreminders; i++)
        json_array_append_new(reminders, json_integer(m->reminder_minutes[i]));
    json_object_set_new(j, "reminder_minutes", reminders);
    json_object_set_new(j, "created_at", json_string(api_time(a, m->created_at)));
    json_object_set_new(j, "updated_at", json_string(api_time(a, m->updated_at)));
    return j;
}

/* ---------------------------------------------------------------- input */

static bool question_id_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static svc_rc bad_question(svc_error *e, arena *ar, size_t i, const char *key, const char *msg)
{
    return svc_fail(e, SVC_VALIDATION, msg, arena_printf(ar, "questions[%zu].%s", i, key));
}

static svc_rc parse_options(arena *ar, json_t *q, size_t i, const char *type, json_t *out,
                            svc_error *e)
{
    json_t *opts = json_object_get(q, "options");
    bool select = strcmp(type, "select") == 0;
    if (!select) {
        if (opts && !json_is_null(opts) && !(json_is_array(opts) && json_array_size(opts) == 0))
            return bad_question(e, ar, i, "options", "Only select questions have options.");
        return SVC_OK;
    }
    if (!json_is_array(opts) || json_array_size(opts) == 0 || json_array_size(opts) > MAX_OPTIONS)
        return bad_question(e, ar, i, "options", "A select question needs 1 to 50 options.");
    json_t *clean = json_array();
    json_object_set_new(out, "options", clean);
    size_t k;
    json_t *o;
    json_array_foreach(opts, k, o) {
        if (!json_is_string(o) || strlen(json_string_value(o)) != json_string_length(o) ||
            !text_valid_line(json_string_value(o), 1, 200))
            return bad_question(e, ar, i, "options", "Options are 1 to 200 character strings.");
        json_array_append(clean, o);
    }
    return SVC_OK;
}

static svc_rc parse_question(arena *ar, json_t *q, size_t i, json_t *seen_ids, json_t *out,
                             svc_error *e)
{
    if (!json_is_object(q))
        return svc_fail(e, SVC_VALIDATION, "Each question is an object.",
                        arena_printf(ar, "questions[%zu]", i));
    json_t *id = json_object_get(q, "id"), *label = json_object_get(q, "label");
    json_t *type = json_object_get(q, "type"), *req = json_object_get(q, "required");
    if (!json_is_string(id) || !question_id_valid(json_string_value(id)))
        return bad_question(e, ar, i, "id", "A question id is 1 to 64 letters, digits, _ or -.");
    if (json_object_get(seen_ids, json_string_value(id)))
        return bad_question(e, ar, i, "id", "Question ids must be unique.");
    json_object_set_new(seen_ids, json_string_value(id), json_true());
    if (!json_is_string(label) || strlen(json_string_value(label)) != json_string_length(label) ||
        !text_valid_line(json_string_value(label), 1, 500))
        return bad_question(e, ar, i, "label", "A question label is 1 to 500 characters.");
    const char *t = json_is_string(type) ? json_string_value(type) : "";
    if (strcmp(t, "text") && strcmp(t, "textarea") && strcmp(t, "select") && strcmp(t, "checkbox"))
        return bad_question(e, ar, i, "type", "type must be text, textarea, select or checkbox.");
    if (req && !json_is_boolean(req))
        return bad_question(e, ar, i, "required", "required must be true or false.");
    json_object_set(out, "id", id);
    json_object_set(out, "label", label);
    json_object_set(out, "type", type);
    json_object_set_new(out, "required", json_boolean(req && json_is_true(req)));
    return parse_options(ar, q, i, t, out, e);
}

static svc_rc parse_questions(arena *ar, json_t *v, const char **out_json, svc_error *e)
{
    if (!json_is_array(v))
        return svc_fail(e, SVC_VALIDATION, "questions must be an array.", "questions");
    if (json_array_size(v) > MAX_QUESTIONS)
        return svc_fail(e, SVC_VALIDATION, "At most 20 questions.", "questions");
    json_t *clean = json_array(), *seen = json_object();
    size_t i;
    json_t *q;
    svc_rc rc = SVC_OK;
    json_array_foreach(v, i, q) {
        json_t *one = json_object();
        json_array_append_new(clean, one);
        if ((rc = parse_question(ar, q, i, seen, one, e)) != SVC_OK)
            break;
    }
    if (rc == SVC_OK) {
        char *text = json_dumps(clean, JSON_COMPACT);
        *out_json = arena_strdup(ar, text);
        free(text);
    }
    json_decref(clean);
    json_decref(seen);
    return rc;
}

static svc_rc parse_hosts(arena *ar, json_t *v, store_meeting_type *m, svc_error *e)
{
    if (!json_is_array(v) || json_array_size(v) > MT_MAX_HOSTS)
        return svc_fail(e, SVC_VALIDATION, "host_ids must be an array of up to 64 user ids.",
                        "host_ids");
    m->nhosts = json_array_size(v);
    m->host_ids = arena_alloc(ar, (m->nhosts + 1) * sizeof(char *));
    size_t i;
    json_t *h;
    json_array_foreach(v, i, h) {
        if (!json_is_string(h))
            return svc_fail(e, SVC_VALIDATION, "host_ids must be user ids.", "host_ids");
        m->host_ids[i] = arena_strdup(ar, json_string_value(h));
    }
    return SVC_OK;
}

/* reminder_minutes: null (the server default) or an array of whole minutes. */
static svc_rc parse_reminders(json_t *v, store_meeting_type *m, svc_error *e)
{
    if (json_is_null(v)) {
        m->reminders_custom = false;
        m->nreminders = 0;
        return SVC_OK;
    }
    if (!json_is_array(v) || json_array_size(v) > STORE_MAX_REMINDERS)
        return svc_fail(e, SVC_VALIDATION,
                        "reminder_minutes must be null or an array of up to 8 numbers.",
                        "reminder_minutes");
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > 525600)
            return svc_fail(e, SVC_VALIDATION,
                            "Reminders are 1 to 525600 minutes before the meeting.",
                            "reminder_minutes");
        m->reminder_minutes[i] = (int)json_integer_value(x);
    }
    m->reminders_custom = true;
    m->nreminders = (int)json_array_size(v);
    return SVC_OK;
}

/* Copies the fields present in the JSON body onto m (types checked here, rules in the service). */
static svc_rc apply_body(void *ctx, arena *ar, store_meeting_type *m, svc_error *e)
{
    json_t *body = ctx;
    const struct { const char *key; const char **dst; } strs[] = {
        {"name", (const char **)&m->name}, {"slug", (const char **)&m->slug},
        {"description", (const char **)&m->description}, {"kind", (const char **)&m->kind},
        {"location", (const char **)&m->location}, {"color", (const char **)&m->color},
    };
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        const char *v = NULL;
        bool present = false;
        if (api_get_string(body, strs[i].key, &v, &present, e) != SVC_OK)
            return e->rc;
        if (present)
            *strs[i].dst = arena_strdup(ar, v);
    }
    const struct { const char *key; int *dst; bool nullable; } ints[] = {
        {"duration_minutes", &m->duration_minutes, false},
        {"buffer_before_minutes", &m->buffer_before_minutes, false},
        {"buffer_after_minutes", &m->buffer_after_minutes, false},
        {"slot_interval_minutes", &m->slot_interval_minutes, false},
        {"min_notice_minutes", &m->min_notice_minutes, false},
        {"booking_window_days", &m->booking_window_days, false},
        {"max_bookings_per_day", &m->max_bookings_per_day, true},
        {"seats", &m->seats, false},
    };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        bool present = false;
        int v = 0;
        if (api_get_int(body, ints[i].key, ints[i].nullable, &v, &present, e) != SVC_OK)
            return e->rc;
        if (!present)
            continue;
        /* null daily limit means none (0); an explicit 0 is out of range. */
        if (ints[i].nullable && v == 0 && !json_is_null(json_object_get(body, ints[i].key)))
            v = -1;
        *ints[i].dst = v;
    }
    if (api_get_bool(body, "is_active", &m->is_active, NULL, e) != SVC_OK)
        return e->rc;
    json_t *q = json_object_get(body, "questions");
    if (q && parse_questions(ar, q, (const char **)&m->questions_json, e) != SVC_OK)
        return e->rc;
    json_t *h = json_object_get(body, "host_ids");
    if (h && parse_hosts(ar, h, m, e) != SVC_OK)
        return e->rc;
    json_t *r = json_object_get(body, "reminder_minutes");
    if (r && parse_reminders(r, m, e) != SVC_OK)
        return e->rc;
    return SVC_OK;
}

/* ---------------------------------------------------------------- handlers */

static void create(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    if (!api_auth(ctx, req, res, &auth))
        return;
    json_t *body = api_body_object(req, res);
    if (!body)
        return;
    store_meeting_type m;
    svc_error e = {0};
    if (mt_create(ctx, req->arena, &auth.user, apply_body, body, &m, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    http_json(res, req->arena, 201, mt_json(req->arena, &m, true));
}

static void list(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    if (!api_auth(ctx, req, res, &auth))
        return;
    store_meeting_type *items;
    size_t n;
    svc_error e = {0};
    if (mt_list(ctx, req->arena, auth.user.id, false, &items, &n, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(data, mt_json(req->arena, &items[i], true));
    http_json(res, req->arena, 200, json_pack("{s:o}", "data", data));
}

/* Owner sees everything; anyone else the public fields of an active type. */
static void get_one(void *ctx, http_request *req, http_response *res)
{
    app *a = ctx;
    store_meeting_type m;
    svc_error e = {0};
    if (mt_get(a, req->arena, http_param(req, "id"), &m, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    bool owner = false;
    users_auth auth;
    owner = api_try_auth(a, req, &auth) && strcmp(auth.user.id, m.user_id) == 0;
    if (!owner && !m.is_active) {
        svc_fail(&e, SVC_NOT_FOUND, "No such meeting type.", NULL);
        api_fail(res, req->arena, &e);
        return;
    }
    http_json(res, req->arena, 200, mt_json(req->arena, &m, owner));
}

static void update(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    if (!api_auth(ctx, req, res, &auth))
        return;
    json_t *body = api_body_object(req, res);
    if (!body)
        return;
    store_meeting_type m;
    svc_error e = {0};
    if (mt_update(ctx, req->arena, &auth.user, http_param(req, "id"), apply_body, body, &m, &e) !=
        SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    http_json(res, req->arena, 200, mt_json(req->arena, &m, true));
}

static void delete(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    if (!api_auth(ctx, req, res, &auth))
        return;
    svc_error e = {0};
    if (mt_delete(ctx, req->arena, &auth.user, http_param(req, "id"), &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    http_text(res, req->arena, 204, NULL, "", 0);
}

static void public_user(void *ctx, http_request *req, http_response *res)
{
    app *a = ctx;
    store_user u;
    store_meeting_type *items;
    size_t n;
    svc_error e = {0};
    if (users_get_by_username(a, req->arena, http_param(req, "username"), &u, &e) != SVC_OK ||
        mt_list(a, req->arena, u.id, true, &items, &n, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    json_t *types = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(types, mt_json(req->arena, &items[i], false));
    json_t *j = api_user_json(req->arena, &u, false);
    json_object_set_new(j, "meeting_types", types);
    http_json(res, req->arena, 200, j);
}

static void public_type(void *ctx, http_request *req, http_response *res)
{
    store_user u;
    store_meeting_type m;
    svc_error e = {0};
    if (mt_get_public(ctx, req->arena, http_param(req, "username"), http_param(req, "slug"), &u,
                      &m, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    json_t *j = mt_json(req->arena, &m, false);
    json_object_set_new(j, "host", api_user_json(req->arena, &u, false));
    http_json(res, req->arena, 200, j);
}

void api_meeting_types_register(router *r)
{
    router_add(r, "POST", "/api/meeting-types", create);
    router_add(r, "GET", "/api/meeting-types", list);
    router_add(r, "GET", "/api/meeting-types/:id", get_one);
    router_add(r, "PUT", "/api/meeting-types/:id", update);
    router_add(r, "PATCH", "/api/meeting-types/:id", update);
    router_add(r, "DELETE", "/api/meeting-types/:id", delete);
    router_add(r, "GET", "/api/public/users/:username", public_user);
    router_add(r, "GET", "/api/public/users/:username/meeting-types/:slug", public_type);
}
