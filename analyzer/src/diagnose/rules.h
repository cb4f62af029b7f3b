/* The diagnosis rules (rules_*.c) and what they share (rule_util.c).
 * Every rule has one signature and adds findings for the patterns of
 * patterns.def; rules.def lists them in precedence order, with what makes a
 * rule moot.  Adding a pattern: docs/architecture.md, "Adding a pattern". */
#ifndef PYCORE_RULES_H
#define PYCORE_RULES_H

#include "diagnose/diagnose.h"

typedef void (*pc_rule_fn)(struct pc_python *py, struct pc_model *m, struct pc_diag *d);

#define RULE(name, unless, only_alone) void pc_rule_##name(struct pc_python *py, struct pc_model *m, struct pc_diag *d);
#include "diagnose/rules.def"
#undef RULE

/* The wait-for graph (graph.c): edges, then the first cycle. */
void pc_diag_graph_build(struct pc_model *m, struct pc_diag *d);
void pc_diag_graph_cycle(struct pc_model *m, struct pc_diag *d);

/* A new finding (NULL when the list is full: the helpers below accept
 * NULL, so a rule need not check). */
struct pc_finding *pc_rule_add(struct pc_diag *d, int pattern, int conf);
void pc_rule_ev(struct pc_finding *f, const char *fmt, ...) PC_PRINTF(2, 3);
void pc_rule_summary(struct pc_finding *f, const char *fmt, ...) PC_PRINTF(2, 3);
void pc_rule_with_thread(struct pc_finding *f, size_t i);
/* "Worker.park (app.py:12)": where thread i waits, in user code. */
const char *pc_rule_where(const struct pc_model *m, const struct pc_diag *d, size_t i, char *buf, size_t n);
/* "Lock.acquire (app.py:12)": the first of frames [from, n) whose file
 * is not inside the library named by skip ("/asyncio/", "/gevent/"). */
const char *pc_rule_frames_where(const struct pc_py_frame *py, size_t n, size_t from, const char *skip, char *buf,
                                 size_t len);
/* Evidence lines for thread i's wait: what, where, how it is known. */
void pc_rule_describe_wait(struct pc_finding *f, const struct pc_model *m, const struct pc_diag *d, size_t i);
int pc_rule_has_frame(const struct pc_thread_model *t, const char *file_suffix, const char *name);
int pc_rule_has_native(const struct pc_thread_model *t, const char *fn);
/* The first object of a frame that pred accepts: locals (cells opened),
 * then the value stack, whose stale slots pred's type checks reject; or 0. */
typedef int (*pc_obj_pred)(struct pc_python *py, uint64_t obj, void *arg);
uint64_t pc_rule_frame_object(struct pc_python *py, const struct pc_py_frame *f, pc_obj_pred pred, void *arg);
/* A wait that only another thread can end (a lock, an event, a condition,
 * a queue get, a future, a join) and that has no timeout. */
int pc_rule_blocks_forever(const struct pc_wait *w);
/* Evidence lines for the pending asyncio tasks of the loop that thread
 * runs: what each waits on, where (at most 8, then a count). */
void pc_rule_task_evidence(struct pc_finding *f, const struct pc_model *m, size_t thread);
/* A graph where each node waits for one other at most (next[i], SIZE_MAX
 * none): a node on a cycle, or SIZE_MAX.  mark: n zeroed bytes (scratch). */
size_t pc_rule_next_cycle(const size_t *next, size_t n, unsigned char *mark);
/* Is there a finding of one of these patterns (PC_PATTERN_BIT mask)? */
int pc_rule_found(const struct pc_diag *d, uint64_t patterns);
/* Is thread i part of a hang finding already made? */
int pc_rule_in_hang(const struct pc_diag *d, size_t thread);

#endif
