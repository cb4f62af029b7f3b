/* The scopes containing an address: the function and the inlined calls in
 * it, from a per-unit table of functions.
 *
 * libdw's dwarf_getscopes walks the unit's DIE tree for every address (an
 * LTO unit holds thousands of functions, each with its ranges to decode),
 * then walks the unit holding the abstract definition of the innermost
 * inlined function once more: a fifth of a default report's time.  It also
 * returns only the innermost inlined call, so an inline function inlined
 * into another lost its outer call (eu-stack gets those back through
 * dwarf_getscopes_die).
 *
 * Here a unit's top-level functions with code are listed once, with their
 * address ranges, sorted; an address finds its function by binary search,
 * and the concrete tree under that function is descended through the
 * children containing the address, as libdw's own matching does
 * (dwarf_haspc on each child, first match wins).  The answer: every scope
 * from the innermost to the function, innermost first, as dwarf_getscopes
 * orders them, all inlined calls included.  What the table does not hold
 * (a nested function, one in a namespace, an imported unit's code) is left
 * to dwarf_getscopes. */
#include "native/native.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#define MAX_UNITS 4096              /* units indexed in one session */
#define MAX_FUNCS (1u << 22)        /* ranges indexed in one unit */
#define MAX_DEPTH 64                /* nested scopes below a function */
#define MAX_SCAN 256                /* ranges looked at below an address */

struct fn_range {
    Dwarf_Addr lo, hi;              /* [lo, hi) */
    Dwarf_Die die;
    size_t order;                   /* the function's place in the unit */
};

struct unit {
    const void *key;                /* the unit DIE's address in libdw's data */
    struct fn_range *r;
    size_t n;
    Dwarf_Addr max_len;
};

struct pc_scopes {
    struct unit *u;
    size_t n, cap;
};

static int by_lo(const void *a, const void *b)
{
    const struct fn_range *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static int add_ranges(struct unit *u, size_t *cap, Dwarf_Die *fn, size_t order)
{
    Dwarf_Addr base, lo, hi;
    ptrdiff_t off = 0;
    while ((off = dwarf_ranges(fn, off, &base, &lo, &hi)) > 0) {
        if (hi <= lo)
            continue;
        if (u->n >= MAX_FUNCS || pc_grow(&u->r, cap, u->n + 1, sizeof *u->r))
            return -1;
        u->r[u->n++] = (struct fn_range){lo, hi, *fn, order};
        if (hi - lo > u->max_len)
            u->max_len = hi - lo;
    }
    return 0;
}

static int build(struct unit *u, Dwarf_Die *cu)
{
    Dwarf_Die d;
    size_t cap = 0, order = 0;
    if (dwarf_child(cu, &d) != 0)
        return 0;
    do {
        if (dwarf_tag(&d) == DW_TAG_subprogram && add_ranges(u, &cap, &d, order++))
            return -1;
    } while (dwarf_siblingof(&d, &d) == 0);
    qsort(u->r, u->n, sizeof *u->r, by_lo);
    return 0;
}

static struct unit *unit_of(struct pc_native *n, Dwarf_Die *cu)
{
    if (!n->scopes && !(n->scopes = calloc(1, sizeof *n->scopes)))
        return NULL;
    struct pc_scopes *s = n->scopes;
    for (size_t i = 0; i < s->n; i++)
        if (s->u[i].key == cu->addr)
            return &s->u[i];
    if (s->n >= MAX_UNITS || pc_grow(&s->u, &s->cap, s->n + 1, sizeof *s->u))
        return NULL;
    struct unit *u = &s->u[s->n];
    memset(u, 0, sizeof *u);
    u->key = cu->addr;
    if (build(u, cu)) {
        free(u->r);
        return NULL;
    }
    s->n++;
    return u;
}

/* The function containing addr: of those whose ranges hold it, the first
 * in the unit, as a walk of the unit finds it. */
static const struct fn_range *function_at(const struct unit *u, Dwarf_Addr addr)
{
    size_t lo = 0, hi = u->n;       /* first range starting above addr */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u->r[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    const struct fn_range *best = NULL;
    for (size_t i = lo, k = 0; i-- > 0 && k < MAX_SCAN; k++) {
        const struct fn_range *r = &u->r[i];
        if (addr - r->lo >= u->max_len)
            break;
        if (addr < r->hi && (!best || r->order < best->order))
            best = r;
    }
    return best;
}

static int may_hold_scopes(int tag)
{
    switch (tag) {
    case DW_TAG_lexical_block:
    case DW_TAG_inlined_subroutine:
    case DW_TAG_subprogram:
    case DW_TAG_with_stmt:
    case DW_TAG_catch_block:
    case DW_TAG_try_block:
    case DW_TAG_entry_point:
    case DW_TAG_module:
        return 1;
    default:
        return 0;
    }
}

int pc_scopes_at(struct pc_native *n, Dwarf_Die *cu, Dwarf_Addr addr, Dwarf_Die **out)
{
    *out = NULL;
    struct unit *u = unit_of(n, cu);
    const struct fn_range *f = u ? function_at(u, addr) : NULL;
    if (!f)
        return -1;
    Dwarf_Die chain[MAX_DEPTH];
    int depth = 0;
    chain[depth++] = f->die;
    while (depth < MAX_DEPTH) {
        Dwarf_Die c;
        int found = 0;
        if (dwarf_child(&chain[depth - 1], &c) == 0) {
            do
                found = may_hold_scopes(dwarf_tag(&c)) && dwarf_haspc(&c, addr) > 0;
            while (!found && dwarf_siblingof(&c, &c) == 0);
        }
        if (!found)
            break;
        chain[depth++] = c;
    }
    Dwarf_Die *s = malloc((size_t)depth * sizeof *s);
    if (!s)
        return -1;
    for (int i = 0; i < depth; i++)
        s[i] = chain[depth - 1 - i];
    *out = s;
    return depth;
}

void pc_scopes_free(struct pc_native *n)
{
    if (!n->scopes)
        return;
    for (size_t i = 0; i < n->scopes->n; i++)
        free(n->scopes->u[i].r);
    free(n->scopes->u);
    free(n->scopes);
    n->scopes = NULL;
}
