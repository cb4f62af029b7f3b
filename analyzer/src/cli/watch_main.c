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
#include "triage/triage.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WATCH_TIMED_OUT 124     /* timeout(1)'s status */
#define MAX_OUTPUTS 8

static const char usage[] =
    "Usage: pycore-analyze watch [OPTIONS] -- CMD [ARGS...]\n"
    "Run CMD; if it runs past --timeout, or prints nothing for --idle, analyze its\n"
    "whole process tree while it still runs, write the reports, stop the tree and\n"
    "exit 124. Otherwise exit as CMD does, with its output untouched.\n"
    "\n"
    "  -t, --timeout=DUR     analyze and stop CMD after DUR (seconds, or with a\n"
    "                        suffix s, m or h)\n"
    "  -i, --idle=DUR        the same when CMD has written nothing to its standard\n"
    "                        output or error for DUR (CMD then writes to pipes that\n"
    "                        watch copies to its own, not to a terminal)\n"
    "      --grace=DUR       between SIGTERM and SIGKILL when stopping (default 5s)\n"
    "      --cores=DIR       also write each process of the tree, as it was read,\n"
    "                        as a zstd-compressed core DIR/core.PID.zst (for\n"
    "                        pycore-analyze or gdb later; DIR is created)\n"
    "  -f, --output=FMT:FILE also write the report as FMT to FILE; may be repeated:\n"
    "                        text, json (the tree report), dot (its wait-for graph),\n"
    "                        junit, markdown (md) or triage-json (a member per\n"
    "                        process, as triage writes them). The text report\n"
    "                        always goes to standard error\n"
    "  -h, --help            this help\n"
    "\n"
    "At least one of --timeout and --idle is needed.\n"
    "Exit status: CMD's (a CMD killed by a signal: the same signal); 124 when it\n"
    "ran past --timeout or was idle for --idle; 2 usage; 6 CMD could not be started.\n"
    "See pycore-analyze(1).\n";

/* A report file: one of the tree's own renderings, or the tree as a
 * triage batch (a member per process). */
struct output {
    int triage;
    enum pc_format fmt;
    enum pc_triage_format tfmt;
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
    static const struct {
        const char *name;
        int triage;
        enum pc_format fmt;
        enum pc_triage_format tfmt;
    } fmts[] = {
        {"text:", 0, PC_FORMAT_TEXT, 0},       {"json:", 0, PC_FORMAT_JSON, 0},
        {"dot:", 0, PC_FORMAT_DOT, 0},         {"junit:", 1, 0, PC_TF_JUNIT},
        {"markdown:", 1, 0, PC_TF_MARKDOWN},   {"md:", 1, 0, PC_TF_MARKDOWN},
        {"triage-json:", 1, 0, PC_TF_JSON},
    };
    for (size_t i = 0; i < sizeof fmts / sizeof *fmts; i++) {
        size_t n = strlen(fmts[i].name);
        if (strncmp(arg, fmts[i].name, n) == 0 && arg[n]) {
            *o = (struct output){fmts[i].triage, fmts[i].fmt, fmts[i].tfmt, arg + n};
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

/* With --idle, CMD's output goes through pipes that we copy to our own
 * descriptors, noting when it last wrote.  One pipe when our standard
 * output and error are the same file, so that their order is kept. */
struct relay {
    int from, to;           /* from: our read end, -1 once closed */
};

struct watch {
    pid_t child;
    int sfd;                /* signalfd of the forwarded signals and SIGCHLD */
    struct relay io[2];
    size_t nio;
    double idle, last_output;
};

enum { WAIT_EXITED, WAIT_DEADLINE, WAIT_IDLE };

static void relay_close(struct relay *r)
{
    close(r->from);
    r->from = -1;
}

/* Copy what is there; 0 when the pipe is empty, closed or broken. */
static int relay_some(struct relay *r)
{
    char buf[65536];
    ssize_t n = read(r->from, buf, sizeof buf);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EINTR))
            relay_close(r);
        return 0;
    }
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(r->to, buf + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {       /* our output is gone: CMD sees its own broken pipe */
            relay_close(r);
            return 0;
        }
        off += w;
    }
    return 1;
}

/* Waits until CMD exits (*status set), the deadline passes, or CMD was
 * idle for w->idle; passes on the signals we get, copies CMD's output and
 * reaps what we adopted. */
static int wait_child(struct watch *w, double deadline, int *status)
{
    for (;;) {
        pid_t r;
        int st;
        while ((r = waitpid(-1, &st, WNOHANG)) > 0)
            if (r == w->child) {
                *status = st;
                for (size_t i = 0; i < w->nio; i++)
                    while (w->io[i].from >= 0 && relay_some(&w->io[i]))
                        ;
                return WAIT_EXITED;
            }
        double t = now(), until = deadline;
        if (w->idle > 0) {
            if (t >= w->last_output + w->idle)
                return WAIT_IDLE;
            if (w->last_output + w->idle < until)
                until = w->last_output + w->idle;
        }
        if (t >= deadline)
            return WAIT_DEADLINE;
        struct pollfd pf[3] = {{.fd = w->sfd, .events = POLLIN}};
        size_t n = 1;
        for (size_t i = 0; i < w->nio; i++)
            pf[n++] = (struct pollfd){.fd = w->io[i].from, .events = POLLIN};   /* -1: ignored */
        double ms = (until - t) * 1000 + 1;
        poll(pf, n, ms > 60000 ? 60000 : (int)ms);
        struct signalfd_siginfo si;
        while (read(w->sfd, &si, sizeof si) == (ssize_t)sizeof si)
            if ((int)si.ssi_signo != SIGCHLD)
                kill(w->child, (int)si.ssi_signo);
        for (size_t i = 0; i < w->nio; i++)
            if (pf[1 + i].revents && w->io[i].from >= 0 && relay_some(&w->io[i]))
                w->last_output = now();
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

static int write_file(const char *path, const char *data)
{
    FILE *f = data ? fopen(path, "we") : NULL;
    int bad = !f || fputs(data, f) == EOF;
    if (f && fclose(f))
        bad = 1;
    return bad ? -1 : 0;
}

static void write_triage(const struct pc_tree *tr, const struct output *outs, size_t nouts)
{
    struct pc_triage t;
    pc_triage_init(&t);
    pc_error err = {0};
    if (pc_tree_to_triage(tr, &t, &err)) {
        fprintf(stderr, "pycore-analyze watch: %s\n", err.msg);
    } else {
        for (size_t i = 0; i < nouts; i++) {
            if (!outs[i].triage)
                continue;
            FILE *f = fopen(outs[i].path, "we");
            int bad = !f || pc_triage_render(&t, outs[i].tfmt, f);
            if (f && fclose(f))
                bad = 1;
            if (bad)
                fprintf(stderr, "pycore-analyze watch: cannot write %s: %s\n", outs[i].path, strerror(errno));
        }
    }
    pc_triage_free(&t);
}

/* Each process as a core, written from the very target its analysis read. */
static void save_cores(const struct pc_tree *tr, const char *dir)
{
    if (mkdir(dir, 0700) && errno != EEXIST) {
        fprintf(stderr, "pycore-analyze watch: cannot create %s: %s\n", dir, strerror(errno));
        return;
    }
    for (size_t i = 0; i < tr->nprocs; i++) {
        const struct pc_tree_proc *p = &tr->procs[i];
        if (!p->target)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/core.%d.zst", dir, (int)p->node.pid);
        pc_error err = {0};
        if (pc_cli_save_core(p->target, path, &err))
            fprintf(stderr, "pycore-analyze watch: core of process %d not written: %s\n", (int)p->node.pid, err.msg);
        else
            fprintf(stderr, "pycore-analyze watch: wrote %s\n", path);
    }
}

static void report(pid_t child, const char *why, const struct output *outs, size_t nouts, const char *cores)
{
    fprintf(stderr, "pycore-analyze watch: %s: analyzing its process tree (pid %d)\n", why, (int)child);
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
    int any_triage = 0;
    for (size_t i = 0; i < nouts; i++) {
        any_triage |= outs[i].triage;
        if (outs[i].triage)
            continue;
        char *r = pc_tree_render(&tr, outs[i].fmt, 0);
        if (write_file(outs[i].path, r))
            fprintf(stderr, "pycore-analyze watch: cannot write %s: %s\n", outs[i].path, strerror(errno));
        pc_free(r);
    }
    if (any_triage)
        write_triage(&tr, outs, nouts);
    if (cores)
        save_cores(&tr, cores);
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

/* With --idle: a pipe for CMD's standard output and one for its error
 * (one for both when ours are the same file).  Returns the number of
 * pipes, -1 on failure; child_fd[k] is what CMD gets as fd 1 and 2. */
static int make_relays(struct watch *w, int child_fd[2])
{
    struct stat o, e;
    int same = fstat(1, &o) == 0 && fstat(2, &e) == 0 && o.st_dev == e.st_dev && o.st_ino == e.st_ino;
    int p[2];
    for (int k = 0; k < (same ? 1 : 2); k++) {
        if (pipe2(p, O_CLOEXEC))
            return -1;
        fcntl(p[0], F_SETFL, O_NONBLOCK);
        w->io[w->nio++] = (struct relay){p[0], 1 + k};
        child_fd[k] = p[1];
    }
    if (same)
        child_fd[1] = child_fd[0];
    return (int)w->nio;
}

int pc_cli_watch(int argc, char **argv)
{
    double timeout = 0, grace = 5, idle = 0;
    const char *cores = NULL;
    struct output outs[MAX_OUTPUTS];
    size_t nouts = 0;
    static const struct option longopts[] = {
        {"timeout", required_argument, 0, 't'}, {"idle", required_argument, 0, 'i'},
        {"grace", required_argument, 0, 'g'},   {"output", required_argument, 0, 'f'},
        {"cores", required_argument, 0, 'C'},   {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "+t:i:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if ((timeout = parse_duration(optarg)) <= 0)
                return die(PC_E_USAGE, "--timeout takes a duration (90, 90s, 2m, 1h): ", optarg);
            break;
        case 'i':
            if ((idle = parse_duration(optarg)) <= 0)
                return die(PC_E_USAGE, "--idle takes a duration (90, 90s, 2m, 1h): ", optarg);
            break;
        case 'g':
            if ((grace = parse_duration(optarg)) < 0)
                return die(PC_E_USAGE, "--grace takes a duration (5, 5s, 1m): ", optarg);
            break;
        case 'f':
            if (nouts >= MAX_OUTPUTS || parse_output(optarg, &outs[nouts]))
                return die(PC_E_USAGE,
                           "-f takes FMT:FILE, FMT one of text, json, dot, junit, markdown, md, triage-json "
                           "(at most 8): ",
                           optarg);
            nouts++;
            break;
        case 'C': cores = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default:
            fprintf(stderr, "Try 'pycore-analyze watch --help'.\n");
            return PC_E_USAGE;
        }
    }
    if (timeout <= 0 && idle <= 0)
        return die(PC_E_USAGE, "--timeout or --idle is required; try watch --help", NULL);
    if (optind >= argc)
        return die(PC_E_USAGE, "no command to run: watch [OPTIONS] -- CMD [ARGS...]", NULL);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
        sigaddset(&set, forwarded[i]);
    sigprocmask(SIG_BLOCK, &set, &old);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    struct watch w = {.idle = idle};
    int child_fd[2] = {-1, -1};
    if ((w.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 || (idle > 0 && make_relays(&w, child_fd) < 0))
        return die(PC_E_INTERNAL, "cannot set up: ", strerror(errno));
    int ready[2];
    if (pipe2(ready, O_CLOEXEC))
        return die(PC_E_INTERNAL, "pipe: ", strerror(errno));
    pid_t child = fork();
    if (child < 0)
        return die(PC_E_INTERNAL, "fork: ", strerror(errno));
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(ready[0]);
        if (idle > 0 && (dup2(child_fd[0], 1) < 0 || dup2(child_fd[1], 2) < 0))
            _exit(127);
        execvp(argv[optind], argv + optind);
        int e = errno;
        ssize_t wr = write(ready[1], &e, sizeof e);
        (void)wr;
        _exit(127);
    }
    w.child = child;
    close(ready[1]);
    if (child_fd[0] >= 0)
        close(child_fd[0]);
    if (child_fd[1] >= 0 && child_fd[1] != child_fd[0])
        close(child_fd[1]);
    signal(SIGPIPE, SIG_IGN);   /* ours only: a broken output of ours ends a relay, not watch */
    int e = 0;
    if (read(ready[0], &e, sizeof e) == (ssize_t)sizeof e) {
        close(ready[0]);
        waitpid(child, NULL, 0);
        return die(PC_E_INTERNAL, "cannot run the command: ", strerror(e));
    }
    close(ready[0]);
    int st;
    w.last_output = now();
    double forever = now() + 31536000.0 * 100;
    int why = wait_child(&w, timeout > 0 ? now() + timeout : forever, &st);
    if (why == WAIT_EXITED)
        return pass_status(st, &old);
    char reason[128];
    if (why == WAIT_IDLE)
        snprintf(reason, sizeof reason, "the command printed nothing for %g s", idle);
    else
        snprintf(reason, sizeof reason, "the command ran past %g s", timeout);
    report(child, reason, outs, nouts, cores);
    w.idle = 0;
    signal_all(child, SIGTERM);
    if (wait_child(&w, now() + grace, &st) != WAIT_EXITED) {
        signal_all(child, SIGKILL);
        wait_child(&w, now() + 60, &st);
    }
    signal_all(0, SIGKILL);     /* what it left behind, adopted by us */
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    return WATCH_TIMED_OUT;
}
