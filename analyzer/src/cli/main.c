/* pycore-analyze: the command line on top of libpycore. */
#include "pycore.h"
#include "cli/cli.h"
#include "target/core_fd.h"
#include "tree/tree.h"
#include "triage/triage.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "Usage: pycore-analyze [OPTIONS] CORE [EXECUTABLE]\n"
    "       pycore-analyze [OPTIONS] --pid PID [--save-core FILE]\n"
    "       pycore-analyze triage [OPTIONS] PATH...   (see triage --help)\n"
    "       pycore-analyze watch [OPTIONS] -- CMD...  (see watch --help)\n"
    "Rebuild every thread of a hung CPython process from its core dump:\n"
    "native and Python stacks, thread names, daemon flags, GIL state.\n"
    "CORE may be compressed (zstd, lz4, xz, gzip).\n"
    "\n"
    "  -p, --pid=PID        analyze a running process instead of a core: its\n"
    "                       threads are stopped (ptrace) while it is read, then\n"
    "                       resumed\n"
    "      --no-stop        with --pid: leave the threads blocked in a system\n"
    "                       call running (stopping one can cut a pipe write\n"
    "                       short); only the others are stopped. Their native\n"
    "                       stacks may end early\n"
    "      --save-core=FILE with --pid: also write the process, as it was read,\n"
    "                       to FILE as an ELF core (zstd-compressed if FILE ends\n"
    "                       in .zst; never overwrites); analyzing FILE later\n"
    "                       gives the same report\n"
    "      --tree           with --pid: the process and all its descendants as\n"
    "                       one report, with the waits between them (a parent in\n"
    "                       wait4 on a child, the two ends of a pipe) and their\n"
    "                       cycles; implies --no-stop\n"
    "  -f, --format=FMT     text (default), json, or dot (the wait-for graph)\n"
    "  -n, --native         text: show every native frame\n"
    "      --summary        text: only the header and the diagnosis (no threads)\n"
    "  -l, --locals         text: each Python frame's arguments and locals (JSON\n"
    "                       always has them)\n"
    "      --sysroot=DIR    find the core's files under DIR (core from another\n"
    "                       machine or a container), its debug info under\n"
    "                       DIR/usr/lib/debug; MACHINE=DIR (as uname -m names\n"
    "                       it) for that machine's cores only, repeatable\n"
    "      --debug-dir=DIR  also look for the core's files in DIR, by name and by\n"
    "                       build-id (DIR/.build-id/xx/rest), and for debug info\n"
    "      --max-frames=N   at most N Python frames per thread\n"
    "      --scan-runtime   find the interpreter by scanning its data, not by the\n"
    "                       _PyRuntime symbol (done anyway when there is none)\n"
    "      --debug-cache=DIR  keep plain copies of compressed debug files (Debian's\n"
    "                       -dbg) in DIR, by build-id: later runs read source lines\n"
    "                       several times faster (default\n"
    "                       ${XDG_CACHE_HOME:-~/.cache}/pycore/debuginfo)\n"
    "      --no-debug-cache do not read or write that cache\n"
    "      --no-source      read no source: no Python source lines, no DWARF\n"
    "                       debug info (native source lines, inlined frames);\n"
    "                       faster and smaller\n"
    "      --color=WHEN     auto (default: on a terminal, unless NO_COLOR is set\n"
    "                       and not empty),\n"
    "                       always or never\n"
    "  -h, --help           this help\n"
    "  -V, --version        version\n"
    "\n"
    "Exit status: 0 analyzed, no hang pattern; 1 analyzed, a hang pattern found;\n"
    "2 usage; 3 bad core; 4 executable or library missing or mismatched;\n"
    "5 no supported Python; 6 internal error.\n"
    "See pycore-analyze(1).\n";

static int die(int code, const char *msg)
{
    fprintf(stderr, "pycore-analyze: %s\n", msg);
    return code;
}

/* A report that cannot be written fully is an error, whatever its size:
 * fwrite's error may only show in the stream's error flag. */
static int write_report(char *out)
{
    if (!out)
        return die(PC_E_INTERNAL, "out of memory");
    size_t len = strlen(out);
    int bad = fwrite(out, 1, len, stdout) != len;
    free(out);
    if (fflush(stdout) || ferror(stdout) || bad)
        return die(PC_E_INTERNAL, "cannot write the report to standard output (disk full or closed pipe?)");
    return 0;
}

/* --tree: read without stopping, as a process tree is mostly threads
 * blocked in system calls that a stop could disturb (pipes between them). */
static int print_tree(int32_t root, const pc_analyze_options *aopts, enum pc_format fmt, unsigned flags)
{
    struct pc_tree tr;
    pc_error err = {0};
    int rc = pc_tree_build(root, aopts, PC_OPEN_NO_STOP, &tr, &err);
    if (rc)
        return die(rc, err.msg);
    int hang = pc_tree_hang_found(&tr);
    rc = write_report(pc_tree_render(&tr, fmt, flags));
    pc_tree_free(&tr);
    return rc ? rc : hang ? PC_HANG_FOUND : 0;
}

int pc_cli_add_sysroot(char *buf, size_t n, const char *arg)
{
    size_t len = strlen(buf);
    int w = snprintf(buf + len, n - len, "%s%s", len ? "," : "", arg);
    if (w < 0 || (size_t)w >= n - len) {
        buf[len] = 0;
        return -1;
    }
    return 0;
}

const char *pc_cli_debug_cache(char *buf, size_t n)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int w = xdg && xdg[0] == '/' ? snprintf(buf, n, "%s/pycore/debuginfo", xdg)
          : home && home[0] == '/' ? snprintf(buf, n, "%s/.cache/pycore/debuginfo", home) : -1;
    return w > 0 && (size_t)w < n ? buf : NULL;
}

/* The core and the files it maps are read through mmap: if one shrinks
 * under us (a core still being written, a full disk) the kernel raises
 * SIGBUS.  That is a bad input, not a crash: say so and exit 3.  The
 * handler may only use async-signal-safe calls, hence write(2). */
static const char *sigbus_what = "the core";

static void put_err(const char *s)
{
    ssize_t r = write(STDERR_FILENO, s, strlen(s));
    (void)r;
}

static void on_sigbus(int sig)
{
    (void)sig;
    put_err("pycore-analyze: ");
    put_err(sigbus_what);
    put_err(" or a file it maps shrank while being read (SIGBUS): it is still being written or was "
            "truncated; re-run when it is complete\n");
    _exit(PC_E_CORE);
}

static void catch_sigbus(const char *what)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigbus;
    sigemptyset(&sa.sa_mask);
    sigbus_what = what;
    sigaction(SIGBUS, &sa, NULL);
}

/* CORE as given: a compressed one (zstd, lz4, xz, gzip) is decompressed
 * into an unlinked temporary file by triage's decompressor; anything else
 * goes to the core target as it is, which names what is wrong with it. */
static int open_core(const char *path, const pc_core_options *copts, pc_target **t, pc_error *err)
{
    int fd = -1;
    enum pc_tz_format fmt = PC_TZ_UNKNOWN;
    uint64_t size = 0;
    pc_error zerr = {0};
    int kind = pc_tz_open(path, NULL, PC_TRIAGE_DEFAULT_MAX, &fd, &fmt, &size, &zerr);
    if (fmt == PC_TZ_UNKNOWN || fmt == PC_TZ_ELF) {
        if (fd >= 0)
            close(fd);
        return pc_target_open_core(path, copts, t, err);
    }
    if (kind != PC_TRI_OK)
        return pc_fail(err, zerr.code ? zerr.code : PC_E_CORE, "%s: %s", path, zerr.msg);
    int rc = pc_target_open_core_fd(fd, path, copts, t, err);
    close(fd);      /* the target holds its own duplicate */
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "triage") == 0)
        return pc_cli_triage(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "watch") == 0)
        return pc_cli_watch(argc - 1, argv + 1);
    enum pc_format fmt = PC_FORMAT_TEXT;
    unsigned flags = 0;
    int color = -1;
    pc_core_options copts = {0};
    pc_analyze_options aopts = {.native = 1};
    const char *dirs[16] = {0};
    char sysroots[4096] = "";
    size_t ndirs = 0;
    int no_cache = 0;
    char cache_buf[4096];
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'},
        {"pid", required_argument, 0, 'p'},
        {"no-stop", no_argument, 0, 'N'},
        {"tree", no_argument, 0, 'T'},
        {"save-core", required_argument, 0, 'W'},
        {"native", no_argument, 0, 'n'},
        {"summary", no_argument, 0, 'u'},
        {"locals", no_argument, 0, 'l'},
        {"sysroot", required_argument, 0, 's'},
        {"max-frames", required_argument, 0, 'm'},
        {"no-source", no_argument, 0, 'S'},
        {"debug-dir", required_argument, 0, 'D'},
        {"scan-runtime", no_argument, 0, 'R'},
        {"debug-cache", required_argument, 0, 'C'},
        {"no-debug-cache", no_argument, 0, 'X'},
        {"color", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0},
    };
    int c;
    long pid = 0;
    unsigned open_flags = 0;
    int tree = 0;
    const char *save_core = NULL;
    while ((c = getopt_long(argc, argv, "f:lnp:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': {
            char *end;
            pid = strtol(optarg, &end, 10);
            if (*end || pid <= 0 || pid > 0x7fffffff)
                return die(PC_E_USAGE, "--pid takes a process id");
            break;
        }
        case 'f':
            if (strcmp(optarg, "json") == 0)
                fmt = PC_FORMAT_JSON;
            else if (strcmp(optarg, "text") == 0)
                fmt = PC_FORMAT_TEXT;
            else if (strcmp(optarg, "dot") == 0)
                fmt = PC_FORMAT_DOT;
            else
                return die(PC_E_USAGE, "--format takes text, json or dot");
            break;
        case 'n': flags |= PC_RENDER_NATIVE; break;
        case 'u': flags |= PC_RENDER_SUMMARY; break;
        case 'l': flags |= PC_RENDER_LOCALS; break;
        case 'S': aopts.no_source = 1; break;
        case 'N': open_flags |= PC_OPEN_NO_STOP; break;
        case 'T': tree = 1; break;
        case 'W': save_core = optarg; break;
        case 'R': aopts.scan_runtime = 1; break;
        case 'C': aopts.debug_cache = optarg; break;
        case 'X': no_cache = 1; break;
        case 'D':
            if (ndirs + 1 >= sizeof dirs / sizeof *dirs)
                return die(PC_E_USAGE, "at most 15 --debug-dir options");
            dirs[ndirs++] = optarg;
            copts.debug_dirs = aopts.debug_dirs = dirs;
            break;
        case 's':
            if (pc_cli_add_sysroot(sysroots, sizeof sysroots, optarg))
                return die(PC_E_USAGE, "--sysroot: the roots take more than 4 KiB");
            copts.sysroot = sysroots;
            break;
        case 'm': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v <= 0 || v > 4096)
                return die(PC_E_USAGE, "--max-frames takes a number from 1 to 4096");
            aopts.max_frames = (int)v;
            break;
        }
        case 'c':
            if (strcmp(optarg, "always") == 0) color = 1;
            else if (strcmp(optarg, "never") == 0) color = 0;
            else if (strcmp(optarg, "auto") == 0) color = -1;
            else return die(PC_E_USAGE, "--color takes auto, always or never");
            break;
        case 'h': fputs(usage, stdout); return 0;
        case 'V': printf("pycore-analyze %s\n", PYCORE_VERSION); return 0;
        default:
            fprintf(stderr, "Try 'pycore-analyze --help'.\n");
            return PC_E_USAGE;
        }
    }
    if (pid && (optind != argc || copts.sysroot))
        return die(PC_E_USAGE, "--pid takes no CORE, EXECUTABLE or --sysroot; try --help");
    if (!pid && (open_flags || tree))
        return die(PC_E_USAGE, "--no-stop and --tree go with --pid: a core is read as it is; try --help");
    if (save_core && (!pid || tree))
        return die(PC_E_USAGE, "--save-core goes with --pid (not --tree): it writes the process it reads; try --help");
    struct stat st;
    if (save_core && lstat(save_core, &st) == 0) {
        fprintf(stderr, "pycore-analyze: %s exists: --save-core never overwrites; give a new file name\n", save_core);
        return PC_E_USAGE;
    }
    if (!pid && (optind >= argc || argc - optind > 2))
        return die(PC_E_USAGE, "expected CORE [EXECUTABLE]; try --help");
    if (color < 0) {
        const char *nc = getenv("NO_COLOR");
        color = isatty(STDOUT_FILENO) && !(nc && *nc);
    }
    if (color)
        flags |= PC_RENDER_COLOR;
    if (!pid && argc - optind == 2)
        copts.executable = argv[optind + 1];
    if (no_cache)
        aopts.debug_cache = NULL;
    else if (!aopts.debug_cache)
        aopts.debug_cache = pc_cli_debug_cache(cache_buf, sizeof cache_buf);

    if (!pid)
        catch_sigbus(argv[optind]);
    pc_error err = {0};
    pc_target *t = NULL;
    pc_analysis *a = NULL;
    aopts.locals = fmt == PC_FORMAT_JSON || (flags & PC_RENDER_LOCALS);
    if (tree)
        return print_tree((int32_t)pid, &aopts, fmt, flags);
    if (pid ? pc_target_open_pid_flags((int)pid, open_flags, &t, &err) : open_core(argv[optind], &copts, &t, &err))
        return die(err.code, err.msg);
    aopts.native_without_python = 1;
    int rc = pc_analyze(t, &aopts, &a, &err);
    /* Written from the target the analysis read (the threads are still
     * stopped), before the report: also when the analysis failed, as the
     * core can be analyzed again elsewhere. */
    pc_error serr = {0};
    int src = save_core ? pc_cli_save_core(t, save_core, &serr) : PC_OK;
    if (rc && !(rc == PC_E_NOPYTHON && a)) {
        pc_target_close(t);
        if (src)
            fprintf(stderr, "pycore-analyze: %s\n", serr.msg);
        return die(rc, err.msg);
    }
    char *out = pc_render(a, fmt, flags);
    int hang = pc_analysis_hang_found(a);
    pc_analysis_free(a);
    pc_target_close(t);
    int wrc = write_report(out);
    if (wrc)
        return wrc;
    if (src)    /* the report is out; the core is not */
        return die(src, serr.msg);
    if (rc)     /* no Python: the native report is out; the status says so */
        return die(rc, err.msg);
    return hang ? PC_HANG_FOUND : 0;
}
