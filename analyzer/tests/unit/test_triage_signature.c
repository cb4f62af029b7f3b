/* Hang signatures: what is kept (qualname, file basename, pattern), what
 * is dropped (directories, line numbers, order, duplicates), and
 * systemd-coredump file names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "triage/triage.h"

static void test_stdlib_files(void **state)
{
    (void)state;
    assert_true(pc_sig_is_stdlib("/usr/lib/python3.11/threading.py"));
    assert_true(pc_sig_is_stdlib("/root/.pyenv/versions/3.12.1/lib/python3.12/queue.py"));
    assert_true(pc_sig_is_stdlib("/usr/lib64/python3.9/concurrent/futures/_base.py"));
    assert_true(pc_sig_is_stdlib("/usr/lib/python2.7/threading.py"));
    assert_true(pc_sig_is_stdlib("<frozen importlib._bootstrap>"));
    assert_true(pc_sig_is_stdlib(""));
    assert_true(pc_sig_is_stdlib(NULL));
    assert_false(pc_sig_is_stdlib("/usr/lib/python3/dist-packages/requests/api.py"));
    assert_false(pc_sig_is_stdlib("/venv/lib/python3.11/site-packages/app/worker.py"));
    assert_false(pc_sig_is_stdlib("/work/main/corpus/scenarios/two_threads.py"));
    assert_false(pc_sig_is_stdlib("/home/u/library/pythonic/x.py"));   /* "/lib" + "/python" + no digit */
    assert_false(pc_sig_is_stdlib("<string>"));
}

static void test_frame_key(void **state)
{
    (void)state;
    char k[PC_SIG_FRAME_MAX];
    pc_sig_frame_key("Worker.run", "/home/ci/build-1234/src/app/worker.py", k, sizeof k);
    assert_string_equal(k, "Worker.run (worker.py)");
    pc_sig_frame_key("Worker.run", "/tmp/other-checkout/app/worker.py", k, sizeof k);
    assert_string_equal(k, "Worker.run (worker.py)");
    pc_sig_frame_key("_find_and_load", "<frozen importlib._bootstrap>", k, sizeof k);
    assert_string_equal(k, "_find_and_load (<frozen importlib._bootstrap>)");
    pc_sig_frame_key("", NULL, k, sizeof k);
    assert_string_equal(k, "? (?)");
    pc_sig_frame_key("f", "plain.py", k, sizeof k);
    assert_string_equal(k, "f (plain.py)");
    pc_sig_frame_key("a\nb", "/x/odd\tname.py", k, sizeof k);   /* hostile names stay one line */
    assert_string_equal(k, "a?b (odd?name.py)");
}

static void make(struct pc_signature *s, const char *pattern, const char *a, const char *b, const char *c)
{
    pc_sig_init(s, pattern, 1);
    if (a)
        pc_sig_add(s, a);
    if (b)
        pc_sig_add(s, b);
    if (c)
        pc_sig_add(s, c);
    pc_sig_finish(s);
}

static void test_order_and_duplicates(void **state)
{
    (void)state;
    struct pc_signature x, y, z;
    make(&x, "lock-order-deadlock", "main (t.py)", "take_guard (t.py)", NULL);
    make(&y, "lock-order-deadlock", "take_guard (t.py)", "main (t.py)", "take_guard (t.py)");
    assert_string_equal(x.id, y.id);
    assert_int_equal(y.nframes, 2);
    assert_string_equal(y.frames[0], "main (t.py)");
    assert_string_equal(y.frames[1], "take_guard (t.py)");
    assert_int_equal(strlen(x.id), PC_SIG_ID_LEN);
    assert_int_equal(strspn(x.id, "0123456789abcdef"), PC_SIG_ID_LEN);
    /* another pattern, or another frame: another signature */
    make(&z, "self-deadlock", "main (t.py)", "take_guard (t.py)", NULL);
    assert_string_not_equal(x.id, z.id);
    make(&z, "lock-order-deadlock", "main (t.py)", "take_other (t.py)", NULL);
    assert_string_not_equal(x.id, z.id);
    /* frame boundaries count: "ab"+"c" is not "a"+"bc" */
    make(&y, "p", "ab", "c", NULL);
    make(&z, "p", "a", "bc", NULL);
    assert_string_not_equal(y.id, z.id);
}

static void test_stable_id(void **state)
{
    (void)state;
    /* The id is part of the JSON contract (baselines store it): a change of
     * the hash or of the canonical form must be deliberate. */
    struct pc_signature s;
    make(&s, "lock-order-deadlock", "main (two_threads.py)", "take_guard (two_threads.py)", NULL);
    assert_string_equal(s.id, "b899cf9897c3bea7");
    make(&s, "shutdown-join", "_shutdown (threading.py)", "wait_forever (shutdown_join.py)", NULL);
    assert_string_equal(s.id, "1d5faf70946e26ef");
}

static void test_frame_cap(void **state)
{
    (void)state;
    struct pc_signature s;
    char k[32];
    pc_sig_init(&s, "orphaned-wait", 1);
    for (int i = 0; i < 40; i++) {
        snprintf(k, sizeof k, "f%02d (x.py)", i);
        pc_sig_add(&s, k);
    }
    pc_sig_finish(&s);
    assert_int_equal(s.nframes, PC_SIG_MAX_FRAMES);
    pc_sig_init(&s, NULL, 0);
    pc_sig_finish(&s);
    assert_string_equal(s.pattern, "none");
    assert_int_equal(s.nframes, 0);
}

static void test_systemd_names(void **state)
{
    (void)state;
    struct pc_sd_name n;
    assert_int_equal(pc_sd_parse_name("/var/lib/systemd/coredump/core.python3.1000.0123456789abcdef0123456789abcdef.4242.1700000000123456.zst", &n), 0);
    assert_string_equal(n.comm, "python3");
    assert_int_equal(n.uid, 1000);
    assert_int_equal(n.pid, 4242);
    assert_string_equal(n.boot_id, "0123456789abcdef0123456789abcdef");
    assert_true(n.usec == 1700000000123456ull);
    /* a comm with dots; no compression suffix; lz4 */
    assert_int_equal(pc_sd_parse_name("core.python3.11.0.0123456789abcdef0123456789ABCDEF.7.1", &n), 0);
    assert_string_equal(n.comm, "python3.11");
    assert_int_equal(n.uid, 0);
    assert_int_equal(pc_sd_parse_name("core.x.1.0123456789abcdef0123456789abcdef.2.3.lz4", &n), 0);
    assert_string_equal(n.comm, "x");
    /* not systemd-coredump's */
    assert_int_not_equal(pc_sd_parse_name("core", &n), 0);
    assert_int_not_equal(pc_sd_parse_name("core.12345", &n), 0);
    assert_int_not_equal(pc_sd_parse_name("core.python3.1000.nothex.4242.17.zst", &n), 0);
    assert_int_not_equal(pc_sd_parse_name("core..1000.0123456789abcdef0123456789abcdef.4242.17", &n), 0);
    assert_int_not_equal(pc_sd_parse_name("dump.python3.1000.0123456789abcdef0123456789abcdef.4242.17", &n), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdlib_files),  cmocka_unit_test(test_frame_key),
        cmocka_unit_test(test_order_and_duplicates), cmocka_unit_test(test_stable_id),
        cmocka_unit_test(test_frame_cap),     cmocka_unit_test(test_systemd_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
