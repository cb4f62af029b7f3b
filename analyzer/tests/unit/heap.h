/* Hand-built CPython 3.11 objects in a memory target, for unit tests of
 * the rules that read objects: types, str, int, None, tuples, lists,
 * dicts, instances with a __dict__, modules, frames with named locals, io
 * streams.  Synthetic bytes laid out by the generated 3.11 layout, so the
 * engine's readers read them as they read a core. */
#ifndef PYCORE_TEST_HEAP_H
#define PYCORE_TEST_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "cpython/python.h"

struct heap {
    uint8_t *mem;
    size_t size, used;
    uint64_t base;
    const struct pc_py_layout *L;
    pc_target *t;
    struct pc_python *py;
    uint64_t t_type, t_none, t_tuple, t_list, t_code, t_frame_code_names;
    uint64_t none, modules;
};

/* A 3.11 interpreter in py (py->t, py->L, py->version, the type objects,
 * an interpreter state whose sys.modules is empty). */
void heap_init(struct heap *h, struct pc_python *py);
void heap_free(struct heap *h);

uint64_t heap_type(struct heap *h, const char *name, int64_t dictoffset);
uint64_t heap_str(struct heap *h, const char *s);
uint64_t heap_int(struct heap *h, int64_t v);
uint64_t heap_tuple(struct heap *h, size_t n, const uint64_t *items);
uint64_t heap_list(struct heap *h, size_t n, const uint64_t *items);
/* keys: NULL-terminated; values[i] for keys[i]. */
uint64_t heap_dict(struct heap *h, const char *const *keys, const uint64_t *values);
/* An instance of `type` (a heap_type with dictoffset 16) and its dict. */
uint64_t heap_object(struct heap *h, uint64_t type, const char *const *keys, const uint64_t *values);
/* sys.modules[name] = a module whose dict is given. */
uint64_t heap_module(struct heap *h, const char *name, const char *const *keys, const uint64_t *values);
/* A frame (f->addr, f->code) whose locals are names[i] = values[i]. */
void heap_frame(struct heap *h, struct pc_py_frame *f, const char *const *names, const uint64_t *values);
/* An io stream: a BufferedReader/Writer (kind) over a FileIO on fd, in a
 * TextIOWrapper when text; its lock at *lock, held by owner (0: free). */
uint64_t heap_stream(struct heap *h, const char *kind, int fd, int text, uint64_t owner, uint64_t *lock);

#endif
