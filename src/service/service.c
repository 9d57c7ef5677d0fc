/* service.c — shared service helpers. */
#include "service/service.h"

svc_rc svc_fail(svc_error *e, svc_rc rc, const char *message, const char *field)
{
    e->rc = rc;
    e->message = message;
    e->field = field;
    e->retry_after = 0;
    return rc;
}

svc_rc svc_store_fail(svc_error *e, store_rc rc)
{
    switch (rc) {
    case STORE_OK:
        return svc_fail(e, SVC_OK, NULL, NULL);
    case STORE_NOT_FOUND:
        return svc_fail(e, SVC_NOT_FOUND, "Not found.", NULL);
    case STORE_BUSY:
    case STORE_UNAVAILABLE:
        return svc_fail(e, SVC_UNAVAILABLE,
                        "The database is busy or unreachable; try again shortly.", NULL);
    default:
        return svc_fail(e, SVC_INTERNAL, "Internal error.", NULL);
    }
}

store_conn *svc_conn(app *a, svc_error *e)
{
    store_conn *c = store_conn_get(a->store);
    if (!c)
        svc_store_fail(e, STORE_UNAVAILABLE);
    return c;
}
