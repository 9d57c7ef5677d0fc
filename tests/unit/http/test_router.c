/* test_router.c — patterns, parameters, precedence, 404 vs 405. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/router.h"

static int h1, h2, h3, h4;

static router *make(void)
{
    router *r = router_new();
    router_add(r, "GET", "/api/meeting-types", &h1);
    router_add(r, "GET", "/api/meeting-types/:id", &h2);
    router_add(r, "PUT", "/api/meeting-types/:id", &h3);
    router_add(r, "GET", "/api/meeting-types/new", &h4);
    router_add(r, "GET", "/api/public/users/:username/meeting-types/:slug", &h1);
    router_add(r, "GET", "/", &h2);
    return r;
}

static void test_params(void **state)
{
    (void)state;
    router *r = make();
    char buf[256];
    router_match m;
    assert_int_equal(router_find(r, "GET", "/api/meeting-types/abc", buf, sizeof(buf), &m),
                     ROUTER_FOUND);
    assert_ptr_equal(m.handler, &h2);
    assert_int_equal(m.nparams, 1);
    assert_string_equal(m.names[0], "id");
    assert_string_equal(m.values[0], "abc");
    assert_string_equal(m.pattern, "/api/meeting-types/:id");
    assert_int_equal(router_find(r, "GET", "/api/public/users/ann/meeting-types/intro", buf,
                                 sizeof(buf), &m), ROUTER_FOUND);
    assert_int_equal(m.nparams, 2);
    assert_string_equal(m.values[0], "ann");
    assert_string_equal(m.values[1], "intro");
    router_free(r);
}

static void test_literal_beats_param(void **state)
{
    (void)state;
    router *r = make();
    char buf[256];
    router_match m;
    assert_int_equal(router_find(r, "GET", "/api/meeting-types/new", buf, sizeof(buf), &m),
                     ROUTER_FOUND);
    assert_ptr_equal(m.handler, &h4);
    router_free(r);
}

static void test_not_found_and_method(void **state)
{
    (void)state;
    router *r = make();
    char buf[256];
    router_match m;
    assert_int_equal(router_find(r, "GET", "/api/nope", buf, sizeof(buf), &m), ROUTER_NOT_FOUND);
    assert_int_equal(router_find(r, "GET", "/api/meeting-types/a/b", buf, sizeof(buf), &m),
                     ROUTER_NOT_FOUND);
    assert_int_equal(router_find(r, "GET", "api", buf, sizeof(buf), &m), ROUTER_NOT_FOUND);
    assert_int_equal(router_find(r, "DELETE", "/api/meeting-types/x", buf, sizeof(buf), &m),
                     ROUTER_METHOD_NOT_ALLOWED);
    assert_non_null(strstr(m.allow, "GET"));
    assert_non_null(strstr(m.allow, "PUT"));
    assert_int_equal(router_find(r, "GET", "/", buf, sizeof(buf), &m), ROUTER_FOUND);
    assert_int_equal(router_find(r, "GET", "/api/meeting-types/", buf, sizeof(buf), &m),
                     ROUTER_FOUND); /* trailing slash */
    assert_ptr_equal(m.handler, &h1);
    assert_int_equal(router_find(r, "GET", "//", buf, sizeof(buf), &m), ROUTER_NOT_FOUND);
    router_free(r);
}

static void test_limits(void **state)
{
    (void)state;
    router *r = make();
    char small[8];
    router_match m;
    assert_int_equal(router_find(r, "GET", "/api/meeting-types", small, sizeof(small), &m),
                     ROUTER_NOT_FOUND);
    char buf[512];
    assert_int_equal(router_find(r, "GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p", buf, sizeof(buf),
                                 &m), ROUTER_NOT_FOUND);
    router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_literal_beats_param),
        cmocka_unit_test(test_not_found_and_method),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
