/* bfd_core: independent ELF core reader (test oracle), built on GNU libbfd.
 *
 *   bfd_core CORE
 *
 * prints one JSON object to stdout:
 *   {"pid": N, "signal": N, "siginfo_signo": N|null, "command": "...",
 *    "threads": [{"tid": N, "registers": {"r15": "0x...", ...}}, ...]}
 * pid    = bfd_core_file_pid (NT_PRPSINFO pr_pid),
 * signal = bfd_core_file_failing_signal (NT_PRSTATUS pr_cursig; gdb's gcore
 *          leaves it 0 and records its attach SIGSTOP only in NT_SIGINFO),
 * siginfo_signo = si_signo of bfd's ".note.linuxcore.siginfo" section (the
 *          first thread's NT_SIGINFO), null if the core has none,
 * command = bfd_core_file_failing_command (informational),
 * threads = the ".reg/<lwp>" sections in core-file order, registers decoded as
 * x86_64 `struct user_regs_struct`, lowercase hex without leading zeros.
 * Exit status 1 and a message on stderr on any error.
 *
 * Build: cc -std=c11 -Wall -Wextra -Werror -o build/tests/bfd_core \
 *            tests/oracle/bfd_core.c -lbfd
 */
#define PACKAGE "pycore"            /* bfd.h refuses to be included without these */
#define PACKAGE_VERSION "0"

#include <bfd.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const reg_names[] = {
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
    "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
    "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};
#define NREGS (sizeof reg_names / sizeof reg_names[0])

static void die(const char *what, const char *path)
{
    fprintf(stderr, "bfd_core: %s: %s: %s\n", path, what, bfd_errmsg(bfd_get_error()));
    exit(1);
}

static void print_json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bfd_core CORE\n");
        return 2;
    }
    const char *path = argv[1];
    if (bfd_init() != BFD_INIT_MAGIC) {
        fprintf(stderr, "bfd_core: libbfd version mismatch\n");
        return 1;
    }
    bfd *abfd = bfd_openr(path, NULL);
    if (abfd == NULL)
        die("bfd_openr", path);
    if (!bfd_check_format(abfd, bfd_core))
        die("not a core file (bfd_check_format bfd_core)", path);
    if (bfd_get_arch(abfd) != bfd_arch_i386 || bfd_get_arch_size(abfd) != 64) {
        fprintf(stderr, "bfd_core: %s: only x86_64 cores are supported (arch %s)\n", path,
                bfd_printable_name(abfd));
        return 1;
    }

    const char *cmd = bfd_core_file_failing_command(abfd);
    printf("{\"pid\": %d, \"signal\": %d, \"siginfo_signo\": ", bfd_core_file_pid(abfd),
           bfd_core_file_failing_signal(abfd));
    asection *si = bfd_get_section_by_name(abfd, ".note.linuxcore.siginfo");
    unsigned char sibuf[4];
    if (si != NULL && bfd_section_size(si) >= 4 &&
        bfd_get_section_contents(abfd, si, sibuf, 0, 4))
        printf("%d", (int)(int32_t)bfd_get_32(abfd, sibuf));
    else
        printf("null");
    printf(", \"command\": ");
    print_json_string(cmd ? cmd : "");
    printf(", \"threads\": [");

    int nthreads = 0;
    for (asection *sec = abfd->sections; sec != NULL; sec = sec->next) {
        const char *name = bfd_section_name(sec);
        if (strncmp(name, ".reg/", 5) != 0)
            continue;
        char *end = NULL;
        long tid = strtol(name + 5, &end, 10);
        if (end == name + 5 || *end != '\0')
            continue;   /* not a register-set section of a thread */
        bfd_size_type size = bfd_section_size(sec);
        if (size != NREGS * 8) {
            fprintf(stderr, "bfd_core: %s: section %s has %lu bytes, expected %zu "
                    "(x86_64 user_regs_struct)\n", path, name, (unsigned long)size, NREGS * 8);
            return 1;
        }
        unsigned char buf[NREGS * 8];
        if (!bfd_get_section_contents(abfd, sec, buf, 0, size))
            die("bfd_get_section_contents", path);
        printf("%s\n  {\"tid\": %ld, \"registers\": {", nthreads ? "," : "", tid);
        for (size_t i = 0; i < NREGS; i++) {
            uint64_t v = bfd_get_64(abfd, buf + 8 * i);
            printf("%s\"%s\": \"0x%" PRIx64 "\"", i ? ", " : "", reg_names[i], v);
        }
        printf("}}");
        nthreads++;
    }
    printf("%s]}\n", nthreads ? "\n" : "");
    if (!bfd_close(abfd))
        die("bfd_close", path);
    if (nthreads == 0) {
        fprintf(stderr, "bfd_core: %s: no .reg/<lwp> sections\n", path);
        return 1;
    }
    return 0;
}
