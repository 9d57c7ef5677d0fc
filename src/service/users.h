/*
 * users.h — accounts and sessions: sign-up, login, logout, the signed-in
 * user, profile changes.
 *
 * Passwords are Argon2id hashes; session tokens are 256-bit random values
 * of which only the SHA-256 is stored. Login failures are rate limited per
 * account and per client address.
 */
#ifndef CALENDULA_SERVICE_USERS_H
#define CALENDULA_SERVICE_USERS_H

#include "base/secure.h"
#include "service/service.h"

#define USERS_SESSION_SECONDS (30 * 24 * 3600)

typedef struct users_signup_input {
    const char *email;
    const char *password;
    size_t password_len;
    const char *name;
    const char *username;
    const char *time_zone; /* NULL → "UTC" */
} users_signup_input;

typedef struct users_patch {
    const char *name;      /* NULL = unchanged */
    const char *time_zone;
    const char *password;
    size_t password_len;
} users_patch;

/* The authenticated caller of a request. */
typedef struct users_auth {
    store_user user;
    store_session session;
    const char *token_hash;
} users_auth;

typedef struct users_login_result {
    store_user user;
    char token[SECURE_TOKEN_LEN + 1];
    char csrf[SECURE_TOKEN_LEN + 1];
} users_login_result;

/* Validates, creates the user and a default Mon–Fri 09:00–17:00 schedule. */
svc_rc users_signup(app *a, arena *ar, const users_signup_input *in, store_user *out,
                    svc_error *e);

svc_rc users_login(app *a, arena *ar, const char *email, const char *password,
                   size_t password_len, const char *client_ip, users_login_result *out,
                   svc_error *e);

/* Ends the session whose token hash is given. */
svc_rc users_logout(app *a, const char *token_hash, svc_error *e);

/* Resolves a bearer/cookie token to its session and user. */
svc_rc users_authenticate(app *a, arena *ar, const char *token, users_auth *out, svc_error *e);

/* Applies a profile change; a new password ends the user's other sessions. */
svc_rc users_update(app *a, arena *ar, users_auth *auth, const users_patch *p, store_user *out,
                    svc_error *e);

svc_rc users_get(app *a, arena *ar, const char *id, store_user *out, svc_error *e);
svc_rc users_get_by_username(app *a, arena *ar, const char *username, store_user *out,
                             svc_error *e);

/* Field checks shared with other services. */
bool users_email_valid(const char *email);
bool users_username_valid(const char *username);

/* Runs once at start-up: prepares the dummy hash used for unknown emails. */
void users_init(app *a);

#endif
