/* The cores of one process tree, linked: parent by pid/ppid, and the
 * threads waiting for a child's exit to that child's core.  Cores of
 * different directories are never linked: pids repeat across machines and
 * runs, a directory is what a user (or watch --cores) fills with one tree. */
#include "triage/triage.h"
#include "triage/json_in.h"

#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS (1u << 16)

/* Length of the directory part of a path ("" for a bare name). */
static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) : 0;
}

static int same_dir(const struct pc_triage *t, const struct pc_triage_core *a, const struct pc_triage_core *b)
{
    if (t->suite)       /* watch: the members are the processes of one tree */
        return 1;
    size_t n = dir_len(a->path);
    return n == dir_len(b->path) && memcmp(a->path, b->path, n) == 0;
}

static int32_t as_pid(const struct pc_jin *j, size_t tok)
{
    uint64_t v;
    return tok != SIZE_MAX && pc_jin_u64(j, tok, &v) == 0 && v > 0 && v <= 0x7fffffff ? (int32_t)v : 0;
}

/* The pids of c, and its waits as (tid, child pid; 0: any child) pairs
 * kept in c->waits until they are resolved to cores. */
static int read_member(const struct pc_triage *t, struct pc_triage_core *c)
{
    char *js = pc_triage_spool_get(t, c->json_off, c->json_len);
    if (!js)
        return 0;
    size_t len = strlen(js);
    char *doc = malloc(len + 3);
    if (!doc) {
        free(js);
        return -1;
    }
    doc[0] = '{';
    memcpy(doc + 1, js, len);
    memcpy(doc + 1 + len, "}", 2);
    free(js);
    struct pc_jin j = {0};
    pc_error err = {0};
    int rc = 0;
    if (pc_jin_parse(&j, doc, len + 2, MAX_TOKENS, &err) == PC_OK) {
        size_t proc = pc_jin_get(&j, 0, "process");
        c->pid = as_pid(&j, pc_jin_get(&j, proc, "pid"));
        c->ppid = as_pid(&j, pc_jin_get(&j, proc, "ppid"));
        size_t waits = pc_jin_get(&j, proc, "child_waits");
        for (size_t k = 0; waits != SIZE_MAX && !rc; k++) {
            size_t w = pc_jin_child(&j, waits, k);
            if (w == SIZE_MAX)
                break;
            int32_t tid = as_pid(&j, pc_jin_get(&j, w, "tid"));
            if (!tid)
                continue;
            if (pc_grow(&c->waits, &c->waits_cap, c->nwaits + 1, sizeof *c->waits))
                rc = -1;
            else
                c->waits[c->nwaits++] = (struct pc_triage_wait){tid, (size_t)as_pid(&j, pc_jin_get(&j, w, "pid"))};
        }
    }
    pc_jin_free(&j);
    free(doc);
    return rc;
}

/* Replace c's (tid, pid) pairs by (tid, core) links; a wait for any child
 * links to every child core. */
static int resolve(struct pc_triage *t, size_t ci)
{
    struct pc_triage_core *c = &t->cores[ci];
    struct pc_triage_wait *raw = c->waits;
    size_t nraw = c->nwaits;
    c->waits = NULL;
    c->nwaits = c->waits_cap = 0;
    int rc = 0;
    for (size_t k = 0; k < nraw && !rc; k++)
        for (size_t o = 0; o < t->ncores && !rc; o++) {
            const struct pc_triage_core *d = &t->cores[o];
            if (o == ci || !d->ok || !d->pid || d->ppid != c->pid || !same_dir(t, c, d) ||
                (raw[k].core && (int32_t)raw[k].core != d->pid))
                continue;
            if (pc_grow(&c->waits, &c->waits_cap, c->nwaits + 1, sizeof *c->waits))
                rc = -1;
            else
                c->waits[c->nwaits++] = (struct pc_triage_wait){raw[k].tid, o};
        }
    free(raw);
    return rc;
}

int pc_triage_link(struct pc_triage *t)
{
    for (size_t i = 0; i < t->ncores; i++) {
        struct pc_triage_core *c = &t->cores[i];
        c->parent = SIZE_MAX;
        c->pid = c->ppid = 0;
        free(c->waits);
        c->waits = NULL;
        c->nwaits = c->waits_cap = 0;
        if (c->ok && read_member(t, c))
            return -1;
    }
    for (size_t i = 0; i < t->ncores; i++) {
        struct pc_triage_core *c = &t->cores[i];
        for (size_t o = 0; c->ppid && o < t->ncores && c->parent == SIZE_MAX; o++)
            if (o != i && t->cores[o].pid == c->ppid && same_dir(t, c, &t->cores[o]))
                c->parent = o;
        if (c->nwaits && resolve(t, i))
            return -1;
    }
    return 0;
}

size_t pc_triage_linked(const struct pc_triage *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->ncores; i++)
        n += t->cores[i].parent != SIZE_MAX || t->cores[i].nwaits;
    return n;
}
