/* users.c — see users.h. */
#include "service/users.h"

#include <ctype.h>
#include <string.h>

#include "base/log.h"
#include "service/ratelimit.h"
#include "service/text.h"
#include "service/tzdb.h"

#define PASSWORD_MIN 10
#define PASSWORD_MAX 1024
#define NAME_MAX_CHARS 200
#define EMAIL_MAX 254

static const char *const reserved_usernames[] = {
    "api", "admin", "login", "signup", "logout", "dashboard", "booking", "bookings",
    "settings", "health", "metrics", "static", "assets", "app", "account", "new",
};

void users_init(app *a)
{
    char pw[SECURE_TOKEN_LEN + 1];
    secure_token(pw);
    if (!secure_password_hash(pw, strlen(pw), a->dummy_password_hash))
        a->dummy_password_hash[0] = '\0';
}

bool users_email_valid(const char *email)
{
    size_t len = strlen(email);
    if (len < 3 || len > EMAIL_MAX)
        return false;
    const char *at = strchr(email, '@');
    if (!at || at == email || strchr(at + 1, '@'))
        return false;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || dot[1] == '\0')
        return false;
    for (const unsigned char *p = (const unsigned char *)email; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>' || *p == '"' || *p == ',' ||
            *p == ';' || *p == '(' || *p == ')' || *p == '\\')
            return false;
    return true;
}

bool users_username_valid(const char *u)
{
    size_t len = strlen(u);
    if (len < 3 || len > 40)
        return false;
    if (!(islower((unsigned char)u[0]) || isdigit((unsigned char)u[0])))
        return false;
    for (size_t i = 1; i < len; i++) {
        unsigned char c = (unsigned char)u[i];
        if (!(islower(c) || isdigit(c) || c == '-'))
            return false;
    }
    for (size_t i = 0; i < sizeof(reserved_usernames) / sizeof(reserved_usernames[0]); i++)
        if (strcmp(u, reserved_usernames[i]) == 0)
            return false;
    return true;
}

static svc_rc check_password(const char *pw, size_t len, svc_error *e)
{
    if (len < PASSWORD_MIN)
        return svc_fail(e, SVC_VALIDATION, "The password must have at least 10 characters.",
                        "password");
    if (len > PASSWORD_MAX)
        return svc_fail(e, SVC_VALIDATION, "The password is too long (1024 at most).",
                        "password");
    if (memchr(pw, '\0', len))
        return svc_fail(e, SVC_VALIDATION, "The password contains a NUL character.", "password");
    return SVC_OK;
}

static svc_rc check_name(const char *name, svc_error *e)
{
    if (!text_valid_line(name, 1, NAME_MAX_CHARS))
        return svc_fail(e, SVC_VALIDATION,
                        "The name must be 1 to 200 characters on one line.", "name");
    return SVC_OK;
}

static svc_rc check_zone(const char *tz, svc_error *e)
{
    if (!tzdb_is_valid(tz))
        return svc_fail(e, SVC_INVALID_TIME_ZONE,
                        "Unknown time zone; use an IANA name such as Europe/Paris.", "time_zone");
    return SVC_OK;
}

static svc_rc validate_signup(const users_signup_input *in, svc_error *e)
{
    if (!users_email_valid(in->email))
        return svc_fail(e, SVC_VALIDATION, "That is not a valid email address.", "email");
    if (check_password(in->password, in->password_len, e) != SVC_OK)
        return e->rc;
    if (check_name(in->name, e) != SVC_OK)
        return e->rc;
    if (!users_username_valid(in->username))
        return svc_fail(e, SVC_VALIDATION,
                        "The username must be 3 to 40 lowercase letters, digits or dashes, "
                        "start with a letter or digit, and not be a reserved word.",
                        "username");
    return check_zone(in->time_zone ? in->time_zone : "UTC", e);
}

/* Mon–Fri 09:00–17:00, what a new host expects before editing anything. */
static store_rc insert_default_rules(store_conn *c, const char *user_id, int64_t now,
                                     arena *ar)
{
    store_rule rules[5];
    for (int d = 0; d < 5; d++) {
        char *id = arena_alloc(ar, SECURE_UUID_LEN + 1);
        secure_uuid(id);
        rules[d] = (store_rule){id, d + 1, 9 * 60, 17 * 60};
    }
    return store_rules_replace(c, user_id, rules, 5, now);
}

svc_rc users_signup(app *a, arena *ar, const users_signup_input *in, store_user *out,
                    svc_error *e)
{
    if (validate_signup(in, e) != SVC_OK)
        return e->rc;
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    char hash[SECURE_PWHASH_MAX];
    if (!secure_password_hash(in->password, in->password_len, hash))
        return svc_fail(e, SVC_INTERNAL, "Could not hash the password.", NULL);
    int64_t now = svc_now(a);
    char *id = arena_alloc(ar, SECURE_UUID_LEN + 1);
    secure_uuid(id);
    const char *tz = in->time_zone ? in->time_zone : "UTC";
    *out = (store_user){
        .id = id, .email = text_lower(ar, in->email), .username = arena_strdup(ar, in->username),
        .name = arena_strdup(ar, in->name), .time_zone = arena_strdup(ar, tz),
        .schedule_time_zone = arena_strdup(ar, tz), .role = "user",
        .password_hash = arena_strdup(ar, hash), .created_at = now, .updated_at = now,
    };
    store_rc rc = store_begin(c, true);
    store_conflict conflict = STORE_CONFLICT_NONE;
    if (rc == STORE_OK)
        rc = store_user_insert(c, out, &conflict);
    if (rc == STORE_OK)
        rc = insert_default_rules(c, id, now, ar);
    if (rc == STORE_OK)
        rc = store_commit(c);
    else
        store_rollback(c);
    if (rc == STORE_CONFLICT && conflict == STORE_CONFLICT_EMAIL)
        return svc_fail(e, SVC_EMAIL_TAKEN, "An account with this email already exists.",
                        "email");
    if (rc == STORE_CONFLICT && conflict == STORE_CONFLICT_USERNAME)
        return svc_fail(e, SVC_USERNAME_TAKEN, "This username is taken.", "username");
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    return SVC_OK;
}

static svc_rc rate_limited(svc_error *e, int wait)
{
    svc_fail(e, SVC_RATE_LIMITED, "Too many failed logins; try again later.", NULL);
    e->retry_after = wait;
    return e->rc;
}

svc_rc users_login(app *a, arena *ar, const char *email, const char *password,
                   size_t password_len, const char *client_ip, users_login_result *out,
                   svc_error *e)
{
    int64_t now = svc_now(a);
    const char *lower = text_lower(ar, email);
    const char *acct_key = arena_printf(ar, "login:acct:%.100s", lower);
    const char *ip_key = arena_printf(ar, "login:ip:%.60s", client_ip);
    /* Every attempt takes a slot up front, atomically, and a success gives
     * it back: concurrent guesses cannot overrun the limit. */
    int wait = ratelimit_take(a->login_limits, acct_key, a->cfg->login_max_failures, now);
    if (wait)
        return rate_limited(e, wait);
    wait = ratelimit_take(a->login_limits, ip_key, a->cfg->login_max_failures_ip, now);
    if (wait) {
        ratelimit_refund(a->login_limits, acct_key);
        return rate_limited(e, wait);
    }
    store_conn *c = svc_conn(a, e);
    store_rc rc = c ? store_user_get_by_email(c, ar, lower, &out->user) : STORE_UNAVAILABLE;
    if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
        ratelimit_refund(a->login_limits, acct_key);
        ratelimit_refund(a->login_limits, ip_key);
        return svc_store_fail(e, rc);
    }
    /* Unknown emails cost the same hash as known ones: no account probing by timing. */
    const char *hash = rc == STORE_OK ? out->user.password_hash : a->dummy_password_hash;
    bool ok = secure_password_verify(hash, password, password_len) && rc == STORE_OK;
    if (!ok)
        return svc_fail(e, SVC_INVALID_CREDENTIALS, "Wrong email or password.", NULL);
    ratelimit_reset(a->login_limits, acct_key);
    ratelimit_refund(a->login_limits, ip_key);
    secure_token(out->token);
    secure_token(out->csrf);
    char token_hash[SECURE_HASH_HEX_LEN + 1];
    secure_sha256_hex(out->token, SECURE_TOKEN_LEN, token_hash);
    store_session s = {token_hash, out->user.id, out->csrf, now, now + USERS_SESSION_SECONDS};
    rc = store_session_insert(c, &s);
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    return SVC_OK;
}

svc_rc users_logout(app *a, const char *token_hash, svc_error *e)
{
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_session_delete(c, token_hash);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}

svc_rc users_authenticate(app *a, arena *ar, const char *token, users_auth *out, svc_error *e)
{
    if (!token || strlen(token) != SECURE_TOKEN_LEN)
        return svc_fail(e, SVC_UNAUTHENTICATED, "Sign in first.", NULL);
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    char *hash = arena_alloc(ar, SECURE_HASH_HEX_LEN + 1);
    secure_sha256_hex(token, SECURE_TOKEN_LEN, hash);
    store_rc rc = store_session_get(c, ar, hash, svc_now(a), &out->session);
    if (rc == STORE_OK)
        rc = store_user_get(c, ar, out->session.user_id, &out->user);
    if (rc == STORE_NOT_FOUND)
        return svc_fail(e, SVC_UNAUTHENTICATED, "The session has ended; sign in again.", NULL);
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    out->token_hash = hash;
    return SVC_OK;
}

svc_rc users_update(app *a, arena *ar, users_auth *auth, const users_patch *p, store_user *out,
                    svc_error *e)
{
    store_user u = auth->user;
    if (p->name && check_name(p->name, e) != SVC_OK)
        return e->rc;
    if (p->time_zone && check_zone(p->time_zone, e) != SVC_OK)
        return e->rc;
    if (p->password && check_password(p->password, p->password_len, e) != SVC_OK)
        return e->rc;
    if (p->name)
        u.name = arena_strdup(ar, p->name);
    if (p->time_zone)
        u.time_zone = arena_strdup(ar, p->time_zone);
    if (p->password) {
        char hash[SECURE_PWHASH_MAX];
        if (!secure_password_hash(p->password, p->password_len, hash))
            return svc_fail(e, SVC_INTERNAL, "Could not hash the password.", NULL);
        u.password_hash = arena_strdup(ar, hash);
    }
    u.updated_at = svc_now(a);
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_begin(c, true);
    if (rc == STORE_OK)
        rc = store_user_update(c, &u);
    if (rc == STORE_OK && p->password)
        rc = store_session_delete_user(c, u.id, auth->token_hash);
    if (rc == STORE_OK)
        rc = store_commit(c);
    else
        store_rollback(c);
    if (rc != STORE_OK)
        return svc_store_fail(e, rc);
    *out = u;
    auth->user = u;
    return SVC_OK;
}

svc_rc users_get(app *a, arena *ar, const char *id, store_user *out, svc_error *e)
{
    if (!secure_uuid_valid(id))
        return svc_fail(e, SVC_NOT_FOUND, "No such user.", NULL);
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_user_get(c, ar, text_lower(ar, id), out);
    if (rc == STORE_NOT_FOUND)
        return svc_fail(e, SVC_NOT_FOUND, "No such user.", NULL);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}

svc_rc users_get_by_username(app *a, arena *ar, const char *username, store_user *out,
                             svc_error *e)
{
    store_conn *c = svc_conn(a, e);
    if (!c)
        return e->rc;
    store_rc rc = store_user_get_by_username(c, ar, username, out);
    if (rc == STORE_NOT_FOUND)
        return svc_fail(e, SVC_NOT_FOUND, "No such user.", NULL);
    return rc == STORE_OK ? SVC_OK : svc_store_fail(e, rc);
}
