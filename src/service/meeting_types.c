/* meeting_types.c — see meeting_types.h. */
#include "service/meeting_types.h"

#include <limits.h>
#include <string.h>

#include "base/secure.h"
#include "service/text.h"
#include "service/users.h"

/* Not given at creation: follows the duration. No input can produce it
 * (api_get_int refuses numbers that far out). */
#define INTERVAL_UNSET INT_MIN

static void set_defaults(arena *ar, const store_user *owner, store_meeting_type *m)
{
    memset(m, 0, sizeof(*m));
    m->description = "";
    m->kind = "one_on_one";
    m->duration_minutes = 30;
    m->slot_interval_minutes = INTERVAL_UNSET;
    m->booking_window_days = 60;
    m->seats = 1;
    m->questions_json = "[]";
    m->location = "";
    m->color = "#3B82F6";
    m->is_active = true;
    m->host_ids = arena_alloc(ar, sizeof(char *));
    m->host_ids[0] = owner->id;
    m->nhosts = 1;
}

static bool in_range(int v, int lo, int hi)
{
    return v >= lo && v <= hi;
}

static bool slug_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 100)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0);
        if (!ok)
            return false;
    }
    return true;
}

static bool color_valid(const char *s)
{
    if (strlen(s) != 7 || s[0] != '#')
        return false;
    for (int i = 1; i < 7; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

static bool kind_valid(const char *k)
{
    return strcmp(k, "one_on_one") == 0 || strcmp(k, "group") == 0 ||
           strcmp(k, "collective") == 0 || strcmp(k, "round_robin") == 0;
}

static svc_rc validate_numbers(const store_meeting_type *m, svc_error *e)
{
    if (!in_range(m->duration_minutes, 5, 720))
        return svc_fail(e, SVC_VALIDATION, "duration_minutes must be 5 to 720.", "duration_minutes");
    if (!in_range(m->buffer_before_minutes, 0, 240))
        return svc_fail(e, SVC_VALIDATION, "buffer_before_minutes must be 0 to 240.",
                        "buffer_before_minutes");
    if (!in_range(m->buffer_after_minutes, 0, 240))
        return svc_fail(e, SVC_VALIDATION, "buffer_after_minutes must be 0 to 240.",
                        "buffer_after_minutes");
    if (!in_range(m->slot_interval_minutes, 5, 720))
        return svc_fail(e, SVC_VALIDATION, "slot_interval_minutes must be 5 to 720.",
                        "slot_interval_minutes");
    if (!in_range(m->min_notice_minutes, 0, 730 * 24 * 60))
        return svc_fail(e, SVC_VALIDATION, "min_notice_minutes must be 0 to 1051200 (730 days).",
                        "min_notice_minutes");
    if (!in_range(m->booking_window_days, 1, 730))
        return svc_fail(e, SVC_VALIDATION, "booking_window_days must be 1 to 730.",
                        "booking_window_days");
    if (!in_range(m->max_bookings_per_day, 0, 1000))
        return svc_fail(e, SVC_VALIDATION, "max_bookings_per_day must be null or 1 to 1000.",
                        "max_bookings_per_day");
    if (!in_range(m->seats, 1, 1000))
        return svc_fail(e, SVC_VALIDATION, "seats must be 1 to 1000.", "seats");
    if (m->seats > 1 && strcmp(m->kind, "group") != 0)
        return svc_fail(e, SVC_VALIDATION, "Only group meeting types can have more than one seat.",
                        "seats");
    return SVC_OK;
}

/* Reminder lead times: up to 8 distinct values of 1 to 525600 minutes, kept descending. */
static svc_rc validate_reminders(store_meeting_type *m, svc_error *e)
{
    if (!m->reminders_custom)
        return SVC_OK;
    if (m->nreminders < 0 || m->nreminders > STORE_MAX_REMINDERS)
        return svc_fail(e, SVC_VALIDATION, "At most 8 reminders.", "reminder_minutes");
    for (int i = 0; i < m->nreminders; i++) {
        int v = m->reminder_minutes[i];
        if (!in_range(v, 1, 525600))
            return svc_fail(e, SVC_VALIDATION,
                            "Reminders are 1 to 525600 minutes before the meeting.",
                            "reminder_minutes");
        int j = i; /* insertion sort, descending */
        while (j > 0 && m->reminder_minutes[j - 1] < v) {
            m->reminder_minutes[j] = m->reminder_minutes[j - 1];
            j--;
        }
        if (j > 0 && m->reminder_minutes[j - 1] == v)
            return svc_fail(e, SVC_VALIDATION, "reminder_minutes lists a value twice.",
                            "reminder_minutes");
        m->reminder_minutes[j] = v;
    }
    return SVC_OK;
}

static store_rc reminders_save(app *a, store_conn *c, const store_meeting_type *m)
{
    return store_supports_jobs(a->store) ? store_meeting_type_reminders_put(c, m) : STORE_OK;
}

static svc_rc validate_text(const store_meeting_type *m, svc_error *e)
{
    if (!text_valid_line(m->name, 1, 200))
        return svc_fail(e, SVC_VALIDATION, "The name must be 1 to 200 characters on one line.",
                        "name");
    if (!slug_valid(m->slug))
        return svc_fail(e, SVC_VALIDATION,
                        "The slug must be 1 to 100 characters: a-z, 0-9 and dashes, "
                        "not starting with a dash.", "slug");
    if (!text_valid_block(m->description, 5000))
        return svc_fail(e, SVC_VALIDATION, "The description is limited to 5000 characters.",
                        "description");
    if (!kind_valid(m->kind))
        return svc_fail(e, SVC_VALIDATION,
                        "kind must be one_on_one, group, collective or round_robin.", "kind");
    if (!text_valid_line(m->location, 0, 500))
        return svc_fail(e, SVC_VALIDATION, "The location is limited to 500 characters on one line.",
                        "location");
    if (!color_valid(m->color))
        return svc_fail(e, SVC_VALIDATION, "color must look like #3B82F6.", "color");
    return SVC_OK;
}

/* One-host kinds belong to their owner; multi-host kinds name real users, once each. */
static svc_rc validate_hosts(store_conn *c, arena *ar, const store_user *owner,
                             const store_meeting_type *m, svc_error *e)
{
    bool single = strcmp(m->kind, "one_on_one") == 0 || strcmp(m->kind, "group") == 0;
    if (m->nhosts == 0 || m->nhosts > MT_MAX_HOSTS)
        return svc_fail(e, SVC_VALIDATION, "host_ids must name 1 to 64 users.", "host_ids");
    if (single && (m->nhosts != 1 || strcmp(m->host_ids[0], owner->id) != 0))
        return svc_fail(e, SVC_VALIDATION,
                        "one_on_one and group meeting types are hosted by their owner alone.",
                        "host_ids");
    for (size_t i = 0; i < m->nhosts; i++) {
        if (!secure_uuid_valid(m->host_ids[i]))
            return svc_fail(e, SVC_VALIDATION, "host_ids must be user ids.", "host_ids");
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->host_ids[i], m->host_ids[j]) == 0)
                return svc_fail(e, SVC_VALIDATION, "host_ids lists a user twice.", "host_ids");
        store_user u;
        store_rc rc = store_user_get(c, ar, m->host_ids[i], &u);
        if (rc == STORE_NOT_FOUND)
            return svc_fail(e, SVC_VALIDATION, "host_ids names a user that does not exist.",
                            "host_ids");
        if (rc != STORE_OK)
            return svc_store_fail(e, rc);
    }
    return SVC_OK;
}

static svc_rc validate(store_conn *c, arena *ar, const store_user *owner, store_meeting_type *m,
                       svc_error *e)
{
    if (m->slot_interval_minutes == INTERVAL_UNSET)
        m->slot_interval_minutes = m->duration_minutes;
    if (validate_text(m, e) != SVC_OK || validate_numbers(m, e) != SVC_OK ||
        validate_reminders(m, e) != SVC_OK)
        return e->rc;
    for (size_t i = 0; i < m->nhosts; i++)
        m->host_ids[i] = text_lower(ar, m->host_ids[i]);
    return validate_hosts(c, ar, owner, m, e);
}

static svc_rc conflict_or_fail(store_rc rc, store_conflict conflict, svc_error *e)
{
    if (rc == STORE_CONFLICT && conflict == STORE_CONFLICT_SLUG)
        return svc_fail(e, SVC_SLUG_TAKEN, "You already have a meeting type with this slug.",
                        "slug");
    if (rc == STORE_CONFLICT)
        return svc_fail(e, SVC_VALIDATION, "host_ids names a user that does not exist.",
                        "host_ids");
    return svc_store_fail(e, rc);
}

svc_rc mt_create(app *a, arena *ar, const store_user *owner, mt_patch_fn patch, void *ctx,
                 store_meeting_type *out, svc_error *e)
{
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_meeting_type m;
    set_defaults(ar, owner, &m);
    m.name = NULL;
    m.slug = NULL;
    if (patch(ctx, ar, &m, e) != SVC_OK)
        return e->rc;
    if (!m.name)
        return svc_fail(e, SVC_VALIDATION, "name is required.", "name");
    if (!m.slug)
        return svc_fail(e, SVC_VALIDATION, "slug is required.", "slug");
    if (validate(c, ar, owner, &m, e) != SVC_OK)
        return e->rc;
    char *id = arena_alloc(ar, SECURE_UUID_LEN + 1);
    secure_uuid(id);
    m.id = id;
    m.user_id = owner->id;
    m.created_at = m.updated_at = svc_now(a);
    store_conflict conflict = STORE_CONFLICT_NONE;
    store_rc rc = store_begin(c, true);
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    rc = store_meeting_type_insert(c, &m, &conflict);
    if (rc == STORE_OK)
        rc = reminders_save(a, c, &m);
    if (rc == STORE_OK)
        rc = store_commit(c);
    else
        store_rollback(c);
    if (rc != STORE_OK)
        return conflict_or_fail(rc, conflict, e);
    *out = m;
    return SVC_OK;
}

static svc_rc load_owned(store_conn *c, arena *ar, const store_user *owner,
                         const char *id, store_meeting_type *m, svc_error *e)
{
    if (!secure_uuid_valid(id))
        return svc_fail(e, SVC_NOT_FOUND, "No such meeting type.", NULL);
    store_rc rc = store_meeting_type_get(c, ar, text_lower(ar, id), m);
    if (rc == STORE_NOT_FOUND || (rc == STORE_OK && strcmp(m->user_id, owner->id) != 0))
        return svc_fail(e, SVC_NOT_FOUND, "No such meeting type.", NULL);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}

svc_rc mt_update(app *a, arena *ar, const store_user *owner, const char *id, mt_patch_fn patch,
                 void *ctx, store_meeting_type *out, svc_error *e)
{
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_begin(c, true);
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    store_meeting_type m;
    store_conflict conflict = STORE_CONFLICT_NONE;
    if (load_owned(c, ar, owner, id, &m, e) != SVC_OK || patch(ctx, ar, &m, e) != SVC_OK ||
        validate(c, ar, owner, &m, e) != SVC_OK)
        goto fail;
    m.updated_at = svc_now(a);
    rc = store_meeting_type_update(c, &m, &conflict);
    if (rc == STORE_OK)
        rc = reminders_save(a, c, &m);
    if (rc == STORE_OK)
        rc = store_commit(c);
    if (rc != STORE_OK) {
        conflict_or_fail(rc, conflict, e);
        goto fail;
    }
    *out = m;
    return SVC_OK;
fail:
    store_rollback(c);
    return e->rc;
}

svc_rc mt_delete(app *a, arena *ar, const store_user *owner, const char *id, svc_error *e)
{
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_begin(c, true);
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    store_meeting_type m;
    if (load_owned(c, ar, owner, id, &m, e) != SVC_OK) {
        store_rollback(c);
        return e->rc;
    }
    rc = store_meeting_type_delete(c, m.id, svc_now(a));
    if (rc == STORE_OK)
        rc = store_commit(c);
    else
        store_rollback(c);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}

svc_rc mt_get(app *a, arena *ar, const char *id, store_meeting_type *out, svc_error *e)
{
    if (!secure_uuid_valid(id))
        return svc_fail(e, SVC_NOT_FOUND, "No such meeting type.", NULL);
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_meeting_type_get(c, ar, text_lower(ar, id), out);
    if (rc == STORE_NOT_FOUND)
        return svc_fail(e, SVC_NOT_FOUND, "No such meeting type.", NULL);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}

svc_rc mt_list(app *a, arena *ar, const char *user_id, bool active_only,
               store_meeting_type **out, size_t *count, svc_error *e)
{
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_meeting_type_list(c, ar, user_id, active_only, out, count);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}

svc_rc mt_get_public(app *a, arena *ar, const char *username, const char *slug,
                     store_user *owner_out, store_meeting_type *out, svc_error *e)
{
    if (users_get_by_username(a, ar, username, owner_out, e) != SVC_OK)
        return e->rc;
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_meeting_type_get_by_slug(c, ar, owner_out->id, slug, out);
    if (rc == STORE_NOT_FOUND || (rc == STORE_OK && !out->is_active))
        return svc_fail(e, SVC_NOT_FOUND, "No such meeting type.", NULL);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}
