/*
 * store.c — picks the backend from the URL, hands each thread its own
 * connection, and forwards every call to the backend.
 *
 * A thread's connection outlives the thread: when it exits (the HTTP
 * server runs a thread per client connection), its store connection goes
 * to an idle list for the next thread, so a short-lived client does not
 * cost a database connection, its set-up and its prepared statements. On
 * PostgreSQL a thread also gives its connection back at the end of each
 * request (store_conn_release), so that idle clients hold none.
 */
#include "store/store_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"

struct store {
    const store_ops *ops;
    void *backend;
    pthread_key_t key;
    pthread_mutex_t lock; /* guards conns and idle */
    store_conn *conns;
    store_conn *idle;     /* open, owned by no thread */
    int nidle;
};

/* Idle connections kept for the next threads; more are closed. */
#define IDLE_MAX 32

static void conn_unlink_close(store *s, store_conn *c)
{
    pthread_mutex_lock(&s->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&s->lock);
    s->ops->conn_close(c);
}

/* Runs when a thread that used the store exits, or releases its connection. */
static void conn_destructor(void *p)
{
    store_conn *c = p;
    store *s = c->owner;
    pthread_mutex_lock(&s->lock);
    bool keep = s->nidle < IDLE_MAX;
    if (keep) {
        c->idle_next = s->idle;
        s->idle = c;
        s->nidle++;
    }
    pthread_mutex_unlock(&s->lock);
    if (!keep)
        conn_unlink_close(s, c);
}

store_rc store_open(const char *url, store **out, char *err, size_t errsize)
{
    const store_ops *ops = NULL;
    if (strncmp(url, "sqlite:", 7) == 0) {
        ops = &store_sqlite_ops;
    } else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        ops = &store_postgres_ops;
    } else {
        snprintf(err, errsize,
                 "unsupported database URL (expected sqlite:PATH or postgres://…)");
        return STORE_ERROR;
    }
    void *backend = NULL;
    store_rc rc = ops->open(url, &backend, err, errsize);
    if (rc != STORE_OK)
        return rc;
    store *s = xcalloc(1, sizeof(*s));
    s->ops = ops;
    s->backend = backend;
    pthread_key_create(&s->key, conn_destructor);
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return STORE_OK;
}

void store_close(store *s)
{
    if (!s)
        return;
    store_conn *mine = pthread_getspecific(s->key);
    if (mine)
        pthread_setspecific(s->key, NULL);
    /* Threads that used the store have been joined by now; close leftovers. */
    s->idle = NULL;
    while (s->conns)
        conn_unlink_close(s, s->conns);
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->lock);
    s->ops->close(s->backend);
    free(s);
}

const char *store_backend_name(const store *s)
{
    return s->ops->name;
}

store_rc store_migrate(store *s, int *applied_now)
{
    return s->ops->migrate(s->backend, applied_now);
}

void store_conn_release(store *s)
{
    store_conn *c = s->ops->release_conns ? pthread_getspecific(s->key) : NULL;
    if (!c)
        return;
    s->ops->rollback(c); /* nothing should be open; if it is, it ends here */
    pthread_setspecific(s->key, NULL);
    conn_destructor(c);
}

store_conn *store_conn_get(store *s)
{
    store_conn *c = pthread_getspecific(s->key);
    if (c)
        return c;
    pthread_mutex_lock(&s->lock);
    if ((c = s->idle)) {
        s->idle = c->idle_next;
        s->nidle--;
    }
    pthread_mutex_unlock(&s->lock);
    if (c) {
        pthread_setspecific(s->key, c);
        return c;
    }
    c = s->ops->conn_open(s->backend);
    if (!c)
        return NULL;
    c->ops = s->ops;
    c->owner = s;
    pthread_mutex_lock(&s->lock);
    c->prev = NULL;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    pthread_mutex_unlock(&s->lock);
    pthread_setspecific(s->key, c);
    return c;
}

store_rc store_ping(store_conn *c) { return c->ops->ping(c); }

store_rc store_migration_status_get(store_conn *c, store_migration_status *out)
{
    return c->ops->migration_status(c, out);
}

store_rc store_begin(store_conn *c, bool write) { return c->ops->begin(c, write); }
store_rc store_commit(store_conn *c) { return c->ops->commit(c); }
void store_rollback(store_conn *c) { c->ops->rollback(c); }

store_rc store_write(store_conn *c, store_write_fn fn, void *ctx)
{
    if (c->ops->write)
        return c->ops->write(c, fn, ctx);
    store_rc rc = store_begin(c, true);
    if (rc != STORE_OK)
        return rc;
    rc = fn(c, ctx);
    if (rc != STORE_OK) {
        store_rollback(c);
        return rc;
    }
    return store_commit(c);
}

store_rc store_user_insert(store_conn *c, const store_user *u, store_conflict *conflict)
{
    return c->ops->user_insert(c, u, conflict);
}

store_rc store_user_get(store_conn *c, arena *a, const char *id, store_user *out)
{
    return c->ops->user_get(c, a, "id", id, out);
}

store_rc store_user_get_by_email(store_conn *c, arena *a, const char *email, store_user *out)
{
    return c->ops->user_get(c, a, "email", email, out);
}

store_rc store_user_get_by_username(store_conn *c, arena *a, const char *username, store_user *out)
{
    return c->ops->user_get(c, a, "username", username, out);
}

store_rc store_user_update(store_conn *c, const store_user *u) { return c->ops->user_update(c, u); }

store_rc store_session_insert(store_conn *c, const store_session *s)
{
    return c->ops->session_insert(c, s);
}

store_rc store_session_get(store_conn *c, arena *a, const char *token_hash, int64_t now,
                           store_session *out)
{
    return c->ops->session_get(c, a, token_hash, now, out);
}

store_rc store_session_delete(store_conn *c, const char *token_hash)
{
    return c->ops->session_delete(c, token_hash);
}

store_rc store_session_delete_user(store_conn *c, const char *user_id, const char *keep_hash)
{
    return c->ops->session_delete_user(c, user_id, keep_hash);
}

store_rc store_meeting_type_insert(store_conn *c, const store_meeting_type *m,
                                   store_conflict *conflict)
{
    return c->ops->meeting_type_insert(c, m, conflict);
}

store_rc store_meeting_type_get(store_conn *c, arena *a, const char *id, store_meeting_type *out)
{
    return c->ops->meeting_type_get(c, a, id, NULL, NULL, out);
}

store_rc store_meeting_type_get_by_slug(store_conn *c, arena *a, const char *user_id,
                                        const char *slug, store_meeting_type *out)
{
    return c->ops->meeting_type_get(c, a, NULL, user_id, slug, out);
}

store_rc store_meeting_type_list(store_conn *c, arena *a, const char *user_id, bool active_only,
                                 store_meeting_type **out, size_t *count)
{
    return c->ops->meeting_type_list(c, a, user_id, active_only, out, count);
}

store_rc store_meeting_type_update(store_conn *c, const store_meeting_type *m,
                                   store_conflict *conflict)
{
    return c->ops->meeting_type_update(c, m, conflict);
}

store_rc store_meeting_type_delete(store_conn *c, const char *id, int64_t now)
{
    return c->ops->meeting_type_delete(c, id, now);
}

store_rc store_rules_get(store_conn *c, arena *a, const char *user_id, store_rule **out,
                         size_t *count)
{
    return c->ops->rules_get(c, a, user_id, out, count);
}

store_rc store_rules_replace(store_conn *c, const char *user_id, const store_rule *rules,
                             size_t count, int64_t now)
{
    return c->ops->rules_replace(c, user_id, rules, count, now);
}

store_rc store_overrides_get(store_conn *c, arena *a, const char *user_id, int32_t from_day,
                             int32_t to_day, store_override **out, size_t *count)
{
    return c->ops->overrides_get(c, a, user_id, from_day, to_day, out, count);
}

store_rc store_override_put(store_conn *c, const char *user_id, const store_override *o,
                            int64_t now)
{
    return c->ops->override_put(c, user_id, o, now);
}

store_rc store_override_delete(store_conn *c, const char *user_id, int32_t day)
{
    return c->ops->override_delete(c, user_id, day);
}

void store_reminders_parse(const char *s, store_meeting_type *m)
{
    m->reminders_custom = s != NULL;
    m->nreminders = 0;
    while (s && *s && m->nreminders < STORE_MAX_REMINDERS) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s)
            break;
        m->reminder_minutes[m->nreminders++] = (int)v;
        s = *end == ',' ? end + 1 : end;
    }
}

store_rc store_host_schedule_get(store_conn *c, arena *a, const store_schedule_query *q,
                                 store_host_schedule *out)
{
    if (c->ops->host_schedule_get)
        return c->ops->host_schedule_get(c, a, q, out);
    memset(out, 0, sizeof(*out));
    store_user u;
    store_rc rc = store_user_get(c, a, q->host_id, &u);
    if (rc == STORE_OK)
        rc = store_rules_get(c, a, q->host_id, &out->rules, &out->nrules);
    if (rc == STORE_OK)
        rc = store_overrides_get(c, a, q->host_id, q->from_day, q->to_day, &out->overrides,
                                 &out->noverrides);
    if (rc == STORE_OK)
        rc = c->ops->busy_get(c, a, q->host_id, q->busy_from, q->busy_to, q->meeting_type_id,
                              q->exclude_booking, &out->busy, &out->nbusy);
    if (rc == STORE_OK)
        out->zone = u.schedule_time_zone;
    return rc;
}

store_rc store_booking_insert(store_conn *c, const store_booking *b, const store_booking_host *hosts,
                              size_t nhosts)
{
    return c->ops->booking_insert(c, b, hosts, nhosts);
}

store_rc store_booking_get(store_conn *c, arena *a, const char *id, store_booking *out)
{
    return c->ops->booking_get(c, a, id, out);
}

store_rc store_lock_meeting_type(store_conn *c, const store_meeting_type *m)
{
    return c->ops->lock_meeting_type ? c->ops->lock_meeting_type(c, m) : STORE_OK;
}

store_rc store_booking_find_standing(store_conn *c, arena *a, const char *meeting_type_id,
                                     int64_t start, const char *email, store_booking *out)
{
    return c->ops->booking_find_standing(c, a, meeting_type_id, start, email, out);
}

store_rc store_booking_is_host(store_conn *c, const char *booking_id, const char *user_id)
{
    return c->ops->booking_is_host(c, booking_id, user_id);
}

store_rc store_booking_hosts_get(store_conn *c, arena *a, const char *booking_id,
                                 char ***host_ids, size_t *count)
{
    return c->ops->booking_hosts_get(c, a, booking_id, host_ids, count);
}

store_rc store_booking_move(store_conn *c, const store_booking *b, const store_booking_host *hosts,
                            size_t nhosts, int64_t old_start, int64_t old_end, const char *reason,
                            const char *changed_by)
{
    return c->ops->booking_move(c, b, hosts, nhosts, old_start, old_end, reason, changed_by);
}

store_rc store_booking_cancel(store_conn *c, const store_booking *b)
{
    return c->ops->booking_cancel(c, b);
}

store_rc store_booking_list(store_conn *c, arena *a, const store_booking_filter *f,
                            store_booking **out, size_t *count)
{
    return c->ops->booking_list(c, a, f, out, count);
}

store_rc store_booking_count_type(store_conn *c, const char *meeting_type_id, int64_t *count)
{
    return c->ops->booking_count_type(c, meeting_type_id, count);
}

store_rc store_outbox_insert(store_conn *c, const char *event_id, const char *topic,
                             const char *aggregate_id, const char *payload_json, int64_t now)
{
    return c->ops->outbox_insert_at(c, event_id, topic, aggregate_id, payload_json, now, now);
}

store_rc store_idem_get(store_conn *c, arena *a, const char *scope, const char *key, int64_t now,
                        store_idempotency *out)
{
    return c->ops->idem_get(c, a, scope, key, now, out);
}

store_rc store_idem_claim(store_conn *c, const char *scope, const char *key,
                          const char *fingerprint, int64_t now, int64_t expires_at)
{
    return c->ops->idem_claim(c, scope, key, fingerprint, now, expires_at);
}

store_rc store_idem_finish(store_conn *c, const char *scope, const char *key, int status,
                           const char *body)
{
    return c->ops->idem_finish(c, scope, key, status, body);
}

store_rc store_idem_release(store_conn *c, const char *scope, const char *key)
{
    return c->ops->idem_release(c, scope, key);
}

store_rc store_schedule_version(store_conn *c, const char *user_id, int64_t *version)
{
    return c->ops->schedule_version(c, user_id, version);
}

bool store_serial_writes(const store *s)
{
    return s->ops->serial_writes;
}

/* ---- jobs and notifications ---- */

bool store_supports_jobs(const store *s)
{
    const store_ops *o = s->ops;
    return o->outbox_insert_at && o->outbox_claim && o->outbox_settle && o->outbox_next_due &&
           o->outbox_withdraw && o->outbox_list && o->outbox_requeue && o->outbox_purge_dead &&
           o->outbox_purge_done &&
           o->email_record && o->email_was_sent && o->booking_secret_put &&
           o->booking_secret_get && o->meeting_type_reminders_put;
}

/* A backend without the op answers STORE_ERROR instead of crashing. */
#define JOBS_OP(c, op, ...)                                                               \
    ((c)->ops->op ? (c)->ops->op(c, __VA_ARGS__)                                          \
                  : (log_msg(LOG_ERROR, "store backend %s has no " #op, (c)->ops->name), \
                     STORE_ERROR))

store_rc store_outbox_insert_at(store_conn *c, const char *event_id, const char *topic,
                                const char *aggregate_id, const char *payload_json,
                                int64_t available_at, int64_t now)
{
    return JOBS_OP(c, outbox_insert_at, event_id, topic, aggregate_id, payload_json,
                   available_at, now);
}

store_rc store_booking_create(store_conn *c, const store_booking *b,
                              const store_booking_host *hosts, size_t nhosts, const char *sealed,
                              const store_outbox_row *rows, size_t nrows, int64_t now, bool last)
{
    if (c->ops->booking_create)
        return c->ops->booking_create(c, b, hosts, nhosts, sealed, rows, nrows, now, last);
    store_rc rc = store_booking_insert(c, b, hosts, nhosts);
    if (rc == STORE_OK && sealed)
        rc = store_booking_secret_put(c, b->id, sealed, now);
    if (rc == STORE_OK)
        rc = store_outbox_insert_many(c, rows, nrows, now);
    return rc;
}

store_rc store_outbox_insert_many(store_conn *c, const store_outbox_row *rows, size_t n,
                                  int64_t now)
{
    if (n == 0)
        return STORE_OK;
    if (c->ops->outbox_insert_many)
        return c->ops->outbox_insert_many(c, rows, n, now);
    store_rc rc = STORE_OK;
    for (size_t i = 0; rc == STORE_OK && i < n; i++)
        rc = store_outbox_insert_at(c, rows[i].event_id, rows[i].topic, rows[i].aggregate_id,
                                    rows[i].payload_json, rows[i].available_at, now);
    return rc;
}

store_rc store_outbox_claim(store_conn *c, arena *a, int64_t now, int64_t lease_until, int limit,
                            store_outbox_job **out, size_t *count)
{
    return JOBS_OP(c, outbox_claim, a, now, lease_until, limit, out, count);
}

store_rc store_outbox_claim_tx(store_conn *c, arena *a, int64_t now, int64_t lease_until,
                               int limit, store_outbox_job **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    store_rc rc = store_begin(c, true);
    if (rc != STORE_OK)
        return rc;
    rc = store_outbox_claim(c, a, now, lease_until, limit, out, count);
    if (rc == STORE_OK)
        return store_commit(c);
    store_rollback(c);
    return rc;
}

store_rc store_outbox_settle(store_conn *c, const store_outbox_settlement *s)
{
    return JOBS_OP(c, outbox_settle, s);
}

store_rc store_outbox_next_due(store_conn *c, int64_t *when)
{
    return JOBS_OP(c, outbox_next_due, when);
}

store_rc store_outbox_withdraw(store_conn *c, const char *aggregate_id, const char *topic,
                               const char *note, int64_t now, int64_t *count)
{
    int64_t ignored;
    return JOBS_OP(c, outbox_withdraw, aggregate_id, topic, note, now, count ? count : &ignored);
}

store_rc store_outbox_list(store_conn *c, arena *a, const char *status, int limit,
                           store_outbox_job **out, size_t *count)
{
    return JOBS_OP(c, outbox_list, a, status, limit, out, count);
}

store_rc store_outbox_requeue(store_conn *c, int64_t id, int64_t now, int64_t *count)
{
    return JOBS_OP(c, outbox_requeue, id, now, count);
}

store_rc store_outbox_purge_dead(store_conn *c, int64_t *count)
{
    return JOBS_OP(c, outbox_purge_dead, count);
}

store_rc store_outbox_purge_done(store_conn *c, int64_t before, int limit, int64_t *count)
{
    return JOBS_OP(c, outbox_purge_done, before, limit, count);
}

store_rc store_email_record(store_conn *c, const store_email_attempt *e)
{
    return JOBS_OP(c, email_record, e);
}

store_rc store_email_was_sent(store_conn *c, const char *message_id)
{
    return JOBS_OP(c, email_was_sent, message_id);
}

store_rc store_booking_secret_put(store_conn *c, const char *booking_id, const char *sealed,
                                  int64_t now)
{
    return JOBS_OP(c, booking_secret_put, booking_id, sealed, now);
}

store_rc store_booking_secret_get(store_conn *c, arena *a, const char *booking_id,
                                  char **sealed)
{
    return JOBS_OP(c, booking_secret_get, a, booking_id, sealed);
}

store_rc store_meeting_type_reminders_put(store_conn *c, const store_meeting_type *m)
{
    return JOBS_OP(c, meeting_type_reminders_put, m);
}
