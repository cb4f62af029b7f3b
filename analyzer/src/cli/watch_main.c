/* `pycore-analyze watch [OPTIONS] -- CMD [ARGS...]`: run CMD as it runs
 * alone (same stdin, stdout, stderr and environment; the signals sent to us
 * passed on; its exit status passed through).  If it runs past --timeout,
 * analyze its whole process tree while it still runs (read without
 * stopping: a stop could change what its pipes carry), write the reports,
 * stop the tree (SIGTERM, --grace, SIGKILL) and exit 124 as timeout(1)
 * does.  We are a child subreaper, so what CMD orphans is still ours to
 * stop and reap. */
#include "pycore.h"
#include "cli/cli.h"
#include "target/proctree.h"
#include "tree/tree.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WATCH_TIMED_OUT 124     /* timeout(1)'s status */
#define MAX_OUTPUTS 8

static const char usage[] =
    "Usage: pycore-analyze watch [OPTIONS] -- CMD [ARGS...]\n"
    "Run CMD; if it runs past --timeout, analyze its whole process tree while it\n"
    "still runs, write the reports, stop the tree and exit 124. Otherwise exit as\n"
    "CMD does, with its output untouched.\n"
    "\n"
    "  -t, --timeout=DUR     analyze and stop CMD after DUR (seconds, or with a\n"
    "                        suffix s, m or h); required\n"
    "      --grace=DUR       between SIGTERM and SIGKILL when stopping (default 5s)\n"
    "  -f, --output=FMT:FILE also write the report as FMT (text, json or dot) to\n"
    "                        FILE; may be repeated. The text report always goes to\n"
    "                        standard error\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: CMD's (a CMD killed by a signal: the same signal); 124 when it\n"
    "ran past --timeout; 2 usage; 6 CMD could not be started.\n"
    "See pycore-analyze(1).\n";

struct output {
    enum pc_format fmt;
    const char *path;
};

static int die(int code, const char *msg, const char *arg)
{
    fprintf(stderr, "pycore-analyze watch: %s%s\n", msg, arg ? arg : "");
    return code;
}

/* "90", "90s", "1.5m", "2h" -> seconds; -1 if malformed. */
static double parse_duration(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0 || v != v)
        return -1;
    double unit = *end == 0 || strcmp(end, "s") == 0 ? 1 : strcmp(end, "m") == 0 ? 60 : strcmp(end, "h") == 0 ? 3600 : -1;
    return unit < 0 || v * unit > 31536000 ? -1 : v * unit;
}

static int parse_output(const char *arg, struct output *o)
{
    static const struct { const char *name; enum pc_format fmt; } fmts[] = {
        {"text:", PC_FORMAT_TEXT}, {"json:", PC_FORMAT_JSON}, {"dot:", PC_FORMAT_DOT},
    };
    for (size_t i = 0; i < sizeof fmts / sizeof *fmts; i++) {
        size_t n = strlen(fmts[i].name);
        if (strncmp(arg, fmts[i].name, n) == 0 && arg[n]) {
            o->fmt = fmts[i].fmt;
            o->path = arg + n;
            return 0;
        }
    }
    return -1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP};

/* Waits until CMD exits (1, *status set) or the deadline passes (0),
 * passing on the signals we get and reaping what we adopted. */
static int wait_child(pid_t child, const sigset_t *set, double deadline, int *status)
{
    for (;;) {
        pid_t r;
        int st;
        while ((r = waitpid(-1, &st, WNOHANG)) > 0)
            if (r == child) {
                *status = st;
                return 1;
            }
        double left = deadline - now();
        if (left <= 0)
            return 0;
        struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
        siginfo_t info;
        int sig = sigtimedwait(set, &info, &ts);
        if (sig > 0 && sig != SIGCHLD)
            kill(child, sig);
    }
}

static void signal_tree(pid_t root, int sig)
{
    struct pc_proc_node *nodes;
    size_t n;
    pc_error err;
    if (root > 0 && pc_proc_tree((int32_t)root, &nodes, &n, &err) == PC_OK) {
        for (size_t i = 0; i < n; i++)
            kill(nodes[i].pid, sig);
        free(nodes);
    }
}

/* Every process we could still have to stop: CMD's tree (child > 0) and
 * the trees of what we adopted (orphans re-parented to us, the subreaper). */
static void signal_all(pid_t child, int sig)
{
    signal_tree(child, sig);
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    for (char *p = buf, *end; *p; p = end) {
        long pid = strtol(p, &end, 10);
        if (end == p)
            break;
        if (pid > 0 && pid != child)
            signal_tree((pid_t)pid, sig);
    }
}

static void report(pid_t child, double timeout, const struct output *outs, size_t nouts)
{
    fprintf(stderr, "pycore-analyze watch: the command ran past %g s: analyzing its process tree (pid %d)\n",
            timeout, (int)child);
    pc_analyze_options aopts = {.native = 1, .locals = 1};
    char cache[4096];
    aopts.debug_cache = pc_cli_debug_cache(cache, sizeof cache);
    struct pc_tree tr;
    pc_error err = {0};
    if (pc_tree_build((int32_t)child, &aopts, PC_OPEN_NO_STOP, &tr, &err)) {
        fprintf(stderr, "pycore-analyze watch: cannot analyze process %d: %s\n", (int)child, err.msg);
        return;
    }
    char *text = pc_tree_render(&tr, PC_FORMAT_TEXT, 0);
    if (text)
        fputs(text, stderr);
    pc_free(text);
    for (size_t i = 0; i < nouts; i++) {
        char *r = pc_tree_render(&tr, outs[i].fmt, 0);
        FILE *f = r ? fopen(outs[i].path, "we") : NULL;
        int bad = !f || fputs(r, f) == EOF;
        if (f && fclose(f))
            bad = 1;
        if (bad)
            fprintf(stderr, "pycore-analyze watch: cannot write %s: %s\n", outs[i].path, strerror(errno));
        pc_free(r);
    }
    pc_tree_free(&tr);
}

/* The same death as CMD's: a signal's default action on ourselves. */
static int pass_status(int st, const sigset_t *old)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        signal(sig, SIG_DFL);
        sigprocmask(SIG_SETMASK, old, NULL);
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, sig);
        sigprocmask(SIG_UNBLOCK, &one, NULL);
        raise(sig);
        return 128 + sig;   /* a signal whose default is not to end us */
    }
    return 1;
}

int pc_cli_watch(int argc, char **argv)
{
    double timeout = -1, grace = 5;
    struct output outs[MAX_OUTPUTS];
    size_t nouts = 0;
    static const struct option longopts[] = {
        {"timeout", required_argument, 0, 't'}, {"grace", required_argument, 0, 'g'},
        {"output", required_argument, 0, 'f'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "+t:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if ((timeout = parse_duration(optarg)) <= 0)
                return die(PC_E_USAGE, "--timeout takes a duration (90, 90s, 2m, 1h): ", optarg);
            break;
        case 'g':
            if ((grace = parse_duration(optarg)) < 0)
                return die(PC_E_USAGE, "--grace takes a duration (5, 5s, 1m): ", optarg);
            break;
        case 'f':
            if (nouts >= MAX_OUTPUTS || parse_output(optarg, &outs[nouts]))
                return die(PC_E_USAGE, "-f takes text:FILE, json:FILE or dot:FILE (at most 8): ", optarg);
            nouts++;
            break;
        case 'h': fputs(usage, stdout); return 0;
        default:
            fprintf(stderr, "Try 'pycore-analyze watch --help'.\n");
            return PC_E_USAGE;
        }
    }
    if (timeout <= 0)
        return die(PC_E_USAGE, "--timeout is required; try watch --help", NULL);
    if (optind >= argc)
        return die(PC_E_USAGE, "no command to run: watch [OPTIONS] -- CMD [ARGS...]", NULL);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
        sigaddset(&set, forwarded[i]);
    sigprocmask(SIG_BLOCK, &set, &old);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    int ready[2];
    if (pipe2(ready, O_CLOEXEC))
        return die(PC_E_INTERNAL, "pipe: ", strerror(errno));
    pid_t child = fork();
    if (child < 0)
        return die(PC_E_INTERNAL, "fork: ", strerror(errno));
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(ready[0]);
        execvp(argv[optind], argv + optind);
        int e = errno;
        ssize_t w = write(ready[1], &e, sizeof e);
        (void)w;
        _exit(127);
    }
    close(ready[1]);
    int e = 0;
    if (read(ready[0], &e, sizeof e) == (ssize_t)sizeof e) {
        close(ready[0]);
        waitpid(child, NULL, 0);
        return die(PC_E_INTERNAL, "cannot run the command: ", strerror(e));
    }
    close(ready[0]);
    int st;
    if (wait_child(child, &set, now() + timeout, &st))
        return pass_status(st, &old);
    report(child, timeout, outs, nouts);
    signal_all(child, SIGTERM);
    if (!wait_child(child, &set, now() + grace, &st)) {
        signal_all(child, SIGKILL);
        wait_child(child, &set, now() + 60, &st);
    }
    signal_all(0, SIGKILL);     /* what it left behind, adopted by us */
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    return WATCH_TIMED_OUT;
}
