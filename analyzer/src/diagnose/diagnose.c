/* pc_diagnose: waits, holders, graph, patterns; findings ordered by how
 * specific they are (docs/patterns.md, "Precedence"). */
#include "diagnose/diagnose.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int pc_diagnose(struct pc_python *py, struct pc_model *m, struct pc_diag *d)
{
    memset(d, 0, sizeof *d);
    d->waits = calloc(m->nthreads ? m->nthreads : 1, sizeof *d->waits);
    d->locks = calloc(PC_MAX_LOCKS, sizeof *d->locks);
    d->edges = calloc(PC_MAX_EDGES, sizeof *d->edges);
    d->findings = calloc(PC_MAX_FINDINGS, sizeof *d->findings);
    if (!d->waits || !d->locks || !d->edges || !d->findings) {
        pc_diag_free(d);
        return PC_E_INTERNAL;
    }
    for (size_t i = 0; i < m->nthreads; i++)
        if (m->threads[i].desc.flags & PC_THREAD_SIGMASKS)
            d->masks_known = 1;
    if (!py) {
        /* No Python: nothing to diagnose; every wait unknown. */
        for (size_t i = 0; i < m->nthreads; i++) {
            d->waits[i].lock = d->waits[i].target = SIZE_MAX;
            d->waits[i].timeout = -1;
        }
        return PC_OK;
    }
    pc_diag_waits(py, m, d);
    pc_diag_patterns(py, m, d);
    return PC_OK;
}

void pc_diag_free(struct pc_diag *d)
{
    free(d->waits);
    free(d->locks);
    free(d->edges);
    free(d->cycle);
    free(d->findings);
    memset(d, 0, sizeof *d);
}
