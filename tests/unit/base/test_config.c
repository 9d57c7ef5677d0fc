/* test_config.c — environment, flags, listen addresses and the secret key file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/config.h"
#include "base/secure.h"

static void clear_env(void)
{
    const char *vars[] = {"CALENDULA_LISTEN", "CALENDULA_DATA_DIR", "CALENDULA_DATABASE_URL",
                          "CALENDULA_SECRET_KEY", "CALENDULA_LOG_LEVEL", "CALENDULA_THREADS",
                          "CALENDULA_PUBLIC_URL", "CALENDULA_FAKE_NOW"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
}

static void test_defaults(void **state)
{
    (void)state;
    clear_env();
    config c;
    char err[CONFIG_ERR_MAX];
    assert_true(config_from_env(&c, err));
    config_finish(&c);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8080);
    assert_string_equal(c.data_dir, "./var");
    assert_string_equal(c.database_url, "sqlite:./var/calendula.db");
    assert_string_equal(c.public_url, "http://127.0.0.1:8080");
    assert_int_equal(c.log_level, LOG_INFO);
}

static void test_env_then_flags(void **state)
{
    (void)state;
    clear_env();
    setenv("CALENDULA_LISTEN", "0.0.0.0:9000", 1);
    setenv("CALENDULA_DATA_DIR", "/tmp/x", 1);
    config c;
    char err[CONFIG_ERR_MAX];
    assert_true(config_from_env(&c, err));
    assert_int_equal(c.listen_port, 9000);
    assert_true(config_apply_flag(&c, "--listen", "[::1]:7000", err));
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 7000);
    config_finish(&c);
    assert_string_equal(c.database_url, "sqlite:/tmp/x/calendula.db");
    clear_env();
}

static void test_bad_values(void **state)
{
    (void)state;
    clear_env();
    config c;
    char err[CONFIG_ERR_MAX];
    assert_true(config_from_env(&c, err));
    assert_false(config_apply_flag(&c, "--listen", "nonsense", err));
    assert_non_null(strstr(err, "--listen"));
    assert_false(config_apply_flag(&c, "--listen", "127.0.0.1:70000", err));
    assert_false(config_apply_flag(&c, "--threads", "0", err));
    assert_false(config_apply_flag(&c, "--log-level", "loud", err));
    assert_false(config_apply_flag(&c, "--database-url", "mysql://x", err));
    assert_false(config_apply_flag(&c, "--secret-key", "abc", err));
    assert_false(config_apply_flag(&c, "--bogus", "1", err));
    assert_non_null(strstr(err, "unknown option"));
    setenv("CALENDULA_THREADS", "many", 1);
    assert_false(config_from_env(&c, err));
    assert_non_null(strstr(err, "CALENDULA_THREADS"));
    clear_env();
}

static void test_redact_url(void **state)
{
    (void)state;
    char out[256];
    config_redact_url("postgres://app:s3cret@db.example:5432/cal?sslmode=require", out, sizeof(out));
    assert_string_equal(out, "postgres://app:***@db.example:5432/cal?sslmode=require");
    config_redact_url("postgresql://db/cal?user=app&password=s3cret&sslmode=require", out,
                      sizeof(out));
    assert_string_equal(out, "postgresql://db/cal?user=app&password=***&sslmode=require");
    config_redact_url("postgres://app@db/cal", out, sizeof(out));
    assert_string_equal(out, "postgres://app@db/cal");
    config_redact_url("sqlite:./var/calendula.db", out, sizeof(out));
    assert_string_equal(out, "sqlite:./var/calendula.db");
    config_redact_url("amqp://guest:pw@host:5672/%2f", out, 12);
    assert_string_equal(out, "amqp://gues"); /* cut to 11 chars + NUL */
}

static void test_secret_key_generated_once(void **state)
{
    (void)state;
    clear_env();
    char dir[] = "/tmp/calendula-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    config c;
    char err[CONFIG_ERR_MAX];
    assert_true(config_from_env(&c, err));
    snprintf(c.data_dir, sizeof(c.data_dir), "%s/nested/data", dir);
    assert_true(config_prepare_data_dir(&c, err));
    uint8_t first[32];
    memcpy(first, c.secret_key, 32);
    char path[1100];
    snprintf(path, sizeof(path), "%s/secret.key", c.data_dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    config c2;
    assert_true(config_from_env(&c2, err));
    memcpy(c2.data_dir, c.data_dir, sizeof(c.data_dir));
    assert_true(config_prepare_data_dir(&c2, err));
    assert_memory_equal(first, c2.secret_key, 32);
    unlink(path);
    char sub[1100];
    snprintf(sub, sizeof(sub), "%s/nested/data", dir);
    rmdir(sub);
    snprintf(sub, sizeof(sub), "%s/nested", dir);
    rmdir(sub);
    rmdir(dir);
}

int main(void)
{
    assert_true(secure_init());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_env_then_flags),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_secret_key_generated_once),
        cmocka_unit_test(test_redact_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
