/* Choosing a layout table entry for a target's PY_VERSION_HEX.
 *
 * Each generated entry describes exactly one patch release.  Layouts change
 * within a minor series only rarely, so a release without its own entry
 * borrows the nearest older one of the same minor and build flavour, or the
 * oldest one when it predates them all.  Another minor is never borrowed:
 * those layouts differ for certain. */
#include "layout.h"

#define MINOR_OF(v) ((uint32_t)(v) >> 16)

const struct pc_py_layout *pc_py_layout_find(uint32_t version_hex, int debug_build)
{
    const struct pc_py_layout *below = NULL; /* greatest version_min <= hex */
    const struct pc_py_layout *above = NULL; /* smallest version_min > hex */
    uint8_t debug = debug_build ? 1 : 0;

    for (size_t i = 0; i < pc_py_layouts_count; i++) {
        const struct pc_py_layout *e = &pc_py_layouts[i];

        if (e->debug_build != debug || e->free_threaded || MINOR_OF(e->version_min) != MINOR_OF(version_hex))
            continue;
        if (e->version_min <= version_hex && version_hex <= e->version_max)
            return e;
        if (e->version_min <= version_hex) {
            if (!below || e->version_min > below->version_min)
                below = e;
        } else if (!above || e->version_min < above->version_min) {
            above = e;
        }
    }
    return below ? below : above;
}

/* The table that fills what _Py_DebugOffsets leaves out (dict keys, type
 * and module internals): the newest generated 3.13+ release of the same
 * flavour (default or free-threaded) not newer than the target, else the
 * oldest such one.  Those structures are stable across 3.13-3.15; the
 * debug offsets cover the ones that moved.  Free-threaded builds differ
 * from default ones in every object (a larger header), so one flavour
 * never completes the other. */
const struct pc_py_layout *pc_py_layout_debug_offsets_base(uint32_t version_hex, int free_threaded)
{
    const struct pc_py_layout *below = NULL, *above = NULL;
    for (size_t i = 0; i < pc_py_layouts_count; i++) {
        const struct pc_py_layout *e = &pc_py_layouts[i];
        if (e->debug_build || e->version_min < 0x030d0000 || e->free_threaded != (free_threaded != 0))
            continue;
        if (e->version_min <= version_hex) {
            if (!below || e->version_min > below->version_min)
                below = e;
        } else if (!above || e->version_min < above->version_min)
            above = e;
    }
    return below ? below : above;
}
