/* The source line of each Python frame, as tracebacks print it: read
 * through the target (pc_target_read_text: the core's sysroot, the live
 * process's root), never from a path the engine opens itself.  A file
 * that is gone, too large, or shorter than the line gives no line. */
#include "cpython/model.h"
#include "target/target.h"

#include <stdlib.h>
#include <string.h>

#define SRC_FILES 64                 /* distinct files read per analysis */
#define SRC_MAX (4u << 20)           /* bytes read of one file */
#define SRC_LINE 240                 /* bytes kept of one line */

#define SRC_INDEXED (1u << 20)       /* lines of a file given an index of their starts */

struct src_file {
    const char *path;                /* the frame's, alive while the model is */
    char *text;                      /* NULL: unreadable */
    size_t len;
    /* Where each line starts, built on the second line asked: a thousand
     * threads in the same functions asked the same files from the top
     * for every frame. */
    uint32_t *starts;
    size_t nstarts, asked;
};

struct src_cache {
    struct src_file f[SRC_FILES];
    size_t n;
};

static struct src_file *lookup(pc_target *t, struct src_cache *c, const char *path)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->f[i].path, path) == 0)
            return &c->f[i];
    if (c->n == SRC_FILES)
        return NULL;
    struct src_file *f = &c->f[c->n++];
    f->path = path;
    f->text = malloc(SRC_MAX);
    f->len = SRC_MAX;
    if (f->text && pc_target_read_text(t, path, f->text, &f->len) != PC_OK) {
        free(f->text);
        f->text = NULL;
    } else if (f->text && f->len < SRC_MAX) {
        char *fit = realloc(f->text, f->len ? f->len : 1);     /* the read limit, not the file, was allocated */
        if (fit)
            f->text = fit;
    }
    return f;
}

/* Line `line` (1-based) of the file, without its indentation and end. */
static char *line_of(const struct src_file *f, int line)
{
    if (!f || !f->text || line < 1)
        return NULL;
    const char *p = f->text, *end = f->text + f->len;
    if (f->starts) {
        if ((size_t)line > f->nstarts)
            return NULL;
        p += f->starts[line - 1];
    } else {
        for (int k = 1; k < line; k++) {
            p = memchr(p, '\n', (size_t)(end - p));
            if (!p)
                return NULL;
            p++;
        }
    }
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e) {
        if (f->len == SRC_MAX)
            return NULL;             /* cut off by the read limit */
        e = end;
    }
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\f'))
        p++;
    while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
        e--;
    size_t n = (size_t)(e - p) < SRC_LINE ? (size_t)(e - p) : SRC_LINE;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

static void index_lines(struct src_file *f)
{
    if (!f || !f->text || f->starts || f->asked++ != 1)
        return;
    size_t n = 1;
    for (const char *p = f->text, *end = p + f->len; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        if (++n > SRC_INDEXED)
            return;                  /* scanned per line, as before */
    if (!(f->starts = malloc(n * sizeof *f->starts)))
        return;
    f->starts[0] = 0;
    f->nstarts = 1;
    for (const char *p = f->text, *end = p + f->len; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        f->starts[f->nstarts++] = (uint32_t)(p + 1 - f->text);
}

static void fill_frames(pc_target *t, struct src_cache *c, struct pc_py_frame *py, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (py[k].file[0] == '/') {
            struct src_file *f = lookup(t, c, py[k].file);
            index_lines(f);
            py[k].source = line_of(f, py[k].line);
        }
}

void pc_model_sources(pc_target *t, struct pc_model *m)
{
    struct src_cache *c = calloc(1, sizeof *c);
    if (!c)
        return;
    for (size_t i = 0; i < m->nthreads; i++)
        fill_frames(t, c, m->threads[i].py, m->threads[i].npy);
    for (size_t i = 0; i < m->nexited; i++)
        fill_frames(t, c, m->exited[i].py, m->exited[i].npy);
    for (size_t i = 0; i < m->ntasks; i++)
        fill_frames(t, c, m->tasks[i].py, m->tasks[i].npy);
    for (size_t i = 0; i < m->ngreenlets; i++)
        fill_frames(t, c, m->greenlets[i].py, m->greenlets[i].npy);
    for (size_t i = 0; i < c->n; i++) {
        free(c->f[i].text);
        free(c->f[i].starts);
    }
    free(c);
}
