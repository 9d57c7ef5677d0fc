/* availability.c — weekly rules and date overrides (API.md "Availability"). */
#include <string.h>

#include "api/api.h"
#include "base/civil.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "service/availability.h"
#include "service/slot_service.h"

#define DAY_MIN (-719162) /* 0001-01-01 */
#define DAY_MAX 2932896   /* 9999-12-31 */

static json_t *schedule_json(const avail_schedule *s)
{
    json_t *rules = json_array();
    for (size_t i = 0; i < s->nrules; i++) {
        char start[6], end[6];
        civil_format_hhmm(s->rules[i].start_minute, start);
        civil_format_hhmm(s->rules[i].end_minute, end);
        json_array_append_new(rules, json_pack("{s:s, s:i, s:s, s:s}", "id", s->rules[i].id,
                                               "day_of_week", s->rules[i].day_of_week,
                                               "start_time", start, "end_time", end));
    }
    return json_pack("{s:s, s:o}", "time_zone", s->time_zone, "rules", rules);
}

static json_t *windows_json(const store_window *w, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char start[6], end[6];
        civil_format_hhmm(w[i].start_minute, start);
        civil_format_hhmm(w[i].end_minute, end);
        json_array_append_new(arr, json_pack("{s:s, s:s}", "start_time", start, "end_time", end));
    }
    return arr;
}

static json_t *override_json(const store_override *o)
{
    char date[11];
    civil_format_date(o->day, date);
    return json_pack("{s:s, s:o}", "date", date, "intervals", windows_json(o->windows, o->nwindows));
}

/* Reads "HH:MM" at obj[key]; field names look like prefix[i].key. */
static svc_rc get_hhmm(arena *ar, json_t *obj, const char *prefix, size_t i, const char *key,
                       bool allow_24, int *out, svc_error *e)
{
    json_t *v = json_object_get(obj, key);
    const char *field = arena_printf(ar, "%s[%zu].%s", prefix, i, key);
    if (!v)
        return svc_fail(e, SVC_VALIDATION, "This field is required.", field);
    if (!json_is_string(v) ||
        !civil_parse_hhmm(json_string_value(v), json_string_length(v), allow_24, out))
        return svc_fail(e, SVC_VALIDATION, "Times are \"HH:MM\" from 00:00 to 24:00.", field);
    return SVC_OK;
}

static svc_rc parse_rules(arena *ar, json_t *arr, store_rule **out, size_t *n, svc_error *e)
{
    if (!json_is_array(arr))
        return svc_fail(e, SVC_VALIDATION, "rules must be an array.", "rules");
    *n = json_array_size(arr);
    if (*n > AVAIL_MAX_RULES)
        return svc_fail(e, SVC_VALIDATION, "At most 200 weekly windows.", "rules");
    *out = arena_calloc(ar, *n + 1, sizeof(**out));
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r) {
        if (!json_is_object(r))
            return svc_fail(e, SVC_VALIDATION, "Each rule is an object.",
                            arena_printf(ar, "rules[%zu]", i));
        json_t *dow = json_object_get(r, "day_of_week");
        if (!json_is_integer(dow) || json_integer_value(dow) < 0 || json_integer_value(dow) > 6)
            return svc_fail(e, SVC_VALIDATION, "day_of_week must be 0 (Sunday) to 6 (Saturday).",
                            arena_printf(ar, "rules[%zu].day_of_week", i));
        (*out)[i].day_of_week = (int)json_integer_value(dow);
        if (get_hhmm(ar, r, "rules", i, "start_time", false, &(*out)[i].start_minute, e) ||
            get_hhmm(ar, r, "rules", i, "end_time", true, &(*out)[i].end_minute, e))
            return e->rc;
    }
    return SVC_OK;
}

static void rules_get(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    if (!api_auth(ctx, req, res, &auth))
        return;
    avail_schedule s;
    svc_error e = {0};
    if (avail_rules_get(ctx, req->arena, &auth.user, &s, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    http_json(res, req->arena, 200, schedule_json(&s));
}

static void rules_put(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    if (!api_auth(ctx, req, res, &auth))
        return;
    json_t *body = api_body_object(req, res);
    if (!body)
        return;
    svc_error e = {0};
    const char *tz = NULL;
    store_rule *rules = NULL;
    size_t n = 0;
    avail_schedule s;
    json_t *arr = json_object_get(body, "rules");
    if (api_get_string(body, "time_zone", &tz, NULL, &e) != SVC_OK)
        goto fail;
    if (!arr) {
        api_missing(&e, "rules");
        goto fail;
    }
    if (parse_rules(req->arena, arr, &rules, &n, &e) != SVC_OK ||
        avail_rules_replace(ctx, req->arena, &auth.user, tz, rules, n, &s, &e) != SVC_OK)
        goto fail;
    http_json(res, req->arena, 200, schedule_json(&s));
    return;
fail:
    api_fail(res, req->arena, &e);
}

/* A date from the path or query; 400 invalid_parameter when malformed. */
static bool parse_day(http_request *req, http_response *res, const char *text, const char *name,
                      int32_t *day)
{
    if (text && civil_parse_date(text, strlen(text), day))
        return true;
    http_error(res, req->arena, 400, "invalid_parameter",
               "Dates are YYYY-MM-DD and must exist in the calendar.", name);
    return false;
}

static void overrides_get(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    if (!api_auth(ctx, req, res, &auth))
        return;
    int32_t from = DAY_MIN, to = DAY_MAX;
    const char *qfrom = http_query(req, "from"), *qto = http_query(req, "to");
    if ((qfrom && !parse_day(req, res, qfrom, "from", &from)) ||
        (qto && !parse_day(req, res, qto, "to", &to)))
        return;
    store_override *items;
    size_t n;
    svc_error e = {0};
    if (avail_overrides_get(ctx, req->arena, &auth.user, from, to, &items, &n, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, override_json(&items[i]));
    http_json(res, req->arena, 200, json_pack("{s:o}", "overrides", arr));
}

static void override_put(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    if (!api_auth(ctx, req, res, &auth))
        return;
    store_override o = {0};
    if (!parse_day(req, res, http_param(req, "date"), "date", &o.day))
        return;
    json_t *body = api_body_object(req, res);
    if (!body)
        return;
    svc_error e = {0};
    json_t *arr = json_object_get(body, "intervals");
    if (!json_is_array(arr)) {
        svc_fail(&e, SVC_VALIDATION, "intervals must be an array ([] = unavailable all day).",
                 "intervals");
        goto fail;
    }
    o.nwindows = json_array_size(arr);
    if (o.nwindows > AVAIL_MAX_WINDOWS) {
        svc_fail(&e, SVC_VALIDATION, "At most 48 intervals a day.", "intervals");
        goto fail;
    }
    o.windows = arena_calloc(req->arena, o.nwindows + 1, sizeof(*o.windows));
    size_t i;
    json_t *w;
    json_array_foreach(arr, i, w) {
        if (!json_is_object(w)) {
            svc_fail(&e, SVC_VALIDATION, "Each interval is an object.",
                     arena_printf(req->arena, "intervals[%zu]", i));
            goto fail;
        }
        if (get_hhmm(req->arena, w, "intervals", i, "start_time", false,
                     &o.windows[i].start_minute, &e) ||
            get_hhmm(req->arena, w, "intervals", i, "end_time", true, &o.windows[i].end_minute,
                     &e))
            goto fail;
    }
    if (avail_override_put(ctx, req->arena, &auth.user, &o, &e) != SVC_OK)
        goto fail;
    http_json(res, req->arena, 200, override_json(&o));
    return;
fail:
    api_fail(res, req->arena, &e);
}

static void override_delete(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    if (!api_auth(ctx, req, res, &auth))
        return;
    int32_t day;
    if (!parse_day(req, res, http_param(req, "date"), "date", &day))
        return;
    svc_error e = {0};
    if (avail_override_delete(ctx, &auth.user, day, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    http_text(res, req->arena, 204, NULL, "", 0);
}

/* Decimal digits of v into buf (no NUL); returns the length. */
static size_t format_uint(char buf[static 16], unsigned v)
{
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

static void free_strbuf(void *p)
{
    strbuf_release(p);
}

/*
 * The answer is written straight into a buffer: this is the hottest
 * endpoint, and a month of slots as jansson objects costs more than
 * computing them. Every string written is an id, a zone name or a
 * formatted time, escaped all the same.
 */
static void slots_write(http_response *res, arena *ar, const slot_answer *ans)
{
    strbuf *sb = arena_alloc(ar, sizeof(*sb));
    strbuf_init(sb, 0);
    arena_on_free(ar, free_strbuf, sb);
    strbuf_append_str(sb, "{\"meeting_type_id\":\"");
    log_escape(sb, ans->meeting_type_id);
    strbuf_append_str(sb, "\",\"timezone\":\"");
    log_escape(sb, ans->time_zone);
    strbuf_append_str(sb, "\",\"slots\":[");
    for (size_t i = 0; i < ans->result.count; i++) {
        const slots_slot *s = &ans->result.slots[i];
        char t[26], seats[16];
        strbuf_append_str(sb, i ? ",{\"start\":\"" : "{\"start\":\"");
        civil_format_rfc3339(s->start, 0, t);
        strbuf_append_str(sb, t);
        strbuf_append_str(sb, "\",\"end\":\"");
        civil_format_rfc3339(s->end, 0, t);
        strbuf_append_str(sb, t);
        strbuf_append_str(sb, "\",\"local_start\":\"");
        civil_format_rfc3339(s->start, s->viewer_offset, t);
        strbuf_append_str(sb, t);
        strbuf_append_str(sb, "\",\"seats_remaining\":");
        strbuf_append(sb, seats, format_uint(seats, (unsigned)s->seats_remaining));
        strbuf_append_str(sb, "}");
    }
    strbuf_append_str(sb, "]}");
    http_text(res, ar, 200, "application/json", sb->buf, sb->len);
}

/* GET /api/availability/slots?meeting_type_id=&date= | start_date=&end_date= [&timezone=] */
static void slots_get(void *ctx, http_request *req, http_response *res)
{
    slot_query q = {0};
    q.meeting_type_id = http_query(req, "meeting_type_id");
    q.time_zone = http_query(req, "timezone");
    if (q.time_zone && !*q.time_zone)
        q.time_zone = NULL;
    if (!q.meeting_type_id || !*q.meeting_type_id) {
        http_error(res, req->arena, 400, "invalid_parameter", "meeting_type_id is required.",
                   "meeting_type_id");
        return;
    }
    const char *date = http_query(req, "date");
    if (date) {
        if (!parse_day(req, res, date, "date", &q.first_day))
            return;
        q.last_day = q.first_day;
    } else {
        const char *sd = http_query(req, "start_date"), *ed = http_query(req, "end_date");
        if (!sd || !ed) {
            http_error(res, req->arena, 400, "invalid_parameter",
                       "Give date, or start_date and end_date.", sd ? "end_date" : "date");
            return;
        }
        if (!parse_day(req, res, sd, "start_date", &q.first_day) ||
            !parse_day(req, res, ed, "end_date", &q.last_day))
            return;
    }
    slot_answer ans;
    svc_error e = {0};
    if (slot_service_query(ctx, req->arena, &q, &ans, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    slots_write(res, req->arena, &ans);
    slots_result_release(&ans.result);
}

void api_availability_register(router *r)
{
    router_add(r, "GET", "/api/availability/slots", slots_get);
    router_add(r, "GET", "/api/availability/rules", rules_get);
    router_add(r, "POST", "/api/availability/rules", rules_put);
    router_add(r, "PUT", "/api/availability/rules", rules_put);
    router_add(r, "GET", "/api/availability/overrides", overrides_get);
    router_add(r, "PUT", "/api/availability/overrides/:date", override_put);
    router_add(r, "DELETE", "/api/availability/overrides/:date", override_delete);
}
