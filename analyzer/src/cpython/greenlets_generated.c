/* GENERATED FILE - DO NOT EDIT.
 * Produced by analyzer/src/cpython/gen/gen_greenlet.py, which compiles
 * gen/greenlet_probe.cpp against greenlet's installed headers.
 * Regenerate with gen_greenlet.py; verify with gen_greenlet.py --check. */
#include "layout.h"

const struct pc_greenlet_layout pc_greenlet_layouts[] = {
    { .py_minor = 0x030b, .greenlet_version = "2.0.2",
      .source = "greenlet 2.0.2 headers, CPython 3.11",
      .pimpl = 32, .stack_start = 48, .stack_stop = 56, .top_frame = 96, .current_frame = 128, .cframe = 104, .main_greenlet = 168, .parent = 184, .run_callable = 176, .thread_state = 168, .ts_current = 8,
    },
};
const size_t pc_greenlet_layouts_count =
    sizeof pc_greenlet_layouts / sizeof pc_greenlet_layouts[0];
