/* The /proc parsers of the live target, on real lines and on the ones a
 * hostile process can make the kernel print (its comm, the names of the
 * files it maps), truncated anywhere.  Each input is placed right before
 * an unmapped page, so a read past len crashes the test even without
 * ASan. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "arch/arch.h"
#include "arch/syscall.h"
#include "target/procfs.h"

#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>

/* n bytes of s, ending where an unreadable page begins. */
struct guarded {
    char *base;
    size_t size;
    const char *p;
};

static struct guarded guard(const char *s, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (n + page - 1) / page + 1;
    struct guarded g = {0};
    g.size = pages * page;
    g.base = mmap(NULL, g.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g.base != MAP_FAILED);
    assert_int_equal(mprotect(g.base + g.size - page, page, PROT_NONE), 0);
    char *p = g.base + g.size - page - n;
    if (n)
        memcpy(p, s, n);
    g.p = p;
    return g;
}

static void unguard(struct guarded *g)
{
    munmap(g->base, g->size);
}

struct maps_result {
    int rc;
    uint64_t start, end, pgoff;
    char path[8192];
};

static struct maps_result maps_n(const char *line, size_t n)
{
    struct maps_result r;
    memset(&r, 0, sizeof r);
    struct guarded g = guard(line, n);
    const char *path = NULL;
    size_t plen = 0;
    r.rc = pc_proc_maps_line(g.p, n, &r.start, &r.end, &r.pgoff, &path, &plen);
    if (r.rc == 1) {
        assert_true(path >= g.p && plen <= n && path + plen <= g.p + n);
        assert_true(plen < sizeof r.path);
        memcpy(r.path, path, plen);
        r.path[plen] = 0;
    }
    unguard(&g);
    return r;
}

static struct maps_result maps(const char *line)
{
    return maps_n(line, strlen(line));
}

static void test_maps_real_lines(void **state)
{
    (void)state;
    struct maps_result r =
        maps("55f09781b000-55f09781d000 r--p 00000000 fe:00 247134                     /usr/bin/cat");
    assert_int_equal(r.rc, 1);
    assert_true(r.start == 0x55f09781b000ull && r.end == 0x55f09781d000ull && r.pgoff == 0);
    assert_string_equal(r.path, "/usr/bin/cat");

    r = maps("7f9c80a1d000-7f9c80bb2000 r-xp 00028000 fe:00 262170                     "
             "/usr/lib/x86_64-linux-gnu/libc.so.6\n");
    assert_int_equal(r.rc, 1);
    assert_true(r.start == 0x7f9c80a1d000ull && r.end == 0x7f9c80bb2000ull && r.pgoff == 0x28000);
    assert_string_equal(r.path, "/usr/lib/x86_64-linux-gnu/libc.so.6");

    /* Shared mappings, a large device number and inode, upper-case hex. */
    r = maps("7F000000-7F001000 rw-s 0000A000 103:0f 18446744073709551615 /dev/shm/x");
    assert_int_equal(r.rc, 1);
    assert_true(r.start == 0x7f000000ull && r.pgoff == 0xa000);
    assert_string_equal(r.path, "/dev/shm/x");
}

static void test_maps_not_files(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "7ffd5c9a8000-7ffd5c9c9000 rw-p 00000000 00:00 0                          [stack]",
        "55f0985c1000-55f0985e2000 rw-p 00000000 00:00 0                          [heap]",
        "7ffd5c9fb000-7ffd5c9fd000 r-xp 00000000 00:00 0                          [vdso]",
        "7ffd5c9f7000-7ffd5c9fb000 r--p 00000000 00:00 0                          [vvar]",
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
        "7f9c80000000-7f9c80021000 rw-p 00000000 00:00 0                          [anon:glibc]",
        "7f9c80000000-7f9c80021000 rw-p 00000000 00:00 0 ",      /* anonymous, as the kernel pads it */
        "7f9c80000000-7f9c80021000 rw-p 00000000 00:00 0",
        "7f9c80000000-7f9c80021000 rw-p 00000000 00:00 0\n",
        "7f9c80000000-7f9c80021000 rw-p 00000000 00:00 0     \n",
        "7f9c80000000-7f9c80021000 rw-p 00000000 00:00 0     relative/path",
        /* Deleted files: the name no longer leads to that file. */
        "7f9c80000000-7f9c80021000 r-xp 00000000 fe:00 1234   /usr/lib/libpython3.11.so.1.0 (deleted)",
        "7f9c80000000-7f9c80021000 r-xp 00000000 fe:00 1234   /usr/lib/libx.so (deleted)\n",
        "7f9c80000000-7f9c80021000 rw-s 00000000 00:01 1234   /memfd:jit (deleted)",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        struct maps_result r = maps(lines[i]);
        if (r.rc != 0)
            fail_msg("accepted: %s", lines[i]);
    }
}

static void test_maps_tricky_paths(void **state)
{
    (void)state;
    struct maps_result r = maps("1000-2000 r-xp 00001000 08:01 42   /opt/my app/lib python3.so");
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.path, "/opt/my app/lib python3.so");
    /* A name may end with a space; only the newline ends the line. */
    r = maps("1000-2000 r-xp 00000000 08:01 42   /tmp/trailing \n");
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.path, "/tmp/trailing ");
    /* "(deleted)" that is not the kernel's suffix is part of the name. */
    r = maps("1000-2000 r-xp 00000000 08:01 42 /tmp/x (deleted) y");
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.path, "/tmp/x (deleted) y");
    r = maps("1000-2000 r-xp 00000000 08:01 42 /tmp/(deleted)");
    assert_int_equal(r.rc, 1);
    /* A name that imitates a whole maps line is still one name. */
    r = maps("1000-2000 r-xp 00000000 08:01 42 /x 3000-4000 r-xp 0 0:0 0 /evil");
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.path, "/x 3000-4000 r-xp 0 0:0 0 /evil");
    assert_true(r.start == 0x1000 && r.end == 0x2000);
    /* The kernel escapes newlines in names; the escape stays as is. */
    r = maps("1000-2000 r-xp 00000000 08:01 42 /tmp/a\\012b");
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.path, "/tmp/a\\012b");
    /* A NUL inside the name would cut it where the caller copies it. */
    static const char nul[] = "1000-2000 r-xp 00000000 08:01 42 /tmp/a\0/b";
    assert_int_equal(maps_n(nul, sizeof nul - 1).rc, 0);
    /* Only the path: the smallest file-backed line. */
    r = maps("0-0 ---p 0 0:0 0 /");
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.path, "/");
}

static void test_maps_hex(void **state)
{
    (void)state;
    struct maps_result r = maps("ffffffffffffffff-ffffffffffffffff r--p ffffffffffffffff 00:00 1 /a");
    assert_int_equal(r.rc, 1);
    assert_true(r.start == UINT64_MAX && r.end == UINT64_MAX && r.pgoff == UINT64_MAX);
    /* Leading zeros are not more bits. */
    r = maps("00000000000000000000001000-0000000000000000000002000 r--p 000000000000000000000 00:00 1 /a");
    assert_int_equal(r.rc, 1);
    assert_true(r.start == 0x1000 && r.end == 0x2000 && r.pgoff == 0);
    static const char *const bad[] = {
        "1ffffffffffffffff-2ffffffffffffffff r--p 0 00:00 1 /a",   /* 65 bits: not wrapped to a small value */
        "1000-10000000000000000 r--p 0 00:00 1 /a",
        "1000-2000 r--p 10000000000000000 00:00 1 /a",
        "1000-2000 r--p 0 100000000000000000:00 1 /a",
        "1000-2000 r--p 0 00:00 18446744073709551616 /a",          /* inode beyond 64 bits */
        "2000-1000 r--p 0 00:00 1 /a",                              /* start > end */
        "0x1000-0x2000 r--p 0 00:00 1 /a",
        "-1000-2000 r--p 0 00:00 1 /a",
        "1000--2000 r--p 0 00:00 1 /a",
        "10g0-2000 r--p 0 00:00 1 /a",
        "1000-2000 r--p 0g 00:00 1 /a",
        "1000-2000 r--p 0 0g:00 1 /a",
        "1000-2000 r--p 0 00:00 1a /a",
        " 1000-2000 r--p 0 00:00 1 /a",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (maps(bad[i]).rc != 0)
            fail_msg("accepted: %s", bad[i]);
}

static void test_maps_missing_fields(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "\n",
        "1000",
        "1000-",
        "1000-2000",
        "1000-2000 ",
        "1000-2000 r--p",
        "1000-2000 r--p /a",
        "1000-2000 r--p 0 /a",
        "1000-2000 r--p 0 00:00 /a",
        "1000-2000 r--p 0 00 1 /a",
        "1000-2000 r--p 0 :00 1 /a",
        "1000-2000 r--p 0 00: 1 /a",
        "1000-2000 r-p 0 00:00 1 /a",
        "1000-2000 r--pp 0 00:00 1 /a",
        "1000-2000 rwxq 0 00:00 1 /a",
        "1000-2000 R--p 0 00:00 1 /a",
        "1000-2000  r--p 0 00:00 1 /a",
        "1000-2000 r--p  0 00:00 1 /a",
        "1000-2000\tr--p 0 00:00 1 /a",
        "1000-2000 r--p 0 00:00 1\t/a",
        "1000-2000 r--p 0 00:00 1/a",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (maps(bad[i]).rc != 0)
            fail_msg("accepted: \"%s\"", bad[i]);
    static const char nul_perm[] = "1000-2000 r\0-p 0 00:00 1 /a";
    assert_int_equal(maps_n(nul_perm, sizeof nul_perm - 1).rc, 0);
    static const char nul_hex[] = "10\0000-2000 r--p 0 00:00 1 /a";
    assert_int_equal(maps_n(nul_hex, sizeof nul_hex - 1).rc, 0);
}

/* Every prefix of a line: nothing before the path is a file mapping, and
 * a path cut short is reported cut, never read beyond. */
static void test_maps_truncated(void **state)
{
    (void)state;
    static const char line[] = "7f9c80a1d000-7f9c80bb2000 r-xp 00028000 fe:00 262170      /usr/lib/lib c.so\n";
    const char *slash = strchr(line, '/');
    size_t at = (size_t)(slash - line);
    for (size_t n = 0; n < sizeof line - 1; n++) {
        struct maps_result r = maps_n(line, n);
        if (n <= at) {
            if (r.rc != 0)
                fail_msg("prefix of %zu bytes accepted", n);
            continue;
        }
        assert_int_equal(r.rc, 1);
        assert_int_equal(strlen(r.path), n - at);
        assert_memory_equal(r.path, slash, n - at);
    }
}

/* The head of any maps line (what a written core dumps), truncated
 * anywhere: accepted from the fourth permission letter on. */
static void test_maps_region(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        int rc;
        uint64_t start, end;
        unsigned prot;
    } cases[] = {
        {"7ffd1a2b3000-7ffd1a2d4000 rw-p 00000000 00:00 0                          [stack]", 1, 0x7ffd1a2b3000,
         0x7ffd1a2d4000, 6},
        {"7f26e4021000-7f26e8000000 ---p 00000000 00:00 0 ", 1, 0x7f26e4021000, 0x7f26e8000000, 0},
        {"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]", 1,
         0xffffffffff600000, 0xffffffffff601000, 1},
        {"00400000-00452000 r-xs 00000000 08:02 173521      /usr/bin/dbus-daemon", 1, 0x400000, 0x452000, 5},
        {"2000-1000 rw-p 00000000 00:00 0", 0, 0, 0, 0},        /* backwards */
        {"1000-1000 rw-p 00000000 00:00 0", 0, 0, 0, 0},        /* empty */
        {"1000-2000 rwzp 00000000 00:00 0", 0, 0, 0, 0},
        {"10000000000000000-2000 rw-p", 0, 0, 0, 0},          /* more than 64 bits */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len = strlen(cases[i].line);
        for (size_t n = 0; n <= len; n++) {
            struct guarded g = guard(cases[i].line, n);
            uint64_t start = 0, end = 0;
            unsigned prot = 99;
            int rc = pc_proc_maps_region(g.p, n, &start, &end, &prot);
            unguard(&g);
            const char *sp = strchr(cases[i].line, ' ');
            int whole = cases[i].rc && n >= (size_t)(sp - cases[i].line) + 5;
            assert_int_equal(rc, whole);
            if (whole) {
                assert_int_equal(start, cases[i].start);
                assert_int_equal(end, cases[i].end);
                assert_int_equal(prot, cases[i].prot);
            }
        }
    }
}

static void test_maps_self(void **state)
{
    (void)state;
    /* Our own maps: every line parses the way a strict sscanf reads it. */
    FILE *f = fopen("/proc/self/maps", "re");
    assert_non_null(f);
    char line[8192];
    int files = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long s, e, o;
        int at = 0;
        sscanf(line, "%llx-%llx %*4s %llx %*s %*s %n", &s, &e, &o, &at);
        struct maps_result r = maps(line);
        int want = at > 0 && line[at] == '/' && !strstr(line, " (deleted)");
        assert_int_equal(r.rc, want);
        if (r.rc) {
            files++;
            assert_true(r.start == s && r.end == e && r.pgoff == o);
            line[strcspn(line, "\n")] = 0;
            assert_string_equal(r.path, line + at);
        }
    }
    fclose(f);
    assert_true(files > 0);
}

static uint64_t status_hex(const char *s, const char *key)
{
    struct guarded g = guard(s, strlen(s));
    uint64_t v = pc_proc_status_hex(g.p, strlen(s), key);
    unguard(&g);
    return v;
}

static const char status_text[] =
    "Name:\tpython3.11\n"
    "Umask:\t0022\n"
    "State:\tS (sleeping)\n"
    "Tgid:\t25374\n"
    "SigQ:\t0/63471\n"
    "SigPnd:\t0000000000000000\n"
    "ShdPnd:\t0000000000000100\n"
    "SigBlk:\tfffffffe7ffbfeff\n"
    "SigIgn:\t0000000001001000\n"
    "SigCgt:\t0000000180000002\n"
    "CapInh:\t0000000000000000\n";

static void test_status_fields(void **state)
{
    (void)state;
    assert_true(status_hex(status_text, "SigPnd:") == 0);
    assert_true(status_hex(status_text, "ShdPnd:") == 0x100);
    assert_true(status_hex(status_text, "SigBlk:") == 0xfffffffe7ffbfeffull);
    assert_true(status_hex(status_text, "SigCgt:") == 0x180000002ull);
    assert_true(status_hex(status_text, "Name:") == 0);         /* not hex */
    assert_true(status_hex(status_text, "Umask:") == 0x22);     /* the first line */
    assert_true(status_hex(status_text, "NoSuch:") == 0);
    assert_true(status_hex(status_text, "") == 0);
    assert_true(pc_proc_status_hex(status_text, sizeof status_text - 1, NULL) == 0);
    assert_true(status_hex("", "SigBlk:") == 0);
    /* Only at the start of a line. */
    assert_true(status_hex("XSigBlk:\t1\nSigBlk:\t2\n", "SigBlk:") == 2);
    assert_true(status_hex("Name:\tSigBlk: 5\n", "SigBlk:") == 0);
    /* Without the final newline, with spaces around the value. */
    assert_true(status_hex("SigBlk:  ff  ", "SigBlk:") == 0xff);
    assert_true(status_hex("SigBlk:\tffffffffffffffff", "SigBlk:") == UINT64_MAX);
    /* Malformed values are 0, not a prefix of them. */
    assert_true(status_hex("SigBlk:\t12g4\n", "SigBlk:") == 0);
    assert_true(status_hex("SigBlk:\t\n", "SigBlk:") == 0);
    assert_true(status_hex("SigBlk:", "SigBlk:") == 0);
    assert_true(status_hex("SigBlk:\t10000000000000000\n", "SigBlk:") == 0);
    assert_true(status_hex("SigBlk:\t-1\n", "SigBlk:") == 0);
    assert_true(status_hex("SigBlk:\t0x10\n", "SigBlk:") == 0);
    assert_true(status_hex("SigBlk:\t1 2\n", "SigBlk:") == 0);
}

static void test_status_truncated(void **state)
{
    (void)state;
    /* Cut anywhere: the value read is a prefix of the real one, or 0. */
    const char *at = strstr(status_text, "SigBlk:");
    size_t from = (size_t)(at - status_text);
    for (size_t n = 0; n <= sizeof status_text - 1; n++) {
        struct guarded g = guard(status_text, n);
        uint64_t v = pc_proc_status_hex(g.p, n, "SigBlk:");
        unguard(&g);
        size_t digits = n > from + 8 ? n - from - 8 : 0;
        if (digits > 16)
            digits = 16;
        uint64_t want = digits ? 0xfffffffe7ffbfeffull >> (4 * (16 - digits)) : 0;
        if (v != want)
            fail_msg("cut at %zu: %#llx, want %#llx", n, (unsigned long long)v, (unsigned long long)want);
    }
}

static void test_status_self(void **state)
{
    (void)state;
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGWINCH);
    assert_int_equal(sigprocmask(SIG_BLOCK, &set, &old), 0);
    char buf[1 << 16];
    FILE *f = fopen("/proc/thread-self/status", "re");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    sigprocmask(SIG_SETMASK, &old, NULL);
    uint64_t blk = pc_proc_status_hex(buf, n, "SigBlk:");
    assert_true(blk & (1ull << (SIGUSR1 - 1)));
    assert_true(blk & (1ull << (SIGWINCH - 1)));
}

struct stat_result {
    int rc;
    char state;
    int ppid;
};

static struct stat_result stat_n(const char *s, size_t n)
{
    struct stat_result r = {0, 0, -12345};
    struct guarded g = guard(s, n);
    r.rc = pc_proc_stat(g.p, n, &r.state, &r.ppid);
    unguard(&g);
    return r;
}

static struct stat_result stat_s(const char *s)
{
    return stat_n(s, strlen(s));
}

static void test_stat_real(void **state)
{
    (void)state;
    struct stat_result r = stat_s("25374 (python3.11) S 25370 25374 25370 34816 25374 4194560 3062 0 0 0 5 2 0 0 "
                                  "20 0 3 0 1234567 30593024 2432 18446744073709551615 1 1 0 0 0 0 0 16781312 "
                                  "2 0 0 0 17 1 0 0 0 0 0\n");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.state, 'S');
    assert_int_equal(r.ppid, 25370);
    r = stat_s("1 (systemd) S 0 1 1 0 -1 4194560");
    assert_true(r.rc == 0 && r.state == 'S' && r.ppid == 0);
    r = stat_s("99 (python3) Z 98 99 98 0 -1 4227084 0 0");
    assert_true(r.rc == 0 && r.state == 'Z' && r.ppid == 98);
    r = stat_s("99 (python3) t 98");
    assert_true(r.rc == 0 && r.state == 't' && r.ppid == 98);
    r = stat_s("99 (python3) X 98\n");
    assert_true(r.rc == 0 && r.state == 'X' && r.ppid == 98);

    /* Our own. */
    char buf[4096];
    FILE *f = fopen("/proc/self/stat", "re");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char st;
    int ppid;
    assert_int_equal(pc_proc_stat(buf, n, &st, &ppid), 0);
    assert_int_equal(st, 'R');
    assert_int_equal(ppid, (int)getppid());
}

static void test_stat_hostile_comm(void **state)
{
    (void)state;
    /* comm is up to 15 bytes of the process's choice. */
    struct stat_result r = stat_s("42 (a) (b c) Z 7 42 42 0 -1");
    assert_true(r.rc == 0 && r.state == 'Z' && r.ppid == 7);
    r = stat_s("42 () S 99 () R 5 1 1 0");
    assert_true(r.rc == 0 && r.state == 'R' && r.ppid == 5);
    r = stat_s("42 ()) R 6 1 1 0");
    assert_true(r.rc == 0 && r.state == 'R' && r.ppid == 6);
    r = stat_s("42 () D 8 1");
    assert_true(r.rc == 0 && r.state == 'D' && r.ppid == 8);
    r = stat_s("42 (a\nb) (c) T 9 1");
    assert_true(r.rc == 0 && r.state == 'T' && r.ppid == 9);
    r = stat_s("42 (  ) ) S 10 1");
    assert_true(r.rc == 0 && r.state == 'S' && r.ppid == 10);
    static const char nul[] = "42 (a\0b) S 11 1";
    r = stat_n(nul, sizeof nul - 1);
    assert_true(r.rc == 0 && r.state == 'S' && r.ppid == 11);
}

static void test_stat_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "42",
        "42 ",
        "42 (",
        "42 (x",
        "42 (x S 1",
        "42 (x)",
        "42 (x) ",
        "42 (x) S",
        "42 (x) S ",
        "42 (x) S\n",
        "42 (x) 5 1",
        "42 (x) SS 1",
        "42 (x) S  1",
        "42 (x)  S 1",
        "42 (x)S 1",
        "42 (x) S -1",
        "42 (x) S 1x",
        "42 (x) S 2147483648",
        "42 (x) S 99999999999999999999999",
        "42 x S 1",
        "(x) S 1",
        " 42 (x) S 1",
        "42(x) S 1",
        "4x2 (x) S 1",
        "2147483648 (x) S 1",
        "42 (x) S 1 (y)",       /* a ')' later: the last one is taken, and is not followed by a state */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct stat_result r = stat_s(bad[i]);
        if (r.rc != -1)
            fail_msg("accepted: \"%s\"", bad[i]);
    }
    struct stat_result r = stat_s("42 (x) S 2147483647");
    assert_true(r.rc == 0 && r.ppid == 2147483647);
    assert_int_equal(pc_proc_stat(NULL, 0, &r.state, &r.ppid), -1);
}

static void test_stat_truncated(void **state)
{
    (void)state;
    static const char line[] = "4242 (py (x) y) S 4241 4242 4241 0 -1 4194560";
    const char *ppid_end = strstr(line, "4241 4242") + 4;
    for (size_t n = 0; n < sizeof line - 1; n++) {
        struct stat_result r = stat_n(line, n);
        /* Complete only once the ppid is; a cut ppid is a smaller number,
         * which is all a reader of n bytes can know. */
        int want = n >= (size_t)(ppid_end - line) - 3 ? 0 : -1;
        if (r.rc != want)
            fail_msg("cut at %zu: %d", n, r.rc);
    }
}

static int stat_u64(const char *s, int field, uint64_t *v)
{
    struct guarded g = guard(s, strlen(s));
    int rc = pc_proc_stat_u64(g.p, strlen(s), field, v);
    unguard(&g);
    return rc;
}

static void test_stat_fields(void **state)
{
    (void)state;
    static const char kthreadd[] = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0 "
                                   "18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 1 0 0 0 0 0\n";
    uint64_t v = 7;
    assert_int_equal(stat_u64(kthreadd, 4, &v), 0);
    assert_true(v == 0);
    assert_int_equal(stat_u64(kthreadd, 9, &v), 0);    /* after a negative tpgid */
    assert_true(v == 2129984 && (v & 0x00200000u));     /* PF_KTHREAD */
    assert_int_equal(stat_u64(kthreadd, 20, &v), 0);
    assert_true(v == 1);
    assert_int_equal(stat_u64(kthreadd, 25, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(stat_u64(kthreadd, 44, &v), 0);
    assert_true(v == 0);
    assert_int_equal(stat_u64(kthreadd, 45, &v), -1);  /* past the last field */
    assert_int_equal(stat_u64(kthreadd, 8, &v), -1);   /* -1 is not unsigned */
    assert_int_equal(stat_u64(kthreadd, 3, &v), -1);   /* the state is not a number */
    assert_int_equal(stat_u64(kthreadd, 0, &v), -1);
    assert_int_equal(stat_u64(kthreadd, -5, &v), -1);
    assert_int_equal(stat_u64(kthreadd, 2147483647, &v), -1);
    /* A comm made to look like fields. */
    assert_int_equal(stat_u64("42 (x) S 1 2 3 4 5 6) S 9 8 7 6 5 64 0", 9, &v), 0);
    assert_true(v == 64);
    static const char *const bad[] = {
        "42 (x) S 1 2 3 4 5",                  /* flags missing */
        "42 (x) S 1 2 3 4 5 -6",                /* only the fields before may be negative */
        "42 (x) S 1 2 3 4 5 18446744073709551616",
        "42 (x) S 1 2 3 4 5 --1",
        "42 (x) S 1 2 3 4 5 1x",
        "42 (x) S 1 2  3 4 5 6",
        "42 (x) S 1 2 3 4 5 -",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (stat_u64(bad[i], 9, &v) != -1)
            fail_msg("accepted: \"%s\"", bad[i]);
    assert_int_equal(stat_u64("42 (x) S 1 2 3 4 -5 6", 9, &v), 0);
    assert_true(v == 6);

    /* Our own: one thread, not a kernel thread. */
    char buf[4096];
    FILE *f = fopen("/proc/self/stat", "re");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(pc_proc_stat_u64(buf, n, 4, &v), 0);
    assert_true(v == (uint64_t)getppid());
    assert_int_equal(pc_proc_stat_u64(buf, n, 9, &v), 0);
    assert_true(!(v & 0x00200000u));
    assert_int_equal(pc_proc_stat_u64(buf, n, 20, &v), 0);
    assert_true(v == 1);
}

/* /proc/PID/task/TID/syscall: "NR ARG1..ARG6 SP PC", "running", "-1 SP PC". */
static int syscall_line(const char *s, size_t n, pc_thread_desc *t)
{
    struct guarded g = guard(s, n);
    int r = pc_syscall_regs_from_proc(g.p, n, t);
    unguard(&g);
    return r;
}

static void test_syscall_lines(void **state)
{
    (void)state;
    pc_thread_desc t = {.tid = 77, .regs = {[PC_X86_RBX] = 5}};
    const char *line = "202 0x7f12a0001000 0x80 0x0 0x0 0x0 0x0 0x7ffd9a1c2e60 0x7f12a1b2c3d4\n";
    assert_int_equal(syscall_line(line, strlen(line), &t), 1);
    assert_int_equal(t.tid, 77);
    assert_true(t.flags == PC_THREAD_NOT_STOPPED);
    assert_true(t.regs[PC_X86_ORIG_RAX] == 202 && t.regs[PC_X86_RDI] == 0x7f12a0001000ull && t.regs[PC_X86_RSI] == 0x80);
    assert_true(t.regs[PC_X86_RSP] == 0x7ffd9a1c2e60ull && t.regs[PC_X86_RIP] == 0x7f12a1b2c3d4ull);
    assert_true(t.regs[PC_X86_RAX] == (uint64_t)-ENOSYS && t.regs[PC_X86_RBX] == 0);
    assert_true(t.regs[PC_X86_FS_BASE] == 0);      /* unknown: the kernel does not say */
    pc_thread_desc u = {0};
    assert_int_equal(syscall_line("running\n", 8, &u), 0);
    assert_int_equal(syscall_line("-1 0x7ffd9a1c2e60 0x7f12a1b2c3d4\n", 32, &u), 0);
    static const char *const bad[] = {
        "", "202", "202 0x1 0x2", "abc 0x1 0x2 0x3 0x4 0x5 0x6 0x7 0x8",
        "-5 0x1 0x2 0x3 0x4 0x5 0x6 0x7 0x8", "202 0x1 0x2 0x3 0x4 0x5 0x6 0x7 zz",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (syscall_line(bad[i], strlen(bad[i]), &u) != -1)
            fail_msg("accepted: \"%s\"", bad[i]);
    char big[300];
    memset(big, '1', sizeof big);
    assert_int_equal(syscall_line(big, sizeof big, &u), -1);
    /* Cut anywhere: read within len only (the guard page). */
    for (size_t n = 0; n <= strlen(line); n++) {
        int r = syscall_line(line, n, &u);
        assert_true(r >= -1 && r <= 1);
    }
}

struct reader {
    int fd;
    volatile pid_t tid;
};

static void *blocked_reader(void *arg)
{
    struct reader *r = arg;
    char c;
    r->tid = (pid_t)syscall(SYS_gettid);
    ssize_t n = read(r->fd, &c, 1);
    (void)n;
    return NULL;
}

/* A real thread blocked in read(2): its line names the call and its fd. */
static void test_syscall_self(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct reader r = {fds[0], 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, blocked_reader, &r), 0);
    pc_thread_desc t = {0};
    int got = 0;
    for (int i = 0; i < 2000 && got != 1; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
        if (!r.tid)
            continue;
        char path[64], buf[256];
        snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)r.tid);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        t.tid = r.tid;
        got = pc_syscall_regs_from_proc(buf, n, &t);
    }
    assert_int_equal(got, 1);
    assert_true(t.regs[PC_X86_ORIG_RAX] == SYS_read && t.regs[PC_X86_RDI] == (uint64_t)fds[0] && t.regs[PC_X86_RDX] == 1);
    assert_true(t.regs[PC_X86_RSP] != 0 && t.regs[PC_X86_RIP] != 0);
    assert_int_equal(write(fds[1], "x", 1), 1);
    pthread_join(th, NULL);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maps_real_lines),
        cmocka_unit_test(test_maps_not_files),
        cmocka_unit_test(test_maps_tricky_paths),
        cmocka_unit_test(test_maps_hex),
        cmocka_unit_test(test_maps_missing_fields),
        cmocka_unit_test(test_maps_truncated),
        cmocka_unit_test(test_maps_region),
        cmocka_unit_test(test_maps_self),
        cmocka_unit_test(test_status_fields),
        cmocka_unit_test(test_status_truncated),
        cmocka_unit_test(test_status_self),
        cmocka_unit_test(test_stat_real),
        cmocka_unit_test(test_stat_hostile_comm),
        cmocka_unit_test(test_stat_malformed),
        cmocka_unit_test(test_stat_truncated),
        cmocka_unit_test(test_stat_fields),
        cmocka_unit_test(test_syscall_lines),
        cmocka_unit_test(test_syscall_self),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
