/* The bindings a frame can see, the way a reader names objects: its
 * variables (then the unnamed value stack), the attributes of its self
 * ("self."), and the globals of its module; and the name they give an
 * object.  Lock collection, waits and C-level locks all walk them. */
#include "diagnose/bindings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GLOBALS 2048

struct binding_walk {
    pc_binding_fn fn;
    void *arg;
    const char *prefix;
    size_t left;           /* entries one dict may still give */
    int stop;
};

static int binding_cb(struct pc_python *py, uint64_t key, uint64_t value, void *arg)
{
    struct binding_walk *w = arg;
    if (w->left-- == 0)
        return 1;
    return w->stop = w->fn(py, key, w->prefix, value, w->arg);
}

int pc_diag_each_binding(struct pc_python *py, const struct pc_py_frame *f, uint64_t *slots,
                         struct pc_seen_globals *seen, pc_binding_fn fn, void *arg)
{
    uint64_t names_t, names[PC_DIAG_MAX_SLOTS];
    size_t nn = 0, ns = pc_py_frame_slots(py, f, slots, PC_DIAG_MAX_SLOTS, NULL);
    if (py->L->co_varnames != PC_NO_FIELD && pc_read_ptr(py->t, f->code + (uint64_t)py->L->co_varnames, &names_t) == 0)
        pc_py_tuple(py, names_t, names, PC_DIAG_MAX_SLOTS, &nn);
    for (size_t x = 0; x < ns; x++)
        if (fn(py, x < nn ? names[x] : 0, "", slots[x], arg))
            return 1;
    struct binding_walk w = {fn, arg, "self.", 256, 0};
    uint64_t self = pc_py_frame_local(py, f, "self");
    if (self)
        pc_py_attr_each(py, self, binding_cb, &w);
    if (w.stop)
        return 1;
    uint64_t g = pc_py_frame_globals(py, f);
    for (size_t j = 0; j < seen->n; j++)
        if (seen->v[j] == g)
            return 0;
    if (!g || seen->n == sizeof seen->v / sizeof *seen->v)
        return 0;
    seen->v[seen->n++] = g;
    w = (struct binding_walk){fn, arg, "", MAX_GLOBALS, 0};
    pc_py_dict_each(py, g, binding_cb, &w);
    return w.stop;
}

/* A name for an object a thread waits on, as locks get theirs: a variable
 * of one of its frames from the first user frame out ("ready"), an
 * attribute of such a frame's self ("self.done"), or a global of their
 * modules ("jobs").  "" when nothing names it. */
struct name_search {
    uint64_t obj;
    char *out;
    size_t n;
};

int pc_diag_binding_name(struct pc_python *py, uint64_t key, const char *prefix, char *out, size_t n)
{
    size_t pl = strlen(prefix);
    out[0] = 0;
    if (!key || pl >= n)
        return 0;
    snprintf(out, n, "%s", prefix);
    if (pc_py_str(py, key, out + pl, n - pl))
        out[0] = 0;
    return out[0] != 0;
}

static int name_binding(struct pc_python *py, uint64_t key, const char *prefix, uint64_t value, void *arg)
{
    struct name_search *s = arg;
    return key && pc_py_uncell(py, value) == s->obj && pc_diag_binding_name(py, key, prefix, s->out, s->n);
}

void pc_diag_object_name(struct pc_python *py, const struct pc_thread_model *t, size_t from, uint64_t obj, char *out,
                         size_t n)
{
    out[0] = 0;
    struct pc_seen_globals seen = {.n = 0};
    struct name_search srch = {obj, out, n};
    uint64_t *slots = malloc(PC_DIAG_MAX_SLOTS * sizeof *slots);
    for (size_t k = from; slots && k < t->npy && k < from + 8; k++)
        if (pc_diag_each_binding(py, &t->py[k], slots, &seen, name_binding, &srch))
            break;
    free(slots);
}

