/* The engine's side of the target interface: one bounds-checked read path
 * and cached process facts.  Every read of target memory goes through
 * pc_read(). */
#ifndef PYCORE_TARGET_H
#define PYCORE_TARGET_H

#include "base/base.h"

#include <sys/stat.h>

/* Largest single read the engine ever asks for; bigger is a bug or a
 * hostile length taken from the target. */
#define PC_READ_MAX (16u << 20)

/* Targets whose reads are costly (a debugger, a live process) get a small
 * page cache in front of them; a core's reads are a memcpy already. */
#define PC_CACHE_PAGES 512
#define PC_PAGE 4096

struct pc_cache_page {
    uint64_t base;                /* UINT64_MAX: empty */
    int ok;                       /* the whole page was readable */
    uint8_t data[PC_PAGE];
};

/* A region of the address space of any kind (anonymous memory, heap,
 * stacks, [vdso], files): what a core written from the target holds
 * (core_write.c).  The public mapping operations list file mappings only,
 * and pc_target_ops cannot grow without breaking callers, so this stays
 * internal: a target that knows its regions (the live target) sets
 * pc_target.regions; without it a written core holds the file mappings. */
#define PC_PROT_X 1u    /* ELF p_flags bits */
#define PC_PROT_W 2u
#define PC_PROT_R 4u
struct pc_region {
    uint64_t start, end;
    unsigned prot;                /* PC_PROT_* */
};
struct pc_region_ops {
    size_t (*count)(void *ctx);
    int (*get)(void *ctx, size_t index, struct pc_region *out);
};

struct pc_target {
    const pc_target_ops *ops;
    const struct pc_region_ops *regions;  /* NULL: unknown */
    void *ctx;
    pc_process_desc proc;
    int have_proc;
    uint64_t reads, read_bytes;   /* statistics for benchmarks */
    struct pc_cache_page *cache;  /* NULL: no cache */
    const char *debug_root;       /* separate debug info of another root (a core's
                                   * --sysroot: DIR/usr/lib/debug), owned by ctx; NULL none */
    int32_t ppid;                 /* the parent's pid (NT_PRPSINFO, /proc); 0 unknown.
                                   * Internal, as regions: triage links the cores of
                                   * one process tree by it */
};

/* A target without a cache (the core target's reads are memcpy). */
int pc_target_wrap(const pc_target_ops *ops, void *ctx, pc_target **out, pc_error *err);
int pc_target_enable_cache(pc_target *t);

int pc_read(pc_target *t, uint64_t addr, void *buf, size_t len);
int pc_read_u64(pc_target *t, uint64_t addr, uint64_t *v);
int pc_read_u32(pc_target *t, uint64_t addr, uint32_t *v);
int pc_read_ptr(pc_target *t, uint64_t addr, uint64_t *v);
/* A NUL-terminated string of at most max-1 bytes; 0 if terminated. */
int pc_read_cstr(pc_target *t, uint64_t addr, char *out, size_t max);
const pc_process_desc *pc_target_process(pc_target *t);
/* Thread i as the engine sees it: the target's registers, their machine
 * (the process's unless the target says), and what the architecture adds
 * from the instructions at the pc (pc_arch_complete). */
int pc_target_thread(pc_target *t, size_t i, pc_thread_desc *out);

/* Open a file a core or a user names for reading, only if it is a regular
 * file: O_NONBLOCK so that a FIFO or a device cannot block the open, and
 * its type checked on the opened fd (no race with a rename).  An fd, or -1
 * with errno set (EINVAL: not a regular file). */
int pc_open_regular(const char *path, struct stat *st);
/* Up to *len bytes of the regular file at path (the read_text operation
 * of the core and live targets): PC_OK, or PC_E_MODULE. */
int pc_read_regular(const char *path, char *buf, size_t *len);
/* pc_target_ops.read_text through the target, or PC_E_MODULE without it. */
int pc_target_read_text(pc_target *t, const char *path, char *buf, size_t *len);

/* ELF images as seen through a read function (target memory or a mapped
 * file): the GNU build-id. */
typedef int (*pc_reader_fn)(void *arg, uint64_t addr, void *buf, size_t len);
#define PC_BUILD_ID_MAX 64
int pc_elf_build_id(pc_reader_fn rd, void *arg, uint64_t base, int in_memory,
                    uint8_t *id, size_t *id_len);

void pc_hex(const uint8_t *bytes, size_t n, char *out /* 2n+1 */);

/* The auxiliary-vector entries the targets use, from a core's NT_AUXV or a
 * live process's /proc/PID/auxv (64-bit pairs up to AT_NULL); 0 if absent. */
struct pc_auxv {
    uint64_t phdr, entry, base, execfn;
};
void pc_auxv_parse(const uint8_t *d, size_t n, struct pc_auxv *out);

#endif
