/* CFI unwinding by libdwfl, fed by the target interface: libdwfl asks
 * us for memory words and initial registers, so the same code unwinds a
 * core, a live process or a gdb inferior. */
#include "native/native.h"
#include "arch/arch.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* *thread_argp holds the pc_thread_desc being iterated. */
static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
    (void)dwfl;
    struct pc_native *n = arg;
    pc_thread_desc *cur = *thread_argp;
    size_t idx = cur ? (size_t)(cur - n->threads) + 1 : 0;
    if (idx >= n->nthreads)
        return 0;
    *thread_argp = &n->threads[idx];
    return n->threads[idx].tid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
    (void)dwfl;
    struct pc_native *n = arg;
    for (size_t i = 0; i < n->nthreads; i++)
        if (n->threads[i].tid == tid) {
            *thread_argp = &n->threads[i];
            return true;
        }
    return false;
}

/* A code address as the unwinder must see it: one signed by pointer
 * authentication (a signature in its high bits, pc_arch_code_address;
 * libdw 0.188 does not strip it) is its address when that lies in a module.
 * A word that only looks so (data in a saved register) keeps its value
 * unless its address bits fall in code. */
static uint64_t code_address(struct pc_native *n, const pc_thread_desc *t, uint64_t v)
{
    uint64_t a = pc_arch_code_address(t, v);
    return a != v && dwfl_addrmodule(n->dwfl, a) ? a : v;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
    (void)dwfl;
    struct pc_native *n = arg;
    uint64_t v;
    if (pc_read(n->t, addr, &v, sizeof v))
        return false;
    *result = n->nthreads ? code_address(n, &n->threads[0], v) : v;
    return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
    const pc_thread_desc *t = thread_arg;
    Dwarf_Word dw[64];              /* uint64_t, as the arch layer writes them */
    unsigned first = 0;
    size_t count = pc_arch_dwarf_regs(t, dw, 64, &first);
    if (!count || !dwfl_thread_state_registers(thread, (int)first, count, dw))
        return false;
    dwfl_thread_state_register_pc(thread, pc_arch_pc(t));
    return true;
}

static const Dwfl_Thread_Callbacks thread_cbs = {
    .next_thread = next_thread,
    .get_thread = get_thread,
    .memory_read = memory_read,
    .set_initial_registers = set_initial_registers,
};

static int attach(struct pc_native *n)
{
    if (n->attached)
        return n->attached > 0 ? 0 : -1;
    n->attached = -1;
    pid_t pid = n->nthreads ? n->threads[0].tid : 1;
    const pc_process_desc *p = pc_target_process(n->t);
    if (p && p->pid)
        pid = p->pid;
    if (!dwfl_attach_state(n->dwfl, NULL, pid, &thread_cbs, n))
        return -1;
    n->attached = 1;
    return 0;
}

struct walk {
    struct pc_native *n;
    struct pc_native_frame *out;
    size_t max, count;
};

static const char *die_name(Dwarf_Die *die)
{
    Dwarf_Attribute a;
    const char *s = NULL;
    if (dwarf_attr_integrate(die, DW_AT_linkage_name, &a) ||
        dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
        s = dwarf_formstring(&a);
    if (!s)
        s = dwarf_diename(die);
    return s;
}

static const void *innermost_inlined(const Dwarf_Die *s, int n)
{
    for (int i = 0; i < n; i++)
        if (dwarf_tag((Dwarf_Die *)&s[i]) == DW_TAG_inlined_subroutine)
            return s[i].addr;
    return NULL;
}

/* scopes.c's answer, or libdw's where it has none.  The self-check asks
 * libdw too: the innermost scope and inlined call must be the same DIEs
 * (libdw's list stops at the innermost inlined call; scopes.c's goes on;
 * test_gdb_oracle checks the whole chain against gdb's bt). */
static int scopes_at(struct pc_native *n, Dwarf_Die *cu, Dwarf_Addr addr, Dwarf_Die **scopes)
{
    int ns = pc_scopes_at(n, cu, addr, scopes);
    if (ns < 0)
        return dwarf_getscopes(cu, addr, scopes);
    if (n->symcheck) {
        Dwarf_Die *theirs = NULL;
        int nt = dwarf_getscopes(cu, addr, &theirs);
        /* libdw answers nothing when the inlined function's abstract
         * definition is in another unit (LTO, dwz): no check then */
        if (nt > 0 && (theirs[0].addr != (*scopes)[0].addr ||
                       innermost_inlined(theirs, nt) != innermost_inlined(*scopes, ns)))
            pc_native_warn(n, "scope self-check: at %#llx (unit-relative) the innermost scope or inlined call "
                              "differs from dwarf_getscopes'", (unsigned long long)addr);
        free(theirs);
    }
    return ns;
}

/* Source position and inlined calls at lookup_pc: emits the inlined
 * frames (innermost first) before the physical one. */
static void describe(struct walk *w, uint64_t pc, uint64_t lookup, const struct pc_module *mod,
                     Dwfl_Module *dwmod)
{
    struct pc_native_frame base = {.pc = pc, .lookup_pc = lookup, .module = mod};
    if (dwmod) {
        struct pc_module *m = &w->n->mods[mod - w->n->mods];     /* mod, writable */
        uint64_t off = 0;
        base.function = pc_native_addr_symbol(w->n, m, lookup, &off);
        base.offset = base.function ? off + (lookup != pc) : 0;
        if (w->n->no_source)
            goto done;
        Dwarf_Addr bias = 0;
        Dwarf_Die *cu = dwfl_module_addrdie(dwmod, lookup, &bias);
        if (!m->unit_index_released) {
            m->unit_index_released = 1;
            pc_native_release_unit_index(dwmod);
        }
        Dwarf_Die *scopes = NULL;
        int ns = cu ? scopes_at(w->n, cu, lookup - bias, &scopes) : 0;
        /* The innermost position comes from the line table (lines.c,
         * answered after all threads are unwound); each inlined call's
         * caller is at that call's site. */
        uint32_t req = cu ? pc_lines_request(w->n, cu, lookup - bias) : 0;
        const char *file = NULL;
        int ln = 0;
        for (int i = 0; i < ns && w->count < w->max; i++) {
            if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
                continue;
            struct pc_native_frame f = base;
            f.function = die_name(&scopes[i]);
            f.offset = 0;
            f.file = file;
            f.line = ln;
            f.line_req = req;
            f.inlined = 1;
            w->out[w->count++] = f;
            Dwarf_Attribute a;
            Dwarf_Word cl = 0, cf = 0;
            if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &a), &cl) == 0)
                ln = (int)cl;
            if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &a), &cf) == 0)
                file = pc_lines_file(w->n, cu, cf);
            req = 0;
        }
        base.line_req = req;
        if (ns > 0 && (size_t)ns <= w->max) {
            /* The outermost real function name overrides an inlined one. */
            for (int i = 0; i < ns; i++)
                if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram) {
                    const char *nm = die_name(&scopes[i]);
                    if (nm && !base.function)
                        base.function = nm;
                    break;
                }
        }
        free(scopes);
        base.file = file;
        base.line = ln;
    }
done:
    if (w->count < w->max)
        w->out[w->count++] = base;
}

static struct pc_pc_slot *slot_for(struct pc_native *n, uint64_t key)
{
    if (!n->pc_slots && !(n->pc_slots = calloc(PC_PC_SLOTS, sizeof *n->pc_slots)))
        return NULL;
    size_t h = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 52) % PC_PC_SLOTS;
    for (size_t i = 0; i < PC_PC_SLOTS; i++) {
        struct pc_pc_slot *s = &n->pc_slots[(h + i) % PC_PC_SLOTS];
        if (s->pc == key || s->pc == 0)
            return s;
    }
    return NULL;   /* full: describe without caching */
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
    struct walk *w = arg;
    struct pc_native *n = w->n;
    Dwarf_Addr pc;
    bool activation;
    if (w->count >= w->max || !dwfl_frame_pc(state, &pc, &activation))
        return DWARF_CB_ABORT;
    uint64_t lookup = activation ? pc : pc - 1;
    /* The key tells an activation pc from a return address. */
    uint64_t key = (lookup << 1) | (activation ? 1 : 0);
    struct pc_pc_slot *slot = slot_for(n, key);
    if (slot && slot->pc == key) {
        for (uint32_t i = 0; i < slot->count && w->count < w->max; i++)
            w->out[w->count++] = n->pc_pool[slot->first + i];
        return DWARF_CB_OK;
    }
    size_t before = w->count;
    const struct pc_module *mod = pc_native_module_at(n, lookup);
    describe(w, pc, lookup, mod, mod ? mod->dw : NULL);
    size_t added = w->count - before;
    if (slot && added && !pc_grow(&n->pc_pool, &n->pc_pool_cap, n->pc_pool_len + added, sizeof *n->pc_pool)) {
        memcpy(n->pc_pool + n->pc_pool_len, w->out + before, added * sizeof *w->out);
        slot->pc = key;
        slot->first = (uint32_t)n->pc_pool_len;
        slot->count = (uint32_t)added;
        n->pc_pool_len += added;
    }
    return DWARF_CB_OK;
}

size_t pc_native_unwind(struct pc_native *n, size_t ti, struct pc_native_frame *out,
                        size_t max, int *complete, char *why, size_t whylen)
{
    struct walk w = {n, out, max, 0};
    *complete = 0;
    if (why && whylen)
        why[0] = 0;
    if (ti >= n->nthreads || attach(n)) {
        if (why)
            snprintf(why, whylen, "cannot attach unwinder: %s", dwfl_errmsg(-1));
        return 0;
    }
    int rc = dwfl_getthread_frames(n->dwfl, n->threads[ti].tid, frame_cb, &w);
    if (rc == 0)
        *complete = 1;
    else if (w.count >= max)
        snprintf(why, whylen, "stack deeper than %zu frames: cut", max);
    else if (rc == -1 && why)
        snprintf(why, whylen, "%s", dwfl_errmsg(-1));
    if (rc == -1 && dwfl_errno() == 0)
        *complete = 1;
    return w.count;
}
