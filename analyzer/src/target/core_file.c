/* ELF core parsing: every offset and count taken from the file is checked
 * against the file's size before use. */
#include "target/core_file.h"
#include "arch/arch.h"

#include <elf.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define NT_GDB_TDESC_TYPE 0x3ff


static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static int seg_cmp(const void *a, const void *b)
{
    const struct pc_core_seg *x = a, *y = b;
    return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int fmap_cmp(const void *a, const void *b)
{
    const struct pc_core_fmap *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int add_thread(struct pc_core_image *img, size_t *cap,
                      const uint8_t *d, size_t n, pc_error *err)
{
    const struct pc_arch *a = pc_arch_of(img->machine);
    if (n < PC_PRSTATUS_SIZE(a->prstatus_nregs))
        return pc_fail(err, PC_E_CORE, "core has a short NT_PRSTATUS note (%zu bytes): the core is corrupt", n);
    if (img->nthreads >= PC_CORE_MAX_THREADS)
        return pc_fail(err, PC_E_CORE, "core has more than %d threads: refusing it as corrupt", PC_CORE_MAX_THREADS);
    if (pc_grow(&img->threads, cap, img->nthreads + 1, sizeof *img->threads))
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    pc_thread_desc *t = &img->threads[img->nthreads++];
    memset(t, 0, sizeof *t);
    t->tid = (int32_t)rd32(d + PRS_PID);
    t->cursig = (int16_t)(d[PRS_CURSIG] | d[PRS_CURSIG + 1] << 8);
    t->sigpend = rd64(d + PRS_SIGPEND);
    t->sighold = rd64(d + PRS_SIGHOLD);
    t->flags = PC_THREAD_SIGMASKS;
    t->machine = img->machine;
    for (unsigned i = 0; i < a->prstatus_nregs; i++)
        t->regs[i] = rd64(d + PRS_REG + 8 * i);
    return PC_OK;
}

static int parse_nt_file(struct pc_core_image *img, const uint8_t *d, size_t n,
                         pc_error *err)
{
    if (n < 16)
        return pc_fail(err, PC_E_CORE, "core has a short NT_FILE note: the core is corrupt");
    uint64_t count = rd64(d), page = rd64(d + 8);
    if (count > PC_CORE_MAX_FILES || count * 24 > n - 16 || page == 0 || page > (1u << 30))
        return pc_fail(err, PC_E_CORE, "core's NT_FILE note is corrupt (count %llu)", (unsigned long long)count);
    img->fmaps = calloc(count ? count : 1, sizeof *img->fmaps);
    if (!img->fmaps)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    const uint8_t *names = d + 16 + count * 24, *end = d + n;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *z = memchr(names, 0, (size_t)(end - names));
        if (!z)
            return pc_fail(err, PC_E_CORE, "core's NT_FILE note is corrupt (unterminated name)");
        struct pc_core_fmap *f = &img->fmaps[i];
        f->start = rd64(d + 16 + i * 24);
        f->end = rd64(d + 16 + i * 24 + 8);
        uint64_t pgidx = rd64(d + 16 + i * 24 + 16);
        f->pgoff = pgidx * page;
        f->path = (const char *)names;
        if (f->end < f->start || pgidx > UINT64_MAX / page)
            return pc_fail(err, PC_E_CORE, "core's NT_FILE note is corrupt (bad range)");
        names = z + 1;
    }
    img->nfmaps = count;
    qsort(img->fmaps, img->nfmaps, sizeof *img->fmaps, fmap_cmp);
    return PC_OK;
}

/* Thread flags of the PYCORE note, by tid (sorted), applied once every
 * NT_PRSTATUS is read: the notes may come in any order. */
struct tid_flags {
    int32_t tid;
    uint32_t flags;
};

static int tid_cmp(const void *a, const void *b)
{
    const struct tid_flags *x = a, *y = b;
    return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int parse_pycore(struct pc_core_image *img, const uint8_t *d, size_t n, const uint8_t **flags,
                        size_t *nflags, pc_error *err)
{
    img->pycore_note = 1;
    if (n < 4 || rd32(d) != PC_PYCORE_VERSION)
        return PC_OK;   /* another version: pycore's core, fields unknown */
    size_t off = 4;
    while (n - off >= 8) {
        uint32_t tag = rd32(d + off), len = rd32(d + off + 4);
        off += 8;
        if (len > n - off)
            return pc_fail(err, PC_E_CORE, "core's PYCORE note is corrupt (field %u overruns it)", tag);
        const uint8_t *v = d + off;
        size_t keep = len < PC_PYCORE_MAX_TEXT ? len : PC_PYCORE_MAX_TEXT;
        if (tag == PC_PYF_CMDLINE)
            img->py_cmdline = v, img->py_cmdline_len = keep;
        else if (tag == PC_PYF_EXE)
            img->py_exe = v, img->py_exe_len = keep;
        else if (tag == PC_PYF_THREAD_FLAGS) {
            if (len % 8 || len / 8 > PC_CORE_MAX_THREADS)
                return pc_fail(err, PC_E_CORE, "core's PYCORE note is corrupt (thread flags of %u bytes)", len);
            *flags = v;
            *nflags = len / 8;
        }
        off += len;
    }
    return PC_OK;
}

/* Each thread's flags as the written target had them (PC_THREAD_NOT_STOPPED
 * above all: the unwinder starts such a thread from SP and PC only). */
static int apply_thread_flags(struct pc_core_image *img, const uint8_t *d, size_t n, pc_error *err)
{
    if (!n)
        return PC_OK;
    struct tid_flags *tf = malloc(n * sizeof *tf);
    if (!tf)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    for (size_t i = 0; i < n; i++)
        tf[i] = (struct tid_flags){(int32_t)rd32(d + 8 * i), rd32(d + 8 * i + 4)};
    qsort(tf, n, sizeof *tf, tid_cmp);
    for (size_t i = 0; i < img->nthreads; i++) {
        struct tid_flags key = {img->threads[i].tid, 0};
        const struct tid_flags *f = bsearch(&key, tf, n, sizeof *tf, tid_cmp);
        if (f)
            img->threads[i].flags = f->flags & (PC_THREAD_SIGMASKS | PC_THREAD_NOT_STOPPED);
    }
    free(tf);
    return PC_OK;
}

static void parse_auxv(struct pc_core_image *img, const uint8_t *d, size_t n)
{
    struct pc_auxv a;
    pc_auxv_parse(d, n, &a);
    img->at_phdr = a.phdr;
    img->at_entry = a.entry;
    img->at_base = a.base;
    img->at_execfn = a.execfn;
}

static int parse_notes(struct pc_core_image *img, const uint8_t *p, size_t n,
                       size_t *tcap, const uint8_t **flags, size_t *nflags, pc_error *err)
{
    const struct pc_arch *arch = pc_arch_of(img->machine);
    size_t off = 0;
    while (off + sizeof(Elf64_Nhdr) <= n) {
        Elf64_Nhdr nh;
        memcpy(&nh, p + off, sizeof nh);
        off += sizeof nh;
        size_t namesz = ((size_t)nh.n_namesz + 3) & ~(size_t)3;
        size_t descsz = ((size_t)nh.n_descsz + 3) & ~(size_t)3;
        if (namesz > n - off || descsz > n - off - namesz || nh.n_descsz > descsz)
            return pc_fail(err, PC_E_CORE, "core has a corrupt note header at offset %zu", off);
        const char *name = (const char *)p + off;
        const uint8_t *desc = p + off + namesz;
        int is_core = nh.n_namesz == 5 && memcmp(name, "CORE", 5) == 0;
        int is_linux = nh.n_namesz == 6 && memcmp(name, "LINUX", 6) == 0;
        int rc = PC_OK;
        if (nh.n_namesz == 4 && memcmp(name, "GDB", 4) == 0)
            img->gdb_note = 1;
        else if (nh.n_namesz == 7 && memcmp(name, "PYCORE", 7) == 0 && nh.n_type == PC_NT_PYCORE)
            rc = parse_pycore(img, desc, nh.n_descsz, flags, nflags, err);
        else if (is_core && nh.n_type == NT_PRSTATUS)
            rc = add_thread(img, tcap, desc, nh.n_descsz, err);
        else if (is_core && nh.n_type == NT_PRPSINFO && nh.n_descsz >= PRPSINFO_SIZE) {
            img->pid = (int32_t)rd32(desc + PRP_PID);
            img->ppid = (int32_t)rd32(desc + PRP_PPID);
            memcpy(img->fname, desc + PRP_FNAME, 16);
            memcpy(img->psargs, desc + PRP_PSARGS, 80);
        } else if (is_core && nh.n_type == NT_SIGINFO && nh.n_descsz >= 4) {
            img->signal = (int32_t)rd32(desc);
            /* siginfo_t: si_signo, si_errno, si_code, then (at 16) the
             * fault address of SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP, or the
             * sender's pid of kill()/tgkill()/sigqueue(). */
            if (nh.n_descsz >= 24) {
                img->has_siginfo = 1;
                img->sig_code = (int32_t)rd32(desc + 8);
                int s = img->signal;
                if (img->sig_code <= 0)              /* SI_USER, SI_TKILL, SI_QUEUE */
                    img->sig_pid = (int32_t)rd32(desc + 16);
                else if (s == 11 || s == 7 || s == 4 || s == 8 || s == 5)
                    img->sig_addr = rd64(desc + 16);
            }
        }
        else if (is_linux && arch->tls_note && nh.n_type == arch->tls_note && img->nthreads && nh.n_descsz >= 8)
            img->threads[img->nthreads - 1].regs[arch->tp] = rd64(desc);   /* that thread's */
        else if (is_core && nh.n_type == NT_AUXV)
            parse_auxv(img, desc, nh.n_descsz);
        else if (is_core && nh.n_type == NT_FILE && !img->fmaps)
            rc = parse_nt_file(img, desc, nh.n_descsz, err);
        if (rc)
            return rc;
        off += namesz + descsz;
    }
    return PC_OK;
}

int pc_core_parse(struct pc_core_image *img, const uint8_t *data, size_t size,
                  pc_error *err)
{
    memset(img, 0, sizeof *img);
    img->data = data;
    img->size = size;
    Elf64_Ehdr eh;
    if (size < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG))
        return pc_fail(err, PC_E_CORE, "not an ELF file: pass a core dump (from the kernel, gcore or coredumpctl dump)");
    if (size < sizeof eh)
        return pc_fail(err, PC_E_CORE, "core is truncated (%zu bytes, shorter than an ELF header)", size);
    memcpy(&eh, data, sizeof eh);
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
        return pc_fail(err, PC_E_CORE, "unsupported core: only 64-bit little-endian cores are supported");
    if (eh.e_type != ET_CORE)
        return pc_fail(err, PC_E_CORE, "ELF file is not a core dump (e_type %u): pass the core, and the executable as the second argument", eh.e_type);
    if (!pc_arch_of(eh.e_machine))
        return pc_fail(err, PC_E_CORE, "core is for ELF machine %u; pycore reads cores of %s", eh.e_machine,
                       pc_arch_supported());
    img->machine = eh.e_machine;
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum == PN_XNUM ||
        !pc_range_ok(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), size))
        return pc_fail(err, PC_E_CORE, "core is truncated or corrupt: program headers lie outside the file");

    size_t scap = 0, tcap = 0, nflags = 0;
    const uint8_t *flags = NULL;
    uint64_t want = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, data + eh.e_phoff + i * sizeof ph, sizeof ph);
        /* A wrapped offset+size would pass the truncation check below and
         * then point reads outside the file: reject it here. */
        if (ph.p_filesz && ph.p_offset > UINT64_MAX - ph.p_filesz)
            return pc_fail(err, PC_E_CORE, "core has a corrupt program header (#%u: offset 0x%llx + size 0x%llx "
                                           "wraps): it is not a usable core",
                           i, (unsigned long long)ph.p_offset, (unsigned long long)ph.p_filesz);
        if (ph.p_filesz && ph.p_offset + ph.p_filesz > want)
            want = ph.p_offset + ph.p_filesz;
        if (ph.p_type == PT_LOAD) {
            if (img->nsegs >= PC_CORE_MAX_SEGMENTS || ph.p_filesz > ph.p_memsz ||
                ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
                return pc_fail(err, PC_E_CORE, "core has a corrupt PT_LOAD header (#%u)", i);
            if (pc_grow(&img->segs, &scap, img->nsegs + 1, sizeof *img->segs))
                return pc_fail(err, PC_E_INTERNAL, "out of memory");
            img->segs[img->nsegs++] = (struct pc_core_seg){ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz};
        }
    }
    if (want > size)
        return pc_fail(err, PC_E_CORE,
                       "core is truncated: %zu of %llu bytes present; re-take it with enough disk space and 'ulimit -c unlimited'",
                       size, (unsigned long long)want);
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, data + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_NOTE || ph.p_filesz == 0)
            continue;   /* an empty note's offset is unchecked: do not form a pointer from it */
        int rc = parse_notes(img, data + ph.p_offset, ph.p_filesz, &tcap, &flags, &nflags, err);
        if (rc)
            return rc;
    }
    if (img->nthreads == 0)
        return pc_fail(err, PC_E_CORE, "core has no thread (no NT_PRSTATUS note): it is corrupt");
    int rc = apply_thread_flags(img, flags, nflags, err);
    if (rc)
        return rc;
    if (!img->pid)
        img->pid = img->threads[0].tid;
    if (!img->signal)
        img->signal = img->threads[0].cursig;
    if (img->nsegs)
        qsort(img->segs, img->nsegs, sizeof *img->segs, seg_cmp);
    for (size_t i = 1; i < img->nsegs; i++)
        if (img->segs[i].vaddr < img->segs[i - 1].vaddr + img->segs[i - 1].memsz)
            return pc_fail(err, PC_E_CORE, "core has overlapping PT_LOAD segments: it is corrupt");
    return PC_OK;
}

void pc_core_image_free(struct pc_core_image *img)
{
    free(img->segs);
    free(img->threads);
    free(img->fmaps);
    memset(img, 0, sizeof *img);
}

long pc_core_find_seg(const struct pc_core_image *img, uint64_t addr)
{
    size_t lo = 0, hi = img->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct pc_core_seg *s = &img->segs[mid];
        if (addr < s->vaddr)
            hi = mid;
        else if (addr - s->vaddr >= s->memsz)
            lo = mid + 1;
        else
            return (long)mid;
    }
    return -1;
}

long pc_core_find_fmap(const struct pc_core_image *img, uint64_t addr)
{
    size_t lo = 0, hi = img->nfmaps;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct pc_core_fmap *f = &img->fmaps[mid];
        if (addr < f->start)
            hi = mid;
        else if (addr >= f->end)
            lo = mid + 1;
        else
            return (long)mid;
    }
    return -1;
}
