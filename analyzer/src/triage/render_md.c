/* The batch as Markdown for a pull-request comment: a headline, a table of
 * the groups, one collapsed section per group (key frames, members, the
 * representative's report, clipped), and the members not analyzed.
 * GitHub comments hold at most 65536 characters: the report excerpts are
 * short and the member lists capped. */
#include "triage/triage.h"

#include <stdlib.h>
#include <string.h>

#define CELL_MAX 200
#define REPORT_MAX 4000
#define MEMBERS_SHOWN 20
#define GROUPS_DETAILED 10
#define ERRORS_SHOWN 30

static void table(const struct pc_triage *t, pc_buf *b)
{
    pc_buf_printf(b, "| # | %s | Hang | Pattern | Signature |%s Summary |\n", pc_triage_noun(t, 1, 1),
                  t->baseline ? " New |" : "");
    pc_buf_printf(b, "|--:|--:|---|---|---|%s---|\n", t->baseline ? "---|" : "");
    for (size_t gi = 0; gi < t->ngroups; gi++) {
        const struct pc_triage_group *g = &t->groups[gi];
        const struct pc_triage_core *r = &t->cores[g->rep];
        pc_buf_printf(b, "| %zu | %zu | %s | `", gi + 1, g->count, r->hang ? "**yes**" : "no");
        pc_md_code(b, r->pattern, CELL_MAX, 1);
        pc_buf_printf(b, "` | `%s` |", r->sig);
        if (t->baseline)
            pc_buf_puts(b, g->is_new ? " **new** |" : " known |");
        pc_buf_puts(b, " ");
        pc_md_cell(b, r->summary, CELL_MAX);
        pc_buf_puts(b, " |\n");
    }
}

/* The representative's report in a fenced block (four backticks: the
 * report never holds four in a row). */
static void report_excerpt(const struct pc_triage *t, const struct pc_triage_core *r, pc_buf *b)
{
    char *text = pc_triage_spool_get(t, r->text_off, r->text_len);
    if (!text)
        return;
    for (char *p = text; (p = strstr(p, "````"));)
        p[3] = '\'';
    pc_buf_puts(b, "\n````text\n");
    pc_put_clipped(b, text, REPORT_MAX);
    pc_buf_puts(b, text[0] && text[strlen(text) - 1] == '\n' && strlen(text) <= REPORT_MAX ? "````\n" : "\n````\n");
    free(text);
}

static void md_frame(pc_buf *b, const char *line, size_t index)
{
    (void)index;
    pc_buf_puts(b, "- `");
    pc_md_code(b, line, CELL_MAX, 0);
    pc_buf_puts(b, "`\n");
}

static void details(const struct pc_triage *t, size_t gi, pc_buf *b)
{
    const struct pc_triage_group *g = &t->groups[gi];
    const struct pc_triage_core *r = &t->cores[g->rep];
    pc_buf_printf(b, "\n<details><summary><b>%zu. ", gi + 1);
    pc_xml_text(b, r->pattern);
    pc_buf_printf(b, "</b>: %zu %s, signature <code>%s</code></summary>\n\nKey frames:\n", g->count,
                  pc_triage_noun(t, g->count != 1, 0), r->sig);
    pc_tri_each_line(b, r->frames, md_frame);
    pc_buf_printf(b, "\n%s:\n", pc_triage_noun(t, 1, 1));
    for (size_t k = 0; k < g->count && k < MEMBERS_SHOWN; k++) {
        pc_buf_puts(b, "- `");
        pc_md_code(b, t->cores[g->members[k]].path, CELL_MAX * 2, 0);
        pc_buf_puts(b, k == 0 ? "` (shown below)\n" : "`\n");
    }
    if (g->count > MEMBERS_SHOWN)
        pc_buf_printf(b, "- ... and %zu more\n", g->count - MEMBERS_SHOWN);
    report_excerpt(t, r, b);
    pc_buf_puts(b, "\n</details>\n");
}

static void errors(const struct pc_triage *t, pc_buf *b)
{
    if (!t->nerror)
        return;
    pc_buf_printf(b, "\n#### Not analyzed (%zu)\n\n| %s | Kind | Error |\n|---|---|---|\n", t->nerror,
                  pc_triage_noun(t, 0, 1));
    size_t shown = 0;
    for (size_t i = 0; i < t->ncores && shown < ERRORS_SHOWN; i++) {
        const struct pc_triage_core *c = &t->cores[i];
        if (c->ok)
            continue;
        shown++;
        pc_buf_puts(b, "| `");
        pc_md_code(b, c->path, CELL_MAX * 2, 1);
        pc_buf_printf(b, "` | %s | ", pc_tri_err_name(c->err_kind));
        pc_md_cell(b, c->error ? c->error : "?", CELL_MAX * 2);
        pc_buf_puts(b, " |\n");
    }
    if (t->nerror > shown)
        pc_buf_printf(b, "\n... and %zu more (see the JSON report)\n", t->nerror - shown);
}

static void link_item(pc_buf *b, const char *line, size_t index)
{
    if (index >= MEMBERS_SHOWN * 5)
        return;
    pc_buf_puts(b, "- ");
    pc_md_cell(b, line, CELL_MAX * 3);
    pc_buf_puts(b, "\n");
}

static void trees(const struct pc_triage *t, pc_buf *b)
{
    if (!pc_triage_linked(t) || t->suite)   /* watch's tree report has the waits already */
        return;
    pc_buf_puts(b, "\n#### Process trees\n\n");
    pc_triage_each_link(t, b, link_item);
}

void pc_triage_render_markdown(const struct pc_triage *t, pc_tout *o)
{
    pc_buf *b = &o->b;
    pc_buf_printf(b, "### pycore %s: ", t->suite ? t->suite : "triage");
    pc_triage_headline(t, b);
    pc_buf_puts(b, "\n\n");
    if (t->ngroups)
        table(t, b);
    for (size_t g = 0; g < t->ngroups && g < GROUPS_DETAILED; g++)
        details(t, g, b);
    if (t->ngroups > GROUPS_DETAILED)
        pc_buf_printf(b, "\n%zu more groups: see the JSON report.\n", t->ngroups - GROUPS_DETAILED);
    trees(t, b);
    errors(t, b);
    pc_tout_maybe_flush(o);
}
