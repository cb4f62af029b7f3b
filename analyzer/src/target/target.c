#include "target/target.h"

#include <stdlib.h>
#include <string.h>

int pc_target_new(const pc_target_ops *ops, void *ctx, pc_target **out,
                  pc_error *err)
{
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

void pc_target_close(pc_target *t)
{
    if (!t)
        return;
    if (t->ops->close)
        t->ops->close(t->ctx);
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
    return t->ops->read(t->ctx, addr, buf, len) ? PC_E_MEMORY : PC_OK;
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

void pc_hex(const uint8_t *bytes, size_t n, char *out)
{
    static const char dig[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = dig[bytes[i] >> 4];
        out[2 * i + 1] = dig[bytes[i] & 15];
    }
    out[2 * n] = 0;
}
