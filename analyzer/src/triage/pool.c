/* The worker pool: at most `jobs` fork()ed workers, one member each.  A
 * worker analyzes its core, writes one message into its pipe and exits,
 * so its memory goes back to the system with it: the batch's peak memory
 * is one worker's, whatever the number of cores.  A worker that crashes
 * (a hostile core), exits early or runs past the timeout only fails its
 * own member; one killed by SIGBUS read a core that shrank under it, and
 * that member is a bad core. */
#include "triage/triage.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#define MAX_JOBS 256
#define MAX_MSG (96u << 20)

struct slot {
    pid_t pid;          /* 0: free */
    int fd;
    size_t idx;
    pc_buf msg;
    double deadline;
    int overflow;
};

struct pool {
    struct pc_triage *t;
    const struct pc_triage_opts *o;
    struct slot *slots;
    size_t nslots, active, next, done;
    pc_triage_progress fn;
    void *arg;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* ------------------------------------------------------------ worker */

static void worker_main(struct pool *p, size_t idx, int fd, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);   /* the batch was killed: stop too */
    if (getppid() != parent)
        _exit(3);
    /* The parent tells a shrunken core by the worker's death of SIGBUS: no
     * inherited handler (or a sanitizer's) may turn it into an exit. */
    signal(SIGBUS, SIG_DFL);
    for (size_t i = 0; i < p->nslots; i++)
        if (p->slots[i].pid)
            close(p->slots[i].fd);
    pc_buf m = {0};
    pc_triage_work(p->t->cores[idx].path, p->o, &m);
    int bad = m.oom || pc_write_all(fd, m.data, m.len);
    pc_buf_free(&m);
#if defined(__SANITIZE_ADDRESS__)
    if (__lsan_do_recoverable_leak_check())
        _exit(4);   /* _exit skips LeakSanitizer: check the worker here */
#endif
    _exit(bad ? 3 : 0);   /* no atexit handlers, no stdio flush of the parent's buffers */
}

/* ------------------------------------------------------------ parent */

static void finished(struct pool *p, size_t idx)
{
    const struct pc_triage_core *c = &p->t->cores[idx];
    p->t->nok += c->ok;
    p->t->nhang += c->ok && c->hang;
    p->t->nerror += !c->ok;
    p->done++;
    if (p->fn)
        p->fn(p->arg, p->t, p->done);
}

static int spawn(struct pool *p, struct slot *s, size_t idx)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC))
        return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        worker_main(p, idx, fds[1], parent);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    memset(s, 0, sizeof *s);
    s->pid = pid;
    s->fd = fds[0];
    s->idx = idx;
    int timeout = p->o->timeout > 0 ? p->o->timeout : PC_TRIAGE_DEFAULT_TIMEOUT;
    s->deadline = now() + timeout;
    return 0;
}

static void describe_exit(struct pool *p, struct slot *s, int status)
{
    /* SIGBUS: a page of a mapped file is gone, i.e. the core (or a file it
     * maps) shrank under the worker; the input is at fault, not the code. */
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
        pc_triage_fail(p->t, s->idx, PC_TRI_BAD_CORE,
                       "the core or a file it maps shrank while it was being read (SIGBUS): it is still being "
                       "written or was truncated; re-run when it is complete");
    else if (WIFSIGNALED(status))
        pc_triage_fail(p->t, s->idx, PC_TRI_CRASHED, "the analysis crashed (signal %d, %s): please report it with this core",
                       WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (s->overflow)
        pc_triage_fail(p->t, s->idx, PC_TRI_CRASHED, "the worker's report is larger than %u MiB", MAX_MSG >> 20);
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        pc_triage_fail(p->t, s->idx, PC_TRI_CRASHED, "the worker exited with status %d",
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    else if (pc_triage_accept(p->t, s->idx, s->msg.data ? s->msg.data : "", s->msg.len))
        pc_triage_fail(p->t, s->idx, PC_TRI_CRASHED, "the worker's report is malformed");
}

static void reap(struct pool *p, struct slot *s, int killed)
{
    int status = 0;
    if (killed)
        kill(s->pid, SIGKILL);
    close(s->fd);
    while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (killed)
        pc_triage_fail(p->t, s->idx, PC_TRI_TIMEOUT, "the analysis took longer than %d s (--timeout)",
                       p->o->timeout > 0 ? p->o->timeout : PC_TRIAGE_DEFAULT_TIMEOUT);
    else
        describe_exit(p, s, status);
    pc_buf_free(&s->msg);
    s->pid = 0;
    p->active--;
    finished(p, s->idx);
}

/* Read what the worker wrote; 1 at end of file. */
static int drain(struct slot *s)
{
    char buf[65536];
    for (;;) {
        ssize_t r = read(s->fd, buf, sizeof buf);
        if (r == 0)
            return 1;
        if (r < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : 1;
        if (s->msg.len + (size_t)r > MAX_MSG)
            s->overflow = 1;
        if (!s->overflow)
            pc_buf_put(&s->msg, buf, (size_t)r);
    }
}

static void start_more(struct pool *p)
{
    while (p->active < p->nslots && p->next < p->t->ncores) {
        size_t idx = p->next++;
        struct slot *s = NULL;
        for (size_t i = 0; i < p->nslots && !s; i++)
            if (!p->slots[i].pid)
                s = &p->slots[i];
        if (spawn(p, s, idx)) {
            pc_triage_fail(p->t, idx, PC_TRI_INTERNAL, "cannot start a worker: %s", strerror(errno));
            finished(p, idx);
            continue;
        }
        p->active++;
    }
}

static void wait_some(struct pool *p, struct pollfd *pf, size_t *map)
{
    size_t n = 0;
    double first = 0, t = now();
    for (size_t i = 0; i < p->nslots; i++)
        if (p->slots[i].pid) {
            pf[n] = (struct pollfd){.fd = p->slots[i].fd, .events = POLLIN};
            map[n++] = i;
            if (!first || p->slots[i].deadline < first)
                first = p->slots[i].deadline;
        }
    double wait_ms = (first - t) * 1000 + 1;
    int r = poll(pf, n, wait_ms < 0 ? 0 : wait_ms > 60000 ? 60000 : (int)wait_ms);
    t = now();
    for (size_t k = 0; k < n; k++) {
        struct slot *s = &p->slots[map[k]];
        if (r > 0 && pf[k].revents && drain(s))
            reap(p, s, 0);
        else if (t > s->deadline)
            reap(p, s, 1);
    }
}

int pc_triage_run(struct pc_triage *t, const struct pc_triage_opts *o, pc_triage_progress fn, void *arg,
                  pc_error *err)
{
    double t0 = now();
    struct pool p = {.t = t, .o = o, .fn = fn, .arg = arg};
    p.nslots = (size_t)(o->jobs > 0 ? o->jobs : cpus());
    if (p.nslots > MAX_JOBS)
        p.nslots = MAX_JOBS;
    if (t->spool < 0 && (t->spool = pc_tz_tmpfile(o->tmpdir, err)) < 0)
        return PC_E_INTERNAL;
    p.slots = calloc(p.nslots, sizeof *p.slots);
    struct pollfd *pf = calloc(p.nslots, sizeof *pf);
    size_t *map = calloc(p.nslots, sizeof *map);
    if (!p.slots || !pf || !map) {
        free(p.slots), free(pf), free(map);
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    }
    t->nok = t->nhang = t->nerror = 0;
    while (p.done < t->ncores) {
        start_more(&p);
        if (p.active)
            wait_some(&p, pf, map);
    }
    free(p.slots), free(pf), free(map);
    t->seconds = now() - t0;
    return pc_triage_finish(t) ? pc_fail(err, PC_E_INTERNAL, "out of memory") : PC_OK;
}
