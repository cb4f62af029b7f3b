/* Symbol lookup, module map and unwinding of the native layer, on a real
 * process whose answers are known: a forked copy of this test, parked in
 * park_here(), read through the live target.  A fork has our addresses, so
 * &park_here is what the lookup must find. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "native/native.h"

__attribute__((noinline, used)) void park_here(void)
{
    for (;;)
        pause();
}

struct child {
    pid_t pid;
    pc_target *t;
    struct pc_native n;
};

static int setup(void **state)
{
    struct child *c = calloc(1, sizeof *c);
    int ready[2];
    if (!c || pipe(ready))
        return -1;
    c->pid = fork();
    if (c->pid == 0) {
        close(ready[0]);
        if (write(ready[1], "r", 1) != 1)
            _exit(1);
        park_here();
    }
    char b;
    close(ready[1]);
    if (read(ready[0], &b, 1) != 1)
        return -1;
    close(ready[0]);
    /* Until the child sits in pause() (syscall 34), however loaded the machine. */
    char path[64], sc[32] = "";
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)c->pid);
    for (int i = 0; i < 1000 && strncmp(sc, "34 ", 3) != 0; i++) {
        usleep(5 * 1000);
        FILE *f = fopen(path, "r");
        if (f) {
            if (!fgets(sc, sizeof sc, f))
                sc[0] = 0;
            fclose(f);
        }
    }
    pc_error err = {0};
    if (pc_target_open_pid(c->pid, &c->t, &err) || pc_native_open(c->t, NULL, NULL, &c->n, &err)) {
        fprintf(stderr, "cannot read the child: %s\n", err.msg);
        return -1;
    }
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct child *c = *state;
    pc_native_close(&c->n);
    pc_target_close(c->t);
    kill(c->pid, SIGKILL);
    waitpid(c->pid, NULL, 0);
    free(c);
    return 0;
}

static void test_symbols_in_exe_and_libc(void **state)
{
    struct child *c = *state;
    uint64_t addr = 0;
    assert_int_equal(pc_native_symbol(&c->n, "park_here", NULL, &addr), PC_OK);
    assert_int_equal(addr, (uint64_t)(uintptr_t)&park_here);
    const char *names[] = {"park_here", "pause", "no_such_symbol_anywhere"};
    uint64_t addrs[3];
    assert_int_not_equal(pc_native_symbols(&c->n, names, addrs, 3, NULL), PC_OK);
    assert_int_equal(addrs[0], (uint64_t)(uintptr_t)&park_here);
    assert_int_not_equal(addrs[1], 0);
    assert_int_equal(addrs[2], 0);
    /* in_module restricts the search to modules whose name contains it */
    assert_int_not_equal(pc_native_symbol(&c->n, "park_here", "libc.so", &addr), PC_OK);
}

static void test_module_map(void **state)
{
    struct child *c = *state;
    const struct pc_module *m = pc_native_module_at(&c->n, (uint64_t)(uintptr_t)&park_here);
    assert_non_null(m);
    assert_true(m->is_exe);
    assert_ptr_equal(m, pc_native_exe(&c->n));
    assert_string_equal(m->name, "test_native_symbols");
    m = pc_native_module_at(&c->n, (uint64_t)(uintptr_t)&pause);
    assert_non_null(m);
    assert_non_null(strstr(m->name, "libc"));
    assert_null(pc_native_module_at(&c->n, 0x10));
}

static void test_unwind_names_the_parked_function(void **state)
{
    struct child *c = *state;
    struct pc_native_frame f[64];
    int complete = 0;
    char why[160] = "";
    assert_true(c->n.nthreads >= 1);
    size_t n = pc_native_unwind(&c->n, 0, f, 64, &complete, why, sizeof why);
    int seen = 0, main_seen = 0;
    for (size_t i = 0; i < n; i++) {
        seen |= f[i].function && strcmp(f[i].function, "park_here") == 0;
        main_seen |= f[i].function && strcmp(f[i].function, "setup") == 0;
    }
    assert_true(seen);
    assert_true(main_seen);   /* unwound through park_here into its caller */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symbols_in_exe_and_libc),
        cmocka_unit_test(test_module_map),
        cmocka_unit_test(test_unwind_names_the_parked_function),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
