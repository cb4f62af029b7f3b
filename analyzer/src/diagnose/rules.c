/* The pattern registry (patterns.def) and the rule table (rules.def): the
 * first finding is the diagnosis, the others are printed as "Also". */
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
#define RULE(name, unless, only_alone) {#name, pc_rule_##name, unless, only_alone},
#include "diagnose/rules.def"
#undef RULE
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
