/* An ELF core of a target, written in one pass to a sink that cannot seek
 * (a compressor): headers first, so which pages are readable must be
 * known before any byte of memory is written.  A first pass reads every
 * region to find its unreadable runs ([vvar], pages past the end of a
 * mapped file, a region the target refuses), the second writes the bytes.
 * The first pass costs a second read of memory; it saves writing guard
 * pages as zeros that would read back as memory that was never there.
 *
 * Everything the target gives is bounded: regions (PC_CORE_WRITE_MAX_PHDRS),
 * threads (PC_CORE_MAX_THREADS), file mappings (PC_CORE_MAX_FILES), text
 * (PC_PYCORE_MAX_TEXT), reads (PC_CORE_WRITE_CHUNK). */
#include "target/core_write.h"
#include "target/core_file.h"
#include "arch/arch.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>


_Static_assert(sizeof(struct elf_prpsinfo) == PRPSINFO_SIZE, "kernel NT_PRPSINFO layout");

#define PAGE ((uint64_t)PC_PAGE)
#define MAX_PATH_BYTES 4096   /* an NT_FILE name; longer is cut */

/* A run of pages of one region, all readable or all not. */
struct run {
    uint64_t start, end;
    unsigned prot;
    int readable;       /* 1: in the file; 0: p_filesz 0 */
    int holes;          /* readable, but some pages were not: written as zeros */
};

struct writer {
    pc_target *t;
    pc_sink_fn sink;
    void *arg;
    pc_error *err;
    uint8_t *buf;                  /* PC_CORE_WRITE_CHUNK bytes */
    struct run *runs;
    size_t nruns, cap;
    size_t first;                  /* the current region's first run */
};

static int sink_fail(struct writer *w)
{
    return pc_fail(w->err, PC_E_INTERNAL, "cannot write the core: the output failed");
}

static int emit(struct writer *w, const void *p, size_t n)
{
    return n && w->sink(w->arg, p, n) ? sink_fail(w) : PC_OK;
}

static int emit_zeros(struct writer *w, uint64_t n)
{
    memset(w->buf, 0, PC_CORE_WRITE_CHUNK);
    while (n) {
        size_t k = n < PC_CORE_WRITE_CHUNK ? (size_t)n : PC_CORE_WRITE_CHUNK;
        if (emit(w, w->buf, k))
            return PC_E_INTERNAL;
        n -= k;
    }
    return PC_OK;
}

/* ------------------------------------------------------------ regions */

static int region_cmp(const void *a, const void *b)
{
    const struct pc_region *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Every region, page-aligned, sorted, without overlaps: from the target's
 * region list, else its file mappings (permissions unknown: read-write). */
static int collect_regions(struct writer *w, struct pc_region **out, size_t *n)
{
    pc_target *t = w->t;
    size_t count = t->regions ? t->regions->count(t->ctx) : t->ops->mapping_count(t->ctx);
    if (count >= PC_CORE_WRITE_MAX_PHDRS)
        return pc_fail(w->err, PC_E_CORE, "the process has %zu memory regions, more than a core can list (%d)",
                       count, PC_CORE_WRITE_MAX_PHDRS - 1);
    struct pc_region *r = calloc(count ? count : 1, sizeof *r);
    if (!r)
        return pc_fail(w->err, PC_E_INTERNAL, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        struct pc_region g;
        if (t->regions) {
            if (t->regions->get(t->ctx, i, &g))
                continue;
        } else {
            pc_mapping_desc m;
            if (t->ops->mapping(t->ctx, i, &m))
                continue;
            g = (struct pc_region){m.start, m.end, PC_PROT_R | PC_PROT_W};
        }
        g.start &= ~(PAGE - 1);
        g.end = g.end > UINT64_MAX - (PAGE - 1) ? ~(PAGE - 1) : (g.end + PAGE - 1) & ~(PAGE - 1);
        if (g.end > g.start)
            r[k++] = g;
    }
    qsort(r, k, sizeof *r, region_cmp);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m && r[i].start < r[m - 1].end)
            r[i].start = r[m - 1].end;   /* overlapping (a hostile target): keep the first */
        if (r[i].end > r[i].start)
            r[m++] = r[i];
    }
    *out = r;
    *n = m;
    return PC_OK;
}

static int add_run(struct writer *w, uint64_t start, uint64_t end, unsigned prot, int readable)
{
    /* Runs of one region only: a region is one mapping for gdb too. */
    if (w->nruns > w->first && w->runs[w->nruns - 1].end == start && w->runs[w->nruns - 1].readable == readable &&
        w->runs[w->nruns - 1].prot == prot && !w->runs[w->nruns - 1].holes)
        w->runs[w->nruns - 1].end = end;
    else {
        if (pc_grow(&w->runs, &w->cap, w->nruns + 1, sizeof *w->runs))
            return pc_fail(w->err, PC_E_INTERNAL, "out of memory");
        w->runs[w->nruns++] = (struct run){start, end, prot, readable, 0};
    }
    return PC_OK;
}

/* Pass one: the readable and unreadable runs of a region.  A region
 * without read permission is not read at all (PROT_NONE guard pages and
 * reservations, often huge): the kernel leaves them out of its cores too.
 * *budget is how many more headers splitting may take. */
static int probe_region(struct writer *w, const struct pc_region *g, size_t *budget)
{
    size_t first = w->first = w->nruns;
    if (!(g->prot & PC_PROT_R))
        return add_run(w, g->start, g->end, g->prot, 0);
    for (uint64_t a = g->start; a < g->end;) {
        size_t n = g->end - a < PC_CORE_WRITE_CHUNK ? (size_t)(g->end - a) : PC_CORE_WRITE_CHUNK;
        int rc = PC_OK;
        if (pc_read(w->t, a, w->buf, n) == PC_OK)
            rc = add_run(w, a, a + n, g->prot, 1);
        else
            for (size_t p = 0; rc == PC_OK && p < n; p += PC_PAGE)
                rc = add_run(w, a + p, a + p + PC_PAGE, g->prot, pc_read(w->t, a + p, w->buf, PC_PAGE) == PC_OK);
        if (rc)
            return rc;
        a += n;
    }
    size_t extra = w->nruns - first - 1;
    if (extra <= *budget && w->nruns - first <= PC_CORE_WRITE_MAX_RUNS) {
        *budget -= extra;
        return PC_OK;
    }
    /* Too fragmented to list: one run, unreadable pages written as zeros
     * (they then read as zeros, not as missing). */
    int any = 0;
    for (size_t i = first; i < w->nruns; i++)
        any |= w->runs[i].readable;
    w->nruns = first;
    w->runs[w->nruns++] = (struct run){g->start, g->end, g->prot, any, any};
    return PC_OK;
}

static int probe_all(struct writer *w)
{
    struct pc_region *r = NULL;
    size_t n = 0;
    int rc = collect_regions(w, &r, &n);
    if (rc)
        return rc;
    size_t budget = PC_CORE_WRITE_MAX_PHDRS - 1 - n;
    for (size_t i = 0; rc == PC_OK && i < n; i++)
        rc = probe_region(w, &r[i], &budget);
    free(r);
    return rc;
}

/* -------------------------------------------------------------- notes */

static void note(pc_buf *b, const char *name, uint32_t type, const void *desc, size_t n)
{
    static const uint8_t pad[4];
    Elf64_Nhdr nh = {(uint32_t)strlen(name) + 1, (uint32_t)n, type};
    pc_buf_put(b, (const char *)&nh, sizeof nh);
    pc_buf_put(b, name, nh.n_namesz);
    pc_buf_put(b, (const char *)pad, (4 - nh.n_namesz % 4) % 4);
    pc_buf_put(b, desc, n);
    pc_buf_put(b, (const char *)pad, (4 - n % 4) % 4);
}

static void put32(pc_buf *b, uint32_t v)
{
    pc_buf_put(b, (const char *)&v, 4);
}

static void field(pc_buf *b, uint32_t tag, const void *v, size_t n)
{
    put32(b, tag);
    put32(b, (uint32_t)n);
    pc_buf_put(b, v, n);
}

static size_t clip(const char *s, size_t max)
{
    return s ? strnlen(s, max) : 0;
}

static void note_prpsinfo(pc_buf *b, const pc_process_desc *p, int32_t ppid)
{
    struct elf_prpsinfo ps;
    memset(&ps, 0, sizeof ps);
    ps.pr_sname = 'S';
    ps.pr_pid = p->pid;
    ps.pr_ppid = ppid;
    const char *base = p->exe ? strrchr(p->exe, '/') : NULL;
    base = base ? base + 1 : p->exe ? p->exe : "";
    memcpy(ps.pr_fname, base, clip(base, sizeof ps.pr_fname - 1));
    /* As the kernel: the start of the command line, NUL-terminated. */
    memcpy(ps.pr_psargs, p->cmdline ? p->cmdline : "", clip(p->cmdline, sizeof ps.pr_psargs - 1));
    note(b, "CORE", NT_PRPSINFO, &ps, sizeof ps);
}

/* NT_PRSTATUS as core_file.c reads it (the layout of every 64-bit Linux
 * but for pr_reg's length), and the architecture's thread-pointer note. */
static void note_prstatus(pc_buf *b, const struct pc_arch *a, const pc_thread_desc *d)
{
    uint8_t st[PC_PRSTATUS_SIZE(PC_MAX_REGS)] = {0};
    int32_t sig = d->cursig;
    int16_t cursig = (int16_t)d->cursig;
    memcpy(st, &sig, 4);                        /* pr_info.si_signo */
    memcpy(st + PRS_CURSIG, &cursig, 2);
    memcpy(st + PRS_SIGPEND, &d->sigpend, 8);
    memcpy(st + PRS_SIGHOLD, &d->sighold, 8);
    memcpy(st + PRS_PID, &d->tid, 4);
    memcpy(st + PRS_REG, d->regs, 8 * (size_t)a->prstatus_nregs);
    note(b, "CORE", NT_PRSTATUS, st, PC_PRSTATUS_SIZE(a->prstatus_nregs));
    if (a->tls_note && d->regs[a->tp])
        note(b, "LINUX", a->tls_note, &d->regs[a->tp], 8);
}

/* siginfo_t as core_file.c reads it: signo, errno, code, then the
 * sender's pid or the fault address at 16. */
static void note_siginfo(pc_buf *b, const pc_process_desc *p)
{
    uint8_t si[128] = {0};
    int32_t head[3] = {p->signal, 0, p->has_siginfo ? p->sig_code : 0};
    memcpy(si, head, sizeof head);
    if (p->has_siginfo && p->sig_code <= 0)
        memcpy(si + 16, &p->sig_pid, 4);
    else if (p->has_siginfo)
        memcpy(si + 16, &p->sig_addr, 8);
    note(b, "CORE", NT_SIGINFO, si, sizeof si);
}

static void note_auxv(pc_buf *b, const pc_process_desc *p)
{
    uint64_t v[8];
    size_t n = 0;
    const uint64_t pairs[3][2] = {{AT_PHDR, p->at_phdr}, {AT_ENTRY, p->at_entry}, {AT_BASE, p->at_base}};
    for (int i = 0; i < 3; i++)
        if (pairs[i][1]) {
            v[n++] = pairs[i][0];
            v[n++] = pairs[i][1];
        }
    v[n++] = AT_NULL;
    v[n++] = 0;
    note(b, "CORE", NT_AUXV, v, n * sizeof *v);
}

static int note_file(struct writer *w, pc_buf *b)
{
    pc_target *t = w->t;
    size_t count = t->ops->mapping_count(t->ctx);
    if (count > PC_CORE_MAX_FILES)
        return pc_fail(w->err, PC_E_CORE, "the process maps %zu files, more than a core can list (%d)", count,
                       PC_CORE_MAX_FILES);
    pc_buf d = {0}, names = {0};
    uint64_t head[2] = {0, PAGE};
    pc_buf_put(&d, (const char *)head, sizeof head);
    for (size_t i = 0; i < count; i++) {
        pc_mapping_desc m;
        if (t->ops->mapping(t->ctx, i, &m) || m.end < m.start)
            continue;
        uint64_t e[3] = {m.start, m.end, m.pgoff / PAGE};
        pc_buf_put(&d, (const char *)e, sizeof e);
        pc_buf_put(&names, m.path ? m.path : "", clip(m.path, MAX_PATH_BYTES - 1));
        pc_buf_put(&names, "", 1);
        head[0]++;
    }
    if (names.len)
        pc_buf_put(&d, names.data, names.len);
    int rc = d.oom || names.oom || d.len > UINT32_MAX ? pc_fail(w->err, PC_E_INTERNAL, "out of memory") : PC_OK;
    if (!rc) {
        memcpy(d.data, head, sizeof head[0]);   /* the count of the entries kept */
        note(b, "CORE", NT_FILE, d.data, d.len);
    }
    pc_buf_free(&d);
    pc_buf_free(&names);
    return rc;
}

static void note_pycore(pc_buf *b, const pc_process_desc *p, const pc_thread_desc *th, size_t n)
{
    pc_buf d = {0};
    put32(&d, PC_PYCORE_VERSION);
    if (p->cmdline)
        field(&d, PC_PYF_CMDLINE, p->cmdline, clip(p->cmdline, PC_PYCORE_MAX_TEXT));
    if (p->exe)
        field(&d, PC_PYF_EXE, p->exe, clip(p->exe, PC_PYCORE_MAX_TEXT));
    put32(&d, PC_PYF_THREAD_FLAGS);
    put32(&d, (uint32_t)(8 * n));
    for (size_t i = 0; i < n; i++) {
        put32(&d, (uint32_t)th[i].tid);
        put32(&d, th[i].flags);
    }
    if (d.oom)
        b->oom = 1;
    else
        note(b, "PYCORE", PC_NT_PYCORE, d.data, d.len);
    pc_buf_free(&d);
}

static int build_notes(struct writer *w, pc_buf *b)
{
    pc_target *t = w->t;
    const pc_process_desc *p = pc_target_process(t);
    if (!p)
        return pc_fail(w->err, PC_E_INTERNAL, "the target does not describe its process");
    const struct pc_arch *a = pc_arch_of(p->machine);
    if (!a)
        return pc_fail(w->err, PC_E_CORE, "cannot write a core of machine %d: pycore knows %s", p->machine,
                       pc_arch_supported());
    size_t n = t->ops->thread_count(t->ctx);
    if (n == 0 || n > PC_CORE_MAX_THREADS)
        return pc_fail(w->err, PC_E_CORE, "the process has %zu threads: a core holds 1 to %d", n,
                       PC_CORE_MAX_THREADS);
    pc_thread_desc *th = malloc(n * sizeof *th);
    if (!th)
        return pc_fail(w->err, PC_E_INTERNAL, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (t->ops->thread(t->ctx, i, &th[k]) == PC_OK)
            k++;
    int rc = k ? PC_OK : pc_fail(w->err, PC_E_CORE, "no thread of the process could be read");
    if (rc == PC_OK) {
        note_prpsinfo(b, p, t->ppid);
        for (size_t i = 0; i < k; i++)
            note_prstatus(b, a, &th[i]);
        if (p->signal)
            note_siginfo(b, p);
        note_auxv(b, p);
        rc = note_file(w, b);
    }
    if (rc == PC_OK)
        note_pycore(b, p, th, k);
    free(th);
    if (rc == PC_OK && (b->oom || b->len > UINT32_MAX))
        rc = pc_fail(w->err, PC_E_INTERNAL, "out of memory");
    return rc;
}

/* ------------------------------------------------------------ writing */

static int write_headers(struct writer *w, const pc_buf *notes, uint64_t *data_off)
{
    size_t nph = 1 + w->nruns;
    uint64_t notes_off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr);
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof eh);
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
    eh.e_type = ET_CORE;
    eh.e_machine = (Elf64_Half)pc_target_process(w->t)->machine;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof eh;
    eh.e_ehsize = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = (Elf64_Half)nph;
    if (emit(w, &eh, sizeof eh))
        return PC_E_INTERNAL;
    Elf64_Phdr ph = {.p_type = PT_NOTE, .p_offset = notes_off, .p_filesz = notes->len, .p_align = 4};
    if (emit(w, &ph, sizeof ph))
        return PC_E_INTERNAL;
    uint64_t off = (notes_off + notes->len + PAGE - 1) & ~(PAGE - 1);
    *data_off = off;
    for (size_t i = 0; i < w->nruns; i++) {
        const struct run *r = &w->runs[i];
        uint64_t size = r->end - r->start;
        ph = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = r->prot, .p_offset = off, .p_vaddr = r->start,
                          .p_memsz = size, .p_filesz = r->readable ? size : 0, .p_align = PAGE};
        if (r->readable && off > UINT64_MAX - size)
            return pc_fail(w->err, PC_E_CORE, "the process's memory is larger than a core file can hold");
        off += ph.p_filesz;
        if (emit(w, &ph, sizeof ph))
            return PC_E_INTERNAL;
    }
    if (emit(w, notes->data, notes->len))
        return PC_E_INTERNAL;
    return emit_zeros(w, *data_off - (notes_off + notes->len));
}

/* Pass two: the bytes of a readable run.  A page that no longer reads
 * (the process changed under a --no-stop snapshot) is written as zeros:
 * the headers are out already. */
static int write_run(struct writer *w, const struct run *r)
{
    for (uint64_t a = r->start; a < r->end;) {
        size_t n = r->end - a < PC_CORE_WRITE_CHUNK ? (size_t)(r->end - a) : PC_CORE_WRITE_CHUNK;
        if (pc_read(w->t, a, w->buf, n) != PC_OK)
            for (size_t p = 0; p < n; p += PC_PAGE)
                if (pc_read(w->t, a + p, w->buf + p, PC_PAGE) != PC_OK)
                    memset(w->buf + p, 0, PC_PAGE);
        if (emit(w, w->buf, n))
            return PC_E_INTERNAL;
        a += n;
    }
    return PC_OK;
}

int pc_core_write(pc_target *t, pc_sink_fn sink, void *arg, pc_error *err)
{
    struct writer w = {.t = t, .sink = sink, .arg = arg, .err = err};
    pc_buf notes = {0};
    w.buf = malloc(PC_CORE_WRITE_CHUNK);
    int rc = w.buf ? PC_OK : pc_fail(err, PC_E_INTERNAL, "out of memory");
    if (rc == PC_OK)
        rc = build_notes(&w, &notes);
    if (rc == PC_OK)
        rc = probe_all(&w);
    uint64_t data_off = 0;
    if (rc == PC_OK)
        rc = write_headers(&w, &notes, &data_off);
    for (size_t i = 0; rc == PC_OK && i < w.nruns; i++)
        if (w.runs[i].readable)
            rc = write_run(&w, &w.runs[i]);
    pc_buf_free(&notes);
    free(w.runs);
    free(w.buf);
    return rc;
}
