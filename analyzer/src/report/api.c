/* The analysis as C values (pycore.h: pc_analysis_thread and friends):
 * what the renderers print, for callers that would otherwise parse JSON. */
#include "report/report.h"

#include <string.h>

size_t pc_analysis_thread_count(const pc_analysis *a)
{
    return a ? a->model.nthreads : 0;
}

int pc_analysis_thread(const pc_analysis *a, size_t i, pc_thread_info *out)
{
    if (!a || !out || i >= a->model.nthreads)
        return PC_E_USAGE;
    const struct pc_thread_model *t = &a->model.threads[i];
    const struct pc_wait *w = a->diag.waits ? &a->diag.waits[i] : NULL;
    memset(out, 0, sizeof *out);
    out->tid = t->tid;
    out->main = t->main;
    out->daemon = t->daemon;
    out->python = t->tstate != 0;
    out->took_signal = t->took_signal;
    out->ident = t->ident;
    out->name = t->name;
    out->gil = pc_gil_name(t->gil);
    out->syscall = t->sys.name;
    out->wait_kind = w ? pc_wait_name(w->kind) : NULL;
    out->wait_what = w ? w->what : NULL;
    out->python_frames = t->npy;
    out->native_frames = t->nnat;
    out->fd = pc_syscall_fd(&t->sys);
    out->fd_writes = out->fd >= 0 && (t->sys.flags & PC_SYS_WRITES);
    out->child = pc_syscall_child(&t->sys);
    return PC_OK;
}

int pc_analysis_py_frame(const pc_analysis *a, size_t i, size_t k, pc_py_frame_info *out)
{
    if (!a || !out || i >= a->model.nthreads || k >= a->model.threads[i].npy)
        return PC_E_USAGE;
    const struct pc_py_frame *f = &a->model.threads[i].py[k];
    memset(out, 0, sizeof *out);
    out->name = f->name;
    out->qualname = f->qualname;
    out->file = f->file;
    out->source = f->source;
    out->line = f->line;
    out->end_line = f->end_line;
    out->column = f->column;
    out->end_column = f->end_column;
    out->lasti = f->lasti;
    return PC_OK;
}

int pc_analysis_native_frame(const pc_analysis *a, size_t i, size_t k, pc_native_frame_info *out)
{
    if (!a || !out || i >= a->model.nthreads || k >= a->model.threads[i].nnat)
        return PC_E_USAGE;
    const struct pc_native_frame *f = &a->model.threads[i].nat[k];
    memset(out, 0, sizeof *out);
    out->pc = f->pc;
    out->offset = f->offset;
    out->function = f->function;
    out->module = f->module ? f->module->name : NULL;
    out->file = f->file;
    out->line = f->file ? f->line : -1;
    out->inlined = f->inlined;
    return PC_OK;
}
