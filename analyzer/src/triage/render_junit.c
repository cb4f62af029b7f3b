/* The batch as JUnit XML, for CI test reports: one testcase per core; a
 * <failure> when the core shows a hang (its pattern, signature, key frames
 * and the full text report), an <error> when it could not be analyzed. */
#include "triage/triage.h"

#include <stdlib.h>
#include <string.h>

static void attr(pc_buf *b, const char *name, const char *v)
{
    pc_buf_printf(b, " %s=\"", name);
    pc_xml_str(b, v);
    pc_buf_puts(b, "\"");
}

/* classname pycore.triage.PATTERN (or .error), name: the core's path. */
static void case_open(const struct pc_triage *t, const struct pc_triage_core *c, pc_buf *b)
{
    pc_buf *cls = &(pc_buf){0};
    pc_buf_printf(cls, "pycore.%s.", t->suite ? t->suite : "triage");
    pc_buf_puts(cls, c->ok ? c->pattern : "error");
    pc_buf_puts(b, "    <testcase");
    attr(b, "classname", cls->data ? cls->data : "pycore.triage");
    pc_buf_free(cls);
    attr(b, "name", c->path);
    pc_buf_puts(b, " time=\"0\">\n");
}

static void xml_frame(pc_buf *b, const char *line, size_t index)
{
    (void)index;
    pc_buf_puts(b, "  ");
    pc_xml_text(b, line);
    pc_buf_puts(b, "\n");
}

static void failure(const struct pc_triage *t, const struct pc_triage_core *c, pc_buf *b)
{
    pc_buf_puts(b, "      <failure");
    attr(b, "type", c->pattern);
    attr(b, "message", c->summary);
    pc_buf_puts(b, ">hang: ");
    pc_xml_text(b, c->pattern);
    pc_buf_puts(b, " (confidence ");
    pc_xml_text(b, c->confidence);
    size_t n = t->groups[c->group].count;
    pc_buf_printf(b, ")\nsignature: %s, group %zu (%zu core%s)\nkey frames:\n", c->sig, c->group + 1, n,
                  n == 1 ? "" : "s");
    pc_tri_each_line(b, c->frames, xml_frame);
    char *text = pc_triage_spool_get(t, c->text_off, c->text_len);
    if (text) {
        pc_buf_puts(b, "\n");
        pc_xml_text(b, text);
        free(text);
    }
    pc_buf_puts(b, "</failure>\n");
}

static void testcase(const struct pc_triage *t, const struct pc_triage_core *c, pc_buf *b)
{
    case_open(t, c, b);
    if (!c->ok) {
        pc_buf_puts(b, "      <error");
        attr(b, "type", pc_tri_err_name(c->err_kind));
        attr(b, "message", c->error ? c->error : "?");
        pc_buf_puts(b, "/>\n");
    } else if (c->hang) {
        failure(t, c, b);
    } else {
        pc_buf_puts(b, "      <system-out>no hang: ");
        pc_xml_text(b, c->pattern);
        pc_buf_printf(b, " (signature %s)\n", c->sig);
        pc_xml_text(b, c->summary);
        pc_buf_puts(b, "</system-out>\n");
    }
    pc_buf_puts(b, "    </testcase>\n");
}

void pc_triage_render_junit(const struct pc_triage *t, pc_tout *o)
{
    pc_buf *b = &o->b;
    pc_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    const char *suite = t->suite ? t->suite : "triage";
    pc_buf_printf(b, "<testsuites name=\"pycore-analyze %s\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
                  suite, t->ncores, t->nhang, t->nerror, t->seconds);
    pc_buf_printf(b, "  <testsuite name=\"pycore-%s\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"%.3f\">\n",
                  suite, t->ncores, t->nhang, t->nerror, t->seconds);
    for (size_t i = 0; i < t->ncores; i++) {
        testcase(t, &t->cores[i], b);
        pc_tout_maybe_flush(o);
    }
    pc_buf_puts(b, "  </testsuite>\n</testsuites>\n");
}
