/* Address -> symbol, as libdwfl's dwfl_module_addrinfo answers it, from a
 * table sorted by address.  libdwfl walks the whole symbol table for every
 * address (tens of thousands of symbols in python3.11's debug file, each
 * through a section-header lookup): that was the largest part of a
 * --no-source report and of triage.
 *
 * The same answer, not a similar one.  libdwfl looks at the global symbols
 * first, then (if none fits) at the local ones, and among the sized symbols
 * containing the address keeps, in table order, one that starts higher or
 * binds stronger (GLOBAL > WEAK > LOCAL), and at an equal start a smaller
 * or stronger one.  Here the sized symbols containing the address are found
 * through the sorted table and folded in table order by that very rule.
 * What this table does not decide (no sized symbol contains the address,
 * so that libdwfl's fallback to an unsized label applies; an unsized global
 * exactly at the address; a split symbol table) is answered by libdwfl. */
#include "arch/arch.h"
#include "native/native.h"

#include <elf.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCAN 4096               /* entries looked at below an address */
#define MAX_CANDIDATES 64

struct pc_symentry {
    uint64_t value, size;
    const char *name;
    uint32_t index;                 /* in the symbol table: libdwfl's order */
    uint8_t rank;                   /* GLOBAL 3, WEAK 2, LOCAL 1, other 0 */
    uint8_t global;                 /* index >= first_global */
};

struct pc_symindex {
    struct pc_symentry *e;
    size_t n;
    uint64_t max_size;
    /* Names -> entries (position + 1; 0 empty), open addressing, built on
     * the first lookup by name: the interpreter's symbols were looked up
     * by a walk of the whole table each, most of a --no-source report. */
    uint32_t *by_name;
    size_t nslots;                  /* a power of two, at least twice n */
};

/* By value, then table index.  The entries come in table order, so a
 * stable sort by value alone gives that order: an LSD radix sort, a byte a
 * pass, skipping the bytes all values share (a module's addresses differ in
 * three or four).  qsort's comparisons were a tenth of a report's time. */
static int sort_by_value(struct pc_symentry *e, size_t n)
{
    struct pc_symentry *tmp = n > 1 ? malloc(n * sizeof *e) : NULL;
    if (n > 1 && !tmp)
        return -1;
    struct pc_symentry *src = e, *dst = tmp;
    for (unsigned shift = 0; shift < 64 && n > 1; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++)
            count[(src[i].value >> shift) & 0xff]++;
        if (count[(src[0].value >> shift) & 0xff] == n)
            continue;               /* every value has this byte */
        size_t pos = 0;
        for (size_t d = 0; d < 256; d++) {
            size_t c = count[d];
            count[d] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i].value >> shift) & 0xff]++] = src[i];
        struct pc_symentry *t = src;
        src = dst;
        dst = t;
    }
    if (src != e)
        memcpy(e, src, n * sizeof *e);
    free(tmp);
    return 0;
}

static uint8_t rank_of(const GElf_Sym *s)
{
    switch (GELF_ST_BIND(s->st_info)) {
    case STB_GLOBAL: return 3;
    case STB_WEAK: return 2;
    case STB_LOCAL: return 1;
    default: return 0;
    }
}

/* The table libdwfl reads for this module, if it is one section of one
 * file: its .symtab, else its .dynsym. */
static Elf_Scn *table_of(Elf *elf, GElf_Shdr *sh)
{
    Elf_Scn *dyn = NULL, *scn = NULL;
    GElf_Shdr dsh;
    while ((scn = elf_nextscn(elf, scn)) != NULL) {
        GElf_Shdr s;
        if (!gelf_getshdr(scn, &s))
            continue;
        if (s.sh_type == SHT_SYMTAB) {
            *sh = s;
            return scn;
        }
        if (s.sh_type == SHT_DYNSYM && !dyn) {
            dyn = scn;
            dsh = s;
        }
    }
    if (dyn)
        *sh = dsh;
    return dyn;
}

static struct pc_symindex *build(Dwfl_Module *dw)
{
    int cnt = dwfl_module_getsymtab(dw);
    int first_global = dwfl_module_getsymtab_first_global(dw);
    if (cnt <= 1 || first_global < 0)
        return NULL;
    GElf_Sym sym;
    GElf_Addr a, bias1 = 0, bias2 = 0;
    Elf *e1 = NULL, *e2 = NULL;
    dwfl_module_getsym_info(dw, 1, &sym, &a, NULL, &e1, &bias1);
    dwfl_module_getsym_info(dw, cnt - 1, &sym, &a, NULL, &e2, &bias2);
    GElf_Ehdr eh;
    GElf_Shdr sh;
    Elf_Scn *scn;
    if (!e1 || e1 != e2 || bias1 != bias2 || !gelf_getehdr(e1, &eh) || eh.e_type == ET_REL ||
        !pc_arch_of(eh.e_machine) || !(scn = table_of(e1, &sh)) || !sh.sh_entsize ||
        sh.sh_size / sh.sh_entsize != (uint64_t)cnt)
        return NULL;                /* not the plain case: libdwfl answers */
    Elf_Data *data = elf_getdata(scn, NULL);
    struct pc_symindex *x = calloc(1, sizeof *x);
    if (!data || !x || !(x->e = calloc((size_t)cnt, sizeof *x->e))) {
        free(x);
        return NULL;
    }
    for (int k = 1; k < cnt; k++) {
        if (!gelf_getsym(data, k, &sym) || sym.st_shndx == SHN_UNDEF || sym.st_name == 0)
            continue;
        int type = GELF_ST_TYPE(sym.st_info);
        if (type == STT_SECTION || type == STT_FILE || type == STT_TLS)
            continue;
        const char *name = elf_strptr(e1, sh.sh_link, sym.st_name);
        if (!name || !name[0])
            continue;
        /* libdwfl adjusts the value of symbols of real sections only */
        int adjusted = sym.st_shndx < SHN_LORESERVE || sym.st_shndx == SHN_XINDEX;
        x->e[x->n++] = (struct pc_symentry){adjusted ? sym.st_value + bias1 : sym.st_value, sym.st_size, name,
                                            (uint32_t)k, rank_of(&sym), k >= first_global};
        if (sym.st_size > x->max_size)
            x->max_size = sym.st_size;
    }
    if (sort_by_value(x->e, x->n)) {
        pc_symindex_free(x);
        return NULL;
    }
    pc_native_release_pages(data->d_buf, data->d_size);    /* indexed: read again only for the odd symbol */
    return x;
}

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int build_names(struct pc_symindex *x)
{
    if (x->by_name)
        return 0;
    if (x->n >= UINT32_MAX / 4)
        return -1;
    size_t slots = 64;
    while (slots < 2 * x->n)
        slots *= 2;
    if (!(x->by_name = calloc(slots, sizeof *x->by_name)))
        return -1;
    x->nslots = slots;
    for (size_t k = 0; k < x->n; k++) {
        size_t h = name_hash(x->e[k].name) & (slots - 1);
        while (x->by_name[h])
            h = (h + 1) & (slots - 1);
        x->by_name[h] = (uint32_t)k + 1;
    }
    return 0;
}

int pc_symindex_find(struct pc_symindex *x, const char *name, uint64_t *value)
{
    if (build_names(x))
        return -1;
    const struct pc_symentry *best = NULL;
    size_t h = name_hash(name) & (x->nslots - 1);
    for (size_t probes = 0; x->by_name[h] && probes < x->nslots; probes++, h = (h + 1) & (x->nslots - 1)) {
        const struct pc_symentry *e = &x->e[x->by_name[h] - 1];
        if (e->value && (!best || e->index < best->index) && strcmp(e->name, name) == 0)
            best = e;
    }
    if (!best)
        return 0;
    *value = best->value;
    return 1;
}

void pc_symindex_free(struct pc_symindex *x)
{
    if (x) {
        free(x->by_name);
        free(x->e);
        free(x);
    }
}

static int by_index(const void *a, const void *b)
{
    const struct pc_symentry *const *x = a, *const *y = b;
    return ((*x)->index > (*y)->index) - ((*x)->index < (*y)->index);
}

/* libdwfl's choice among sized symbols containing the address, folded in
 * table order. */
static const struct pc_symentry *fold(const struct pc_symentry **c, size_t n)
{
    qsort(c, n, sizeof *c, by_index);
    const struct pc_symentry *best = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct pc_symentry *s = c[i];
        if (!best || best->value < s->value || best->rank < s->rank)
            best = s;
        else if (best->value == s->value &&
                 ((best->size > s->size && best->rank <= s->rank) || (best->size >= s->size && best->rank < s->rank)))
            best = s;
    }
    return best;
}

/* 1 answered (*name may be NULL only when 0 is returned), 0: ask libdwfl. */
static int lookup(const struct pc_symindex *x, uint64_t addr, const char **name, uint64_t *off)
{
    size_t lo = 0, hi = x->n;           /* first entry above addr */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->e[mid].value <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    const struct pc_symentry *glob[MAX_CANDIDATES], *loc[MAX_CANDIDATES];
    size_t ng = 0, nl = 0, looked = 0;
    for (size_t j = lo; j-- > 0;) {
        const struct pc_symentry *s = &x->e[j];
        if (addr - s->value > x->max_size)
            break;                      /* no symbol further down reaches addr */
        if (++looked > MAX_SCAN)
            return 0;
        if (s->size == 0) {
            if (s->global && s->value == addr)
                return 0;               /* an unsized global at addr: libdwfl's fallback rules */
            continue;
        }
        if (addr - s->value >= s->size)
            continue;
        if ((s->global ? ng : nl) >= MAX_CANDIDATES)
            return 0;
        if (s->global)
            glob[ng++] = s;
        else
            loc[nl++] = s;
    }
    const struct pc_symentry *best = ng ? fold(glob, ng) : nl ? fold(loc, nl) : NULL;
    if (!best)
        return 0;
    *name = best->name;
    *off = addr - best->value;
    return 1;
}

struct pc_symindex *pc_native_symindex(struct pc_module *mod)
{
    if (!mod->symidx_tried && mod->dw) {
        mod->symidx_tried = 1;
        mod->symidx = build(mod->dw);
    }
    return mod->symidx;
}

const char *pc_native_addr_symbol(struct pc_native *n, struct pc_module *mod, uint64_t addr, uint64_t *off)
{
    *off = 0;
    if (!mod->dw)
        return NULL;
    pc_native_symindex(mod);
    const char *name = NULL;
    uint64_t o = 0;
    int fast = mod->symidx && lookup(mod->symidx, addr, &name, &o);
    if (!fast || n->symcheck) {
        GElf_Off lo = 0;
        GElf_Sym sym;
        const char *slow = dwfl_module_addrinfo(mod->dw, addr, &lo, &sym, NULL, NULL, NULL);
        if (fast && (!slow || strcmp(slow, name) != 0 || lo != o))
            pc_native_warn(n, "symbol self-check: %s+%#llx at %#llx, libdwfl says %s+%#llx", name,
                           (unsigned long long)o, (unsigned long long)addr, slow ? slow : "(none)",
                           (unsigned long long)lo);
        if (!fast) {
            *off = slow ? lo : 0;
            return slow;
        }
    }
    *off = o;
    return name;
}
