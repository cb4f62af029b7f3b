/* Futex words that belong to C-level locks, not to threading's: the
 * global import lock (2.7-3.11), an io buffer's lock (Modules/_io, with
 * its owner thread), a multiprocessing SemLock (shared with other
 * processes), a glibc pthread mutex (its __owner). */
#include "diagnose/bindings.h"
#include "cpython/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIB_DEPTH 12   /* frames searched for the stream a thread writes */

/* The module a thread is importing: its innermost <module> frame. */
static const char *importing(const struct pc_thread_model *t, char *buf, size_t n)
{
    for (size_t k = 0; k < t->npy; k++)
        if (strcmp(t->py[k].name, "<module>") == 0) {
            const char *b = strrchr(t->py[k].file, '/');
            snprintf(buf, n, "%s", b ? b + 1 : t->py[k].file);
            char *dot = strrchr(buf, '.');
            if (dot)
                *dot = 0;
            return buf;
        }
    return NULL;
}

/* 2.7 - 3.11 keep one global import lock (import.c statics); 2.7 holds it
 * for a whole import. */
int pc_diag_import_lock_wait(struct pc_python *py, struct pc_model *m, size_t ti, struct pc_wait *w)
{
    uint64_t lock = 0, owner = 0;
    const struct pc_thread_model *t = &m->threads[ti];
    if (!py->import_lock || pc_read_ptr(py->t, py->import_lock, &lock) || !lock ||
        t->sys.args[0] < lock || t->sys.args[0] >= lock + 32)
        return 0;
    if (py->import_lock_thread)
        pc_read_u64(py->t, py->import_lock_thread, &owner);
    char who[160], mod[128];
    w->kind = PC_W_IMPORT_LOCK;
    w->timeout = 0;
    w->target = pc_diag_thread_by_ident(m, owner);
    const char *name = w->target != SIZE_MAX ? importing(&m->threads[w->target], mod, sizeof mod) : NULL;
    snprintf(w->what, sizeof w->what, "the global import lock%s%s%s", name ? " (held while importing '" : "",
             name ? name : "", name ? "')" : "");
    snprintf(w->evidence, sizeof w->evidence, "futex word 0x%llx is import_lock's semaphore; import_lock_thread = 0x%llx%s%s",
             (unsigned long long)t->sys.args[0], (unsigned long long)owner, w->target != SIZE_MAX ? " = " : "",
             w->target != SIZE_MAX ? pc_diag_thread_label(m, w->target, who, sizeof who) : "");
    return 1;
}

/* glibc's pthread_mutex_lock sleeps with FUTEX_WAIT for the value 2 on the
 * mutex's first word, and the mutex records its owner's TID in __owner, two
 * words further: a C mutex names its holder, as an RLock does. */
static void c_mutex_wait(struct pc_python *py, struct pc_model *m, size_t ti, struct pc_wait *w)
{
    const struct pc_thread_model *t = &m->threads[ti];
    uint64_t futex = t->sys.args[0];
    int32_t word[4];
    if ((t->sys.args[1] & 0x7f) != 0 || t->sys.args[2] != 2 ||
        pc_read(py->t, futex, word, sizeof word) || word[0] != 2 || word[2] <= 0)
        return;
    char who[160];
    for (size_t j = 0; j < m->nthreads; j++)
        if (j != ti && m->threads[j].tid == word[2]) {
            w->target = j;
            snprintf(w->what, sizeof w->what, "pthread mutex 0x%llx", (unsigned long long)futex);
            snprintf(w->evidence, sizeof w->evidence,
                     "futex word 0x%llx = 2 (FUTEX_WAIT for 2: pthread_mutex_lock); its __owner = %d = %s",
                     (unsigned long long)futex, word[2], pc_diag_thread_label(m, j, who, sizeof who));
            return;
        }
    snprintf(w->what, sizeof w->what, "pthread mutex 0x%llx", (unsigned long long)futex);
    snprintf(w->evidence, sizeof w->evidence,
             "futex word 0x%llx = 2 (pthread_mutex_lock); its __owner = %d is no thread of this process "
             "(it exited, or the mutex was held across fork())", (unsigned long long)futex, word[2]);
}

/* A futex that is no Python lock may be an io buffer's C-level lock
 * (print, a logging handler's stream, a file's write or flush): the
 * streams the thread's frames can see and sys's standard streams. */
struct io_search {
    uint64_t futex, mutex;
    struct pc_py_io io;
    char name[96];
    int found;
};

static int io_binding(struct pc_python *py, uint64_t key, const char *prefix, uint64_t value, void *arg)
{
    struct io_search *s = arg;
    char ty[48];
    struct pc_py_io io;
    value = pc_py_uncell(py, value);
    if (s->found && (value == s->io.text || value == s->io.buffered)) {
        /* found on a value stack first: now named */
    } else if (s->found || pc_py_type_name(py, value, ty, sizeof ty) ||
               !(strstr(ty, "TextIOWrapper") || strstr(ty, "Buffered")) || pc_py_io(py, value, &io) ||
               !pc_py_io_lock_matches(&io, s->futex, s->mutex)) {
        return 0;
    } else {
        s->io = io;
        s->found = 1;
    }
    return pc_diag_binding_name(py, key, prefix, s->name, sizeof s->name);
}

static int io_lock_wait(struct pc_python *py, struct pc_model *m, size_t ti, struct pc_wait *w)
{
    const struct pc_thread_model *t = &m->threads[ti];
    struct io_search s = {.futex = t->sys.args[0], .mutex = pc_py_futex_mutex(py, &t->sys)};
    uint64_t sysd = pc_py_module_dict(py, pc_py_module(py, "sys"));
    static const char *const std[] = {"stdout", "stderr", "__stdout__", "__stderr__", "stdin", "__stdin__"};
    for (size_t k = 0; sysd && !s.found && k < sizeof std / sizeof *std; k++) {
        uint64_t v = pc_py_dict_get(py, sysd, std[k]);
        if (v && (io_binding(py, 0, "", v, &s), s.found))
            snprintf(s.name, sizeof s.name, "sys.%s", std[k]);
    }
    struct pc_seen_globals seen = {.n = 0};
    uint64_t *slots = s.name[0] ? NULL : malloc(PC_DIAG_MAX_SLOTS * sizeof *slots);
    for (size_t k = 0; slots && k < t->npy && k < LIB_DEPTH; k++)
        if (pc_diag_each_binding(py, &t->py[k], slots, &seen, io_binding, &s))
            break;
    free(slots);
    if (!s.found)
        return 0;
    char who[160], fd[32] = "";
    if (s.io.fd >= 0)
        snprintf(fd, sizeof fd, ", fd %lld", (long long)s.io.fd);
    w->kind = PC_W_FUTEX;
    w->obj = s.io.buffered;
    w->timeout = t->sys.args[3] ? 1 : 0;
    snprintf(w->what, sizeof w->what, "the C-level lock of %s%s%s (%s%s)", s.name[0] ? "" : "a ", s.name[0] ? s.name : "stream",
             s.name[0] ? "'s buffer" : "", s.io.kind, fd);
    w->owner_ident = s.io.owner;
    size_t o = s.io.owner ? pc_diag_thread_by_ident(m, s.io.owner) : SIZE_MAX;
    if (o != SIZE_MAX && o != ti)
        w->target = o;
    if (!s.io.owner)
        snprintf(w->evidence, sizeof w->evidence, "futex word 0x%llx is the lock of the %s at 0x%llx; its owner field is 0",
                 (unsigned long long)s.futex, s.io.kind, (unsigned long long)s.io.buffered);
    else
        snprintf(w->evidence, sizeof w->evidence, "futex word 0x%llx is the lock of the %s at 0x%llx; its owner = 0x%llx%s%s",
                 (unsigned long long)s.futex, s.io.kind, (unsigned long long)s.io.buffered, (unsigned long long)s.io.owner,
                 o == SIZE_MAX ? ", no thread of this process" : " = ",
                 o == SIZE_MAX ? "" : pc_diag_thread_label(m, o, who, sizeof who));
    return 1;
}

/* A multiprocessing SemLock whose sem_t is the futex word: the sem_t is
 * shared with other processes, so the wait stays a plain futex wait (idle
 * pool workers wait so all the time); it is only named. */
struct semlock_search {
    uint64_t futex;
    struct pc_semlock s;
    char name[96];
    int found;
};

static int semlock_binding(struct pc_python *py, uint64_t key, const char *prefix, uint64_t value, void *arg)
{
    struct semlock_search *ss = arg;
    char ty[64];
    value = pc_py_uncell(py, value);
    if (!value || pc_py_type_name(py, value, ty, sizeof ty) || !(strstr(ty, "Lock") || strstr(ty, "Semaphore")) ||
        pc_py_semlock(py, value, &ss->s) || !pc_py_semlock_matches_futex(&ss->s, ss->futex))
        return 0;
    pc_diag_binding_name(py, key, prefix, ss->name, sizeof ss->name);
    return ss->found = 1;
}

const char *pc_semlock_kind_name(const struct pc_semlock *s)
{
    return s->kind == PC_SEM_RECURSIVE_MUTEX ? "RECURSIVE_MUTEX" : s->maxvalue == 1 ? "SEMAPHORE (a Lock)" : "SEMAPHORE";
}

void pc_semlock_describe(const struct pc_semlock *s, char *buf, size_t n)
{
    char v[64] = "not in the core";
    if (s->sem_read)
        snprintf(v, sizeof v, "value %u (%s), %u waiter%s", s->value, s->value ? "free" : "taken", s->nwaiters,
                 s->nwaiters == 1 ? "" : "s");
    snprintf(buf, n, "SemLock 0x%llx: sem_t 0x%llx %s; kind %s, maxvalue %d; this process: count %d, last_tid 0x%llx",
             (unsigned long long)s->obj, (unsigned long long)s->handle, v, pc_semlock_kind_name(s), s->maxvalue,
             s->count, (unsigned long long)s->last_tid);
}

static int semlock_wait(struct pc_python *py, const struct pc_thread_model *t, uint64_t futex, struct pc_wait *w)
{
    struct pc_seen_globals seen = {.n = 0};
    struct semlock_search ss = {.futex = futex};
    uint64_t *slots = malloc(PC_DIAG_MAX_SLOTS * sizeof *slots);
    for (size_t k = 0; slots && k < t->npy && k < 8 && !ss.found; k++)
        pc_diag_each_binding(py, &t->py[k], slots, &seen, semlock_binding, &ss);
    free(slots);
    if (!ss.found)
        return 0;
    w->obj = ss.s.obj;
    snprintf(w->what, sizeof w->what, "multiprocessing SemLock%s%s%s at 0x%llx (shared with other processes)",
             ss.name[0] ? " '" : "", ss.name, ss.name[0] ? "'" : "", (unsigned long long)ss.s.obj);
    char desc[180];
    pc_semlock_describe(&ss.s, desc, sizeof desc);
    snprintf(w->evidence, sizeof w->evidence, "futex word 0x%llx is the sem_t of %s", (unsigned long long)futex, desc);
    return 1;
}

void pc_diag_c_lock_wait(struct pc_python *py, struct pc_model *m, size_t ti, struct pc_wait *w)
{
    const struct pc_thread_model *t = &m->threads[ti];
    uint64_t futex = t->sys.args[0];
    if (io_lock_wait(py, m, ti, w))
        return;
    w->kind = PC_W_FUTEX;
    snprintf(w->what, sizeof w->what, "futex 0x%llx (no Python lock found for it)", (unsigned long long)futex);
    if (!semlock_wait(py, t, futex, w))
        c_mutex_wait(py, m, ti, w);
}
