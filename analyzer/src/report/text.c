/* Text report.  By default interpreter plumbing is hidden: native frames
 * of the interpreter's module are dropped, except the innermost ones (the
 * frames the thread is blocked in); eval frames become Python frames. */
#include "arch/arch.h"
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct style {
    const char *bold, *dim, *py, *warn, *off;
};

static const struct style plain = {"", "", "", "", ""};
static const struct style ansi = {"\033[1m", "\033[2m", "\033[32m", "\033[33m", "\033[0m"};

/* ", SEGV_MAPERR at address 0x10", ", sent by process 123 (SI_TKILL)" */
static void siginfo(const struct pc_analysis *a, pc_buf *b)
{
    const pc_process_desc *p = &a->proc;
    if (!p->has_siginfo)
        return;
    const char *code = pc_signal_code_name(p->signal, p->sig_code);
    if (pc_signal_is_fault(p->signal) && p->sig_code > 0)
        pc_buf_printf(b, ", %s at address 0x%llx", code ? code : "fault", (unsigned long long)p->sig_addr);
    else if (p->sig_code <= 0 && p->sig_pid > 0)
        pc_buf_printf(b, ", sent by process %d (%s)", p->sig_pid, code ? code : "kill");
    else if (code)
        pc_buf_printf(b, " (%s)", code);
}

/* Threads read while they ran on in a system call (--no-stop). */
static size_t left_running(const struct pc_analysis *a)
{
    size_t left = 0;
    for (size_t i = 0; i < a->model.nthreads; i++)
        left += (a->model.threads[i].desc.flags & PC_THREAD_NOT_STOPPED) != 0;
    return left;
}

static void header(const struct pc_analysis *a, pc_buf *b, const struct style *s)
{
    const char *sig = pc_signal_name(a->proc.signal);
    pc_buf_printf(b, "%sProcess %d%s", s->bold, a->proc.pid, s->off);
    if (a->proc.core_kind == PC_CORE_GCORE && a->proc.signal && a->proc.signal != 19)
        pc_buf_printf(b, ": gcore snapshot; the process was stopped by %s (%d)\n", sig ? sig : "signal",
                      a->proc.signal);
    else if (a->proc.core_kind == PC_CORE_GCORE)
        pc_buf_puts(b, ": gcore snapshot (the process was stopped, not killed)\n");
    else if (a->proc.core_kind == PC_CORE_KERNEL || a->proc.core_kind == PC_CORE_QEMU) {
        pc_buf_printf(b, ": %s core, died of %s (%d)", a->proc.core_kind == PC_CORE_QEMU ? "qemu-user" : "kernel",
                      sig ? sig : "signal", a->proc.signal);
        siginfo(a, b);
        pc_buf_puts(b, "\n");
    }
    else if (a->proc.core_kind == PC_CORE_PYCORE || a->proc.core_kind == PC_CORE_LIVE) {
        int saved = a->proc.core_kind == PC_CORE_PYCORE;
        const char *what = saved ? "snapshot written by pycore of a live process" : "live process";
        size_t left = left_running(a);
        if (left)
            pc_buf_printf(b, ": %s (%zu of %zu threads %sleft running in their system calls%s)\n", what, left,
                          a->model.nthreads, saved ? "were " : "", saved ? "" : ", the others stopped while it was read");
        else
            pc_buf_printf(b, ": %s (its threads stopped while it was read)\n", what);
    }
    else if (a->proc.signal)
        pc_buf_printf(b, ": core, signal %s (%d)\n", sig ? sig : "?", a->proc.signal);
    else
        pc_buf_puts(b, ": core\n");
    if (a->proc.cmdline)
        pc_buf_printf(b, "  command:    %s\n", a->proc.cmdline);
    const char *exe = a->exe ? a->exe->path : a->proc.exe;
    pc_buf_printf(b, "  executable: %s", exe ? exe : "(unknown)");
    if (a->exe && a->exe->build_id[0])
        pc_buf_printf(b, " (build-id %s)", a->exe->build_id);
    const struct pc_arch *arch = pc_arch_of(a->proc.machine);
    if (arch && arch != pc_arch_host())       /* a core of another machine */
        pc_buf_printf(b, "\n  machine:    %s", arch->name);
    if (a->no_python[0])
        pc_buf_printf(b, "\n  python:     none: %s\n", a->no_python);
    else
        pc_buf_printf(b, "\n  python:     CPython %s, %s%s, %s%s build\n", a->py.version_str,
                      a->py.shared ? "shared libpython " : "static",
                      a->py.shared && a->py.mod ? a->py.mod->name : "", a->py.free_threaded ? "free-threaded " : "",
                      a->py.debug ? "debug" : "release");
    if (a->model.finalizing == 1)
        pc_buf_printf(b, "  state:      finalizing (Py_Finalize is running; thread state 0x%llx)\n",
                      (unsigned long long)a->model.finalizing_tstate);
    if (a->model.gc_collecting == 1 && a->model.gc_thread != SIZE_MAX)
        pc_buf_printf(b, "  gc:         a collection is running, in thread %d\n",
                      a->model.threads[a->model.gc_thread].tid);
    else if (a->model.gc_collecting == 1)
        pc_buf_puts(b, "  gc:         a collection is running\n");
    if (a->model.ninterps > 1)
        pc_buf_printf(b, "  interpreters: %zu (the main one and %zu subinterpreter%s)\n", a->model.ninterps,
                      a->model.ninterps - 1, a->model.ninterps == 2 ? "" : "s");
    pc_buf_printf(b, "  threads:    %zu\n", a->model.nthreads);
    for (size_t i = 0; i < a->native.nwarnings; i++)
        pc_buf_printf(b, "  %swarning:%s %s\n", s->warn, s->off, a->native.warnings[i]);
}

static const char *const local_kinds[] = {"arg", "local", "cell", "free"};

static void py_line(pc_buf *b, const struct pc_py_frame *f, const struct style *s, unsigned flags)
{
    pc_buf_printf(b, "    %sPython%s %s%s%s (%s:%d)", s->py, s->off, s->bold, f->qualname, s->off, f->file, f->line);
    if (f->interp > 0)
        pc_buf_printf(b, " %sin interpreter %lld%s", s->warn, (long long)f->interp, s->off);
    pc_buf_puts(b, "\n");
    if (f->source && f->source[0])
        pc_buf_printf(b, "        %s%s%s\n", s->dim, f->source, s->off);
    for (size_t k = 0; (flags & PC_RENDER_LOCALS) && k < f->nlocals; k++) {
        const struct pc_py_local *l = &f->locals[k];
        pc_buf_printf(b, "          %s%s%s = %s  %s(%s%s%s)%s\n", s->bold, l->name, s->off, l->repr, s->dim,
                      l->kind == PC_LOCAL_PLAIN ? "" : local_kinds[l->kind], l->kind == PC_LOCAL_PLAIN ? "" : ", ",
                      l->type, s->off);
    }
}

static void native_line(pc_buf *b, const struct pc_native_frame *f, size_t idx, const struct style *s)
{
    pc_buf_printf(b, "    %s#%-3zu%s ", s->dim, idx, s->off);
    if (f->function)
        pc_buf_printf(b, "%s%s", f->inlined ? "[inlined] " : "", f->function);
    else
        pc_buf_printf(b, "0x%llx", (unsigned long long)f->pc);
    if (f->function && !f->inlined)
        pc_buf_printf(b, "+0x%llx", (unsigned long long)f->offset);
    pc_buf_printf(b, " %s(%s)%s", s->dim, f->module ? f->module->name : "?", s->off);
    if (f->file)
        pc_buf_printf(b, " %s:%d", f->file, f->line);
    pc_buf_puts(b, "\n");
}

static void thread_body(const struct pc_analysis *a, const struct pc_thread_model *t, pc_buf *b, unsigned flags,
                        const struct style *s)
{
    for (size_t i = 0; i < t->nnotes; i++)
        pc_buf_printf(b, "    %snote:%s %s\n", s->warn, s->off, t->notes[i]);
    int all = flags & PC_RENDER_NATIVE;
    const struct pc_module *pymod = a->py.mod;
    int seen_interp = 0;
    for (size_t i = 0; i < t->nnat; i++) {
        const struct pc_native_frame *f = &t->nat[i];
        int in_interp = pymod && f->module == pymod;
        int has_py = t->merged && t->py_count && t->py_count[i];
        /* The innermost interpreter frame is where the thread blocks:
         * always shown, as is everything outside the interpreter. */
        int show = all || !in_interp || !seen_interp;
        if (in_interp && !f->inlined)
            seen_interp = 1;
        if (has_py && !all)
            show = 0;
        if (show)
            native_line(b, f, i, s);
        if (has_py)
            for (size_t k = 0; k < t->py_count[i]; k++)
                py_line(b, &t->py[t->py_first[i] + k], s, flags);
    }
    if (!t->merged && t->npy) {
        pc_buf_printf(b, "    %sPython stack:%s\n", s->bold, s->off);
        for (size_t k = 0; k < t->npy; k++)
            py_line(b, &t->py[k], s, flags);
    }
}

static void thread_head(const struct pc_thread_model *t, pc_buf *b, const struct style *s)
{
    pc_buf_printf(b, "\n%sThread %d%s", s->bold, t->tid, s->off);
    if (t->name[0])
        pc_buf_printf(b, " \"%s\"", t->name);
    pc_buf_puts(b, " (");
    if (t->main)
        pc_buf_puts(b, "main");
    else
        pc_buf_puts(b, t->daemon == 1 ? "daemon" : t->daemon == 0 ? "non-daemon" : t->tstate ? "Python thread"
                                                                                      : "no Python thread");
    if (t->tstate || t->ident)
        pc_buf_printf(b, ", ident 0x%llx", (unsigned long long)t->ident);
    if (t->tstate)
        pc_buf_printf(b, ", GIL %s", pc_gil_name(t->gil));
    if (t->tstate && t->gil == PC_GIL_FREE_THREADED && pc_ts_state_name(t->ts_state))
        pc_buf_printf(b, ", %s", pc_ts_state_name(t->ts_state));
    pc_buf_puts(b, ")");
    if (t->sys.name)
        pc_buf_printf(b, " in %s()", t->sys.name);
    if (t->took_signal) {
        const char *sig = pc_signal_name(t->desc.cursig);
        pc_buf_printf(b, " %s[took %s]%s", s->warn, sig ? sig : "the signal", s->off);
    }
    pc_buf_puts(b, "\n");
}

/* Is thread i named by a finding?  Those are always shown one by one. */
static int in_finding(const struct pc_diag *d, size_t i)
{
    for (size_t k = 0; k < d->nfindings; k++)
        for (size_t j = 0; j < d->findings[k].nthreads; j++)
            if (d->findings[k].threads[j] == i)
                return 1;
    return 0;
}

/* Every thread, in order; threads no finding names whose kind and stack
 * are the same as an earlier one's (idle pool workers) are folded into
 * that one's entry: "and 37 more threads with this stack: ...". */
static void threads(const struct pc_analysis *a, pc_buf *b, unsigned flags, const struct style *s)
{
    size_t n = a->model.nthreads;
    char **key = calloc(n ? n : 1, sizeof *key);
    size_t *same = calloc(n ? n : 1, sizeof *same);   /* index of the first alike thread, or itself */
    for (size_t i = 0; key && same && i < n; i++) {
        const struct pc_thread_model *t = &a->model.threads[i];
        /* Alike: the same kind of thread, GIL state, system call, notes,
         * Python frames (file and line too) and native functions; return
         * offsets may differ (two call sites of one wait). */
        pc_buf k = {0};
        pc_buf_printf(&k, "%d %d %d %d %s\n", t->main, t->daemon, !!t->tstate, t->gil, t->sys.name ? t->sys.name : "");
        for (size_t x = 0; x < t->nnotes; x++)
            pc_buf_printf(&k, "%s\n", t->notes[x]);
        for (size_t x = 0; x < t->nnat; x++)
            pc_buf_printf(&k, "%s %s\n", t->nat[x].function ? t->nat[x].function : "?",
                          t->nat[x].module ? t->nat[x].module->name : "?");
        for (size_t x = 0; x < t->npy; x++)
            pc_buf_printf(&k, "%s %s %d\n", t->py[x].qualname, t->py[x].file, t->py[x].line);
        key[i] = pc_buf_take(&k);
        same[i] = i;
        if (!key[i] || in_finding(&a->diag, i))
            continue;
        for (size_t j = 0; j < i; j++)
            if (same[j] == j && key[j] && !in_finding(&a->diag, j) && strcmp(key[i], key[j]) == 0) {
                same[i] = j;
                break;
            }
    }
    for (size_t i = 0; i < n; i++) {
        const struct pc_thread_model *t = &a->model.threads[i];
        if (same && same[i] != i)
            continue;
        thread_head(t, b, s);
        size_t more = 0;
        for (size_t j = i + 1; same && j < n; j++)
            more += same[j] == i;
        if (more) {
            pc_buf_printf(b, "    %sand %zu more thread%s in the same functions:%s", s->dim, more,
                          more == 1 ? "" : "s", s->off);
            for (size_t j = i + 1; j < n; j++)
                if (same[j] == i) {
                    const struct pc_thread_model *o = &a->model.threads[j];
                    pc_buf_printf(b, " %d", o->tid);
                    if (o->name[0])
                        pc_buf_printf(b, " \"%s\"", o->name);
                    if (--more)
                        pc_buf_puts(b, ",");
                }
            pc_buf_puts(b, "\n");
        }
        thread_body(a, t, b, flags, s);
    }
    for (size_t i = 0; key && i < n; i++)
        free(key[i]);
    free(key);
    free(same);
}

static void exited_thread(const struct pc_thread_model *t, pc_buf *b, const struct style *s, unsigned flags)
{
    pc_buf_printf(b, "\n%sExited thread%s", s->bold, s->off);
    if (t->name[0])
        pc_buf_printf(b, " \"%s\"", t->name);
    pc_buf_printf(b, " (%sident 0x%llx, thread state 0x%llx)\n",
                  t->daemon == 1 ? "daemon, " : t->daemon == 0 ? "non-daemon, " : "", (unsigned long long)t->ident,
                  (unsigned long long)t->tstate);
    for (size_t i = 0; i < t->nnotes; i++)
        pc_buf_printf(b, "    %snote:%s %s\n", s->warn, s->off, t->notes[i]);
    for (size_t k = 0; k < t->npy; k++)
        py_line(b, &t->py[k], s, flags);
}

static void finding(const struct pc_analysis *a, const struct pc_finding *f, pc_buf *b, const struct style *s,
                    int main_one)
{
    (void)a;
    if (main_one)
        pc_buf_printf(b, "\n%sDiagnosis: %s%s (confidence %s)\n", s->bold, pc_pattern_id(f->pattern), s->off, pc_conf_name(f->conf));
    else
        pc_buf_printf(b, "\n%sAlso: %s%s (confidence %s)\n", s->bold, pc_pattern_id(f->pattern), s->off, pc_conf_name(f->conf));
    pc_buf_printf(b, "  %s\n", f->summary);
    if (f->nevidence)
        pc_buf_puts(b, "  Evidence:\n");
    for (size_t i = 0; i < f->nevidence; i++)
        pc_buf_printf(b, "    %s%s\n", f->evidence[i][0] == ' ' ? "  " : "- ", f->evidence[i] + (f->evidence[i][0] == ' ' ? 2 : 0));
    if (pc_pattern_advice(f->pattern) && main_one)
        pc_buf_printf(b, "  %sFix:%s %s\n", s->bold, s->off, pc_pattern_advice(f->pattern));
}

static void diagnosis(const struct pc_analysis *a, pc_buf *b, const struct style *s)
{
    const struct pc_diag *d = &a->diag;
    if (a->no_python[0])
        pc_buf_printf(b, "\n%sDiagnosis: none%s: no Python in this process; its threads' native stacks follow\n",
                      s->bold, s->off);
    else if (!d->nfindings)
        pc_buf_printf(b, "\n%sDiagnosis: none%s: no known hang pattern\n", s->bold, s->off);
    for (size_t i = 0; i < d->nfindings; i++)
        finding(a, &d->findings[i], b, s, i == 0);
    if (d->nedges) {
        pc_buf_printf(b, "\n%sWait-for graph:%s\n", s->bold, s->off);
        for (size_t i = 0; i < d->nedges; i++) {
            const struct pc_edge *e = &d->edges[i];
            const struct pc_thread_model *x = &a->model.threads[e->from], *y = &a->model.threads[e->to];
            int in_cycle = 0;
            for (size_t k = 0; k < d->ncycle; k++)
                in_cycle |= d->cycle[k] == e->from && d->cycle[(k + 1) % d->ncycle] == e->to;
            pc_buf_printf(b, "  %s%s %d -> %s %d: %s (%s)%s%s\n", in_cycle ? s->warn : "",
                          x->name[0] ? x->name : "tid", x->tid, y->name[0] ? y->name : "tid", y->tid, e->label,
                          pc_conf_name(e->conf), in_cycle ? " [cycle]" : "", in_cycle ? s->off : "");
        }
    }
}

static const char *task_state(int st)
{
    static const char *const names[] = {"pending", "cancelled", "done"};
    return st >= 0 && st <= 2 ? names[st] : "state unknown";
}

/* `"name" tid N`, or `thread tid N` for a thread without a name. */
static void thread_ref(pc_buf *b, const char *before, const struct pc_thread_model *th)
{
    if (th->name[0])
        pc_buf_printf(b, "%s\"%s\" tid %d", before, th->name, th->tid);
    else
        pc_buf_printf(b, "%sthread tid %d", before, th->tid);
}

/* Every asyncio task, pending ones with their coroutine chain. */
static void tasks(const struct pc_analysis *a, pc_buf *b, const struct style *s, unsigned flags)
{
    const struct pc_model *m = &a->model;
    if (!m->have_tasks)
        return;
    pc_buf_printf(b, "\n%sasyncio tasks: %zu%s%s\n", s->bold, m->ntasks, m->tasks_truncated ? " (list cut)" : "", s->off);
    for (size_t i = 0; i < m->nloops; i++) {
        const struct pc_loop_model *l = &m->loops[i];
        pc_buf_printf(b, "  loop %s at 0x%llx: ", l->type[0] ? l->type : "?", (unsigned long long)l->addr);
        if (l->thread != SIZE_MAX)
            thread_ref(b, "run by ", &m->threads[l->thread]);
        else
            pc_buf_puts(b, "not running");
        if (l->ready >= 0 && l->scheduled >= 0)
            pc_buf_printf(b, ", %lld ready callback%s, %lld timer%s", (long long)l->ready, l->ready == 1 ? "" : "s",
                          (long long)l->scheduled, l->scheduled == 1 ? "" : "s");
        pc_buf_printf(b, ", %zu task%s (%zu pending)\n", l->ntasks, l->ntasks == 1 ? "" : "s", l->npending);
    }
    for (size_t i = 0; i < m->ntasks; i++) {
        const struct pc_task_model *t = &m->tasks[i];
        pc_buf_printf(b, "\n%sTask%s %s%s%s (%s%s%s, %s at 0x%llx", s->bold, s->off, t->name[0] ? "\"" : "",
                      t->name[0] ? t->name : "(unnamed)", t->name[0] ? "\"" : "", task_state(t->state),
                      t->exception[0] ? ": raised " : "", t->exception, t->type, (unsigned long long)t->addr);
        if (t->thread != SIZE_MAX)
            thread_ref(b, ", loop of ", &m->threads[t->thread]);
        else if (t->loop)
            pc_buf_printf(b, ", loop 0x%llx not running", (unsigned long long)t->loop);
        pc_buf_puts(b, ")");
        if (t->wait_obj)
            pc_buf_printf(b, " waits on asyncio.%s 0x%llx (%s)", t->wait_type, (unsigned long long)t->wait_obj,
                          pc_task_wait_name(t->wait));
        else if (t->awaits_task != SIZE_MAX && m->tasks[t->awaits_task].name[0])
            pc_buf_printf(b, " awaits task \"%s\"", m->tasks[t->awaits_task].name);
        else if (t->awaits_task != SIZE_MAX)
            pc_buf_printf(b, " awaits the task at 0x%llx", (unsigned long long)t->awaits);
        else if (t->gather_n)
            pc_buf_printf(b, " awaits a gather() of %zu tasks, %zu done", t->gather_n, t->gather_done);
        else if (t->exec_thread != SIZE_MAX) {
            thread_ref(b, " awaits an executor job that ", &m->threads[t->exec_thread]);
            pc_buf_puts(b, " runs");
        } else if (t->exec_future)
            pc_buf_printf(b, " awaits an executor job no thread runs (concurrent.futures.Future at 0x%llx)",
                          (unsigned long long)t->exec_future);
        else if (t->awaits)
            pc_buf_printf(b, " awaits %s at 0x%llx", t->awaits_type[0] ? t->awaits_type : "an object",
                          (unsigned long long)t->awaits);
        pc_buf_puts(b, "\n");
        for (size_t k = 0; k < t->nawaited_by && k < sizeof t->awaited_by / sizeof *t->awaited_by; k++) {
            const struct pc_task_model *w = &m->tasks[t->awaited_by[k]];
            if (w->name[0])
                pc_buf_printf(b, "    %sawaited by%s task \"%s\"\n", s->dim, s->off, w->name);
            else
                pc_buf_printf(b, "    %sawaited by%s the task at 0x%llx\n", s->dim, s->off, (unsigned long long)w->addr);
        }
        if (t->nawaited_by > sizeof t->awaited_by / sizeof *t->awaited_by)
            pc_buf_printf(b, "    %sawaited by %zu more tasks%s\n", s->dim,
                          t->nawaited_by - sizeof t->awaited_by / sizeof *t->awaited_by, s->off);
        for (size_t h = 0; h < t->nholds; h++)
            pc_buf_printf(b, "    %sholds%s %s 0x%llx (%s, in %s)\n", s->dim, s->off, t->holds[h].type,
                          (unsigned long long)t->holds[h].obj, strncmp(t->holds[h].type, "asyncio.", 8) ? "with" : "async with",
                          t->py[t->holds[h].frame].qualname);
        for (size_t k = 0; k < t->npy; k++)
            py_line(b, &t->py[k], s, flags);
    }
}

/* Every greenlet: suspended ones with their frames; running ones are
 * their thread's stack, dead and unstarted ones are counted. */
static void greenlets(const struct pc_analysis *a, pc_buf *b, const struct style *s, unsigned flags)
{
    const struct pc_model *m = &a->model;
    if (m->greenlet_note[0])
        pc_buf_printf(b, "\n%s%s%s\n", s->dim, m->greenlet_note, s->off);
    if (!m->have_greenlets)
        return;
    size_t dead = 0, idle = 0;
    for (size_t i = 0; i < m->ngreenlets; i++) {
        dead += m->greenlets[i].state == PC_GR_DEAD;
        idle += m->greenlets[i].state == PC_GR_NOT_STARTED;
    }
    pc_buf_printf(b, "\n%sgreenlets: %zu%s (%zu dead, %zu not started)%s\n", s->bold, m->ngreenlets,
                  m->greenlets_truncated ? " (list cut)" : "", dead, idle, s->off);
    for (size_t i = 0; i < m->ngreenlets; i++) {
        const struct pc_greenlet_model *g = &m->greenlets[i];
        if (g->state == PC_GR_DEAD || g->state == PC_GR_NOT_STARTED)
            continue;
        pc_buf_printf(b, "\n%sGreenlet%s %s at 0x%llx (%s%s", s->bold, s->off, g->type, (unsigned long long)g->addr,
                      pc_greenlet_state_name(g->state), g->main ? ", main greenlet" : "");
        if (g->thread != SIZE_MAX)
            thread_ref(b, g->state == PC_GR_RUNNING ? ", running in " : ", of ", &m->threads[g->thread]);
        pc_buf_puts(b, ")");
        if (g->wait_obj)
            pc_buf_printf(b, " waits on %s 0x%llx", g->wait_type, (unsigned long long)g->wait_obj);
        pc_buf_puts(b, "\n");
        for (size_t h = 0; h < g->nholds; h++)
            pc_buf_printf(b, "    %sholds%s %s 0x%llx (with, in %s)\n", s->dim, s->off, g->holds[h].type,
                          (unsigned long long)g->holds[h].obj, g->py[g->holds[h].frame].qualname);
        if (g->state == PC_GR_RUNNING)
            pc_buf_printf(b, "    %s(its frames are its thread's)%s\n", s->dim, s->off);
        for (size_t k = 0; k < g->npy; k++)
            py_line(b, &g->py[k], s, flags);
    }
}

/* Summary first: the header, the diagnosis (what a reader came for), then
 * the threads it cites. */
void pc_render_text(const struct pc_analysis *a, pc_buf *b, unsigned flags)
{
    const struct style *s = (flags & PC_RENDER_COLOR) ? &ansi : &plain;
    header(a, b, s);
    if (!(flags & PC_RENDER_STACKS))
        diagnosis(a, b, s);
    if (flags & PC_RENDER_SUMMARY)
        return;
    threads(a, b, flags, s);
    for (size_t i = 0; i < a->model.nexited; i++)
        exited_thread(&a->model.exited[i], b, s, flags);
    tasks(a, b, s, flags);
    greenlets(a, b, s, flags);
}
