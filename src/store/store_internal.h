/*
 * store_internal.h — what a backend implements. Only store.c and the
 * backends include this; services use store.h.
 */
#ifndef CALENDULA_STORE_INTERNAL_H
#define CALENDULA_STORE_INTERNAL_H

#include "store/store.h"

typedef struct store_ops store_ops;

/* Every backend connection starts with this header. */
struct store_conn {
    const store_ops *ops;
    store *owner;
    struct store_conn *prev, *next; /* the store's list of open connections */
    struct store_conn *idle_next;   /* the store's idle connections (no thread) */
};

struct store_ops {
    const char *name;
    bool serial_writes; /* one write transaction at a time in all (store_serial_writes) */
    bool release_conns; /* store_conn_release returns a thread's connection to the idle list */
    /* url is the whole configured URL. */
    store_rc (*open)(const char *url, void **backend, char *err, size_t errsize);
    void (*close)(void *backend);
    store_rc (*migrate)(void *backend, int *applied_now);
    store_conn *(*conn_open)(void *backend);
    void (*conn_close)(store_conn *c);

    store_rc (*ping)(store_conn *c);
    store_rc (*migration_status)(store_conn *c, store_migration_status *out);
    store_rc (*begin)(store_conn *c, bool write);
    store_rc (*commit)(store_conn *c);
    void (*rollback)(store_conn *c);
    /* Optional: store_write with a backend's own batching; else begin, fn, commit. */
    store_rc (*write)(store_conn *c, store_write_fn fn, void *ctx);

    store_rc (*user_insert)(store_conn *c, const store_user *u, store_conflict *conflict);
    store_rc (*user_get)(store_conn *c, arena *a, const char *column, const char *value,
                         store_user *out);
    store_rc (*user_update)(store_conn *c, const store_user *u);

    store_rc (*session_insert)(store_conn *c, const store_session *s);
    store_rc (*session_get)(store_conn *c, arena *a, const char *token_hash, int64_t now,
                            store_session *out);
    store_rc (*session_delete)(store_conn *c, const char *token_hash);
    store_rc (*session_delete_user)(store_conn *c, const char *user_id, const char *keep_hash);

    store_rc (*meeting_type_insert)(store_conn *c, const store_meeting_type *m,
                                    store_conflict *conflict);
    store_rc (*meeting_type_get)(store_conn *c, arena *a, const char *id, const char *user_id,
                                 const char *slug, store_meeting_type *out);
    store_rc (*meeting_type_list)(store_conn *c, arena *a, const char *user_id, bool active_only,
                                  store_meeting_type **out, size_t *count);
    store_rc (*meeting_type_update)(store_conn *c, const store_meeting_type *m,
                                    store_conflict *conflict);
    store_rc (*meeting_type_delete)(store_conn *c, const char *id, int64_t now);

    store_rc (*rules_get)(store_conn *c, arena *a, const char *user_id, store_rule **out,
                          size_t *count);
    store_rc (*rules_replace)(store_conn *c, const char *user_id, const store_rule *rules,
                              size_t count, int64_t now);
    store_rc (*overrides_get)(store_conn *c, arena *a, const char *user_id, int32_t from_day,
                              int32_t to_day, store_override **out, size_t *count);
    store_rc (*override_put)(store_conn *c, const char *user_id, const store_override *o,
                             int64_t now);
    store_rc (*override_delete)(store_conn *c, const char *user_id, int32_t day);
    /* One of the two: host_schedule_get, or busy_get (the holds of
     * store_host_schedule_get) for it to read them with user_get, rules_get
     * and overrides_get. */
    store_rc (*host_schedule_get)(store_conn *c, arena *a, const store_schedule_query *q,
                                  store_host_schedule *out);
    store_rc (*busy_get)(store_conn *c, arena *a, const char *host_id, int64_t from, int64_t to,
                         const char *meeting_type_id, const char *exclude_booking,
                         store_busy **out, size_t *count);
    store_rc (*booking_insert)(store_conn *c, const store_booking *b,
                               const store_booking_host *hosts, size_t nhosts);
    /* Optional: else store_booking_create makes its three calls. */
    store_rc (*booking_create)(store_conn *c, const store_booking *b,
                               const store_booking_host *hosts, size_t nhosts,
                               const char *sealed, const store_outbox_row *rows, size_t nrows,
                               int64_t now, bool last);
    store_rc (*booking_get)(store_conn *c, arena *a, const char *id, store_booking *out);
    /* Optional (store_lock_meeting_type); else nothing to do. */
    store_rc (*lock_meeting_type)(store_conn *c, const store_meeting_type *m);
    store_rc (*booking_find_standing)(store_conn *c, arena *a, const char *meeting_type_id,
                                      int64_t start, const char *email, store_booking *out);
    store_rc (*booking_is_host)(store_conn *c, const char *booking_id, const char *user_id);
    store_rc (*booking_hosts_get)(store_conn *c, arena *a, const char *booking_id,
                                  char ***host_ids, size_t *count);
    store_rc (*booking_move)(store_conn *c, const store_booking *b,
                             const store_booking_host *hosts, size_t nhosts, int64_t old_start,
                             int64_t old_end, const char *reason, const char *changed_by);
    store_rc (*booking_cancel)(store_conn *c, const store_booking *b);
    store_rc (*booking_list)(store_conn *c, arena *a, const store_booking_filter *f,
                             store_booking **out, size_t *count);
    store_rc (*booking_count_type)(store_conn *c, const char *meeting_type_id, int64_t *count);
    store_rc (*schedule_version)(store_conn *c, const char *user_id, int64_t *version);
    store_rc (*idem_get)(store_conn *c, arena *a, const char *scope, const char *key, int64_t now,
                         store_idempotency *out);
    store_rc (*idem_claim)(store_conn *c, const char *scope, const char *key,
                           const char *fingerprint, int64_t now, int64_t expires_at);
    store_rc (*idem_finish)(store_conn *c, const char *scope, const char *key, int status,
                            const char *body);
    store_rc (*idem_release)(store_conn *c, const char *scope, const char *key);

    /* Jobs and notifications (store.h "jobs"); NULL until a backend has them. */
    /* Optional: else store_outbox_insert_many inserts one row at a time. */
    store_rc (*outbox_insert_many)(store_conn *c, const store_outbox_row *rows, size_t n,
                                   int64_t now);
    store_rc (*outbox_insert_at)(store_conn *c, const char *event_id, const char *topic,
                                 const char *aggregate_id, const char *payload_json,
                                 int64_t available_at, int64_t now);
    store_rc (*outbox_claim)(store_conn *c, arena *a, int64_t now, int64_t lease_until,
                             int limit, store_outbox_job **out, size_t *count);
    store_rc (*outbox_settle)(store_conn *c, const store_outbox_settlement *s);
    store_rc (*outbox_next_due)(store_conn *c, int64_t *when);
    store_rc (*outbox_withdraw)(store_conn *c, const char *aggregate_id, const char *topic,
                                const char *note, int64_t now, int64_t *count);
    store_rc (*outbox_list)(store_conn *c, arena *a, const char *status, int limit,
                            store_outbox_job **out, size_t *count);
    store_rc (*outbox_requeue)(store_conn *c, int64_t id, int64_t now, int64_t *count);
    store_rc (*outbox_purge_dead)(store_conn *c, int64_t *count);
    store_rc (*outbox_purge_done)(store_conn *c, int64_t before, int limit, int64_t *count);
    store_rc (*email_record)(store_conn *c, const store_email_attempt *e);
    store_rc (*email_was_sent)(store_conn *c, const char *message_id);
    store_rc (*booking_secret_put)(store_conn *c, const char *booking_id, const char *sealed,
                                   int64_t now);
    store_rc (*booking_secret_get)(store_conn *c, arena *a, const char *booking_id,
                                   char **sealed);
    store_rc (*meeting_type_reminders_put)(store_conn *c, const store_meeting_type *m);
};

extern const store_ops store_sqlite_ops;
extern const store_ops store_postgres_ops;

/*
 * meeting_types.reminder_minutes as the backends store it: "1440,60"
 * (descending), "" = none, NULL = the server default (reminders_custom
 * false). Fills m's reminder fields.
 */
void store_reminders_parse(const char *s, store_meeting_type *m);

#endif
