/* Walking the bindings a frame can see (bindings.c): internal to the
 * diagnose layer. */
#ifndef PYCORE_DIAG_BINDINGS_H
#define PYCORE_DIAG_BINDINGS_H

#include "diagnose/diagnose.h"

#define PC_DIAG_MAX_SLOTS 512   /* frame slots read per frame (a buffer of this many) */

/* fn(key, prefix, value, arg) gets the name as a str object (0 for a stack
 * slot) and a prefix ("self." for attributes of the frame's self), and
 * stops the walk by returning non-zero; it reads the name only if it
 * wants it, so cheap filters stay cheap. */
typedef int (*pc_binding_fn)(struct pc_python *py, uint64_t key, const char *prefix, uint64_t value, void *arg);

/* Module globals already walked (each module's once per search). */
struct pc_seen_globals {
    uint64_t v[64];
    size_t n;
};

/* The name a binding gives: prefix + key ("self.stream", "jobs"); "" for
 * an unnamed slot or an unreadable key.  Returns out[0] != 0. */
int pc_diag_binding_name(struct pc_python *py, uint64_t key, const char *prefix, char *out, size_t n);

/* Every binding of frame f: slots is a buffer of PC_DIAG_MAX_SLOTS.
 * Returns non-zero when fn stopped the walk. */
int pc_diag_each_binding(struct pc_python *py, const struct pc_py_frame *f, uint64_t *slots,
                         struct pc_seen_globals *seen, pc_binding_fn fn, void *arg);

/* A futex tied to a C-level lock (clocks.c).  The import lock (2.7-3.11's
 * global one): 1 if it is that.  Otherwise, once no Python lock matched:
 * an io buffer's lock (with its owner), a multiprocessing SemLock, a
 * pthread mutex (its __owner), or an unidentified futex. */
int pc_diag_import_lock_wait(struct pc_python *py, struct pc_model *m, size_t ti, struct pc_wait *w);
void pc_diag_c_lock_wait(struct pc_python *py, struct pc_model *m, size_t ti, struct pc_wait *w);

#endif
