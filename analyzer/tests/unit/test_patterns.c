/* Pattern rules on hand-built models: the timing races a real core can
 * land in but a corpus run hits only now and then. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "diagnose/diagnose.h"

struct fixture {
    struct pc_python py;
    struct pc_py_layout L;
    struct pc_thread_model th[2];
    struct pc_py_frame frames[2];
    struct pc_model m;
    struct pc_diag d;
};

/* MainThread sleeps in select(); "spinner" runs Python code (orig_rax -1). */
static void two_threads(struct fixture *fx, int spinner_gil)
{
    memset(fx, 0, sizeof *fx);
    fx->L.rt_signals_pending = PC_NO_FIELD;
    fx->py.L = &fx->L;
    for (int i = 0; i < 2; i++) {
        struct pc_thread_model *t = &fx->th[i];
        t->tid = 100 + i;
        t->tstate = 0x1000 + 0x100 * (uint64_t)i;
        t->main = i == 0;
        t->daemon = i == 1;
        snprintf(t->name, sizeof t->name, "%s", i ? "spinner" : "MainThread");
        snprintf(fx->frames[i].qualname, sizeof fx->frames[i].qualname, "%s", i ? "spin" : "main");
        snprintf(fx->frames[i].file, sizeof fx->frames[i].file, "/app/x.py");
        t->py = &fx->frames[i];
        t->npy = 1;
    }
    fx->th[1].gil = spinner_gil;
    fx->m.threads = fx->th;
    fx->m.nthreads = 2;
    fx->d.waits = calloc(2, sizeof *fx->d.waits);
    fx->d.locks = calloc(PC_MAX_LOCKS, sizeof *fx->d.locks);
    fx->d.edges = calloc(PC_MAX_EDGES, sizeof *fx->d.edges);
    fx->d.findings = calloc(16, sizeof *fx->d.findings);
    assert_non_null(fx->d.waits);
    assert_non_null(fx->d.findings);
    fx->d.waits[0] = (struct pc_wait){.kind = PC_W_SLEEP, .lock = SIZE_MAX, .target = SIZE_MAX, .timeout = 1};
    snprintf(fx->d.waits[0].what, sizeof fx->d.waits[0].what, "pselect6()");
    fx->d.waits[1] = (struct pc_wait){.kind = PC_W_RUNNING, .lock = SIZE_MAX, .target = SIZE_MAX, .timeout = -1};
}

static void test_spinner_holding_gil(void **state)
{
    (void)state;
    struct fixture fx;
    two_threads(&fx, PC_GIL_HELD);
    pc_diag_patterns(&fx.py, &fx.m, &fx.d);
    assert_true(fx.d.nfindings >= 1);
    assert_string_equal(pc_pattern_id(fx.d.findings[0].pattern), "cpu-busy");
    pc_diag_free(&fx.d);
}

/* 2.7's check interval (and any GIL hand-off): the spinner released the GIL
 * and had not yet retaken it when the core was written. */
static void test_spinner_between_gil_handoff(void **state)
{
    (void)state;
    struct fixture fx;
    two_threads(&fx, PC_GIL_NONE);
    pc_diag_patterns(&fx.py, &fx.m, &fx.d);
    assert_true(fx.d.nfindings >= 1);
    assert_string_equal(pc_pattern_id(fx.d.findings[0].pattern), "cpu-busy");
    assert_int_equal(fx.d.findings[0].threads[0], 1);
    pc_diag_free(&fx.d);
}

/* Another thread holds the GIL: the running one without it is not the spinner. */
static void test_running_without_gil_while_other_holds(void **state)
{
    (void)state;
    struct fixture fx;
    two_threads(&fx, PC_GIL_NONE);
    fx.th[0].gil = PC_GIL_HELD;
    pc_diag_patterns(&fx.py, &fx.m, &fx.d);
    assert_true(fx.d.nfindings >= 1);
    assert_string_equal(pc_pattern_id(fx.d.findings[0].pattern), "io-wait");
    pc_diag_free(&fx.d);
}

static int has_evidence(const struct pc_finding *f, const char *needle)
{
    for (size_t i = 0; i < f->nevidence; i++)
        if (strstr(f->evidence[i], needle))
            return 1;
    return 0;
}

/* A kernel core records the main thread's masks: the evidence cites them,
 * names a blocked signal that is pending, and never calls them unknown. */
static void test_blocked_signal_evidence(void **state)
{
    (void)state;
    struct fixture fx;
    two_threads(&fx, PC_GIL_NONE);
    fx.th[0].desc.flags = PC_THREAD_SIGMASKS;
    fx.th[0].desc.sighold = 1ull << 14;     /* SIGTERM */
    fx.th[0].desc.sigpend = 1ull << 14;
    pc_diag_patterns(&fx.py, &fx.m, &fx.d);
    assert_true(fx.d.nfindings >= 1);
    assert_string_equal(pc_pattern_id(fx.d.findings[0].pattern), "signal-blocked-main-thread");
    assert_true(has_evidence(&fx.d.findings[0], "pr_sighold = 0x4000 (SIGTERM)"));
    assert_true(has_evidence(&fx.d.findings[0], "pending for the main thread and blocked: SIGTERM"));
    assert_false(has_evidence(&fx.d.findings[0], "unknown"));
    pc_diag_free(&fx.d);
    two_threads(&fx, PC_GIL_NONE);          /* not pending: the mask alone */
    fx.th[0].desc.flags = PC_THREAD_SIGMASKS;
    fx.th[0].desc.sighold = 1ull << 14;
    pc_diag_patterns(&fx.py, &fx.m, &fx.d);
    assert_true(has_evidence(&fx.d.findings[0], "pr_sighold"));
    assert_false(has_evidence(&fx.d.findings[0], "unknown"));
    pc_diag_free(&fx.d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spinner_holding_gil),
        cmocka_unit_test(test_spinner_between_gil_handoff),
        cmocka_unit_test(test_running_without_gil_while_other_holds),
        cmocka_unit_test(test_blocked_signal_evidence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
