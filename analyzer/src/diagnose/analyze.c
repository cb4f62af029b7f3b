/* pc_analyze: target -> native -> cpython -> diagnosis. */
#include "arch/arch.h"
#include "diagnose/analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pc_analyze(pc_target *t, const pc_analyze_options *opts, pc_analysis **out, pc_error *err)
{
    pc_analyze_options defaults = {.native = 1, .max_frames = 0};
    if (!opts)
        opts = &defaults;
    *out = NULL;
    struct pc_analysis *a = calloc(1, sizeof *a);
    if (!a)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    a->t = t;
    const pc_process_desc *p = pc_target_process(t);
    int rc;
    if (!p) {
        rc = pc_fail(err, PC_E_CORE, "cannot read the target's process information");
        goto fail;
    }
    a->proc = *p;
    if (p->machine && !pc_arch_of(p->machine)) {
        rc = pc_fail(err, PC_E_CORE, "target machine %d is not supported: pycore reads %s", p->machine,
                     pc_arch_supported());
        goto fail;
    }
    rc = pc_native_open(t, opts->debug_dirs, opts->debug_cache, &a->native, err);
    if (rc)
        goto fail;
    a->exe = pc_native_exe(&a->native);
    a->native.no_source = opts->no_source;
    /* a test hook (docs/testing.md): every symbol the sorted index finds is
     * also asked of libdwfl, a disagreement is a warning */
    a->native.symcheck = getenv("PYCORE_SYMBOL_SELFCHECK") != NULL;
    rc = pc_python_open(&a->native, &a->py, opts->scan_runtime, err);
    if (rc == PC_E_NOPYTHON && opts->native_without_python) {
        /* The native side still tells what happened (a crash in C code,
         * a process that is not Python after all). */
        snprintf(a->no_python, sizeof a->no_python, "%s", err ? err->msg : "no Python interpreter");
        memset(&a->py, 0, sizeof a->py);
        int mrc = pc_model_build(&a->native, NULL, opts->native, opts->max_frames > 0 ? (size_t)opts->max_frames : 0,
                                 &a->model, NULL);
        if (mrc || pc_diagnose(NULL, &a->model, &a->diag))
            goto fail;
        *out = a;
        return rc;
    }
    if (rc)
        goto fail;
    rc = pc_model_build(&a->native, &a->py, opts->native, opts->max_frames > 0 ? (size_t)opts->max_frames : 0,
                        &a->model, err);
    if (rc)
        goto fail;
    if (opts->locals)
        pc_model_locals(&a->py, &a->model);
    if (pc_diagnose(&a->py, &a->model, &a->diag)) {
        rc = pc_fail(err, PC_E_INTERNAL, "out of memory");
        goto fail;
    }
    *out = a;
    return PC_OK;
fail:
    pc_analysis_free(a);
    return rc;
}

const char *pc_analysis_pattern(const pc_analysis *a)
{
    return pc_pattern_id(a->diag.nfindings ? a->diag.findings[0].pattern : PC_P_NONE);
}

int pc_analysis_hang_found(const pc_analysis *a)
{
    return a->diag.nfindings && pc_pattern_hang(a->diag.findings[0].pattern);
}

void pc_analysis_free(pc_analysis *a)
{
    if (!a)
        return;
    pc_diag_free(&a->diag);
    pc_model_free(&a->model);
    pc_python_close(&a->py);
    pc_native_close(&a->native);
    free(a);
}
