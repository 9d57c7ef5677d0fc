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
#include <sys/wait.h>
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

/*
 * Processes started together on a new data dir (servers of a deployment,
 * `calendula migrate` beside `serve`) all get a key, and the same one:
 * none may read another's half-written file. 8 processes, 150 rounds.
 */
static void test_secret_key_made_by_processes_at_once(void **state)
{
    (void)state;
    clear_env();
    enum { PROCS = 8, ROUNDS = 150 };
    for (int round = 0; round < ROUNDS; round++) {
        char dir[] = "/tmp/calendula-test-XXXXXX";
        assert_non_null(mkdtemp(dir));
        int fds[PROCS][2];
        pid_t pids[PROCS];
        for (int i = 0; i < PROCS; i++) {
            assert_int_equal(pipe(fds[i]), 0);
            pids[i] = fork();
            assert_true(pids[i] >= 0);
            if (pids[i] == 0) {
                config c;
                char err[CONFIG_ERR_MAX];
                char hex[65] = "failed";
                if (config_from_env(&c, err)) {
                    snprintf(c.data_dir, sizeof(c.data_dir), "%s/data", dir);
                    if (config_prepare_data_dir(&c, err))
                        secure_hex_encode(c.secret_key, 32, hex);
                }
                if (strcmp(hex, "failed") == 0)
                    fprintf(stderr, "child: %s\n", err);
                ssize_t n = write(fds[i][1], hex, strlen(hex));
                _exit(n == (ssize_t)strlen(hex) ? 0 : 1);
            }
            close(fds[i][1]);
        }
        char keys[PROCS][65];
        for (int i = 0; i < PROCS; i++) {
            ssize_t n = read(fds[i][0], keys[i], 64);
            close(fds[i][0]);
            keys[i][n > 0 ? n : 0] = '\0';
            int status;
            assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
            assert_string_not_equal(keys[i], "failed");
            assert_int_equal((int)strlen(keys[i]), 64);
            assert_string_equal(keys[i], keys[0]);
        }
        char path[1100];
        snprintf(path, sizeof(path), "%s/data/secret.key", dir);
        assert_int_equal(unlink(path), 0);
        snprintf(path, sizeof(path), "%s/data", dir);
        assert_int_equal(rmdir(path), 0); /* nothing else left behind */
        assert_int_equal(rmdir(dir), 0);
    }
}

/* A key file that is there but not a key is refused, not replaced. */
static void test_secret_key_file_not_a_key(void **state)
{
    (void)state;
    clear_env();
    char dir[] = "/tmp/calendula-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[1100];
    snprintf(path, sizeof(path), "%s/secret.key", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a key\n", f);
    fclose(f);
    config c;
    char err[CONFIG_ERR_MAX];
    assert_true(config_from_env(&c, err));
    snprintf(c.data_dir, sizeof(c.data_dir), "%s", dir);
    assert_false(config_prepare_data_dir(&c, err));
    assert_non_null(strstr(err, "is not a valid key"));
    f = fopen(path, "r");
    char line[32] = {0};
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    assert_string_equal(line, "not a key\n");
    unlink(path);
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
        cmocka_unit_test(test_secret_key_made_by_processes_at_once),
        cmocka_unit_test(test_secret_key_file_not_a_key),
        cmocka_unit_test(test_redact_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
