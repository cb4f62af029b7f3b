/* Output streams and the choice of renderer. */
#include "triage/triage.h"

#include <string.h>

#define FLUSH_AT (64u << 10)

void pc_tout_flush(pc_tout *o)
{
    if (o->b.oom)
        o->failed = 1;
    if (o->b.len && fwrite(o->b.data, 1, o->b.len, o->f) != o->b.len)
        o->failed = 1;
    o->b.len = 0;
    if (o->b.data)
        o->b.data[0] = 0;
}

void pc_tout_maybe_flush(pc_tout *o)
{
    if (o->b.len >= FLUSH_AT || o->b.oom)
        pc_tout_flush(o);
}

int pc_triage_format_parse(const char *name, enum pc_triage_format *out)
{
    static const struct {
        const char *name;
        enum pc_triage_format fmt;
    } names[] = {
        {"text", PC_TF_TEXT}, {"json", PC_TF_JSON}, {"junit", PC_TF_JUNIT}, {"markdown", PC_TF_MARKDOWN},
        {"md", PC_TF_MARKDOWN},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].fmt;
            return 0;
        }
    return -1;
}

int pc_triage_render(const struct pc_triage *t, enum pc_triage_format fmt, FILE *f)
{
    pc_tout o = {.f = f};
    switch (fmt) {
    case PC_TF_JSON: pc_triage_render_json(t, &o); break;
    case PC_TF_JUNIT: pc_triage_render_junit(t, &o); break;
    case PC_TF_MARKDOWN: pc_triage_render_markdown(t, &o); break;
    default: pc_triage_render_text(t, &o); break;
    }
    pc_tout_flush(&o);
    pc_buf_free(&o.b);
    return o.failed || fflush(f) ? -1 : 0;
}

const char *pc_triage_noun(const struct pc_triage *t, int plural, int capital)
{
    static const char *const words[2][2][2] = {
        {{"core", "Core"}, {"cores", "Cores"}},
        {{"process", "Process"}, {"processes", "Processes"}},
    };
    return words[t->suite != NULL][plural != 0][capital != 0];
}

void pc_triage_headline(const struct pc_triage *t, pc_buf *b)
{
    size_t hg = pc_triage_hang_groups(t);
    pc_buf_printf(b, "%zu %s: %zu with a hang (%zu distinct hang%s), %zu without, %zu not analyzed", t->ncores,
                  pc_triage_noun(t, t->ncores != 1, 0), t->nhang, hg, hg == 1 ? "" : "s", t->nok - t->nhang, t->nerror);
    if (t->nskipped)
        pc_buf_printf(b, "; %zu other file%s skipped", t->nskipped, t->nskipped == 1 ? "" : "s");
}

void pc_triage_each_link(const struct pc_triage *t, pc_buf *b, pc_tri_line_fn fn)
{
    size_t n = 0;
    pc_buf line = {0};
    for (size_t i = 0; i < t->ncores; i++) {
        const struct pc_triage_core *c = &t->cores[i];
        if (c->parent != SIZE_MAX) {
            const struct pc_triage_core *p = &t->cores[c->parent];
            line.len = 0;
            pc_buf_printf(&line, "%s (pid %d) is a child of %s (pid %d)", c->path, (int)c->pid, p->path, (int)p->pid);
            if (!line.oom)
                fn(b, line.data, n++);
        }
        for (size_t k = 0; k < c->nwaits; k++) {
            const struct pc_triage_core *d = &t->cores[c->waits[k].core];
            line.len = 0;
            pc_buf_printf(&line, "%s: thread %d waits for the exit of %s (pid %d: %s)", c->path,
                          (int)c->waits[k].tid, d->path, (int)d->pid, d->pattern ? d->pattern : "?");
            if (!line.oom)
                fn(b, line.data, n++);
        }
    }
    pc_buf_free(&line);
}
