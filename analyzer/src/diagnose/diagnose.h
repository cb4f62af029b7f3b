/* Diagnosis: what each thread waits for, who holds it, the wait-for graph,
 * and the hang patterns of docs/patterns.md. */
#ifndef PYCORE_DIAGNOSE_H
#define PYCORE_DIAGNOSE_H

#include "cpython/model.h"
#include "cpython/sync.h"

enum pc_wait_kind {
    PC_W_NONE,        /* not known to wait */
    PC_W_RUNNING,     /* not in a system call */
    PC_W_LOCK,        /* threading.Lock / RLock acquire */
    PC_W_JOIN,        /* Thread.join */
    PC_W_SHUTDOWN,    /* threading._shutdown: joins every non-daemon thread */
    PC_W_CONDITION,
    PC_W_EVENT,
    PC_W_QUEUE_GET,
    PC_W_QUEUE_PUT,
    PC_W_QUEUE_JOIN,
    PC_W_MODULE_LOCK, /* importlib _ModuleLock */
    PC_W_IMPORT_LOCK, /* 2.7's global import lock */
    PC_W_FUTURE,
    PC_W_GIL,
    PC_W_IO,
    PC_W_SLEEP,
    PC_W_CHILD,
    PC_W_SIGNAL,      /* pause(), sigwait() */
    PC_W_FUTEX,       /* a futex nobody could be tied to */
};

#define PC_MAX_LOCKS 1024
#define PC_MAX_EDGES 4096

enum pc_conf { PC_CONF_NONE, PC_CONF_LOW, PC_CONF_MEDIUM, PC_CONF_HIGH };

struct pc_lockref {
    struct pc_lock l;
    char name[96];            /* a variable or attribute naming it */
    size_t holder;            /* thread index; SIZE_MAX: none known */
    int holder_conf;          /* enum pc_conf */
    char holder_why[200];
    int holder_gone;          /* recorded owner is no live thread */
};

struct pc_wait {
    int kind;
    uint64_t obj;             /* object waited on */
    char what[200];           /* "Lock 'guard' at 0x..", "thread 'worker-1'" */
    size_t frame;             /* index of the innermost frame outside the library */
    int timeout;              /* 1 timed, 0 no timeout, -1 unknown */
    size_t lock;              /* index in locks; SIZE_MAX */
    size_t target;            /* thread index waited for; SIZE_MAX */
    uint64_t owner_ident;     /* a C-level lock's recorded owner (thread ident), 0 none or unknown */
    char evidence[200];
};

struct pc_edge {
    size_t from, to;          /* thread indices */
    int conf;
    char label[160];
};

/* The patterns (patterns.def): PC_P_NONE, then one constant per row. */
enum pc_pattern {
    PC_P_NONE,
#define PATTERN(id, name, hang, advice) PC_P_##id,
#include "diagnose/patterns.def"
#undef PATTERN
    PC_P_COUNT
};
#define PC_PATTERN_BIT(p) (1ull << (p))
_Static_assert(PC_P_COUNT <= 64, "a pattern set is a 64-bit mask");

const char *pc_pattern_id(int pattern);       /* "lock-order-deadlock"; "none" */
const char *pc_pattern_advice(int pattern);   /* NULL for none */
int pc_pattern_hang(int pattern);             /* a hang: exit status 1 */
int pc_pattern_from_id(const char *id);       /* PC_P_NONE if unknown */

#define PC_MAX_FINDINGS 16

struct pc_finding {
    int pattern;              /* enum pc_pattern */
    int conf;
    char summary[640];
    size_t threads[16];
    size_t nthreads;
    char evidence[12][256];
    size_t nevidence;
};

struct pc_diag {
    struct pc_wait *waits;          /* one per model thread */
    struct pc_lockref *locks;
    size_t nlocks;
    struct pc_edge *edges;
    size_t nedges;
    size_t *cycle;                  /* thread indices of the first cycle found */
    size_t ncycle;
    struct pc_finding *findings;
    size_t nfindings;
    int masks_known;                /* kernel core: signal masks recorded */
};

int pc_diagnose(struct pc_python *py, struct pc_model *m, struct pc_diag *d);
void pc_diag_free(struct pc_diag *d);

const char *pc_wait_name(int kind);
const char *pc_conf_name(int conf);

/* Shared helpers of waits.c and the rules. */
size_t pc_diag_thread_by_ident(const struct pc_model *m, uint64_t ident);
const char *pc_diag_thread_label(const struct pc_model *m, size_t i, char *buf, size_t n);
/* Does any frame of the thread have code naming 'name' (co_names)? */
int pc_diag_thread_mentions(struct pc_python *py, const struct pc_thread_model *t, const char *name);
/* The name a thread's frames (from index `from`, a few) give obj: a
 * variable, "self.attr" or a module global; "" if none. */
void pc_diag_object_name(struct pc_python *py, const struct pc_thread_model *t, size_t from, uint64_t obj, char *out,
                         size_t n);
/* A SemLock as evidence: "SemLock 0x..: sem_t 0x.. value 0 (taken), ..." */
const char *pc_semlock_kind_name(const struct pc_semlock *s);
void pc_semlock_describe(const struct pc_semlock *s, char *buf, size_t n);
void pc_diag_waits(struct pc_python *py, struct pc_model *m, struct pc_diag *d);
void pc_diag_patterns(struct pc_python *py, struct pc_model *m, struct pc_diag *d);

#endif
