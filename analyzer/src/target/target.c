#include "target/target.h"
#include "arch/arch.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

int pc_target_new(const pc_target_ops *ops, void *ctx, pc_target **out,
                  pc_error *err)
{
    int rc = pc_target_wrap(ops, ctx, out, err);
    if (rc == PC_OK && pc_target_enable_cache(*out)) {
        pc_target_close(*out);
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    }
    return rc;
}

int pc_target_wrap(const pc_target_ops *ops, void *ctx, pc_target **out,
                   pc_error *err)
{
    if (ops && ops->version != PC_TARGET_OPS_VERSION)
        return pc_fail(err, PC_E_USAGE,
                       "target interface version %u, but this libpycore implements version %u: rebuild the caller "
                       "against this pycore.h",
                       ops->version, PC_TARGET_OPS_VERSION);
    if (!ops || !ops->read || !ops->process || !ops->thread_count ||
        !ops->thread || !ops->mapping_count || !ops->mapping)
        return pc_fail(err, PC_E_USAGE, "target is missing a required operation");
    pc_target *t = calloc(1, sizeof *t);
    if (!t)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    t->ops = ops;
    t->ctx = ctx;
    *out = t;
    return PC_OK;
}

int pc_target_enable_cache(pc_target *t)
{
    if (t->cache)
        return PC_OK;
    t->cache = malloc(PC_CACHE_PAGES * sizeof *t->cache);
    if (!t->cache)
        return PC_E_INTERNAL;
    for (size_t i = 0; i < PC_CACHE_PAGES; i++)
        t->cache[i].base = UINT64_MAX;
    return PC_OK;
}

/* Serve [addr, addr+len) within one page from the cache. */
static int cached_read(pc_target *t, uint64_t addr, uint8_t *buf, size_t len)
{
    uint64_t base = addr & ~(uint64_t)(PC_PAGE - 1);
    struct pc_cache_page *p = &t->cache[(base / PC_PAGE) % PC_CACHE_PAGES];
    if (p->base != base) {
        p->base = base;
        p->ok = t->ops->read(t->ctx, base, p->data, PC_PAGE) == 0;
    }
    if (p->ok) {
        memcpy(buf, p->data + (addr - base), len);
        return 0;
    }
    /* Part of the page may still be readable. */
    return t->ops->read(t->ctx, addr, buf, len);
}

void pc_target_close(pc_target *t)
{
    if (!t)
        return;
    if (t->ops->close)
        t->ops->close(t->ctx);
    free(t->cache);
    free(t);
}

int pc_read(pc_target *t, uint64_t addr, void *buf, size_t len)
{
    if (len == 0)
        return PC_OK;
    if (len > PC_READ_MAX || addr + len < addr || addr == 0)
        return PC_E_MEMORY;
    t->reads++;
    t->read_bytes += len;
    if (!t->cache)
        return t->ops->read(t->ctx, addr, buf, len) ? PC_E_MEMORY : PC_OK;
    uint8_t *out = buf;
    while (len) {
        size_t n = PC_PAGE - (addr & (PC_PAGE - 1));
        if (n > len)
            n = len;
        if (cached_read(t, addr, out, n))
            return PC_E_MEMORY;
        out += n, addr += n, len -= n;
    }
    return PC_OK;
}

int pc_read_u64(pc_target *t, uint64_t addr, uint64_t *v)
{
    return pc_read(t, addr, v, sizeof *v);
}

int pc_read_u32(pc_target *t, uint64_t addr, uint32_t *v)
{
    return pc_read(t, addr, v, sizeof *v);
}

int pc_read_ptr(pc_target *t, uint64_t addr, uint64_t *v)
{
    return pc_read(t, addr, v, sizeof *v);
}

int pc_read_cstr(pc_target *t, uint64_t addr, char *out, size_t max)
{
    /* Read in small chunks: a string may end just before unmapped memory. */
    size_t n = 0;
    if (max == 0)
        return PC_E_MEMORY;
    while (n + 1 < max) {
        size_t chunk = 64 - ((addr + n) & 63);
        if (chunk > max - 1 - n)
            chunk = max - 1 - n;
        if (pc_read(t, addr + n, out + n, chunk)) {
            out[n] = 0;
            return PC_E_MEMORY;
        }
        void *z = memchr(out + n, 0, chunk);
        if (z)
            return PC_OK;
        n += chunk;
    }
    out[n] = 0;
    return PC_E_MEMORY;
}

const pc_process_desc *pc_target_process(pc_target *t)
{
    if (!t->have_proc) {
        memset(&t->proc, 0, sizeof t->proc);
        if (t->ops->process(t->ctx, &t->proc))
            return NULL;
        t->have_proc = 1;
    }
    return &t->proc;
}

int pc_target_thread(pc_target *t, size_t i, pc_thread_desc *out)
{
    memset(out, 0, sizeof *out);
    int rc = t->ops->thread(t->ctx, i, out);
    if (rc)
        return rc;
    const pc_process_desc *p = pc_target_process(t);
    if (!out->machine && p)
        out->machine = p->machine;
    const struct pc_arch *a = pc_arch_of(out->machine);
    if (!a)
        return PC_E_CORE;
    uint8_t insn[16];
    if (a->call_len && 2 * a->call_len <= sizeof insn) {
        uint64_t pc = pc_arch_pc(out);
        int ok = pc >= a->call_len && pc_read(t, pc - a->call_len, insn, 2 * a->call_len) == PC_OK;
        pc_arch_complete(out, ok ? insn : NULL);
    }
    return PC_OK;
}

void pc_hex(const uint8_t *bytes, size_t n, char *out)
{
    static const char dig[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = dig[bytes[i] >> 4];
        out[2 * i + 1] = dig[bytes[i] & 15];
    }
    out[2 * n] = 0;
}

void pc_auxv_parse(const uint8_t *d, size_t n, struct pc_auxv *out)
{
    memset(out, 0, sizeof *out);
    for (size_t off = 0; off + 16 <= n; off += 16) {
        uint64_t type, val;
        memcpy(&type, d + off, 8);
        memcpy(&val, d + off + 8, 8);
        if (type == AT_NULL)
            break;
        if (type == AT_PHDR) out->phdr = val;
        else if (type == AT_ENTRY) out->entry = val;
        else if (type == AT_BASE) out->base = val;
        else if (type == AT_EXECFN) out->execfn = val;
    }
}

int pc_open_regular(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

int pc_read_regular(const char *path, char *buf, size_t *len)
{
    struct stat st;
    int fd = pc_open_regular(path, &st);
    if (fd < 0)
        return PC_E_MODULE;
    size_t got = 0;
    while (got < *len) {
        ssize_t r = read(fd, buf + got, *len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return PC_OK;
}

int pc_target_read_text(pc_target *t, const char *path, char *buf, size_t *len)
{
    if (!t->ops->read_text || !path || path[0] != '/')
        return PC_E_MODULE;
    return t->ops->read_text(t->ctx, path, buf, len);
}
