#include "target/proctree.h"
#include "target/procfs.h"
#include "base/base.h"
#include "target/target.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SCAN (1u << 22)         /* pids looked at in /proc */

static ssize_t read_small(const char *path, char *buf, size_t cap)
{
    size_t len = cap;
    return pc_read_regular(path, buf, &len) == PC_OK ? (ssize_t)len : -1;
}

static int by_pid(const void *a, const void *b)
{
    const struct pc_proc_node *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

int pc_proc_tree(int32_t root, struct pc_proc_node **out, size_t *n, pc_error *err)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return pc_fail(err, PC_E_CORE, "/proc: %s (is procfs mounted?)", strerror(errno));
    struct pc_proc_node *all = NULL;
    size_t nall = 0, cap = 0, scanned = 0;
    struct dirent *e;
    int32_t self = (int32_t)getpid();
    while ((e = readdir(d)) != NULL && scanned++ < MAX_SCAN) {
        if (!isdigit((unsigned char)e->d_name[0]) || atoi(e->d_name) == self)
            continue;   /* not ourselves (run from a shell of the tree): nor what we started */
        char path[64], buf[4096];
        snprintf(path, sizeof path, "/proc/%.20s/stat", e->d_name);
        ssize_t len = read_small(path, buf, sizeof buf);
        char state;
        int ppid;
        uint64_t flags = 0;
        if (len <= 0 || pc_proc_stat(buf, (size_t)len, &state, &ppid) ||
            pc_proc_stat_u64(buf, (size_t)len, 9, &flags) || (flags & PC_PF_KTHREAD))
            continue;   /* gone meanwhile, or a kernel thread */
        if (pc_grow(&all, &cap, nall + 1, sizeof *all)) {
            closedir(d);
            free(all);
            return pc_fail(err, PC_E_INTERNAL, "out of memory");
        }
        all[nall++] = (struct pc_proc_node){(int32_t)atoi(e->d_name), (int32_t)ppid, -1};
    }
    closedir(d);
    qsort(all, nall, sizeof *all, by_pid);
    /* Breadth first from the root; a pid is taken once (pids are unique),
     * so a ppid loop cannot make it go round. */
    struct pc_proc_node *tree = calloc(PC_TREE_MAX, sizeof *tree);
    size_t nt = 0;
    if (!tree) {
        free(all);
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < nall; i++)
        if (all[i].pid == root) {
            tree[nt] = all[i];
            tree[nt++].depth = 0;
            all[i].depth = 0;
        }
    if (!nt) {
        free(all);
        free(tree);
        return pc_fail(err, PC_E_CORE, "process %d does not exist (it has exited?)", (int)root);
    }
    for (size_t head = 0; head < nt; head++)
        for (size_t i = 0; i < nall && nt < PC_TREE_MAX; i++)
            if (all[i].depth < 0 && all[i].ppid == tree[head].pid && all[i].pid != root) {
                all[i].depth = tree[head].depth + 1;
                tree[nt++] = all[i];
            }
    free(all);
    *out = tree;
    *n = nt;
    return PC_OK;
}

static int access_mode(int32_t pid, int32_t fd)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", (int)pid, (int)fd);
    ssize_t len = read_small(path, buf, sizeof buf - 1);
    if (len <= 0)
        return -1;
    buf[len] = 0;
    const char *f = strstr(buf, "flags:");
    if (!f)
        return -1;
    unsigned long flags = strtoul(f + 6, NULL, 8);
    return (int)(flags & O_ACCMODE);
}

int pc_proc_fd_object(int32_t pid, int32_t fd, struct pc_fd_object *out)
{
    memset(out, 0, sizeof *out);
    out->access = -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, (int)fd);
    struct stat st;
    if (fd < 0 || stat(path, &st) != 0)
        return -1;
    out->kind = S_ISFIFO(st.st_mode) ? PC_FD_PIPE : S_ISSOCK(st.st_mode) ? PC_FD_SOCKET : PC_FD_OTHER;
    out->dev = (uint64_t)st.st_dev;
    out->inode = (uint64_t)st.st_ino;
    out->access = access_mode(pid, fd);
    return 0;
}

int pc_proc_each_fd(int32_t pid, int (*cb)(int32_t fd, const struct pc_fd_object *o, void *arg), void *arg)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    size_t seen = 0;
    while ((e = readdir(d)) != NULL && seen++ < (1u << 20)) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        struct pc_fd_object o;
        int32_t fd = (int32_t)atoi(e->d_name);
        if (pc_proc_fd_object(pid, fd, &o) == 0 && cb(fd, &o, arg))
            break;
    }
    closedir(d);
    return 0;
}

int pc_proc_cmdline(int32_t pid, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    buf[0] = 0;
    ssize_t n = cap ? read_small(path, buf, cap - 1) : -1;
    if (n <= 0)
        return -1;
    while (n > 0 && buf[n - 1] == 0)
        n--;
    for (ssize_t i = 0; i < n; i++)
        if ((unsigned char)buf[i] < 0x20)
            buf[i] = ' ';   /* the NULs between arguments, and any control byte */
    buf[n] = 0;
    return 0;
}
