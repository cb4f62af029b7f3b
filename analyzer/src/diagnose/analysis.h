/* An analysis: the model of every thread plus the diagnosis; it owns the
 * native and Python contexts whose strings the model points into. */
#ifndef PYCORE_ANALYSIS_H
#define PYCORE_ANALYSIS_H

#include "cpython/model.h"

struct pc_diagnosis {
    const char *pattern;        /* an id from docs/patterns.md; "none" */
};

struct pc_analysis {
    pc_target *t;
    pc_process_desc proc;
    struct pc_native native;
    struct pc_python py;
    struct pc_model model;
    struct pc_diagnosis diagnosis;
    const struct pc_module *exe;
};

#endif
