/* An analysis: the model of every thread plus the diagnosis; it owns the
 * native and Python contexts whose strings the model points into. */
#ifndef PYCORE_ANALYSIS_H
#define PYCORE_ANALYSIS_H

#include "diagnose/diagnose.h"

struct pc_analysis {
    pc_target *t;
    pc_process_desc proc;
    struct pc_native native;
    struct pc_python py;
    struct pc_model model;
    struct pc_diag diag;        /* findings[0] is the diagnosis */
    const struct pc_module *exe;
    char no_python[256];        /* why there is no Python ("" if there is): a native-only analysis */
};

#endif
