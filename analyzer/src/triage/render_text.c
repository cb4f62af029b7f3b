/* The batch as a table for people: one block per group (hangs first),
 * then the members that could not be analyzed. */
#include "triage/triage.h"

#include <string.h>

#define SUMMARY_MAX 160
#define MEMBERS_SHOWN 20

/* Lines of s (one key frame each), the first after `first`, the others
 * after `indent`. */
static void lines(pc_buf *b, const char *first, const char *indent, const char *s)
{
    const char *p = s && *s ? s : "(none)";
    pc_buf_puts(b, first);
    for (;;) {
        const char *nl = strchr(p, '\n');
        pc_buf_put(b, p, nl ? (size_t)(nl - p) : strlen(p));
        pc_buf_puts(b, "\n");
        if (!nl)
            break;
        p = nl + 1;
        pc_buf_puts(b, indent);
    }
}

static void group(const struct pc_triage *t, size_t gi, pc_tout *o)
{
    const struct pc_triage_group *g = &t->groups[gi];
    const struct pc_triage_core *r = &t->cores[g->rep];
    pc_buf *b = &o->b;
    pc_buf_printf(b, "%-3zu %6zu  %-26s %-16s  ", gi + 1, g->count, r->pattern, r->sig);
    if (g->is_new >= 0)
        pc_buf_puts(b, g->is_new ? "NEW    " : "known  ");
    pc_buf_puts(b, r->hang ? "" : "(no hang) ");
    pc_put_clipped(b, r->summary, SUMMARY_MAX);
    pc_buf_puts(b, "\n");
    lines(b, "            frames:  ", "                     ", r->frames);
    pc_buf_printf(b, "            example: %s\n", r->path);
    for (size_t k = 0; k < g->count && k < MEMBERS_SHOWN; k++)
        pc_buf_printf(b, "            %s%s\n", k ? "         " : "cores:   ", t->cores[g->members[k]].path);
    if (g->count > MEMBERS_SHOWN)
        pc_buf_printf(b, "                     ... and %zu more (--format json lists them all)\n",
                      g->count - MEMBERS_SHOWN);
    pc_tout_maybe_flush(o);
}

static void link_line(pc_buf *b, const char *line, size_t index)
{
    (void)index;
    pc_buf_printf(b, "  %s\n", line);
}

static void trees(const struct pc_triage *t, pc_tout *o)
{
    if (!pc_triage_linked(t))
        return;
    pc_buf_puts(&o->b, "\nProcess trees (cores of one directory, linked by their pid and parent pid):\n");
    pc_triage_each_link(t, &o->b, link_line);
    pc_tout_maybe_flush(o);
}

static void errors(const struct pc_triage *t, pc_tout *o)
{
    if (!t->nerror)
        return;
    pc_buf_printf(&o->b, "\nNot analyzed (%zu):\n", t->nerror);
    for (size_t i = 0; i < t->ncores; i++) {
        const struct pc_triage_core *c = &t->cores[i];
        if (c->ok)
            continue;
        pc_buf_printf(&o->b, "  %s\n      %s: %s\n", c->path, pc_tri_err_name(c->err_kind), c->error ? c->error : "?");
        pc_tout_maybe_flush(o);
    }
}

void pc_triage_render_text(const struct pc_triage *t, pc_tout *o)
{
    pc_buf_puts(&o->b, "pycore-analyze triage: ");
    pc_triage_headline(t, &o->b);
    pc_buf_puts(&o->b, "\n");
    if (t->ngroups) {
        pc_buf_printf(&o->b, "\n%-3s %6s  %-26s %-16s  %sSUMMARY\n", "#", "CORES", "PATTERN", "SIGNATURE",
                      t->baseline ? "NEW?   " : "");
        for (size_t g = 0; g < t->ngroups; g++)
            group(t, g, o);
    }
    trees(t, o);
    errors(t, o);
}
