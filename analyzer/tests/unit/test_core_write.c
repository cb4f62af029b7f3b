/* The core writer on a synthetic target: the core it streams into memory
 * is read back by the core parser with the same threads (their flags
 * too, through the PYCORE note), command line, file mappings and memory;
 * unreadable pages come back unreadable (p_filesz 0). */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/arch.h"
#include "target/core_file.h"
#include "target/core_write.h"

/* Memory: [0x10000, 0x13000) rw, its middle page unreadable; a guard
 * page at 0x20000 (no permissions); a file at 0x400000 (r-x); an
 * overlapping duplicate of the first region (a hostile list). */
#define BAD_PAGE 0x11000
static const struct pc_region regions[] = {
    {0x400000, 0x402000, PC_PROT_R | PC_PROT_X},
    {0x10000, 0x13000, PC_PROT_R | PC_PROT_W},
    {0x20000, 0x21000, 0},
    {0x12000, 0x14000, PC_PROT_R},
};

static uint8_t byte_at(uint64_t a)
{
    return (uint8_t)(a * 7 + (a >> 12));
}

static int mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        uint64_t a = addr + i;
        int in = (a >= 0x10000 && a < 0x14000 && (a & ~0xfffull) != BAD_PAGE) || (a >= 0x400000 && a < 0x402000);
        if (!in)
            return PC_E_MEMORY;
        ((uint8_t *)buf)[i] = byte_at(a);
    }
    return PC_OK;
}

static const char long_cmdline[] =
    "/usr/bin/python3 -X dev worker.py --queue=jobs --concurrency=8 --log-level=debug --config=/etc/worker.toml";

static int process(void *ctx, pc_process_desc *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    out->pid = 4242;
    out->core_kind = PC_CORE_LIVE;
    out->machine = PC_MACHINE_X86_64;
    out->exe = "/usr/bin/python3.11";
    out->cmdline = long_cmdline;
    out->at_phdr = 0x400040;
    out->at_entry = 0x401000;
    return PC_OK;
}

static size_t thread_count(void *ctx)
{
    (void)ctx;
    return 2;
}

static int thread(void *ctx, size_t i, pc_thread_desc *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    out->tid = 4242 + (int32_t)i;
    out->flags = PC_THREAD_SIGMASKS | (i ? PC_THREAD_NOT_STOPPED : 0);
    for (int r = 0; r < PC_X86_NREGS; r++)
        out->regs[r] = 0x1000 * i + (uint64_t)r;
    out->sighold = 0x4000 + i;
    out->sigpend = 0x100;
    return PC_OK;
}

static size_t mapping_count(void *ctx)
{
    (void)ctx;
    return 1;
}

static int mapping(void *ctx, size_t i, pc_mapping_desc *out)
{
    (void)ctx;
    (void)i;
    *out = (pc_mapping_desc){0x400000, 0x402000, 0, "/usr/bin/python3.11"};
    return PC_OK;
}

static size_t region_count(void *ctx)
{
    (void)ctx;
    return sizeof regions / sizeof *regions;
}

static int region(void *ctx, size_t i, struct pc_region *out)
{
    (void)ctx;
    *out = regions[i];
    return PC_OK;
}

static const pc_target_ops ops = {
    .version = PC_TARGET_OPS_VERSION,
    .read = mem_read,
    .process = process,
    .thread_count = thread_count,
    .thread = thread,
    .mapping_count = mapping_count,
    .mapping = mapping,
};
static const struct pc_region_ops region_ops = {region_count, region};

struct mem_sink {
    uint8_t *data;
    size_t len, cap, fail_after;     /* fail_after 0: never */
};

static int to_memory(void *arg, const void *buf, size_t len)
{
    struct mem_sink *m = arg;
    if (m->fail_after && m->len + len > m->fail_after)
        return -1;
    if (pc_grow(&m->data, &m->cap, m->len + len, 1))
        return -1;
    memcpy(m->data + m->len, buf, len);
    m->len += len;
    return 0;
}

static pc_target *target(int with_regions)
{
    pc_target *t = NULL;
    assert_int_equal(pc_target_new(&ops, NULL, &t, NULL), PC_OK);
    if (with_regions)
        t->regions = &region_ops;
    return t;
}

static const struct pc_core_seg *seg_at(const struct pc_core_image *img, uint64_t a)
{
    long i = pc_core_find_seg(img, a);
    assert_true(i >= 0);
    return &img->segs[i];
}

static void round_trip(void **state)
{
    (void)state;
    pc_target *t = target(1);
    struct mem_sink m = {0};
    pc_error err = {0};
    assert_int_equal(pc_core_write(t, to_memory, &m, &err), PC_OK);
    struct pc_core_image img;
    assert_int_equal(pc_core_parse(&img, m.data, m.len, &err), PC_OK);

    assert_true(img.pycore_note);
    assert_int_equal(img.pid, 4242);
    assert_int_equal(img.signal, 0);
    assert_int_equal(img.nthreads, 2);
    assert_int_equal(img.threads[1].tid, 4243);
    assert_int_equal(img.threads[0].flags, PC_THREAD_SIGMASKS);
    assert_int_equal(img.threads[1].flags, PC_THREAD_SIGMASKS | PC_THREAD_NOT_STOPPED);
    assert_int_equal(img.threads[1].regs[PC_X86_RIP], 0x1000 + PC_X86_RIP);
    assert_int_equal(img.threads[1].sighold, 0x4001);
    assert_int_equal(img.threads[1].sigpend, 0x100);
    assert_string_equal(img.fname, "python3.11");
    assert_int_equal(strlen(img.psargs), 79);
    assert_memory_equal(img.psargs, long_cmdline, 79);
    assert_int_equal(img.py_cmdline_len, strlen(long_cmdline));
    assert_memory_equal(img.py_cmdline, long_cmdline, strlen(long_cmdline));
    assert_int_equal(img.py_exe_len, strlen("/usr/bin/python3.11"));
    assert_int_equal(img.at_phdr, 0x400040);
    assert_int_equal(img.at_entry, 0x401000);
    assert_int_equal(img.nfmaps, 1);
    assert_string_equal(img.fmaps[0].path, "/usr/bin/python3.11");

    /* Readable pages hold the target's bytes, at page-aligned offsets. */
    for (uint64_t a = 0x10000; a < 0x14000; a += 0x800) {
        const struct pc_core_seg *s = seg_at(&img, a);
        if ((a & ~0xfffull) == BAD_PAGE) {
            assert_int_equal(s->filesz, 0);
            continue;
        }
        assert_int_equal(s->offset % 4096, 0);
        assert_true(a - s->vaddr < s->filesz);
        assert_int_equal(m.data[s->offset + (a - s->vaddr)], byte_at(a));
    }
    assert_int_equal(seg_at(&img, 0x20000)->filesz, 0);
    assert_int_equal(m.data[seg_at(&img, 0x401234)->offset + 0x1234], byte_at(0x401234));
    pc_core_image_free(&img);
    free(m.data);
    pc_target_close(t);
}

/* Without a region list (a target that only knows its file mappings). */
static void mappings_only(void **state)
{
    (void)state;
    pc_target *t = target(0);
    struct mem_sink m = {0};
    assert_int_equal(pc_core_write(t, to_memory, &m, NULL), PC_OK);
    struct pc_core_image img;
    assert_int_equal(pc_core_parse(&img, m.data, m.len, NULL), PC_OK);
    assert_int_equal(img.nsegs, 1);
    assert_int_equal(img.segs[0].filesz, 0x2000);
    pc_core_image_free(&img);
    free(m.data);
    pc_target_close(t);
}

static void sink_failure(void **state)
{
    (void)state;
    pc_target *t = target(1);
    struct mem_sink whole = {0};
    assert_int_equal(pc_core_write(t, to_memory, &whole, NULL), PC_OK);
    free(whole.data);
    for (size_t at = 1; at < whole.len; at += 1234) {
        struct mem_sink m = {.fail_after = at};
        pc_error err = {0};
        assert_int_equal(pc_core_write(t, to_memory, &m, &err), PC_E_INTERNAL);
        assert_non_null(strstr(err.msg, "cannot write the core"));
        free(m.data);
    }
    pc_target_close(t);
}

/* The written core, corrupted anywhere (the PYCORE note above all),
 * parses or is refused with a message: never a crash. */
static void corrupt_written_core(void **state)
{
    (void)state;
    pc_target *t = target(1);
    struct mem_sink m = {0};
    assert_int_equal(pc_core_write(t, to_memory, &m, NULL), PC_OK);
    pc_target_close(t);
    size_t notes_end = 0x1000;   /* headers and notes: the first page */
    uint8_t *copy = malloc(m.len);
    srand(99);
    for (int round = 0; round < 20000; round++) {
        memcpy(copy, m.data, m.len);
        for (int k = 1 + rand() % 6; k > 0; k--)
            copy[(size_t)rand() % notes_end] = (uint8_t)rand();
        struct pc_core_image img;
        pc_error err = {0};
        if (pc_core_parse(&img, copy, m.len, &err) != PC_OK)
            assert_true(err.msg[0] != 0);
        else
            for (size_t i = 0; i < img.nthreads; i++)
                assert_true((img.threads[i].flags & ~3u) == 0);
        pc_core_image_free(&img);
    }
    free(copy);
    free(m.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(mappings_only),
        cmocka_unit_test(sink_failure),
        cmocka_unit_test(corrupt_written_core),
    };
    return cmocka_run_group_tests_name("core_write", tests, NULL, NULL);
}
