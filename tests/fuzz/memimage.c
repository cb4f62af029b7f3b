/* Parsing and replaying memory images (memimage.h). */
#include "memimage.h"
#include "arch/arch.h"

#include <stdlib.h>
#include <string.h>

static uint32_t u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static int range_cmp(const void *a, const void *b)
{
    const struct pc_memrange *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int pc_memimage_parse(const uint8_t *d, size_t n, struct pc_memimage *img)
{
    memset(img, 0, sizeof *img);
    const size_t head = 8 + 6 * 4 + 8;
    if (n < head || memcmp(d, PC_MEMIMAGE_MAGIC, 8) != 0)
        return -1;
    img->flags = u32(d + 8);
    uint32_t nthreads = u32(d + 12), nsyms = u32(d + 16);
    img->pid = (int32_t)u32(d + 20);
    img->version = u32(d + 24);
    img->runtime = u64(d + 32);
    size_t off = head;
    if (nthreads == 0 || nthreads > PC_MEMIMAGE_MAX_THREADS || nsyms > 4096 || (n - off) / 8 < nsyms)
        return -1;
    for (uint32_t i = 0; i < nsyms; i++)
        if (i < PC_PYSYM_COUNT)
            img->syms[i] = u64(d + off + 8 * i);
    off += 8 * (size_t)nsyms;
    const size_t tsize = 8 + 8 * PC_X86_NREGS;
    if ((n - off) / tsize < nthreads)
        return -1;
    for (uint32_t i = 0; i < nthreads; i++, off += tsize) {
        pc_thread_desc *t = &img->threads[i];
        t->tid = (int32_t)u32(d + off);
        t->flags = u32(d + off + 4);
        t->machine = PC_MACHINE_X86_64;
        for (int r = 0; r < PC_X86_NREGS; r++)
            t->regs[r] = u64(d + off + 8 + 8 * r);
    }
    img->nthreads = nthreads;
    size_t cap = 0;
    while (n - off >= 12) {
        uint64_t addr = u64(d + off);
        uint32_t len = u32(d + off + 8);
        off += 12;
        if (len > n - off || addr + len < addr || img->nranges >= PC_MEMIMAGE_MAX_RANGES ||
            pc_grow(&img->ranges, &cap, img->nranges + 1, sizeof *img->ranges)) {
            pc_memimage_free(img);
            return -1;
        }
        img->ranges[img->nranges++] = (struct pc_memrange){addr, len, d + off};
        off += len;
    }
    if (img->nranges)
        qsort(img->ranges, img->nranges, sizeof *img->ranges, range_cmp);
    return 0;
}

void pc_memimage_free(struct pc_memimage *img)
{
    free(img->ranges);
    img->ranges = NULL;
    img->nranges = 0;
}

/* The last range starting at or below addr that holds it; ranges may
 * overlap in a mutated image, any one will do. */
static const struct pc_memrange *find(const struct pc_memimage *img, uint64_t addr)
{
    size_t lo = 0, hi = img->nranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (img->ranges[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct pc_memrange *r = &img->ranges[lo - 1];
    return addr - r->addr < r->len ? r : NULL;
}

static int img_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    const struct pc_memimage *img = ctx;
    uint8_t *out = buf;
    while (len) {
        const struct pc_memrange *r = find(img, addr);
        if (!r)
            return PC_E_MEMORY;
        size_t k = r->len - (addr - r->addr);
        if (k > len)
            k = len;
        memcpy(out, r->bytes + (addr - r->addr), k);
        out += k, addr += k, len -= k;
    }
    return PC_OK;
}

static int img_process(void *ctx, pc_process_desc *out)
{
    const struct pc_memimage *img = ctx;
    memset(out, 0, sizeof *out);
    out->pid = img->pid;
    out->core_kind = PC_CORE_KERNEL;
    out->machine = PC_MACHINE_X86_64;
    out->signal = 6;
    return PC_OK;
}

static size_t img_thread_count(void *ctx)
{
    return ((const struct pc_memimage *)ctx)->nthreads;
}

static int img_thread(void *ctx, size_t i, pc_thread_desc *out)
{
    const struct pc_memimage *img = ctx;
    if (i >= img->nthreads)
        return PC_E_USAGE;
    *out = img->threads[i];
    return PC_OK;
}

static size_t img_mapping_count(void *ctx)
{
    (void)ctx;
    return 0;
}

static int img_mapping(void *ctx, size_t i, pc_mapping_desc *out)
{
    (void)ctx;
    (void)i;
    (void)out;
    return PC_E_USAGE;
}

static const pc_target_ops img_ops = {
    .version = PC_TARGET_OPS_VERSION,
    .read = img_read,
    .process = img_process,
    .thread_count = img_thread_count,
    .thread = img_thread,
    .mapping_count = img_mapping_count,
    .mapping = img_mapping,
};

int pc_memimage_target(struct pc_memimage *img, pc_target **t, pc_error *err)
{
    return pc_target_wrap(&img_ops, img, t, err);
}

char *pc_memimage_walk(struct pc_analysis *a)
{
    pc_error err;
    if (pc_model_build(&a->native, &a->py, 0, 0, &a->model, &err))
        return NULL;
    pc_model_locals(&a->py, &a->model);     /* reprs of whatever the frames hold */
    if (pc_diagnose(&a->py, &a->model, &a->diag))
        return NULL;
    free(pc_render(a, PC_FORMAT_JSON, 0));
    free(pc_render(a, PC_FORMAT_DOT, 0));
    free(pc_render(a, PC_FORMAT_TEXT, PC_RENDER_NATIVE | PC_RENDER_COLOR | PC_RENDER_LOCALS));
    return pc_render(a, PC_FORMAT_TEXT, 0);
}

char *pc_memimage_replay(const uint8_t *d, size_t n)
{
    struct pc_memimage img;
    if (pc_memimage_parse(d, n, &img))
        return NULL;
    pc_error err;
    pc_target *t = NULL;
    char *text = NULL;
    if (pc_memimage_target(&img, &t, &err) == PC_OK) {
        struct pc_analysis a;
        memset(&a, 0, sizeof a);
        a.t = t;
        a.proc = *pc_target_process(t);
        a.native.t = t;
        a.native.threads = img.threads;
        a.native.nthreads = img.nthreads;
        a.py.t = t;
        a.py.n = &a.native;
        a.py.runtime = img.runtime;
        a.py.version = img.version;
        a.py.shared = img.flags & 1;
        memcpy(a.py.syms, img.syms, sizeof a.py.syms);
        if (pc_python_init(&a.py, &err) == PC_OK)
            text = pc_memimage_walk(&a);
        pc_diag_free(&a.diag);
        pc_model_free(&a.model);
        pc_python_close(&a.py);
        pc_target_close(t);
    }
    pc_memimage_free(&img);
    return text;
}
