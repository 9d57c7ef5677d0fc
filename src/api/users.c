/* users.c — sign-up, login, logout, /api/me and public profiles (API.md "Users and sessions"). */
#include <string.h>

#include "api/api.h"
#include "base/secure.h"

static void signup(void *ctx, http_request *req, http_response *res)
{
    app *a = ctx;
    json_t *body = api_body_object(req, res);
    if (!body)
        return;
    users_signup_input in = {0};
    svc_error e = {0};
    const char *const keys[] = {"email", "password", "name", "username"};
    const char **dst[] = {&in.email, &in.password, &in.name, &in.username};
    for (size_t i = 0; i < 4; i++) {
        bool present = false;
        if (api_get_string(body, keys[i], dst[i], &present, &e) != SVC_OK)
            goto fail;
        if (!present && api_missing(&e, keys[i]) != SVC_OK)
            goto fail;
    }
    in.password_len = strlen(in.password);
    if (api_get_string(body, "time_zone", &in.time_zone, NULL, &e) != SVC_OK)
        goto fail;
    store_user u;
    if (users_signup(a, req->arena, &in, &u, &e) != SVC_OK)
        goto fail;
    http_json(res, req->arena, 201, api_user_json(req->arena, &u, true));
    return;
fail:
    api_fail(res, req->arena, &e);
}

static void set_session_cookies(http_response *res, arena *ar, const char *token,
                                const char *csrf, int max_age)
{
    http_add_header(res, ar, "Set-Cookie",
                    arena_printf(ar, "calendula_session=%s; HttpOnly; SameSite=Lax; Path=/; "
                                     "Max-Age=%d", token, max_age));
    http_add_header(res, ar, "Set-Cookie",
                    arena_printf(ar, "calendula_csrf=%s; SameSite=Lax; Path=/; Max-Age=%d",
                                 csrf, max_age));
}

static void login(void *ctx, http_request *req, http_response *res)
{
    app *a = ctx;
    json_t *body = api_body_object(req, res);
    if (!body)
        return;
    svc_error e = {0};
    const char *email = NULL, *password = NULL;
    bool has_email = false, has_password = false;
    if (api_get_string(body, "email", &email, &has_email, &e) != SVC_OK ||
        api_get_string(body, "password", &password, &has_password, &e) != SVC_OK)
        goto fail;
    if (!has_email) {
        api_missing(&e, "email");
        goto fail;
    }
    if (!has_password) {
        api_missing(&e, "password");
        goto fail;
    }
    users_login_result r;
    if (users_login(a, req->arena, email, password, strlen(password), req->client_ip, &r, &e) !=
        SVC_OK)
        goto fail;
    json_t *out = json_pack("{s:s, s:o}", "token", r.token, "user",
                            api_user_json(req->arena, &r.user, true));
    http_json(res, req->arena, 200, out);
    set_session_cookies(res, req->arena, r.token, r.csrf, USERS_SESSION_SECONDS);
    return;
fail:
    api_fail(res, req->arena, &e);
}

static void logout(void *ctx, http_request *req, http_response *res)
{
    app *a = ctx;
    users_auth auth;
    if (!api_auth(a, req, res, &auth))
        return;
    svc_error e = {0};
    if (users_logout(a, auth.token_hash, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    http_text(res, req->arena, 204, NULL, "", 0);
    set_session_cookies(res, req->arena, "", "", 0);
}

static void me_get(void *ctx, http_request *req, http_response *res)
{
    users_auth auth;
    if (!api_auth(ctx, req, res, &auth))
        return;
    http_json(res, req->arena, 200, api_user_json(req->arena, &auth.user, true));
}

static void me_patch(void *ctx, http_request *req, http_response *res)
{
    app *a = ctx;
    users_auth auth;
    if (!api_auth(a, req, res, &auth))
        return;
    json_t *body = api_body_object(req, res);
    if (!body)
        return;
    users_patch p = {0};
    svc_error e = {0};
    if (api_get_string(body, "name", &p.name, NULL, &e) != SVC_OK ||
        api_get_string(body, "time_zone", &p.time_zone, NULL, &e) != SVC_OK ||
        api_get_string(body, "password", &p.password, NULL, &e) != SVC_OK)
        goto fail;
    if (p.password)
        p.password_len = strlen(p.password);
    store_user u;
    if (users_update(a, req->arena, &auth, &p, &u, &e) != SVC_OK)
        goto fail;
    http_json(res, req->arena, 200, api_user_json(req->arena, &u, true));
    return;
fail:
    api_fail(res, req->arena, &e);
}

static void user_get(void *ctx, http_request *req, http_response *res)
{
    store_user u;
    svc_error e = {0};
    if (users_get(ctx, req->arena, http_param(req, "id"), &u, &e) != SVC_OK) {
        api_fail(res, req->arena, &e);
        return;
    }
    http_json(res, req->arena, 200, api_user_json(req->arena, &u, false));
}

void api_users_register(router *r)
{
    router_add(r, "POST", "/api/users", signup);
    router_add(r, "GET", "/api/users/:id", user_get);
    router_add(r, "POST", "/api/auth/login", login);
    router_add(r, "POST", "/api/auth/logout", logout);
    router_add(r, "GET", "/api/me", me_get);
    router_add(r, "PATCH", "/api/me", me_patch);
}
