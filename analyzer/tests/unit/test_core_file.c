/* The core parser on synthetic cores: notes, segments, NT_FILE, and the
 * ways a core can be truncated or corrupt. */
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

#define NT_FILE_TYPE 0x46494c45
#define NT_SIGINFO_TYPE 0x53494749

struct builder {
    uint8_t buf[16384];
    size_t len;
};

static size_t put(struct builder *b, const void *p, size_t n)
{
    size_t at = b->len;
    memcpy(b->buf + at, p, n);
    b->len += (n + 3) & ~(size_t)3;
    return at;
}

static void note(struct builder *b, const char *name, uint32_t type, const void *desc, uint32_t n)
{
    Elf64_Nhdr nh = {(uint32_t)strlen(name) + 1, n, type};
    put(b, &nh, sizeof nh);
    put(b, name, nh.n_namesz);
    put(b, desc, n);
}

/* A core with two threads, two segments, NT_FILE with two mappings. */
static size_t make_core(uint8_t *out, int gdb)
{
    struct builder notes = {{0}, 0};
    uint8_t prs[336] = {0};
    int32_t tid = 4242;
    uint64_t rip = 0x401000, fs = 0x7f0000001000;
    memcpy(prs + 32, &tid, 4);
    memcpy(prs + 112 + 16 * 8, &rip, 8);
    memcpy(prs + 112 + 21 * 8, &fs, 8);
    note(&notes, "CORE", NT_PRSTATUS, prs, sizeof prs);
    tid = 4243;
    memcpy(prs + 32, &tid, 4);
    note(&notes, "CORE", NT_PRSTATUS, prs, sizeof prs);
    uint8_t psinfo[136] = {0};
    int32_t pid = 4242;
    memcpy(psinfo + 24, &pid, 4);
    memcpy(psinfo + 40, "python3", 7);
    memcpy(psinfo + 56, "python3 hang.py", 15);
    note(&notes, "CORE", NT_PRPSINFO, psinfo, sizeof psinfo);
    int32_t sig[4] = {gdb ? 19 : 6, 0, 0, 0};
    note(&notes, "CORE", NT_SIGINFO_TYPE, sig, sizeof sig);
    uint8_t nf[256] = {0};
    uint64_t hdr[2 + 6] = {2, 4096, 0x400000, 0x402000, 0, 0x7f0000000000, 0x7f0000001000, 3};
    memcpy(nf, hdr, sizeof hdr);
    memcpy(nf + sizeof hdr, "/usr/bin/python3\0/lib/libc.so.6", 32);
    note(&notes, "CORE", NT_FILE_TYPE, nf, sizeof hdr + 32);
    if (gdb)
        note(&notes, "GDB", 0x3ff, "<target/>", 10);

    Elf64_Ehdr eh = {0};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_type = ET_CORE;
    eh.e_machine = EM_X86_64;
    eh.e_phoff = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 3;
    size_t off = sizeof eh + 3 * sizeof(Elf64_Phdr);
    Elf64_Phdr ph[3] = {
        {.p_type = PT_NOTE, .p_offset = off, .p_filesz = notes.len},
        /* Listed out of order on purpose: the parser sorts. */
        {.p_type = PT_LOAD, .p_vaddr = 0x7f0000000000, .p_offset = off + notes.len, .p_filesz = 64, .p_memsz = 4096},
        {.p_type = PT_LOAD, .p_vaddr = 0x400000, .p_offset = off + notes.len + 64, .p_filesz = 0, .p_memsz = 8192},
    };
    memcpy(out, &eh, sizeof eh);
    memcpy(out + sizeof eh, ph, sizeof ph);
    memcpy(out + off, notes.buf, notes.len);
    memset(out + off + notes.len, 0xab, 64);
    return off + notes.len + 64;
}

static void parses_threads_notes_and_segments(void **state)
{
    (void)state;
    static uint8_t core[32768];
    size_t n = make_core(core, 0);
    struct pc_core_image img;
    pc_error err = {0};
    assert_int_equal(pc_core_parse(&img, core, n, &err), PC_OK);
    assert_int_equal(img.nthreads, 2);
    assert_int_equal(img.threads[0].tid, 4242);
    assert_int_equal(img.threads[1].tid, 4243);
    assert_int_equal(img.threads[0].regs[PC_X86_RIP], 0x401000);
    assert_int_equal(img.threads[0].regs[PC_X86_FS_BASE], 0x7f0000001000);
    assert_int_equal(img.pid, 4242);
    assert_int_equal(img.signal, 6);
    assert_false(img.gdb_note);
    assert_string_equal(img.psargs, "python3 hang.py");
    assert_int_equal(img.nsegs, 2);
    assert_int_equal(img.segs[0].vaddr, 0x400000);
    assert_int_equal(pc_core_find_seg(&img, 0x400000), 0);
    assert_int_equal(pc_core_find_seg(&img, 0x401fff), 0);
    assert_int_equal(pc_core_find_seg(&img, 0x402000), -1);
    assert_int_equal(pc_core_find_seg(&img, 0x7f0000000fff), 1);
    assert_int_equal(pc_core_find_seg(&img, 0), -1);
    assert_int_equal(img.nfmaps, 2);
    assert_string_equal(img.fmaps[1].path, "/lib/libc.so.6");
    assert_int_equal(img.fmaps[1].pgoff, 3 * 4096);
    assert_int_equal(pc_core_find_fmap(&img, 0x401234), 0);
    assert_int_equal(pc_core_find_fmap(&img, 0x500000), -1);
    pc_core_image_free(&img);
}

static void gcore_note_is_seen(void **state)
{
    (void)state;
    static uint8_t core[32768];
    size_t n = make_core(core, 1);
    struct pc_core_image img;
    assert_int_equal(pc_core_parse(&img, core, n, NULL), PC_OK);
    assert_true(img.gdb_note);
    assert_int_equal(img.signal, 19);
    pc_core_image_free(&img);
}

static void rejects_bad_input(void **state)
{
    (void)state;
    static uint8_t core[32768];
    size_t n = make_core(core, 0);
    struct pc_core_image img;
    pc_error err = {0};

    assert_int_equal(pc_core_parse(&img, (const uint8_t *)"hello world", 11, &err), PC_E_CORE);
    assert_non_null(strstr(err.msg, "not an ELF"));
    pc_core_image_free(&img);

    assert_int_equal(pc_core_parse(&img, core, n - 10, &err), PC_E_CORE);
    assert_non_null(strstr(err.msg, "truncated"));
    pc_core_image_free(&img);

    core[18] = 243;   /* EM_RISCV */
    assert_int_equal(pc_core_parse(&img, core, n, &err), PC_E_CORE);
    assert_non_null(strstr(err.msg, "x86_64 (62), aarch64 (183)"));
    pc_core_image_free(&img);
    core[18] = EM_AARCH64;   /* an x86_64 NT_PRSTATUS is shorter than aarch64's */
    assert_int_equal(pc_core_parse(&img, core, n, &err), PC_E_CORE);
    assert_non_null(strstr(err.msg, "short NT_PRSTATUS"));
    pc_core_image_free(&img);
    core[18] = EM_X86_64;

    core[16] = ET_EXEC;
    assert_int_equal(pc_core_parse(&img, core, n, &err), PC_E_CORE);
    assert_non_null(strstr(err.msg, "not a core"));
    pc_core_image_free(&img);
}

static void survives_random_corruption(void **state)
{
    (void)state;
    static uint8_t pristine[32768], core[32768];
    size_t n = make_core(pristine, 1);
    srand(1234);
    for (int round = 0; round < 20000; round++) {
        memcpy(core, pristine, n);
        int flips = 1 + rand() % 8;
        for (int k = 0; k < flips; k++)
            core[rand() % (int)n] = (uint8_t)rand();
        struct pc_core_image img;
        size_t len = (rand() % 4 == 0) ? (size_t)(rand() % (int)n) : n;
        pc_error err = {0};
        int rc = pc_core_parse(&img, core, len, &err);
        if (rc == PC_OK) {
            for (size_t i = 0; i < img.nfmaps; i++)
                assert_true(strlen(img.fmaps[i].path) < n);
        } else {
            assert_true(err.msg[0] != 0);
        }
        pc_core_image_free(&img);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_threads_notes_and_segments),
        cmocka_unit_test(gcore_note_is_seen),
        cmocka_unit_test(rejects_bad_input),
        cmocka_unit_test(survives_random_corruption),
    };
    return cmocka_run_group_tests_name("core_file", tests, NULL, NULL);
}
