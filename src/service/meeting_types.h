/*
 * meeting_types.h — create, change, list and delete meeting types.
 *
 * Changes are described by a patch callback that writes the requested
 * fields onto a record (api/ turns a JSON body into one); the service runs
 * it on the defaults (create) or on the current row inside a write
 * transaction (update), then validates the whole result, so PUT and PATCH
 * share every rule.
 */
#ifndef CALENDULA_SERVICE_MEETING_TYPES_H
#define CALENDULA_SERVICE_MEETING_TYPES_H

#include "service/service.h"

#define MT_MAX_HOSTS 64

typedef svc_rc (*mt_patch_fn)(void *ctx, arena *ar, store_meeting_type *m, svc_error *e);

svc_rc mt_create(app *a, arena *ar, const store_user *owner, mt_patch_fn patch, void *ctx,
                 store_meeting_type *out, svc_error *e);

/* Owner only: someone else's type is SVC_NOT_FOUND (its existence is not disclosed). */
svc_rc mt_update(app *a, arena *ar, const store_user *owner, const char *id, mt_patch_fn patch,
                 void *ctx, store_meeting_type *out, svc_error *e);

svc_rc mt_delete(app *a, arena *ar, const store_user *owner, const char *id, svc_error *e);

/* Any type that is not deleted; visibility is the caller's decision. */
svc_rc mt_get(app *a, arena *ar, const char *id, store_meeting_type *out, svc_error *e);

svc_rc mt_list(app *a, arena *ar, const char *user_id, bool active_only,
               store_meeting_type **out, size_t *count, svc_error *e);

/* An active type by owner's username and slug. */
svc_rc mt_get_public(app *a, arena *ar, const char *username, const char *slug,
                     store_user *owner_out, store_meeting_type *out, svc_error *e);

#endif
