/* The core-file target: memory comes from the core's PT_LOAD segments,
 * and, for file pages the kernel left out (text, rodata), from the mapped
 * files named in NT_FILE once their build-id matches the one in memory. */
#include "target/core_file.h"
#include "arch/arch.h"
#include "target/linkmap.h"
#include "target/core_fd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { FILE_UNTRIED, FILE_OK, FILE_FAILED };

struct cfile {
    const char *path;           /* as in the core */
    char *resolved;
    int state;
    int fd;
    const uint8_t *map;
    size_t size;
    char error[sizeof ((pc_error *)0)->msg];  /* why it is FILE_FAILED */
};

struct core_ctx {
    int fd;
    const uint8_t *map;
    size_t size;
    struct pc_core_image img;
    struct cfile *files;
    size_t nfiles, fcap;
    char *sysroot;
    char *debug_root;           /* sysroot/usr/lib/debug */
    char *exe_override;
    char **debug_dirs;          /* NULL-terminated */
    const char *exe_path;       /* path of the executable in the core */
    char *lm_exe;               /* ... when the core names no files: AT_EXECFN */
    struct pc_linkmap lm;       /* the files then, from the linker's list */
    char cmdline[96];
    char *note_cmdline, *note_exe;  /* a PYCORE note's, NUL-terminated copies */
    /* Segment hints by 64 KiB block of address (+1; 0 none): reads jump
     * between a few stacks, heap arenas and the interpreter's data, and a
     * binary search each time was a tenth of a large report. */
    uint32_t seg_hint[256];
};

static int mem_only_read(void *arg, uint64_t addr, void *buf, size_t len)
{
    const struct core_ctx *c = arg;
    uint8_t *out = buf;
    while (len) {
        long i = pc_core_find_seg(&c->img, addr);
        if (i < 0)
            return -1;
        const struct pc_core_seg *s = &c->img.segs[i];
        uint64_t rel = addr - s->vaddr;
        if (rel >= s->filesz)
            return -1;
        size_t n = s->filesz - rel < len ? (size_t)(s->filesz - rel) : len;
        memcpy(out, c->map + s->offset + rel, n);
        out += n, addr += n, len -= n;
    }
    return 0;
}

static int file_read(void *arg, uint64_t off, void *buf, size_t len)
{
    const struct cfile *f = arg;
    if (!pc_range_ok(off, len, f->size))
        return -1;
    memcpy(buf, f->map + off, len);
    return 0;
}

static char *join_root(const char *root, const char *path)
{
    size_t n = strlen(root) + strlen(path) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", root, path[0] == '/' ? "" : "/", path);
    return s;
}

/* A path of the process under --sysroot.  A qemu-user core's paths are
 * looked up as qemu -L ROOT looked them up: under the root if there, else
 * on the host (its own executable, the script it was given). */
static char *in_sysroot(const struct core_ctx *c, const char *path)
{
    if (!c->sysroot)
        return pc_strdup(path);
    char *s = join_root(c->sysroot, path);
    if (s && c->lm_exe && access(s, F_OK) != 0 && access(path, F_OK) == 0) {
        free(s);
        return pc_strdup(path);
    }
    return s;
}

/* The sysroot of this core's machine: spec is a DIR for any core, or a
 * list MACHINE=DIR[,MACHINE=DIR...] (machines as uname -m names them), in
 * which a plain DIR is the root of the machines not listed.  "/" is none. */
static int pick_sysroot(struct core_ctx *c, const char *spec, pc_error *err)
{
    const char *chosen = spec;
    size_t len = strlen(spec);
    if (strchr(spec, '=')) {
        chosen = NULL, len = 0;
        for (const char *p = spec; *p;) {
            size_t n = strcspn(p, ",");
            const char *eq = memchr(p, '=', n);
            if (!eq && !chosen)
                chosen = p, len = n;    /* the others' root, unless this machine is listed */
            else if (eq) {
                const struct pc_arch *a = pc_arch_by_name(p, (size_t)(eq - p));
                if (!a)
                    return pc_fail(err, PC_E_USAGE, "--sysroot: unknown machine '%.*s' in '%s' (%s)", (int)(eq - p),
                                   p, spec, pc_arch_supported());
                if (a->machine == c->img.machine) {
                    chosen = eq + 1, len = n - (size_t)(eq + 1 - p);
                    break;
                }
            }
            p += n + (p[n] == ',');
        }
    }
    if (!chosen || !len || (len == 1 && chosen[0] == '/'))
        return PC_OK;
    if (!(c->sysroot = strndup(chosen, len)) || !(c->debug_root = join_root(c->sysroot, "/usr/lib/debug")))
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    return PC_OK;
}

static int map_file(struct cfile *f, const char *path)
{
    struct stat st;
    int fd = pc_open_regular(path, &st);
    if (fd < 0)
        return -1;
    if (st.st_size <= 0) {
        close(fd);
        return -1;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        close(fd);
        return -1;
    }
    f->fd = fd;
    f->map = m;
    f->size = (size_t)st.st_size;
    return 0;
}

static void unmap_file(struct cfile *f)
{
    if (f->map)
        munmap((void *)f->map, f->size);
    if (f->fd >= 0)
        close(f->fd);
    f->map = NULL;
    f->fd = -1;
}

/* Build-id of the image mapped for 'path', read from the core itself. */
static int memory_build_id(struct core_ctx *c, const char *path, uint8_t *id, size_t *len)
{
    for (size_t i = 0; i < c->img.nfmaps; i++) {
        const struct pc_core_fmap *m = &c->img.fmaps[i];
        if (m->pgoff == 0 && strcmp(m->path, path) == 0)
            return pc_elf_build_id(mem_only_read, c, m->start, 1, id, len);
    }
    return -1;
}

/* Map 'candidate' into f if its build-id is the wanted one (or unknown).
 * 0: mapped and matching; 1: missing; 2: mismatched (have filled). */
static int try_file(struct cfile *f, const char *candidate, const uint8_t *want, size_t wlen,
                    uint8_t *have, size_t *hlen)
{
    if (map_file(f, candidate))
        return 1;
    *hlen = 0;
    if (wlen && (pc_elf_build_id(file_read, f, 0, 0, have, hlen) || *hlen != wlen || memcmp(want, have, wlen))) {
        unmap_file(f);
        return 2;
    }
    return 0;
}

/* Where a mapped file may be: its path (under --sysroot; the EXECUTABLE
 * argument for the main program), then each --debug-dir by file name and
 * by build-id (DIR/.build-id/xx/rest, the layout of /usr/lib/debug). */
static int find_file(struct core_ctx *c, struct cfile *f, const char *path, const uint8_t *want, size_t wlen,
                     char *first_bad, size_t first_bad_len, uint8_t *bad_id, size_t *bad_len)
{
    int is_exe = c->exe_path && strcmp(path, c->exe_path) == 0;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char hex[2 * PC_BUILD_ID_MAX + 1] = "";
    if (wlen)
        pc_hex(want, wlen, hex);
    size_t ndirs = 0;
    while (c->debug_dirs && c->debug_dirs[ndirs])
        ndirs++;
    uint8_t have[PC_BUILD_ID_MAX];
    size_t hlen = 0;
    first_bad[0] = 0;
    for (size_t k = 0; k < 1 + 2 * ndirs; k++) {
        char *cand;
        if (k == 0)
            cand = is_exe && c->exe_override ? pc_strdup(c->exe_override)
                   : in_sysroot(c, path);
        else if (k % 2 == 1)
            cand = join_root(c->debug_dirs[(k - 1) / 2], base);
        else {
            if (!wlen)
                continue;
            char rel[2 * PC_BUILD_ID_MAX + 16];
            snprintf(rel, sizeof rel, ".build-id/%.2s/%s", hex, hex + 2);
            cand = join_root(c->debug_dirs[(k - 1) / 2], rel);
        }
        if (!cand)
            return -1;
        int r = try_file(f, cand, want, wlen, have, &hlen);
        if (r == 0) {
            free(f->resolved);
            f->resolved = cand;
            return 0;
        }
        if (r == 2 && !first_bad[0]) {
            snprintf(first_bad, first_bad_len, "%s", cand);
            memcpy(bad_id, have, hlen);
            *bad_len = hlen;
        }
        if (k == 0 && !f->resolved)
            f->resolved = cand;   /* named in the error */
        else
            free(cand);
    }
    /* Last resort: debuginfod, by build-id (DEBUGINFOD_URLS). */
    char *dl = wlen ? pc_debuginfod_executable(want, wlen) : NULL;
    if (dl && try_file(f, dl, want, wlen, have, &hlen) == 0) {
        free(f->resolved);
        f->resolved = dl;
        return 0;
    }
    free(dl);
    return -1;
}

static struct cfile *get_file(struct core_ctx *c, const char *path, pc_error *err)
{
    struct cfile *f = NULL;
    for (size_t i = 0; i < c->nfiles; i++)
        if (strcmp(c->files[i].path, path) == 0)
            f = &c->files[i];
    if (!f) {
        if (pc_grow(&c->files, &c->fcap, c->nfiles + 1, sizeof *c->files)) {
            pc_fail(err, PC_E_INTERNAL, "out of memory");
            return NULL;
        }
        f = &c->files[c->nfiles++];
        memset(f, 0, sizeof *f);
        f->path = path;
        f->fd = -1;
    }
    if (f->state == FILE_OK)
        return f;
    if (f->state == FILE_FAILED) {
        pc_fail(err, PC_E_MODULE, "%s", f->error);
        return NULL;
    }
    f->state = FILE_FAILED;
    pc_error local;
    if (!err)
        err = &local;
    uint8_t want[PC_BUILD_ID_MAX], bad_id[PC_BUILD_ID_MAX];
    size_t wlen = 0, bad_len = 0;
    if (memory_build_id(c, path, want, &wlen))
        wlen = 0;
    char w[2 * PC_BUILD_ID_MAX + 1] = "unknown", h[2 * PC_BUILD_ID_MAX + 1] = "none", bad[512];
    if (wlen)
        pc_hex(want, wlen, w);
    if (find_file(c, f, path, want, wlen, bad, sizeof bad, bad_id, &bad_len) == 0) {
        f->state = FILE_OK;
        return f;
    }
    if (bad[0]) {
        if (bad_len)
            pc_hex(bad_id, bad_len, h);
        pc_fail(err, PC_E_MODULE,
                "%s has build-id %s but the core needs %s: pass the matching file (--sysroot DIR or --debug-dir DIR)",
                bad, h, w);
    } else
        pc_fail(err, PC_E_MODULE,
                "%s (build-id %s) is missing: the core maps it; install the same build, or pass --sysroot DIR or --debug-dir DIR holding it",
                f->resolved ? f->resolved : path, w);
    snprintf(f->error, sizeof f->error, "%s", err->msg);
    return NULL;
}

static int core_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct core_ctx *c = ctx;
    uint8_t *out = buf;
    while (len) {
        long i = -1;
        uint32_t *hint = &c->seg_hint[(addr >> 16) % (sizeof c->seg_hint / sizeof c->seg_hint[0])];
        if (*hint && *hint <= c->img.nsegs) {
            const struct pc_core_seg *s = &c->img.segs[*hint - 1];
            if (addr >= s->vaddr && addr - s->vaddr < s->memsz)
                i = (long)*hint - 1;
        }
        if (i < 0 && (i = pc_core_find_seg(&c->img, addr)) >= 0 && (size_t)i < UINT32_MAX)
            *hint = (uint32_t)i + 1;
        size_t n = len;
        if (i >= 0) {
            const struct pc_core_seg *s = &c->img.segs[i];
            uint64_t rel = addr - s->vaddr;
            if (s->memsz - rel < n)
                n = (size_t)(s->memsz - rel);
            if (rel < s->filesz) {
                if (s->filesz - rel < n)
                    n = (size_t)(s->filesz - rel);
                memcpy(out, c->map + s->offset + rel, n);
                out += n, addr += n, len -= n;
                continue;
            }
        }
        /* Not in the core: a file page the kernel did not dump. */
        long m = pc_core_find_fmap(&c->img, addr);
        if (m < 0)
            return -1;
        const struct pc_core_fmap *fm = &c->img.fmaps[m];
        if (fm->end - addr < n)
            n = (size_t)(fm->end - addr);
        struct cfile *f = get_file(c, fm->path, NULL);
        if (!f || file_read(f, fm->pgoff + (addr - fm->start), out, n))
            return -1;
        out += n, addr += n, len -= n;
    }
    return 0;
}

static int core_process(void *ctx, pc_process_desc *out)
{
    struct core_ctx *c = ctx;
    out->pid = c->img.pid;
    out->signal = c->img.signal;
    out->has_siginfo = c->img.has_siginfo;
    out->sig_code = c->img.sig_code;
    out->sig_pid = c->img.sig_pid;
    out->sig_addr = c->img.sig_addr;
    out->machine = c->img.machine;
    out->core_kind = c->img.pycore_note ? PC_CORE_PYCORE : c->img.gdb_note ? PC_CORE_GCORE
                     : c->lm_exe ? PC_CORE_QEMU : PC_CORE_KERNEL;
    /* As mapped (an override only changes which file is read), or as the
     * live process said when pycore wrote the core: the same report. */
    out->exe = c->note_exe ? c->note_exe : c->exe_path;
    out->cmdline = c->note_cmdline ? (c->note_cmdline[0] ? c->note_cmdline : NULL)
                 : c->cmdline[0] ? c->cmdline : NULL;
    out->at_phdr = c->img.at_phdr;
    out->at_entry = c->img.at_entry;
    out->at_base = c->img.at_base;
    return PC_OK;
}

static size_t core_thread_count(void *ctx)
{
    return ((struct core_ctx *)ctx)->img.nthreads;
}

static int core_thread(void *ctx, size_t i, pc_thread_desc *out)
{
    struct core_ctx *c = ctx;
    if (i >= c->img.nthreads)
        return PC_E_USAGE;
    *out = c->img.threads[i];
    /* gcore leaves signal masks zero: they are unknown, not empty. */
    if (c->img.gdb_note)
        out->flags &= ~PC_THREAD_SIGMASKS;
    return PC_OK;
}

static size_t core_mapping_count(void *ctx)
{
    return ((struct core_ctx *)ctx)->img.nfmaps;
}

static int core_mapping(void *ctx, size_t i, pc_mapping_desc *out)
{
    struct core_ctx *c = ctx;
    if (i >= c->img.nfmaps)
        return PC_E_USAGE;
    const struct pc_core_fmap *f = &c->img.fmaps[i];
    out->start = f->start;
    out->end = f->end;
    out->pgoff = f->pgoff;
    out->path = f->path;
    return PC_OK;
}

static int core_open_file(void *ctx, const char *path, const uint8_t *build_id,
                          size_t build_id_len, int *fd, pc_error *err)
{
    struct core_ctx *c = ctx;
    (void)build_id;
    (void)build_id_len;  /* get_file checks against the core's own copy */
    struct cfile *f = get_file(c, path, err);
    if (!f)
        return err ? err->code : PC_E_MODULE;
    *fd = dup(f->fd);
    return *fd < 0 ? pc_fail(err, PC_E_INTERNAL, "dup: %s", strerror(errno)) : PC_OK;
}

static int core_read_text(void *ctx, const char *path, char *buf, size_t *len)
{
    struct core_ctx *c = ctx;
    char *full = in_sysroot(c, path);
    if (!full)
        return PC_E_INTERNAL;
    int rc = pc_read_regular(full, buf, len);
    free(full);
    return rc;
}

static void core_close(void *ctx)
{
    struct core_ctx *c = ctx;
    for (size_t i = 0; i < c->nfiles; i++) {
        unmap_file(&c->files[i]);
        free(c->files[i].resolved);
    }
    free(c->files);
    pc_core_image_free(&c->img);
    if (c->map)
        munmap((void *)c->map, c->size);
    if (c->fd >= 0)
        close(c->fd);
    free(c->sysroot);
    free(c->debug_root);
    free(c->exe_override);
    free(c->note_cmdline);
    free(c->note_exe);
    pc_linkmap_free(&c->lm);
    free(c->lm_exe);
    for (size_t i = 0; c->debug_dirs && c->debug_dirs[i]; i++)
        free(c->debug_dirs[i]);
    free(c->debug_dirs);
    free(c);
}

static const pc_target_ops core_ops = {
    .version = PC_TARGET_OPS_VERSION,
    .read = core_read,
    .process = core_process,
    .thread_count = core_thread_count,
    .thread = core_thread,
    .mapping_count = core_mapping_count,
    .mapping = core_mapping,
    .symbol = NULL,
    .open_file = core_open_file,
    .read_text = core_read_text,
    .close = core_close,
};

/* A PYCORE note's text field as a C string (it is bytes: a NUL inside
 * ends it). */
static int note_text(const uint8_t *v, size_t len, char **out)
{
    if (!v)
        return 0;
    *out = malloc(len + 1);
    if (!*out)
        return -1;
    memcpy(*out, v, len);
    (*out)[len] = 0;
    return 0;
}

static int mem_cstr(void *arg, uint64_t addr, char *out, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (mem_only_read(arg, addr + i, out + i, 1))
            return -1;
        if (!out[i])
            return 0;
    }
    out[max - 1] = 0;
    return -1;
}

static int lm_file_read(void *arg, const char *path, uint64_t off, void *buf, size_t len)
{
    struct cfile *f = get_file(arg, path, NULL);
    return f ? file_read(f, off, buf, len) : -1;
}

static int fmap_start_cmp(const void *a, const void *b)
{
    const struct pc_core_fmap *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* A core that names no mapped files (qemu-user's): the executable from
 * AT_EXECFN (or the command line), the rest from the linker's list. */
static int files_from_linkmap(struct core_ctx *c, pc_error *err)
{
    char name[4096];
    if (c->img.at_execfn && mem_cstr(c, c->img.at_execfn, name, sizeof name) == 0 && name[0])
        c->lm_exe = pc_strdup(name);
    else {
        size_t n = strcspn(c->img.psargs, " ");
        c->lm_exe = n ? strndup(c->img.psargs, n) : NULL;
    }
    /* qemu-user leaves pr_sighold and pr_sigpend zero: the masks are unknown */
    for (size_t i = 0; i < c->img.nthreads; i++)
        c->img.threads[i].flags &= ~PC_THREAD_SIGMASKS;
    /* ... and a forked child's thread keeps the parent's tid in pr_pid
     * (qemu 7.2 caches it); a process of one thread is its main thread */
    if (c->img.nthreads == 1 && c->img.pid > 0)
        c->img.threads[0].tid = c->img.pid;
    if (!c->lm_exe)
        return PC_OK;       /* nothing to go on: Python is then not found, and says so */
    c->exe_path = c->lm_exe;
    struct pc_linkmap_io io = {c, mem_only_read, mem_cstr, lm_file_read};
    if (pc_linkmap_files(&io, c->lm_exe, c->img.at_phdr, &c->lm) && !c->lm.n)
        return PC_OK;
    struct pc_core_fmap *f = calloc(c->lm.n ? c->lm.n : 1, sizeof *f);
    if (!f)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    for (size_t i = 0; i < c->lm.n; i++)
        f[i] = (struct pc_core_fmap){c->lm.v[i].start, c->lm.v[i].end, c->lm.v[i].pgoff, c->lm.v[i].path};
    qsort(f, c->lm.n, sizeof *f, fmap_start_cmp);
    free(c->img.fmaps);         /* an NT_FILE of no entries */
    c->img.fmaps = f;
    c->img.nfmaps = c->lm.n;
    return PC_OK;
}

static int is_dynamic_linker(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    return strncmp(b, "ld-linux", 8) == 0 || strncmp(b, "ld.so", 5) == 0 || strncmp(b, "ld-musl", 7) == 0;
}

/* The executable: the mapping holding AT_PHDR (the program headers of
 * the main program).  A program started as `ld.so PROGRAM` has ld.so
 * there: then the mapped file named on the command line, else the first
 * mapped file that is not a shared object. */
static void find_exe(struct core_ctx *c)
{
    long m = c->img.at_phdr ? pc_core_find_fmap(&c->img, c->img.at_phdr) : -1;
    c->exe_path = m >= 0 ? c->img.fmaps[m].path : c->img.nfmaps ? c->img.fmaps[0].path : NULL;
    if (!c->exe_path || !is_dynamic_linker(c->exe_path))
        return;
    const char *fallback = NULL;
    for (size_t i = 0; i < c->img.nfmaps; i++) {
        const char *p = c->img.fmaps[i].path;
        if (p[0] != '/' || is_dynamic_linker(p))
            continue;
        if (strstr(c->img.psargs, p)) {
            c->exe_path = p;
            return;
        }
        const char *b = strrchr(p, '/');
        if (!fallback && !strstr(b, ".so") && strncmp(p, "/dev/", 5) != 0 && strncmp(p, "/usr/lib/locale", 15) != 0)
            fallback = p;
    }
    if (fallback)
        c->exe_path = fallback;
}

int pc_target_open_core(const char *path, const pc_core_options *opts,
                        pc_target **out, pc_error *err)
{
    struct stat st;
    int fd = pc_open_regular(path, &st);
    if (fd < 0)
        return pc_fail(err, PC_E_CORE, errno == EINVAL ? "%s is not a regular file: pass the core dump's file"
                                                       : "cannot open %s: %s", path, strerror(errno));
    return pc_core_target_adopt(fd, path, opts, out, err);
}

/* Shared by pc_target_open_core and pc_target_open_core_fd (core_fd.c):
 * takes ownership of fd; 'path' names the core in messages. */
int pc_core_target_adopt(int fd, const char *path, const pc_core_options *opts,
                         pc_target **out, pc_error *err)
{
    struct core_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    }
    c->fd = fd;
    int rc;
    struct stat st;
    if (fstat(c->fd, &st) || !S_ISREG(st.st_mode)) {
        rc = pc_fail(err, PC_E_CORE, "%s is not a regular file", path);
        goto fail;
    }
    if (st.st_size == 0) {
        rc = pc_fail(err, PC_E_CORE, "%s is empty: the core was not written (check 'ulimit -c' and core_pattern)", path);
        goto fail;
    }
    c->size = (size_t)st.st_size;
    void *m = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE, c->fd, 0);
    if (m == MAP_FAILED) {
        rc = pc_fail(err, PC_E_CORE, "cannot map %s: %s", path, strerror(errno));
        goto fail;
    }
    c->map = m;
    rc = pc_core_parse(&c->img, c->map, c->size, err);
    if (rc)
        goto fail;
    if (opts && opts->sysroot && (rc = pick_sysroot(c, opts->sysroot, err)) != PC_OK)
        goto fail;
    if (opts && opts->executable && !(c->exe_override = pc_strdup(opts->executable))) {
        rc = pc_fail(err, PC_E_INTERNAL, "out of memory");
        goto fail;
    }
    size_t nd = 0;
    while (opts && opts->debug_dirs && opts->debug_dirs[nd])
        nd++;
    if (nd) {
        c->debug_dirs = calloc(nd + 1, sizeof *c->debug_dirs);
        for (size_t i = 0; c->debug_dirs && i < nd; i++)
            c->debug_dirs[i] = pc_strdup(opts->debug_dirs[i]);
        if (!c->debug_dirs) {
            rc = pc_fail(err, PC_E_INTERNAL, "out of memory");
            goto fail;
        }
    }
    if (c->img.nfmaps)
        find_exe(c);
    else if ((rc = files_from_linkmap(c, err)) != PC_OK)
        goto fail;
    if (note_text(c->img.py_cmdline, c->img.py_cmdline_len, &c->note_cmdline) ||
        note_text(c->img.py_exe, c->img.py_exe_len, &c->note_exe)) {
        rc = pc_fail(err, PC_E_INTERNAL, "out of memory");
        goto fail;
    }
    snprintf(c->cmdline, sizeof c->cmdline, "%s", c->img.psargs[0] ? c->img.psargs : c->img.fname);
    for (size_t k = strlen(c->cmdline); k > 0 && c->cmdline[k - 1] == ' '; k--)
        c->cmdline[k - 1] = 0;
    rc = pc_target_wrap(&core_ops, c, out, err);
    if (rc)
        goto fail;
    (*out)->ppid = c->img.ppid > 0 ? c->img.ppid : 0;
    (*out)->debug_root = c->debug_root;
    return PC_OK;
fail:
    core_close(c);
    return rc;
}
