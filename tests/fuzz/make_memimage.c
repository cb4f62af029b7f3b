/* make_memimage CORE OUT: record what the CPython, diagnose and report
 * layers read of a real core into a memory image (memimage.h), the seed
 * of fuzz_memory.  The core's files must be on this machine. */
#include "memimage.h"
#include "arch/arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
    pc_target *inner;
    int on;
    struct pc_memrange *v;      /* bytes unused while recording */
    size_t n, cap;
};

static int rec_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct rec *r = ctx;
    int rc = pc_read(r->inner, addr, buf, len);
    if (rc == PC_OK && r->on && len <= UINT32_MAX && pc_grow(&r->v, &r->cap, r->n + 1, sizeof *r->v) == 0)
        r->v[r->n++] = (struct pc_memrange){addr, (uint32_t)len, NULL};
    return rc;
}

static int rec_process(void *ctx, pc_process_desc *out)
{
    const pc_process_desc *p = pc_target_process(((struct rec *)ctx)->inner);
    if (!p)
        return PC_E_CORE;
    *out = *p;
    return PC_OK;
}

#define INNER(ctx) (((struct rec *)(ctx))->inner)
static size_t rec_thread_count(void *ctx) { return INNER(ctx)->ops->thread_count(INNER(ctx)->ctx); }
static int rec_thread(void *ctx, size_t i, pc_thread_desc *out) { return INNER(ctx)->ops->thread(INNER(ctx)->ctx, i, out); }
static size_t rec_mapping_count(void *ctx) { return INNER(ctx)->ops->mapping_count(INNER(ctx)->ctx); }
static int rec_mapping(void *ctx, size_t i, pc_mapping_desc *out) { return INNER(ctx)->ops->mapping(INNER(ctx)->ctx, i, out); }
static int rec_open_file(void *ctx, const char *path, const uint8_t *id, size_t idlen, int *fd, pc_error *err)
{
    return INNER(ctx)->ops->open_file(INNER(ctx)->ctx, path, id, idlen, fd, err);
}

static const pc_target_ops rec_ops = {
    .version = PC_TARGET_OPS_VERSION,
    .read = rec_read,
    .process = rec_process,
    .thread_count = rec_thread_count,
    .thread = rec_thread,
    .mapping_count = rec_mapping_count,
    .mapping = rec_mapping,
    .open_file = rec_open_file,
};

static int range_cmp(const void *a, const void *b)
{
    const struct pc_memrange *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void put(FILE *f, const void *p, size_t n)
{
    if (fwrite(p, 1, n, f) != n) {
        perror("make_memimage: write");
        exit(1);
    }
}

/* Removes every " [took ...]" from s, in place. */
static void drop_took(char *s)
{
    char *p;
    while (s && (p = strstr(s, " [took "))) {
        char *e = strchr(p, ']');
        if (!e)
            return;
        memmove(p, e + 1, strlen(e + 1) + 1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: make_memimage CORE OUT\n");
        return 2;
    }
    pc_error err;
    struct rec r = {0};
    pc_target *t;
    if (pc_target_open_core(argv[1], NULL, &r.inner, &err) || pc_target_wrap(&rec_ops, &r, &t, &err)) {
        fprintf(stderr, "make_memimage: %s\n", err.msg);
        return 1;
    }
    struct pc_analysis a;
    memset(&a, 0, sizeof a);
    a.t = t;
    a.proc = *pc_target_process(t);
    if (pc_native_open(t, NULL, NULL, &a.native, &err)) {
        fprintf(stderr, "make_memimage: %s\n", err.msg);
        return 1;
    }
    a.native.no_source = 1;
    struct pc_python found;
    if (pc_python_open(&a.native, &found, 0, &err)) {
        fprintf(stderr, "make_memimage: %s\n", err.msg);
        return 1;
    }
    /* Record from what the native layer found on, as the replay starts:
     * a version scan (no Py_Version) reads the module's whole data, so its
     * result is kept in the header instead. */
    memset(&a.py, 0, sizeof a.py);
    a.py.t = t;
    a.py.n = &a.native;
    a.py.runtime = found.runtime;
    a.py.mod = found.mod;
    a.py.shared = found.shared;
    a.py.version = found.syms[PC_PYSYM_VERSION] ? 0 : found.version;
    memcpy(a.py.syms, found.syms, sizeof a.py.syms);
    r.on = 1;
    if (pc_python_init(&a.py, &err)) {
        fprintf(stderr, "make_memimage: %s\n", err.msg);
        return 1;
    }
    char *recorded = pc_memimage_walk(&a);
    r.on = 0;
    if (a.native.nthreads > PC_MEMIMAGE_MAX_THREADS) {
        fprintf(stderr, "make_memimage: more than %d threads\n", PC_MEMIMAGE_MAX_THREADS);
        return 1;
    }
    /* Merge the reads into ranges, bridging gaps of up to 16 readable
     * bytes (fewer, larger ranges). */
    qsort(r.v, r.n, sizeof *r.v, range_cmp);
    size_t m = 0;
    for (size_t i = 0; i < r.n; i++) {
        uint64_t end = r.v[i].addr + r.v[i].len;
        uint64_t prev_end = m ? r.v[m - 1].addr + r.v[m - 1].len : 0;
        uint8_t gap[16];
        if (m && r.v[i].addr <= prev_end + sizeof gap &&
            (r.v[i].addr <= prev_end || pc_read(r.inner, prev_end, gap, r.v[i].addr - prev_end) == 0) &&
            end - r.v[m - 1].addr <= UINT32_MAX) {
            if (end > prev_end)
                r.v[m - 1].len = (uint32_t)(end - r.v[m - 1].addr);
        } else
            r.v[m++] = r.v[i];
    }
    FILE *f = fopen(argv[2], "wb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    uint32_t head[6] = {(uint32_t)a.py.shared, (uint32_t)a.native.nthreads, PC_PYSYM_COUNT, (uint32_t)a.proc.pid,
                        found.syms[PC_PYSYM_VERSION] ? 0 : found.version, 0};
    put(f, PC_MEMIMAGE_MAGIC, 8);
    put(f, head, sizeof head);
    put(f, &a.py.runtime, 8);
    put(f, a.py.syms, sizeof a.py.syms);
    for (size_t i = 0; i < a.native.nthreads; i++) {
        const pc_thread_desc *td = &a.native.threads[i];
        put(f, &td->tid, 4);
        put(f, &td->flags, 4);
        if (td->machine != PC_MACHINE_X86_64) {
            fprintf(stderr, "make_memimage: memory images hold x86_64 registers only\n");
            return 1;
        }
        put(f, td->regs, 8 * PC_X86_NREGS);
    }
    size_t total = 0;
    for (size_t i = 0; i < m; i++) {
        uint8_t *buf = malloc(r.v[i].len);
        if (!buf || pc_read(r.inner, r.v[i].addr, buf, r.v[i].len)) {
            free(buf);
            continue;   /* a gap that was not readable after all: keep the parts */
        }
        put(f, &r.v[i].addr, 8);
        put(f, &r.v[i].len, 4);
        put(f, buf, r.v[i].len);
        total += r.v[i].len;
        free(buf);
    }
    if (fclose(f)) {
        perror(argv[2]);
        return 1;
    }
    /* The image must replay to the same threads and diagnosis (the header
     * differs: an image keeps no executable or command line). */
    FILE *in = fopen(argv[2], "rb");
    static uint8_t image[64u << 20];
    size_t n = in ? fread(image, 1, sizeof image, in) : 0;
    if (in)
        fclose(in);
    char *replayed = pc_memimage_replay(image, n);
    /* An image keeps no signal either: "[took SIGABRT]" replays as "[took the signal]". */
    drop_took(recorded);
    drop_took(replayed);
    const char *x = recorded ? strstr(recorded, "\nThread ") : NULL, *y = replayed ? strstr(replayed, "\nThread ") : NULL;
    if (!x || !y || strcmp(x, y) != 0) {
        fprintf(stderr, "make_memimage: %s does not replay to the recorded report:\n--- recorded\n%s\n--- replayed\n%s\n",
                argv[2], recorded ? recorded : "(none)", replayed ? replayed : "(none)");
        return 1;
    }
    free(recorded);
    free(replayed);
    fprintf(stderr, "make_memimage: %s: CPython %s, %zu threads, %zu ranges, %zu bytes\n", argv[2],
            a.py.version_str, a.native.nthreads, m, total);
    pc_diag_free(&a.diag);
    pc_model_free(&a.model);
    pc_native_close(&a.native);
    pc_target_close(t);
    pc_target_close(r.inner);
    free(r.v);
    return 0;
}
