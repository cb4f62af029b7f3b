/* What the rules share: adding a finding and its evidence, saying where a
 * thread waits, and looking through frames. */
#include "diagnose/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pc_finding *pc_rule_add(struct pc_diag *d, int pattern, int conf)
{
    if (d->nfindings >= PC_MAX_FINDINGS)
        return NULL;
    struct pc_finding *f = &d->findings[d->nfindings++];
    memset(f, 0, sizeof *f);
    f->pattern = pattern;
    f->conf = conf;
    return f;
}

void pc_rule_ev(struct pc_finding *f, const char *fmt, ...)
{
    if (!f || f->nevidence >= sizeof f->evidence / sizeof *f->evidence)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->evidence[f->nevidence++], sizeof *f->evidence, fmt, ap);
    va_end(ap);
}

void pc_rule_summary(struct pc_finding *f, const char *fmt, ...)
{
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->summary, sizeof f->summary, fmt, ap);
    va_end(ap);
}

void pc_rule_with_thread(struct pc_finding *f, size_t i)
{
    if (!f)
        return;
    for (size_t k = 0; k < f->nthreads; k++)
        if (f->threads[k] == i)
            return;
    if (f->nthreads < sizeof f->threads / sizeof *f->threads)
        f->threads[f->nthreads++] = i;
}

/* "Worker.park (app.py:12)": where a thread waits, in user code. */
const char *pc_rule_where(const struct pc_model *m, const struct pc_diag *d, size_t i, char *buf, size_t n)
{
    const struct pc_thread_model *t = &m->threads[i];
    size_t k = d->waits[i].frame;
    if (k < t->npy) {
        const char *file = strrchr(t->py[k].file, '/');
        snprintf(buf, n, "%s (%s:%d)", t->py[k].qualname, file ? file + 1 : t->py[k].file, t->py[k].line);
    } else if (t->npy)
        snprintf(buf, n, "%s", t->py[0].qualname);
    else
        snprintf(buf, n, "native code");
    return buf;
}

void pc_rule_describe_wait(struct pc_finding *f, const struct pc_model *m, const struct pc_diag *d, size_t i)
{
    char who[160], at[256];
    const struct pc_wait *w = &d->waits[i];
    pc_rule_ev(f, "%s waits for %s in %s [%s]%s%s", pc_diag_thread_label(m, i, who, sizeof who),
       w->what[0] ? w->what : pc_wait_name(w->kind), pc_rule_where(m, d, i, at, sizeof at), pc_wait_name(w->kind),
       w->timeout == 0 ? ", no timeout" : "", w->evidence[0] ? "" : "");
    if (w->evidence[0])
        pc_rule_ev(f, "  %s", w->evidence);
    if (w->lock != SIZE_MAX && d->locks[w->lock].holder_why[0])
        pc_rule_ev(f, "  %s", d->locks[w->lock].holder_why);
}

int pc_rule_has_frame(const struct pc_thread_model *t, const char *file_suffix, const char *name)
{
    for (size_t k = 0; k < t->npy; k++)
        if (pc_str_ends_with(t->py[k].file, file_suffix) && (!name || strcmp(t->py[k].name, name) == 0))
            return 1;
    return 0;
}

int pc_rule_has_native(const struct pc_thread_model *t, const char *fn)
{
    for (size_t k = 0; k < t->nnat; k++)
        if (t->nat[k].function && strcmp(t->nat[k].function, fn) == 0)
            return 1;
    return 0;
}

/* The first object of a frame that pred accepts: locals (cells opened:
 * <= 3.10 keep the variables of closures and comprehensions there), then
 * the value stack, whose stale slots pred's type checks reject; or 0. */
uint64_t pc_rule_frame_object(struct pc_python *py, const struct pc_py_frame *f, pc_obj_pred pred, void *arg)
{
    uint64_t slots[64];
    size_t nlocals = 0, n = pc_py_frame_slots(py, f, slots, 64, &nlocals);
    for (size_t s = 0; s < n; s++) {
        uint64_t v = pc_py_uncell(py, slots[s]);
        if (v && pred(py, v, arg))
            return v;
    }
    return 0;
}


int pc_rule_blocks_forever(const struct pc_wait *w)
{
    int k = w->kind;
    return w->timeout != 1 && (k == PC_W_EVENT || k == PC_W_CONDITION || k == PC_W_QUEUE_GET || k == PC_W_LOCK ||
                               k == PC_W_FUTURE || k == PC_W_JOIN);
}

int pc_rule_found(const struct pc_diag *d, uint64_t patterns)
{
    for (size_t k = 0; k < d->nfindings; k++)
        if (patterns & PC_PATTERN_BIT(d->findings[k].pattern))
            return 1;
    return 0;
}

int pc_rule_in_hang(const struct pc_diag *d, size_t thread)
{
    for (size_t k = 0; k < d->nfindings; k++)
        for (size_t j = 0; pc_pattern_hang(d->findings[k].pattern) && j < d->findings[k].nthreads; j++)
            if (d->findings[k].threads[j] == thread)
                return 1;
    return 0;
}

size_t pc_rule_next_cycle(const size_t *next, size_t n, unsigned char *mark)
{
    /* Walk from each node; mark 1 = on the current walk, 2 = done. */
    for (size_t i = 0; i < n; i++) {
        size_t j = i, start = SIZE_MAX;
        while (j != SIZE_MAX && !mark[j]) {
            mark[j] = 1;
            j = next[j];
        }
        if (j != SIZE_MAX && mark[j] == 1)
            start = j;
        for (size_t k = i; k != SIZE_MAX && mark[k] == 1; k = next[k])
            mark[k] = 2;
        if (start != SIZE_MAX)
            return start;
    }
    return SIZE_MAX;
}

const char *pc_rule_frames_where(const struct pc_py_frame *py, size_t n, size_t from, const char *skip, char *buf,
                                 size_t len)
{
    for (size_t k = from; k < n; k++)
        if (!strstr(py[k].file, skip)) {
            snprintf(buf, len, "%s (%s:%d)", py[k].qualname, py[k].file, py[k].line);
            return buf;
        }
    snprintf(buf, len, "%s", n ? py[0].qualname : "?");
    return buf;
}
