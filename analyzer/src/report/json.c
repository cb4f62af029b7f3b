/* JSON report; schema in docs/json-schema.md (schema_version 1).
 * Addresses and registers are hex strings: jq's numbers are doubles. */
#include "arch/arch.h"
#include "report/report.h"

#include <stdio.h>

static void key(pc_buf *b, const char *k, int *first)
{
    if (!*first)
        pc_buf_puts(b, ",");
    *first = 0;
    pc_json_str(b, k);
    pc_buf_puts(b, ":");
}

static void kstr(pc_buf *b, const char *k, const char *v, int *first)
{
    key(b, k, first);
    pc_json_str(b, v);
}

static void kint(pc_buf *b, const char *k, long long v, int *first)
{
    key(b, k, first);
    pc_buf_int(b, v);
}

/* A count or position that may be unknown (negative): null. */
static void kint_or_null(pc_buf *b, const char *k, long long v, int *first)
{
    key(b, k, first);
    if (v < 0)
        pc_buf_puts(b, "null");
    else
        pc_buf_int(b, v);
}

static void kbool(pc_buf *b, const char *k, int v, int *first)
{
    key(b, k, first);
    pc_buf_puts(b, v < 0 ? "null" : v ? "true" : "false");
}

static void py_frame(pc_buf *b, const struct pc_py_frame *f)
{
    int first = 1;
    pc_buf_puts(b, "{");
    kstr(b, "name", f->name, &first);
    kstr(b, "qualname", f->qualname, &first);
    kstr(b, "file", f->file, &first);
    kint(b, "line", f->line, &first);
    kint_or_null(b, "end_line", f->end_line, &first);
    kint_or_null(b, "column", f->column, &first);
    kint_or_null(b, "end_column", f->end_column, &first);
    kint_or_null(b, "lasti", f->lasti, &first);
    kint_or_null(b, "interpreter", f->interp, &first);
    if (f->source)
        kstr(b, "source", f->source, &first);
    else {
        key(b, "source", &first);
        pc_buf_puts(b, "null");
    }
    static const char *const kinds[] = {"arg", "local", "cell", "free"};
    key(b, "locals", &first);
    pc_buf_puts(b, "[");
    for (size_t k = 0; k < f->nlocals; k++) {
        int f2 = 1;
        pc_buf_puts(b, k ? ",{" : "{");
        kstr(b, "name", f->locals[k].name, &f2);
        kstr(b, "kind", kinds[f->locals[k].kind], &f2);
        kstr(b, "type", f->locals[k].type, &f2);
        kstr(b, "repr", f->locals[k].repr, &f2);
        pc_buf_puts(b, "}");
    }
    pc_buf_puts(b, "]");
    pc_buf_puts(b, "}");
}

static void native_frame(pc_buf *b, const struct pc_thread_model *t, size_t i)
{
    const struct pc_native_frame *f = &t->nat[i];
    int first = 1;
    char hex[32];
    pc_buf_puts(b, "{");
    snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)f->pc);
    kstr(b, "pc", hex, &first);
    kstr(b, "function", f->function, &first);
    key(b, "offset", &first);
    if (f->function && !f->inlined)
        pc_buf_printf(b, "%llu", (unsigned long long)f->offset);
    else
        pc_buf_puts(b, "null");
    kstr(b, "module", f->module ? f->module->name : NULL, &first);
    kstr(b, "file", f->file, &first);
    key(b, "line", &first);
    if (f->file)
        pc_buf_int(b, f->line);
    else
        pc_buf_puts(b, "null");
    kbool(b, "inlined", f->inlined, &first);
    if (t->merged && t->py_count && t->py_count[i]) {
        key(b, "python_frames", &first);
        pc_buf_printf(b, "[%zu,%zu]", t->py_first[i], t->py_count[i]);
    }
    pc_buf_puts(b, "}");
}

static void finding(pc_buf *b, const struct pc_analysis *a, const struct pc_finding *f)
{
    int first = 1;
    pc_buf_puts(b, "{");
    kstr(b, "pattern", pc_pattern_id(f->pattern), &first);
    kstr(b, "confidence", pc_conf_name(f->conf), &first);
    kstr(b, "summary", f->summary, &first);
    key(b, "threads", &first);
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < f->nthreads; i++)
        pc_buf_printf(b, "%s%d", i ? "," : "", a->model.threads[f->threads[i]].tid);
    pc_buf_puts(b, "]");
    key(b, "evidence", &first);
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < f->nevidence; i++) {
        if (i)
            pc_buf_puts(b, ",");
        pc_json_str(b, f->evidence[i]);
    }
    pc_buf_puts(b, "]");
    kstr(b, "advice", pc_pattern_advice(f->pattern), &first);
    pc_buf_puts(b, "}");
}

static void py_frames(pc_buf *b, const struct pc_thread_model *t, int *first)
{
    key(b, "python_frames", first);
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < t->npy; i++) {
        if (i)
            pc_buf_puts(b, ",");
        py_frame(b, &t->py[i]);
    }
    pc_buf_puts(b, "]");
}

static void notes(pc_buf *b, const struct pc_thread_model *t, int *first)
{
    key(b, "notes", first);
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < t->nnotes; i++) {
        if (i)
            pc_buf_puts(b, ",");
        pc_json_str(b, t->notes[i]);
    }
    pc_buf_puts(b, "]");
}

/* A thread state whose thread is gone: what Python left, no registers. */
static void exited_thread(pc_buf *b, const struct pc_thread_model *t)
{
    int first = 1;
    pc_buf_puts(b, "{");
    key(b, "ident", &first);
    pc_buf_printf(b, "%llu", (unsigned long long)t->ident);
    key(b, "thread_state", &first);
    pc_buf_printf(b, "\"0x%llx\"", (unsigned long long)t->tstate);
    kstr(b, "name", t->name[0] ? t->name : NULL, &first);
    kbool(b, "daemon", t->daemon, &first);
    py_frames(b, t, &first);
    kbool(b, "python_stack_complete", t->py_complete, &first);
    notes(b, t, &first);
    pc_buf_puts(b, "}");
}

static void thread(pc_buf *b, const struct pc_analysis *a, const struct pc_thread_model *t)
{
    int first = 1;
    const struct pc_wait *w = &a->diag.waits[t - a->model.threads];
    pc_buf_puts(b, "{");
    kint(b, "tid", t->tid, &first);
    key(b, "ident", &first);
    pc_buf_printf(b, "%llu", (unsigned long long)t->ident);
    kstr(b, "name", t->name[0] ? t->name : NULL, &first);
    kbool(b, "main", t->main, &first);
    kbool(b, "took_signal", t->took_signal, &first);
    kint_or_null(b, "interpreter", t->interp, &first);
    kbool(b, "daemon", t->daemon, &first);
    kbool(b, "python", t->tstate != 0, &first);
    kstr(b, "gil", pc_gil_name(t->gil), &first);
    kstr(b, "gil_evidence", t->gil_evidence, &first);
    kstr(b, "attach_state", t->tstate ? pc_ts_state_name(t->ts_state) : NULL, &first);
    kstr(b, "syscall", t->sys.name, &first);
    /* A pycore snapshot keeps each thread's flags: as its live run said. */
    int live = a->proc.core_kind == PC_CORE_LIVE || a->proc.core_kind == PC_CORE_PYCORE;
    kbool(b, "stopped", !live ? -1 : !(t->desc.flags & PC_THREAD_NOT_STOPPED), &first);
    key(b, "registers", &first);
    pc_buf_puts(b, "{");
    const char *name;
    for (unsigned r = 0; (name = pc_register_name(t->desc.machine, r)) != NULL; r++)
        pc_buf_printf(b, "%s\"%s\":\"0x%llx\"", r ? "," : "", name, (unsigned long long)t->desc.regs[r]);
    pc_buf_puts(b, "}");
    key(b, "signals", &first);
    if (t->desc.flags & PC_THREAD_SIGMASKS)
        pc_buf_printf(b, "{\"blocked\":\"0x%llx\",\"pending\":\"0x%llx\"}",
                      (unsigned long long)t->desc.sighold, (unsigned long long)t->desc.sigpend);
    else
        pc_buf_puts(b, "null");
    py_frames(b, t, &first);
    kbool(b, "python_stack_complete", t->tstate ? t->py_complete : -1, &first);
    key(b, "native_frames", &first);
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < t->nnat; i++) {
        if (i)
            pc_buf_puts(b, ",");
        native_frame(b, t, i);
    }
    pc_buf_puts(b, "]");
    kbool(b, "merged", t->merged, &first);
    key(b, "wait", &first);
    {
        int f3 = 1;
        pc_buf_puts(b, "{");
        kstr(b, "kind", pc_wait_name(w->kind), &f3);
        kstr(b, "what", w->what[0] ? w->what : NULL, &f3);
        kbool(b, "timeout", w->timeout, &f3);
        key(b, "waits_for", &f3);
        if (w->target != SIZE_MAX)
            pc_buf_printf(b, "%d", a->model.threads[w->target].tid);
        else
            pc_buf_puts(b, "null");
        kstr(b, "evidence", w->evidence[0] ? w->evidence : NULL, &f3);
        pc_buf_puts(b, "}");
    }
    notes(b, t, &first);
    pc_buf_puts(b, "}");
}

static void addr(pc_buf *b, const char *k, uint64_t v, int *first)
{
    char s[32];
    snprintf(s, sizeof s, "0x%llx", (unsigned long long)v);
    kstr(b, k, v ? s : NULL, first);
}

/* The event loops of the tasks (null with tasks). */
static void loops(pc_buf *b, const struct pc_model *m)
{
    if (!m->have_tasks) {
        pc_buf_puts(b, "null");
        return;
    }
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < m->nloops; i++) {
        const struct pc_loop_model *l = &m->loops[i];
        int f = 1;
        pc_buf_puts(b, i ? ",{" : "{");
        addr(b, "address", l->addr, &f);
        kstr(b, "type", l->type[0] ? l->type : NULL, &f);
        kint_or_null(b, "thread", l->thread != SIZE_MAX ? m->threads[l->thread].tid : -1, &f);
        key(b, "running", &f);
        pc_buf_puts(b, l->running < 0 ? "null" : l->running ? "true" : "false");
        kint_or_null(b, "ready", l->ready, &f);
        kint_or_null(b, "scheduled", l->scheduled, &f);
        kint(b, "tasks", (long long)l->ntasks, &f);
        kint(b, "pending", (long long)l->npending, &f);
        pc_buf_puts(b, "}");
    }
    pc_buf_puts(b, "]");
}

/* Locks a task or greenlet holds. */
static void holds(pc_buf *b, const struct pc_hold *h, size_t n)
{
    pc_buf_puts(b, "[");
    for (size_t k = 0; k < n; k++) {
        int f = 1;
        pc_buf_puts(b, k ? ",{" : "{");
        addr(b, "address", h[k].obj, &f);
        kstr(b, "type", h[k].type, &f);
        kint(b, "frame", (long long)h[k].frame, &f);
        pc_buf_puts(b, "}");
    }
    pc_buf_puts(b, "]");
}

/* Greenlets: null when the process has no greenlet module (or they could
 * not be read), else each with its suspended frames, innermost first. */
static void greenlets(pc_buf *b, const struct pc_model *m)
{
    if (!m->have_greenlets) {
        pc_buf_puts(b, "null");
        return;
    }
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < m->ngreenlets; i++) {
        const struct pc_greenlet_model *g = &m->greenlets[i];
        int f = 1;
        pc_buf_puts(b, i ? ",{" : "{");
        addr(b, "address", g->addr, &f);
        kstr(b, "type", g->type, &f);
        kstr(b, "state", g->state == PC_GR_UNKNOWN ? NULL : pc_greenlet_state_name(g->state), &f);
        key(b, "main", &f);
        pc_buf_puts(b, g->main ? "true" : "false");
        addr(b, "parent", g->parent, &f);
        kint_or_null(b, "thread", g->thread != SIZE_MAX ? m->threads[g->thread].tid : -1, &f);
        key(b, "wait_object", &f);
        if (g->wait_obj) {
            int f2 = 1;
            pc_buf_puts(b, "{");
            addr(b, "address", g->wait_obj, &f2);
            kstr(b, "type", g->wait_type, &f2);
            pc_buf_puts(b, "}");
        } else
            pc_buf_puts(b, "null");
        key(b, "holds", &f);
        holds(b, g->holds, g->nholds);
        key(b, "python_frames", &f);
        pc_buf_puts(b, "[");
        for (size_t k = 0; k < g->npy; k++) {
            if (k)
                pc_buf_puts(b, ",");
            py_frame(b, &g->py[k]);
        }
        pc_buf_puts(b, "]}");
    }
    pc_buf_puts(b, "]");
}

/* asyncio tasks: null when the process has no asyncio (or it could not be
 * read), else every task with its coroutine chain, innermost first. */
static void tasks(pc_buf *b, const struct pc_model *m)
{
    static const char *const states[] = {"pending", "cancelled", "done"};
    if (!m->have_tasks) {
        pc_buf_puts(b, "null");
        return;
    }
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < m->ntasks; i++) {
        const struct pc_task_model *t = &m->tasks[i];
        int f = 1;
        pc_buf_puts(b, i ? ",{" : "{");
        addr(b, "address", t->addr, &f);
        kstr(b, "name", t->name[0] ? t->name : NULL, &f);
        kstr(b, "type", t->type, &f);
        kstr(b, "state", t->state >= 0 && t->state <= 2 ? states[t->state] : NULL, &f);
        kstr(b, "exception", t->exception[0] ? t->exception : NULL, &f);
        addr(b, "loop", t->loop, &f);
        kint_or_null(b, "thread", t->thread != SIZE_MAX ? m->threads[t->thread].tid : -1, &f);
        key(b, "awaits", &f);
        if (t->awaits) {
            int f2 = 1;
            pc_buf_puts(b, "{");
            addr(b, "address", t->awaits, &f2);
            kstr(b, "type", t->awaits_type, &f2);
            addr(b, "task", t->awaits_task != SIZE_MAX ? m->tasks[t->awaits_task].addr : 0, &f2);
            addr(b, "executor_future", t->exec_future, &f2);
            kint_or_null(b, "executor_thread", t->exec_thread != SIZE_MAX ? m->threads[t->exec_thread].tid : -1, &f2);
            key(b, "gather", &f2);
            if (t->gather_n)
                pc_buf_printf(b, "{\"tasks\":%zu,\"done\":%zu}", t->gather_n, t->gather_done);
            else
                pc_buf_puts(b, "null");
            pc_buf_puts(b, "}");
        } else
            pc_buf_puts(b, "null");
        kstr(b, "wait", pc_task_wait_name(t->wait), &f);
        key(b, "wait_object", &f);
        if (t->wait_obj) {
            int f2 = 1;
            pc_buf_puts(b, "{");
            addr(b, "address", t->wait_obj, &f2);
            kstr(b, "type", t->wait_type, &f2);
            kint_or_null(b, "frame", t->wait_frame != SIZE_MAX ? (long long)t->wait_frame : -1, &f2);
            pc_buf_puts(b, "}");
        } else
            pc_buf_puts(b, "null");
        key(b, "holds", &f);
        holds(b, t->holds, t->nholds);
        key(b, "awaited_by", &f);
        pc_buf_puts(b, "[");
        for (size_t k = 0; k < t->nawaited_by && k < sizeof t->awaited_by / sizeof *t->awaited_by; k++) {
            pc_buf_printf(b, "%s\"0x%llx\"", k ? "," : "", (unsigned long long)m->tasks[t->awaited_by[k]].addr);
        }
        pc_buf_puts(b, "]");
        key(b, "python_frames", &f);
        pc_buf_puts(b, "[");
        for (size_t k = 0; k < t->npy; k++) {
            if (k)
                pc_buf_puts(b, ",");
            py_frame(b, &t->py[k]);
        }
        pc_buf_puts(b, "]}");
    }
    pc_buf_puts(b, "]");
}

void pc_render_json(const struct pc_analysis *a, pc_buf *b)
{
    int first = 1, f2 = 1;
    pc_buf_puts(b, "{");
    kint(b, "schema_version", PYCORE_JSON_SCHEMA_VERSION, &first);
    key(b, "tool", &first);
    pc_buf_puts(b, "{\"name\":\"pycore-analyze\",\"version\":\"" PYCORE_VERSION "\"}");
    key(b, "process", &first);
    pc_buf_puts(b, "{");
    kint(b, "pid", a->proc.pid, &f2);
    kstr(b, "executable", a->exe ? a->exe->path : a->proc.exe, &f2);
    kstr(b, "build_id", a->exe && a->exe->build_id[0] ? a->exe->build_id : NULL, &f2);
    kstr(b, "cmdline", a->proc.cmdline, &f2);
    kstr(b, "core_kind", pc_core_kind_name(a->proc.core_kind), &f2);
    kstr(b, "machine", pc_arch_of(a->proc.machine) ? pc_arch_of(a->proc.machine)->name : NULL, &f2);
    kint(b, "signal", a->proc.signal, &f2);
    kstr(b, "signal_name", pc_signal_name(a->proc.signal), &f2);
    kbool(b, "snapshot", a->proc.core_kind == PC_CORE_GCORE || a->proc.core_kind == PC_CORE_PYCORE, &f2);
    key(b, "siginfo", &f2);
    if (a->proc.has_siginfo) {
        int f3 = 1;
        char addr[32];
        pc_buf_puts(b, "{");
        kint(b, "code", a->proc.sig_code, &f3);
        kstr(b, "code_name", pc_signal_code_name(a->proc.signal, a->proc.sig_code), &f3);
        snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)a->proc.sig_addr);
        kstr(b, "address", pc_signal_is_fault(a->proc.signal) && a->proc.sig_code > 0 ? addr : NULL, &f3);
        kint_or_null(b, "sender_pid", a->proc.sig_code <= 0 && a->proc.sig_pid > 0 ? a->proc.sig_pid : -1, &f3);
        pc_buf_puts(b, "}");
    } else
        pc_buf_puts(b, "null");
    pc_buf_puts(b, "}");
    key(b, "python_error", &first);
    if (a->no_python[0])
        pc_json_str(b, a->no_python);
    else
        pc_buf_puts(b, "null");
    key(b, "python", &first);
    f2 = 1;
    if (a->no_python[0]) {
        pc_buf_puts(b, "null");
    } else {
        pc_buf_puts(b, "{");
        kstr(b, "version", a->py.version_str, &f2);
        kstr(b, "build", a->py.shared ? "shared" : "static", &f2);
        kbool(b, "debug", a->py.debug, &f2);
        kbool(b, "free_threaded", a->py.free_threaded, &f2);
        kstr(b, "module", a->py.mod ? a->py.mod->path : NULL, &f2);
        kstr(b, "layout", a->py.L ? a->py.L->source : NULL, &f2);
        kbool(b, "finalizing", a->model.finalizing, &f2);
        key(b, "gc", &f2);
        if (a->model.gc_collecting < 0)
            pc_buf_puts(b, "null");
        else {
            int f3 = 1;
            pc_buf_puts(b, "{");
            kbool(b, "collecting", a->model.gc_collecting, &f3);
            kint_or_null(b, "thread", a->model.gc_thread != SIZE_MAX ? a->model.threads[a->model.gc_thread].tid : -1,
                         &f3);
            pc_buf_puts(b, "}");
        }
        pc_buf_puts(b, "}");
    }
    key(b, "interpreters", &first);
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < a->model.ninterps; i++) {
        const struct pc_model_interp *in = &a->model.interps[i];
        int f3 = 1;
        char addr[32];
        snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)in->addr);
        pc_buf_puts(b, i ? ",{" : "{");
        kint_or_null(b, "id", in->id, &f3);
        kbool(b, "main", in->main, &f3);
        kbool(b, "finalizing", in->finalizing, &f3);
        kstr(b, "address", addr, &f3);
        pc_buf_puts(b, "}");
    }
    pc_buf_puts(b, "]");
    key(b, "warnings", &first);
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < a->native.nwarnings; i++) {
        if (i)
            pc_buf_puts(b, ",");
        pc_json_str(b, a->native.warnings[i]);
    }
    pc_buf_puts(b, "]");
    key(b, "threads", &first);
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < a->model.nthreads; i++) {
        if (i)
            pc_buf_puts(b, ",");
        thread(b, a, &a->model.threads[i]);
    }
    pc_buf_puts(b, "]");
    key(b, "exited_threads", &first);
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < a->model.nexited; i++) {
        if (i)
            pc_buf_puts(b, ",");
        exited_thread(b, &a->model.exited[i]);
    }
    pc_buf_puts(b, "]");
    key(b, "loops", &first);
    loops(b, &a->model);
    key(b, "tasks", &first);
    tasks(b, &a->model);
    key(b, "greenlets", &first);
    greenlets(b, &a->model);
    key(b, "diagnosis", &first);
    if (a->diag.nfindings)
        finding(b, a, &a->diag.findings[0]);
    else
        pc_buf_puts(b, "{\"pattern\":\"none\",\"confidence\":\"low\",\"summary\":\"no known hang pattern\","
                       "\"threads\":[],\"evidence\":[],\"advice\":null}");
    key(b, "findings", &first);
    pc_buf_puts(b, "[");
    for (size_t i = 0; i < a->diag.nfindings; i++) {
        if (i)
            pc_buf_puts(b, ",");
        finding(b, a, &a->diag.findings[i]);
    }
    pc_buf_puts(b, "]");
    key(b, "wait_for", &first);
    pc_buf_puts(b, "{\"edges\":[");
    for (size_t i = 0; i < a->diag.nedges; i++) {
        const struct pc_edge *e = &a->diag.edges[i];
        int f3 = 1;
        pc_buf_puts(b, i ? ",{" : "{");
        kint(b, "from", a->model.threads[e->from].tid, &f3);
        kint(b, "to", a->model.threads[e->to].tid, &f3);
        kstr(b, "label", e->label, &f3);
        kstr(b, "confidence", pc_conf_name(e->conf), &f3);
        pc_buf_puts(b, "}");
    }
    pc_buf_puts(b, "],\"cycle\":[");
    for (size_t i = 0; i < a->diag.ncycle; i++)
        pc_buf_printf(b, "%s%d", i ? "," : "", a->model.threads[a->diag.cycle[i]].tid);
    pc_buf_puts(b, "]}}\n");
}
