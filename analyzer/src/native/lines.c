/* Source lines from DWARF line programs, read on demand.
 *
 * libdw's dwarf_getsrclines (behind dwfl_module_getsrc and
 * dwarf_getsrcfiles) decodes a unit's whole line program into memory; the
 * units of an LTO build are large, so that was most of a default report's
 * time and memory.  Here a unit's file table is parsed from its header
 * alone, and the rows are decoded once per unit for all the addresses
 * asked of it (pc_lines_request during unwinding, pc_lines_resolve once
 * after), keeping no row.  The answer is libdw's: the last row at or below
 * the address in the sequence that covers it.  DWARF 2-5; every read is
 * bounded by its section, so a corrupt table gives no line, never a
 * crash. */
#include "native/native.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 65536             /* entries of one file table */
#define MAX_REQS (1u << 20)

struct sect {
    const uint8_t *p;
    size_t n;
};

/* One line program (a unit's): where it is and its file names. */
struct table {
    Dwarf *dbg;
    Dwarf_Off off;              /* in .debug_line */
    struct sect line, line_str, str;
    int ok;                     /* header parsed */
    int version, offset_size;
    uint8_t min_inst, default_stmt, opcode_base, line_range;
    int8_t line_base;
    const uint8_t *std_lens;    /* opcode_base - 1 entries */
    const uint8_t *prog, *end;
    char **files;               /* full names, as libdw joins them */
    size_t nfiles, fcap;
};

struct req {
    size_t table;
    Dwarf_Addr addr;
    Dwarf_Addr best;            /* address of the row found so far */
    int found;
    const char *file;
    int line;
};

struct pc_lines {
    struct table *t;
    size_t nt, tcap;
    struct req *r;
    size_t nr, rcap;
};

static int uleb(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; *p < end && shift < 64; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

static int sleb(const uint8_t **p, const uint8_t *end, int64_t *v)
{
    uint64_t r = 0;
    int shift = 0;
    uint8_t b = 0;
    do {
        if (*p >= end || shift >= 64)
            return -1;
        b = *(*p)++;
        r |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40))
        r |= ~(uint64_t)0 << shift;
    *v = (int64_t)r;
    return 0;
}

static int fixed(const uint8_t **p, const uint8_t *end, size_t size, uint64_t *v)
{
    if (*p > end || (size_t)(end - *p) < size || size > 8)
        return -1;
    *v = 0;
    for (size_t i = 0; i < size; i++)   /* little-endian: the hosts and cores we read */
        *v |= (uint64_t)(*p)[i] << (8 * i);
    *p += size;
    return 0;
}

/* A NUL-terminated string inside a section, or NULL. */
static const char *str_at(const struct sect *s, uint64_t off)
{
    if (!s->p || off >= s->n || !memchr(s->p + off, 0, s->n - off))
        return NULL;
    return (const char *)s->p + off;
}

static const char *inline_str(const uint8_t **p, const uint8_t *end)
{
    if (*p >= end)
        return NULL;
    const uint8_t *z = memchr(*p, 0, (size_t)(end - *p));
    if (!z)
        return NULL;
    const char *s = (const char *)*p;
    *p = z + 1;
    return s;
}

static struct sect section(Elf *elf, const char *name)
{
    struct sect s = {NULL, 0};
    size_t shstrndx;
    if (!elf || elf_getshdrstrndx(elf, &shstrndx))
        return s;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        const char *nm;
        if (!gelf_getshdr(scn, &sh) || !(nm = elf_strptr(elf, shstrndx, sh.sh_name)) || strcmp(nm, name))
            continue;
        /* libdw has decompressed SHF_COMPRESSED sections in place already */
        Elf_Data *d = elf_getdata(scn, NULL);
        if (d && d->d_buf && sh.sh_type != SHT_NOBITS) {
            s.p = d->d_buf;
            s.n = d->d_size;
        }
        break;
    }
    return s;
}

/* One entry's value in a DWARF 5 directory or file table: a string (for
 * DW_LNCT_path) or a number; other forms are skipped. */
static int form_value(struct table *t, const uint8_t **p, const uint8_t *end, uint64_t form, const char **s,
                      uint64_t *v)
{
    *s = NULL;
    *v = 0;
    switch (form) {
    case DW_FORM_string:
        return (*s = inline_str(p, end)) ? 0 : -1;
    case DW_FORM_line_strp:
    case DW_FORM_strp:
        if (fixed(p, end, (size_t)t->offset_size, v))
            return -1;
        *s = str_at(form == DW_FORM_strp ? &t->str : &t->line_str, *v);
        return *s ? 0 : -1;
    case DW_FORM_udata:
        return uleb(p, end, v);
    case DW_FORM_data1:
        return fixed(p, end, 1, v);
    case DW_FORM_data2:
        return fixed(p, end, 2, v);
    case DW_FORM_data4:
        return fixed(p, end, 4, v);
    case DW_FORM_data8:
        return fixed(p, end, 8, v);
    case DW_FORM_data16:
        if (*p > end || end - *p < 16)
            return -1;
        *p += 16;
        return 0;
    case DW_FORM_block: {
        uint64_t len;
        if (uleb(p, end, &len) || *p > end || len > (uint64_t)(end - *p))
            return -1;
        *p += len;
        return 0;
    }
    default:
        return -1;
    }
}

/* libdw's name for a file: absolute as is, else its directory, '/', name. */
static char *join(const char *dir, const char *name)
{
    if (!name)
        return NULL;
    if (name[0] == '/' || !dir)
        return strdup(name);
    size_t a = strlen(dir), b = strlen(name);
    char *s = malloc(a + b + 2);
    if (s) {
        memcpy(s, dir, a);
        s[a] = '/';
        memcpy(s + a + 1, name, b + 1);
    }
    return s;
}

static int add_file(struct table *t, char *name)
{
    if (!name || t->nfiles >= MAX_FILES || pc_grow(&t->files, &t->fcap, t->nfiles + 1, sizeof *t->files)) {
        free(name);
        return -1;
    }
    t->files[t->nfiles++] = name;
    return 0;
}

/* DWARF 5: entry formats, then entries (directories, then files). */
static int v5_entries(struct table *t, const uint8_t **p, const uint8_t *end, const char **dirs, size_t ndirs,
                      const char ***out, size_t *nout, int files)
{
    uint8_t nfmt;
    uint64_t fmt[16][2], count;
    if (*p >= end || (nfmt = *(*p)++) > 16)
        return -1;
    for (uint8_t k = 0; k < nfmt; k++)
        if (uleb(p, end, &fmt[k][0]) || uleb(p, end, &fmt[k][1]))
            return -1;
    if (uleb(p, end, &count) || count > MAX_FILES)
        return -1;
    const char **names = files ? NULL : calloc(count ? count : 1, sizeof *names);
    if (!files && !names)
        return -1;
    for (uint64_t i = 0; i < count; i++) {
        const char *path = NULL;
        uint64_t dir = 0;
        for (uint8_t k = 0; k < nfmt; k++) {
            const char *s;
            uint64_t v;
            if (form_value(t, p, end, fmt[k][1], &s, &v)) {
                free(names);
                return -1;
            }
            if (fmt[k][0] == DW_LNCT_path)
                path = s;
            else if (fmt[k][0] == DW_LNCT_directory_index)
                dir = v;
        }
        if (!files)
            names[i] = path;
        else if (add_file(t, join(dir < ndirs ? dirs[dir] : NULL, path ? path : "???")))
            return -1;
    }
    if (!files) {
        *out = names;
        *nout = (size_t)count;
    }
    return 0;
}

/* The header: the program's parameters and its file names. */
static void parse_header(struct table *t, const char *comp_dir)
{
    const uint8_t *p = t->line.p + t->off, *end = t->line.p + t->line.n;
    uint64_t len, hlen, v;
    if (t->off >= t->line.n || fixed(&p, end, 4, &len))
        return;
    t->offset_size = 4;
    if (len == 0xffffffffu) {
        t->offset_size = 8;
        if (fixed(&p, end, 8, &len))
            return;
    }
    if (len > (uint64_t)(end - p))
        return;
    end = p + len;
    if (fixed(&p, end, 2, &v) || v < 2 || v > 5)
        return;
    t->version = (int)v;
    if (t->version >= 5 && (end - p < 2 || p[1] != 0))
        return;                         /* address size, then no segment selector */
    if (t->version >= 5)
        p += 2;
    if (fixed(&p, end, (size_t)t->offset_size, &hlen) || hlen > (uint64_t)(end - p))
        return;
    t->prog = p + hlen;
    t->end = end;
    /* the header's own fields end where the program starts */
    if (t->prog - p < (t->version >= 4 ? 6 : 5))
        return;
    t->min_inst = *p++;
    if (t->version >= 4)
        p++;                            /* maximum_operations_per_instruction: VLIW only */
    t->default_stmt = *p++;
    t->line_base = (int8_t)*p++;
    t->line_range = *p++;
    t->opcode_base = *p++;
    if (!t->line_range || !t->opcode_base || t->opcode_base - 1 > t->prog - p)
        return;
    t->std_lens = p;
    p += t->opcode_base - 1;
    if (t->version >= 5) {
        const char **dirs = NULL;
        size_t ndirs = 0;
        if (v5_entries(t, &p, t->prog, NULL, 0, &dirs, &ndirs, 0))
            return;
        int bad = v5_entries(t, &p, t->prog, dirs, ndirs, NULL, NULL, 1);
        free(dirs);
        if (bad)
            return;
    } else {
        /* Directory 0 is the unit's compilation directory; file 0 is none. */
        const char *dirs[256];
        size_t ndirs = 0;
        dirs[ndirs++] = comp_dir;
        const char *s;
        while ((s = inline_str(&p, t->prog)) && s[0])
            if (ndirs < 256)
                dirs[ndirs++] = s;
        if (!s || add_file(t, strdup("???")))
            return;
        while ((s = inline_str(&p, t->prog)) && s[0]) {
            uint64_t dir, skip;
            if (uleb(&p, t->prog, &dir) || uleb(&p, t->prog, &skip) || uleb(&p, t->prog, &skip) ||
                add_file(t, join(dir < ndirs ? dirs[dir] : NULL, s)))
                return;
        }
        if (!s)
            return;
    }
    t->ok = 1;
}

static struct table *table_for(struct pc_native *n, Dwarf_Die *cu, size_t *index)
{
    Dwarf_Attribute a;
    Dwarf_Word off;
    Dwarf *dbg = dwarf_cu_getdwarf(cu->cu);
    if (!dbg || dwarf_formudata(dwarf_attr(cu, DW_AT_stmt_list, &a), &off))
        return NULL;
    if (!n->lines && !(n->lines = calloc(1, sizeof *n->lines)))
        return NULL;
    struct pc_lines *L = n->lines;
    for (size_t i = 0; i < L->nt; i++)
        if (L->t[i].dbg == dbg && L->t[i].off == off) {
            *index = i;
            return L->t[i].ok ? &L->t[i] : NULL;
        }
    if (pc_grow(&L->t, &L->tcap, L->nt + 1, sizeof *L->t))
        return NULL;
    struct table *t = &L->t[L->nt];
    memset(t, 0, sizeof *t);
    t->dbg = dbg;
    t->off = off;
    /* The sections of the unit's own file, not of a shared (dwz) one. */
    for (size_t i = 0; i < L->nt; i++)
        if (L->t[i].dbg == dbg) {
            t->line = L->t[i].line;
            t->line_str = L->t[i].line_str;
            t->str = L->t[i].str;
            break;
        }
    if (!t->line.p) {
        Elf *elf = dwarf_getelf(dbg);
        t->line = section(elf, ".debug_line");
        t->line_str = section(elf, ".debug_line_str");
        t->str = section(elf, ".debug_str");
    }
    if (t->line.p)
        parse_header(t, dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a)));
    *index = L->nt++;
    return t->ok ? t : NULL;
}

uint32_t pc_lines_request(struct pc_native *n, Dwarf_Die *cu, Dwarf_Addr addr)
{
    size_t ti;
    if (!table_for(n, cu, &ti) || n->lines->nr >= MAX_REQS ||
        pc_grow(&n->lines->r, &n->lines->rcap, n->lines->nr + 1, sizeof *n->lines->r))
        return 0;
    struct req *r = &n->lines->r[n->lines->nr++];
    memset(r, 0, sizeof *r);
    r->table = ti;
    r->addr = addr;
    return (uint32_t)n->lines->nr;
}

const char *pc_lines_file(struct pc_native *n, Dwarf_Die *cu, Dwarf_Word index)
{
    size_t ti;
    struct table *t = table_for(n, cu, &ti);
    return t && index < t->nfiles ? t->files[index] : NULL;
}

/* Requests of one table, sorted by address. */
struct batch {
    struct req **v;
    size_t n;
};

static int by_addr(const void *a, const void *b)
{
    Dwarf_Addr x = (*(struct req *const *)a)->addr, y = (*(struct req *const *)b)->addr;
    return x < y ? -1 : x > y;
}

/* Row `row` covers [row, next) of its sequence: answer the requests there. */
static void cover(const struct table *t, struct batch *b, Dwarf_Addr lo, Dwarf_Addr hi, uint64_t file, int64_t line)
{
    size_t a = 0, z = b->n;
    while (a < z) {
        size_t mid = a + (z - a) / 2;
        if (b->v[mid]->addr < lo)
            a = mid + 1;
        else
            z = mid;
    }
    for (; a < b->n && b->v[a]->addr < hi; a++) {
        struct req *r = b->v[a];
        if (r->found && r->best > lo)
            continue;                   /* an overlapping sequence's nearer row */
        r->found = 1;
        r->best = lo;
        r->file = file < t->nfiles ? t->files[file] : NULL;
        r->line = line > 0 && line < (1 << 30) ? (int)line : 0;
    }
}

/* One pass over the program: each row, with the next row of its sequence,
 * answers the requests between their addresses. */
static void run_program(const struct table *t, struct batch *b)
{
    const uint8_t *p = t->prog, *end = t->end;
    Dwarf_Addr addr = 0, prev_addr = 0;
    uint64_t file = 1, prev_file = 1;
    int64_t line = 1, prev_line = 1;
    int have_prev = 0;
#define EMIT(last)                                                                 \
    do {                                                                           \
        if (have_prev && addr > prev_addr)                                         \
            cover(t, b, prev_addr, addr, prev_file, prev_line);                    \
        have_prev = !(last);                                                       \
        prev_addr = addr, prev_file = file, prev_line = line;                      \
    } while (0)
    while (p < end) {
        uint8_t op = *p++;
        uint64_t u;
        int64_t s;
        if (op >= t->opcode_base) {
            uint8_t adj = (uint8_t)(op - t->opcode_base);
            addr += (Dwarf_Addr)(adj / t->line_range) * t->min_inst;
            line = (int64_t)((uint64_t)line + (uint64_t)(int64_t)(t->line_base + adj % t->line_range));
            EMIT(0);
            continue;
        }
        switch (op) {
        case 0: {                           /* extended */
            if (uleb(&p, end, &u) || u == 0 || u > (uint64_t)(end - p))
                return;
            const uint8_t *next = p + u;
            uint8_t sub = *p++;
            if (sub == DW_LNE_end_sequence) {
                EMIT(1);
                addr = 0, file = 1, line = 1;
            } else if (sub == DW_LNE_set_address) {
                if (fixed(&p, next, (size_t)(next - p), &u))
                    return;
                addr = u;
            }
            p = next;
            break;
        }
        case DW_LNS_copy:
            EMIT(0);
            break;
        case DW_LNS_advance_pc:
            if (uleb(&p, end, &u))
                return;
            addr += u * t->min_inst;
            break;
        case DW_LNS_advance_line:
            if (sleb(&p, end, &s))
                return;
            line = (int64_t)((uint64_t)line + (uint64_t)s);    /* hostile advances wrap, never overflow */
            break;
        case DW_LNS_set_file:
            if (uleb(&p, end, &file))
                return;
            break;
        case DW_LNS_const_add_pc:
            addr += (Dwarf_Addr)((255 - t->opcode_base) / t->line_range) * t->min_inst;
            break;
        case DW_LNS_fixed_advance_pc:
            if (fixed(&p, end, 2, &u))
                return;
            addr += u;
            break;
        default:                            /* operands we do not need: skip them */
            for (uint8_t k = 0; k < t->std_lens[op - 1]; k++)
                if (uleb(&p, end, &u))
                    return;
        }
    }
#undef EMIT
}

static int by_table(const void *a, const void *b)
{
    const struct req *x = *(struct req *const *)a, *y = *(struct req *const *)b;
    if (x->table != y->table)
        return x->table < y->table ? -1 : 1;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void pc_lines_resolve(struct pc_native *n)
{
    struct pc_lines *L = n->lines;
    if (!L || !L->nr)
        return;
    struct req **v = malloc(L->nr * sizeof *v);
    if (!v)
        return;
    size_t m = 0;
    for (size_t i = 0; i < L->nr; i++)
        if (!L->r[i].found)
            v[m++] = &L->r[i];
    qsort(v, m, sizeof *v, by_table);
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && v[j]->table == v[i]->table)
            j++;
        struct batch b = {v + i, j - i};
        qsort(b.v, b.n, sizeof *b.v, by_addr);
        run_program(&L->t[v[i]->table], &b);
        for (size_t k = i; k < j; k++)
            v[k]->found = 1;            /* asked once: not again */
        i = j;
    }
    free(v);
}

int pc_lines_decode(const uint8_t *line, size_t n, const uint8_t *line_str, size_t nls, const char *comp_dir,
                    uint64_t addr, const char **file, int *line_no, size_t *nfiles)
{
    struct table t;
    memset(&t, 0, sizeof t);
    t.line.p = line;
    t.line.n = n;
    t.line_str.p = line_str;
    t.line_str.n = nls;
    parse_header(&t, comp_dir);
    struct req r = {0, addr, 0, 0, NULL, 0}, *rp = &r;
    struct batch b = {&rp, 1};
    if (t.ok)
        run_program(&t, &b);
    *nfiles = t.nfiles;
    *line_no = r.line;
    /* the name is freed with the table: report whether there was one */
    *file = r.file ? "" : NULL;
    for (size_t k = 0; k < t.nfiles; k++)
        free(t.files[k]);
    free(t.files);
    return t.ok ? 0 : -1;
}

void pc_lines_apply(struct pc_native *n, struct pc_native_frame *f, size_t count)
{
    for (size_t i = 0; n->lines && i < count; i++) {
        uint32_t q = f[i].line_req;
        if (!q || q > n->lines->nr)
            continue;
        f[i].file = n->lines->r[q - 1].file;
        f[i].line = n->lines->r[q - 1].line;
        f[i].line_req = 0;
    }
}

void pc_lines_free(struct pc_native *n)
{
    struct pc_lines *L = n->lines;
    if (!L)
        return;
    for (size_t i = 0; i < L->nt; i++) {
        for (size_t k = 0; k < L->t[i].nfiles; k++)
            free(L->t[i].files[k]);
        free(L->t[i].files);
    }
    free(L->t);
    free(L->r);
    free(L);
    n->lines = NULL;
}
