/* A live process as a target.  Every thread is stopped with ptrace
 * (PTRACE_SEIZE + PTRACE_INTERRUPT: no signal is sent to the process)
 * for as long as the target is open, so the engine reads one consistent
 * state; memory comes from /proc/PID/mem, mappings from /proc/PID/maps,
 * registers from PTRACE_GETREGS.  Closing the target detaches and the
 * process runs on as if nothing happened. */
#include "target/target.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#define MAX_THREADS 65536
#define MAX_MAPS 65536
#define ATTACH_ROUNDS 16    /* threads started while attaching: look again */

struct live_ctx {
    pid_t pid;
    int mem_fd;
    pid_t *tids;                    /* attached, stopped */
    size_t ntids, tids_cap;
    pc_thread_desc *threads;
    size_t nthreads;
    pc_mapping_desc *maps;
    size_t nmaps, maps_cap;
    char *exe, *cmdline, *root;
    uint64_t at_phdr, at_entry, at_base;
};

static int attached(const struct live_ctx *c, pid_t tid)
{
    for (size_t i = 0; i < c->ntids; i++)
        if (c->tids[i] == tid)
            return 1;
    return 0;
}

/* Wait for the group-stop PTRACE_INTERRUPT causes; other stops (a signal
 * arriving meanwhile) are passed back to the thread. */
static int wait_stopped(pid_t tid)
{
    for (int i = 0; i < 64; i++) {
        int st;
        if (waitpid(tid, &st, __WALL) < 0)
            return -1;
        if (WIFEXITED(st) || WIFSIGNALED(st))
            return -1;
        if (WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_STOP)
            return 0;
        if (WIFSTOPPED(st) && ptrace(PTRACE_CONT, tid, NULL, (void *)(uintptr_t)WSTOPSIG(st)) == 0 &&
            ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) == 0)
            continue;
        return -1;
    }
    return -1;
}

static int attach_all(struct live_ctx *c, pc_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)c->pid);
    for (int round = 0; round < ATTACH_ROUNDS; round++) {
        DIR *d = opendir(path);
        if (!d)
            return pc_fail(err, PC_E_CORE, "process %d: %s (is it running?)", (int)c->pid, strerror(errno));
        int added = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!isdigit((unsigned char)e->d_name[0]))
                continue;
            pid_t tid = (pid_t)atoi(e->d_name);
            if (attached(c, tid))
                continue;
            if (c->ntids >= MAX_THREADS || pc_grow(&c->tids, &c->tids_cap, c->ntids + 1, sizeof *c->tids)) {
                closedir(d);
                return pc_fail(err, PC_E_INTERNAL, "process %d: too many threads", (int)c->pid);
            }
            if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0) {
                if (errno == ESRCH)
                    continue;   /* the thread ended meanwhile */
                int e2 = errno;
                closedir(d);
                return pc_fail(err, PC_E_CORE,
                               "cannot attach to process %d: %s (run as the process's user or root; check "
                               "/proc/sys/kernel/yama/ptrace_scope; a debugger may be attached already)",
                               (int)c->pid, strerror(e2));
            }
            c->tids[c->ntids++] = tid;
            if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0 || wait_stopped(tid) != 0)
                c->ntids--;     /* gone; PTRACE_SEIZE ends with the thread */
            added = 1;
        }
        closedir(d);
        if (!added)
            return c->ntids ? PC_OK : pc_fail(err, PC_E_CORE, "process %d has no threads", (int)c->pid);
    }
    return PC_OK;   /* still creating threads: the ones seen are stopped */
}

static uint64_t hex_field(const char *status, const char *key)
{
    const char *p = strstr(status, key);
    return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static char *slurp(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = 0;
    while (buf && n < max) {
        ssize_t r = read(fd, buf + n, max - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (buf) {
        buf[n] = 0;
        if (len)
            *len = n;
    }
    return buf;
}

static int read_threads(struct live_ctx *c, pc_error *err)
{
    c->threads = calloc(c->ntids, sizeof *c->threads);
    if (!c->threads)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    /* The main thread first, as a kernel core lists the faulting one. */
    for (size_t i = 0; i < c->ntids; i++)
        if (c->tids[i] == c->pid && i) {
            c->tids[i] = c->tids[0];
            c->tids[0] = c->pid;
        }
    for (size_t i = 0; i < c->ntids; i++) {
        struct user_regs_struct regs;
        if (ptrace(PTRACE_GETREGS, c->tids[i], NULL, &regs) != 0)
            continue;
        pc_thread_desc *t = &c->threads[c->nthreads++];
        memset(t, 0, sizeof *t);
        t->tid = c->tids[i];
        _Static_assert(sizeof regs == PC_NREGS * sizeof(uint64_t), "user_regs_struct is the register order");
        memcpy(t->regs, &regs, sizeof regs);
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)c->pid, (int)t->tid);
        char *st = slurp(path, 1 << 16, NULL);
        if (st) {
            t->sighold = hex_field(st, "\nSigBlk:");
            t->sigpend = hex_field(st, "\nSigPnd:") | hex_field(st, "\nShdPnd:");
            t->flags |= PC_THREAD_SIGMASKS;
            free(st);
        }
    }
    return c->nthreads ? PC_OK : pc_fail(err, PC_E_CORE, "process %d: no thread's registers are readable", (int)c->pid);
}

static int read_maps(struct live_ctx *c, pc_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)c->pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return pc_fail(err, PC_E_CORE, "%s: %s", path, strerror(errno));
    char line[4096 + 256];
    while (fgets(line, sizeof line, f) && c->nmaps < MAX_MAPS) {
        unsigned long long start, end, off;
        char perms[8];
        int pathpos = 0;
        if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off, &pathpos) < 4 || !pathpos ||
            line[pathpos] != '/')
            continue;   /* anonymous, [heap], [stack], [vdso] ... */
        line[strcspn(line, "\n")] = 0;
        if (strstr(line + pathpos, " (deleted)"))
            continue;
        if (pc_grow(&c->maps, &c->maps_cap, c->nmaps + 1, sizeof *c->maps))
            break;
        pc_mapping_desc *m = &c->maps[c->nmaps];
        m->start = start;
        m->end = end;
        m->pgoff = off;
        if (!(m->path = pc_strdup(line + pathpos)))
            break;
        c->nmaps++;
    }
    fclose(f);
    return PC_OK;
}

static void read_process(struct live_ctx *c)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)c->pid);
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = 0;
        c->exe = pc_strdup(buf);
    }
    size_t len = 0;
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)c->pid);
    c->cmdline = slurp(path, 4096, &len);
    for (size_t i = 0; c->cmdline && i + 1 < len; i++)
        if (!c->cmdline[i])
            c->cmdline[i] = ' ';
    snprintf(path, sizeof path, "/proc/%d/auxv", (int)c->pid);
    char *auxv = slurp(path, 4096, &len);
    if (auxv) {
        struct pc_auxv a;
        pc_auxv_parse((const uint8_t *)auxv, len, &a);
        c->at_phdr = a.phdr;
        c->at_entry = a.entry;
        c->at_base = a.base;
        free(auxv);
    }
    snprintf(path, sizeof path, "/proc/%d/root", (int)c->pid);
    c->root = pc_strdup(path);
}

static int live_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct live_ctx *c = ctx;
    size_t done = 0;
    while (done < len) {
        ssize_t r = pread(c->mem_fd, (char *)buf + done, len - done, (off_t)(addr + done));
        if (r <= 0)
            return PC_E_CORE;
        done += (size_t)r;
    }
    return PC_OK;
}

static int live_process(void *ctx, pc_process_desc *out)
{
    struct live_ctx *c = ctx;
    memset(out, 0, sizeof *out);
    out->pid = c->pid;
    out->core_kind = PC_CORE_LIVE;
    out->machine = PC_MACHINE_X86_64;
    out->exe = c->exe;
    out->cmdline = c->cmdline;
    out->at_phdr = c->at_phdr;
    out->at_entry = c->at_entry;
    out->at_base = c->at_base;
    return PC_OK;
}

static size_t live_thread_count(void *ctx)
{
    return ((struct live_ctx *)ctx)->nthreads;
}

static int live_thread(void *ctx, size_t i, pc_thread_desc *out)
{
    struct live_ctx *c = ctx;
    if (i >= c->nthreads)
        return PC_E_USAGE;
    *out = c->threads[i];
    return PC_OK;
}

static size_t live_mapping_count(void *ctx)
{
    return ((struct live_ctx *)ctx)->nmaps;
}

static int live_mapping(void *ctx, size_t i, pc_mapping_desc *out)
{
    struct live_ctx *c = ctx;
    if (i >= c->nmaps)
        return PC_E_USAGE;
    *out = c->maps[i];
    return PC_OK;
}

/* The file the process maps, seen through its root (containers too). */
static int live_open_file(void *ctx, const char *path, const uint8_t *build_id, size_t build_id_len, int *fd,
                          pc_error *err)
{
    struct live_ctx *c = ctx;
    (void)build_id;
    (void)build_id_len;     /* the live mapping is that file: nothing to match */
    char *full = malloc(strlen(c->root) + strlen(path) + 1);
    if (!full)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    strcpy(full, c->root);
    strcat(full, path);
    *fd = open(full, O_RDONLY | O_CLOEXEC);
    int e = errno;
    free(full);
    return *fd < 0 ? pc_fail(err, PC_E_MODULE, "%s: %s", path, strerror(e)) : PC_OK;
}

static void live_close(void *ctx)
{
    struct live_ctx *c = ctx;
    for (size_t i = 0; i < c->ntids; i++)
        ptrace(PTRACE_DETACH, c->tids[i], NULL, NULL);
    if (c->mem_fd >= 0)
        close(c->mem_fd);
    for (size_t i = 0; i < c->nmaps; i++)
        free((char *)c->maps[i].path);
    free(c->maps);
    free(c->tids);
    free(c->threads);
    free(c->exe);
    free(c->cmdline);
    free(c->root);
    free(c);
}

static const pc_target_ops live_ops = {
    .read = live_read,
    .process = live_process,
    .thread_count = live_thread_count,
    .thread = live_thread,
    .mapping_count = live_mapping_count,
    .mapping = live_mapping,
    .symbol = NULL,
    .open_file = live_open_file,
    .close = live_close,
};

int pc_target_open_pid(int pid, pc_target **out, pc_error *err)
{
    *out = NULL;
    if (pid <= 0)
        return pc_fail(err, PC_E_USAGE, "not a process id: %d", pid);
    if (pid == getpid())
        return pc_fail(err, PC_E_USAGE, "pycore-analyze cannot stop itself: give another process's id");
    struct live_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    c->pid = pid;
    c->mem_fd = -1;
    int rc = attach_all(c, err);
    if (rc == PC_OK) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/mem", pid);
        c->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (c->mem_fd < 0)
            rc = pc_fail(err, PC_E_CORE, "%s: %s", path, strerror(errno));
    }
    if (rc == PC_OK)
        rc = read_threads(c, err);
    if (rc == PC_OK)
        rc = read_maps(c, err);
    if (rc == PC_OK)
        read_process(c);
    if (rc == PC_OK && !c->exe)
        rc = pc_fail(err, PC_E_CORE, "process %d: cannot read /proc/%d/exe (a kernel thread?)", pid, pid);
    if (rc != PC_OK) {
        live_close(c);
        return rc;
    }
    /* Reads cross into the kernel one syscall each: a cached target. */
    rc = pc_target_new(&live_ops, c, out, err);
    if (rc != PC_OK) {
        if (!*out)
            live_close(c);   /* else pc_target_new closed it */
        *out = NULL;
    }
    return rc;
}
