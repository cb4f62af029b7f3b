/* The pattern registry (patterns.def) and the rules in precedence order:
 * the first finding is the diagnosis, the others are printed as "Also".
 * A rule's row says when it is moot; the order of the rows, and nothing
 * else, is the precedence (docs/patterns.md, "Precedence"). */
#include "diagnose/rules.h"

#include <string.h>

static const struct {
    const char *id;
    int hang;
    const char *advice;
} patterns[PC_P_COUNT] = {
    [PC_P_NONE] = {"none", 0, NULL},
#define PATTERN(id_, name, hang_, advice_) [PC_P_##id_] = {name, hang_, advice_},
#include "diagnose/patterns.def"
#undef PATTERN
};

const char *pc_pattern_id(int p)
{
    return p > PC_P_NONE && p < PC_P_COUNT ? patterns[p].id : "none";
}

const char *pc_pattern_advice(int p)
{
    return p > PC_P_NONE && p < PC_P_COUNT ? patterns[p].advice : NULL;
}

int pc_pattern_hang(int p)
{
    return p > PC_P_NONE && p < PC_P_COUNT && patterns[p].hang;
}

int pc_pattern_from_id(const char *id)
{
    for (int p = PC_P_NONE + 1; p < PC_P_COUNT; p++)
        if (strcmp(id, patterns[p].id) == 0)
            return p;
    return PC_P_NONE;
}

#define BIT PC_PATTERN_BIT
/* What a graph cycle is reported as (rules_cycle.c). */
#define CYCLE_PATTERNS (BIT(PC_P_SELF_DEADLOCK) | BIT(PC_P_LOCK_ORDER_DEADLOCK) | BIT(PC_P_IMPORT_LOCK_DEADLOCK) | \
                        BIT(PC_P_GIL_HELD_BLOCKING))

static const struct rule {
    const char *name;
    pc_rule_fn fn;
    uint64_t unless;    /* moot once a finding of one of these patterns exists */
    int only_alone;     /* tried only when no rule above found anything */
} rules[] = {
    {"cycle", pc_rule_cycle, 0, 0},
    {"import_wait", pc_rule_import_wait, CYCLE_PATTERNS, 0},
    {"teardown", pc_rule_teardown, 0, 0},
    {"shutdown", pc_rule_shutdown, 0, 0},
    {"gil", pc_rule_gil, BIT(PC_P_GIL_HELD_BLOCKING), 0},
    {"signal", pc_rule_signal, 0, 0},
    {"fork", pc_rule_fork, 0, 0},
    {"pool", pc_rule_pool, 0, 0},
    {"pool_lost", pc_rule_pool_lost, 0, 0},
    {"mp_queue_join", pc_rule_mp_queue_join, 0, 0},
    {"asyncio", pc_rule_asyncio, 0, 0},
    {"asyncio_idle", pc_rule_asyncio_idle, 0, 0},
    {"atexit", pc_rule_atexit, 0, 0},
    {"subprocess", pc_rule_subprocess, 0, 0},
    {"output", pc_rule_output, 0, 0},
    {"queue_join", pc_rule_queue_join, 0, 0},
    {"orphans", pc_rule_orphans, BIT(PC_P_QUEUE_JOIN_UNFINISHED), 0},
    /* A pending Python signal handler alone: any specific finding explains
     * the hang better. */
    {"signal_flag", pc_rule_signal_flag, 0, 1},
    {"busy", pc_rule_busy, 0, 0},
    {"io_wait", pc_rule_io_wait, 0, 0},
};

void pc_diag_patterns(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    pc_diag_graph_build(m, d);
    pc_diag_graph_cycle(m, d);
    for (size_t r = 0; r < sizeof rules / sizeof *rules; r++) {
        if ((rules[r].only_alone && d->nfindings) || pc_rule_found(d, rules[r].unless))
            continue;
        rules[r].fn(py, m, d);
    }
}
