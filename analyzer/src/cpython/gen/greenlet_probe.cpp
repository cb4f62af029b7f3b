/* Offsets of greenlet's private C++ state, from greenlet's own headers
 * (installed beside its module by Debian's python3-greenlet).  Compiled
 * with -S only, never linked or run: each EMIT leaves "#PCOFF name value"
 * in the assembly, which gen_greenlet.py collects.  Private members are
 * made public for offsetof; the layout itself is untouched. */
#include <cstddef>
#define private public
#define protected public
#include "greenlet_greenlet.hpp"
#include "greenlet_thread_state.hpp"
#undef private
#undef protected

using namespace greenlet;

#define EMIT(name, val) asm volatile("\n#PCOFF " #name " %c0" ::"i"((long)(val)))
#define IN_GREENLET(member, cls, field) (offsetof(Greenlet, member) + offsetof(cls, field))

/* What the reader assumes of the smart pointers: one raw pointer each. */
static_assert(sizeof(PythonState::OwnedFrame) == sizeof(void *), "OwnedFrame is a pointer");
static_assert(sizeof(OwnedGreenlet) == sizeof(void *), "OwnedGreenlet is a pointer");
static_assert(sizeof(OwnedMainGreenlet) == sizeof(void *), "OwnedMainGreenlet is a pointer");

void pc_greenlet_probe(void)
{
    EMIT(py_version, PY_VERSION_HEX);
    EMIT(pimpl, offsetof(PyGreenlet, pimpl));
    EMIT(stack_start, IN_GREENLET(stack_state, StackState, _stack_start));
    EMIT(stack_stop, IN_GREENLET(stack_state, StackState, stack_stop));
    EMIT(top_frame, IN_GREENLET(python_state, PythonState, _top_frame));
#if GREENLET_PY311
    EMIT(current_frame, IN_GREENLET(python_state, PythonState, current_frame));
#else
    EMIT(current_frame, -1);
#endif
#if GREENLET_USE_CFRAME
    EMIT(cframe, IN_GREENLET(python_state, PythonState, cframe));
#else
    EMIT(cframe, -1);
#endif
    EMIT(main_greenlet, offsetof(UserGreenlet, _main_greenlet));
    EMIT(parent, offsetof(UserGreenlet, _parent));
    EMIT(run_callable, offsetof(UserGreenlet, _run_callable));
    EMIT(thread_state, offsetof(MainGreenlet, _thread_state));
    EMIT(ts_current, offsetof(ThreadState, current_greenlet));
}
