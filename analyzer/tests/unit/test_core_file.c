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
#include "arch/syscall.h"
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

/* The ELF header of a core of machine with phnum program headers after it. */
static Elf64_Ehdr core_header(int machine, int phnum)
{
    Elf64_Ehdr eh = {0};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_type = ET_CORE;
    eh.e_machine = (Elf64_Half)machine;
    eh.e_phoff = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = (Elf64_Half)phnum;
    return eh;
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

    Elf64_Ehdr eh = core_header(EM_X86_64, 3);
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

/* An aarch64 core as qemu-user writes one (no NT_FILE), plus the kernel's
 * NT_ARM_TLS after one thread: 34 registers in pr_reg, the thread pointer
 * from the note, the system call from x8 when an svc precedes the pc. */
static void reads_aarch64_threads(void **state)
{
    (void)state;
    struct builder notes = {{0}, 0};
    uint8_t prs[392] = {0};
    int32_t tid = 77;
    uint64_t x0 = 0xb44cb0, x8 = 98, sp = 0x5501758330, pc = 0x5500a1e838, tp = 0x55017591a0 + 0x700;
    memcpy(prs + 32, &tid, 4);
    memcpy(prs + 112, &x0, 8);
    memcpy(prs + 112 + 8 * 8, &x8, 8);
    memcpy(prs + 112 + 31 * 8, &sp, 8);
    memcpy(prs + 112 + 32 * 8, &pc, 8);
    note(&notes, "CORE", NT_PRSTATUS, prs, sizeof prs);
    note(&notes, "LINUX", NT_ARM_TLS, &tp, 8);
    tid = 78;
    memcpy(prs + 32, &tid, 4);
    note(&notes, "CORE", NT_PRSTATUS, prs, sizeof prs);
    static uint8_t core[4096];
    Elf64_Ehdr eh = core_header(EM_AARCH64, 1);
    Elf64_Phdr ph = {.p_type = PT_NOTE, .p_offset = sizeof eh + sizeof ph, .p_filesz = notes.len};
    memcpy(core, &eh, sizeof eh);
    memcpy(core + sizeof eh, &ph, sizeof ph);
    memcpy(core + sizeof eh + sizeof ph, notes.buf, notes.len);
    struct pc_core_image img;
    pc_error err = {0};
    assert_int_equal(pc_core_parse(&img, core, sizeof eh + sizeof ph + notes.len, &err), PC_OK);
    assert_int_equal(img.nthreads, 2);
    assert_int_equal(img.nfmaps, 0);
    pc_thread_desc *t = &img.threads[0];
    assert_int_equal(t->machine, PC_MACHINE_AARCH64);
    assert_true(pc_arch_pc(t) == pc && pc_arch_sp(t) == sp);
    assert_true(t->regs[PC_A64_TPIDR] == tp && img.threads[1].regs[PC_A64_TPIDR] == 0);
    assert_true(pc_arch_pthread(t) == 0);                 /* not the thread pointer on aarch64 */
    assert_string_equal(pc_register_name(PC_MACHINE_AARCH64, 32), "pc");
    assert_string_equal(pc_register_name(PC_MACHINE_AARCH64, 34), "tpidr");
    assert_null(pc_register_name(PC_MACHINE_AARCH64, 35));

    static const uint8_t svc_before[8] = {0x01, 0x00, 0x00, 0xd4, 0x1f, 0x20, 0x03, 0xd5};  /* svc #0; nop */
    static const uint8_t svc_at[8] = {0x1f, 0x20, 0x03, 0xd5, 0x01, 0x00, 0x00, 0xd4};      /* nop; svc #0 */
    static const uint8_t none[8] = {0x1f, 0x20, 0x03, 0xd5, 0x1f, 0x20, 0x03, 0xd5};
    struct pc_syscall sc;
    pc_arch_complete(t, svc_before);
    pc_thread_syscall(t, &sc);
    assert_string_equal(sc.name, "futex");
    assert_true(sc.cls == PC_SYS_FUTEX && sc.args[0] == x0);
    pc_arch_complete(t, svc_at);                          /* the kernel rewound the pc to restart it */
    assert_int_equal(pc_arch_syscall_nr(t), 98);
    pc_arch_complete(t, none);
    pc_thread_syscall(t, &sc);
    assert_true(sc.cls == PC_SYS_RUNNING && pc_arch_syscall_nr(t) == UINT64_MAX);
    pc_arch_complete(t, NULL);                            /* unreadable text: not in a call */
    assert_true(pc_arch_syscall_nr(t) == UINT64_MAX);
    assert_string_equal(pc_arch_sysnr_name(t), "x8");
    assert_string_equal(pc_arch_arg_name(t, 0), "x0");
    /* a PAC-signed return address loses its signature, an x86_64 one has none */
    assert_true(pc_arch_code_address(t, 0x30005500b562d4ull) == 0x5500b562d4ull);
    pc_thread_desc x = {.machine = PC_MACHINE_X86_64};
    assert_true(pc_arch_code_address(&x, 0x30005500b562d4ull) == 0x30005500b562d4ull);
    assert_int_equal(pc_machine_from_name("i386:x86-64"), PC_MACHINE_X86_64);
    assert_int_equal(pc_machine_from_name("aarch64"), PC_MACHINE_AARCH64);
    assert_int_equal(pc_machine_from_name("riscv:rv64"), 0);
    pc_core_image_free(&img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_threads_notes_and_segments),
        cmocka_unit_test(reads_aarch64_threads),
        cmocka_unit_test(gcore_note_is_seen),
        cmocka_unit_test(rejects_bad_input),
        cmocka_unit_test(survives_random_corruption),
    };
    return cmocka_run_group_tests_name("core_file", tests, NULL, NULL);
}
