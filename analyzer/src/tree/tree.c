#include "tree/tree.h"
#include "base/base.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void analyze_one(struct pc_tree_proc *p, const pc_analyze_options *opts, unsigned open_flags)
{
    pc_proc_cmdline(p->node.pid, p->command, sizeof p->command);
    pc_error err = {0};
    if (pc_target_open_pid_flags(p->node.pid, open_flags, &p->target, &err)) {
        p->status = err.code;
        snprintf(p->error, sizeof p->error, "%s", err.msg);
        return;
    }
    pc_analyze_options o = *opts;
    o.native_without_python = 1;
    p->status = pc_analyze(p->target, &o, &p->a, &err);
    if (p->status)      /* no analysis, or a native-only one (no Python): why */
        snprintf(p->error, sizeof p->error, "%s", err.msg);
    for (size_t i = 0; p->a && i < pc_analysis_thread_count(p->a); i++) {
        pc_thread_info ti;
        if (pc_analysis_thread(p->a, i, &ti) == PC_OK && !ti.syscall)
            p->running = 1;
    }
}

static int add_link(struct pc_tree *t, struct pc_tree_link l)
{
    for (size_t i = 0; i < t->nlinks; i++)
        if (t->links[i].from == l.from && t->links[i].to == l.to && t->links[i].tid == l.tid &&
            t->links[i].kind == l.kind)
            return 0;
    if (pc_grow(&t->links, &t->links_cap, t->nlinks + 1, sizeof *t->links))
        return -1;
    t->links[t->nlinks++] = l;
    return 0;
}

struct pipe_search {
    struct pc_fd_object want;
    int need_write;             /* the other end must write (else read) */
    int found;
};

static int other_end(int32_t fd, const struct pc_fd_object *o, void *arg)
{
    (void)fd;
    struct pipe_search *s = arg;
    if (o->kind != PC_FD_PIPE || o->dev != s->want.dev || o->inode != s->want.inode || o->access < 0)
        return 0;
    int writes = o->access == O_WRONLY || o->access == O_RDWR;
    int reads = o->access == O_RDONLY || o->access == O_RDWR;
    s->found = s->need_write ? writes : reads;
    return s->found;
}

static int thread_links(struct pc_tree *t, size_t i, const pc_thread_info *ti)
{
    const struct pc_tree_proc *p = &t->procs[i];
    struct pc_tree_link l = {.from = i, .tid = ti->tid, .thread = ti->name ? ti->name : "", .fd = -1};
    if (ti->child) {
        l.kind = PC_LINK_CHILD_EXIT;
        for (size_t j = 0; j < t->nprocs; j++)
            if (j != i && t->procs[j].node.ppid == p->node.pid &&
                (ti->child == -1 || ti->child == t->procs[j].node.pid)) {
                l.to = j;
                if (add_link(t, l))
                    return -1;
            }
        return 0;
    }
    struct pc_fd_object o;
    if (ti->fd < 0 || pc_proc_fd_object(p->node.pid, ti->fd, &o) || o.kind != PC_FD_PIPE)
        return 0;
    l.kind = ti->fd_writes ? PC_LINK_PIPE_WRITE : PC_LINK_PIPE_READ;
    l.fd = ti->fd;
    l.inode = o.inode;
    for (size_t j = 0; j < t->nprocs; j++) {
        struct pipe_search s = {o, !ti->fd_writes, 0};
        if (j == i || pc_proc_each_fd(t->procs[j].node.pid, other_end, &s) || !s.found)
            continue;
        l.to = j;
        if (add_link(t, l))
            return -1;
    }
    return 0;
}

/* The first cycle of the process graph (depth-first, bounded by the
 * number of processes: each is entered once). */
static int find_cycle(struct pc_tree *t, size_t v, unsigned char *state, size_t *path, size_t depth)
{
    state[v] = 1;
    path[depth] = v;
    for (size_t k = 0; k < t->nlinks; k++) {
        if (t->links[k].from != v)
            continue;
        size_t w = t->links[k].to;
        if (state[w] == 1) {
            size_t start = 0;
            while (path[start] != w)
                start++;
            t->ncycle = 0;
            for (size_t s = start; s <= depth; s++)
                t->cycle[t->ncycle++] = path[s];
            return 1;
        }
        if (!state[w] && find_cycle(t, w, state, path, depth + 1))
            return 1;
    }
    state[v] = 2;
    return 0;
}

static void mark_cycle(struct pc_tree *t)
{
    unsigned char *state = calloc(t->nprocs, 1);
    size_t *path = calloc(t->nprocs, sizeof *path);
    for (size_t v = 0; state && path && v < t->nprocs && !t->ncycle; v++)
        if (!state[v])
            find_cycle(t, v, state, path, 0);
    free(state);
    free(path);
    for (size_t c = 0; c < t->ncycle; c++) {
        size_t from = t->cycle[c], to = t->cycle[(c + 1) % t->ncycle];
        for (size_t k = 0; k < t->nlinks; k++)
            if (t->links[k].from == from && t->links[k].to == to)
                t->links[k].in_cycle = 1;
    }
}

int pc_tree_build(int32_t root, const pc_analyze_options *opts, unsigned open_flags, struct pc_tree *t,
                  pc_error *err)
{
    memset(t, 0, sizeof *t);
    t->root = root;
    if (root <= 0)
        return pc_fail(err, PC_E_USAGE, "not a process id: %d", (int)root);
    if (root == (int32_t)getpid())
        return pc_fail(err, PC_E_USAGE, "pycore-analyze cannot read its own tree: give another process's id");
    struct pc_proc_node *nodes;
    size_t n;
    int rc = pc_proc_tree(root, &nodes, &n, err);
    if (rc)
        return rc;
    t->procs = calloc(n, sizeof *t->procs);
    if (!t->procs) {
        free(nodes);
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    }
    t->nprocs = n;
    for (size_t i = 0; i < n; i++) {
        t->procs[i].node = nodes[i];
        analyze_one(&t->procs[i], opts, open_flags);
    }
    free(nodes);
    if (!t->procs[0].a) {
        rc = t->procs[0].status;
        pc_fail(err, rc, "%s", t->procs[0].error);
        pc_tree_free(t);
        return rc;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; t->procs[i].a && k < pc_analysis_thread_count(t->procs[i].a); k++) {
            pc_thread_info ti;
            if (pc_analysis_thread(t->procs[i].a, k, &ti) == PC_OK && thread_links(t, i, &ti)) {
                pc_tree_free(t);
                return pc_fail(err, PC_E_INTERNAL, "out of memory");
            }
        }
    mark_cycle(t);
    return PC_OK;
}

void pc_tree_free(struct pc_tree *t)
{
    for (size_t i = 0; i < t->nprocs; i++) {
        pc_analysis_free(t->procs[i].a);
        if (t->procs[i].target)
            pc_target_close(t->procs[i].target);
    }
    free(t->procs);
    free(t->links);
    memset(t, 0, sizeof *t);
}

int pc_tree_in_cycle(const struct pc_tree *t, size_t i)
{
    for (size_t c = 0; c < t->ncycle; c++)
        if (t->cycle[c] == i)
            return 1;
    return 0;
}

int pc_tree_cycle_path(const struct pc_tree *t, pc_buf *b)
{
    if (!t->ncycle)
        return 0;
    int sure = 1;
    for (size_t c = 0; c < t->ncycle; c++)
        sure &= !t->procs[t->cycle[c]].running;
    for (size_t c = 0; c <= t->ncycle; c++)
        pc_buf_printf(b, "%s%d", c ? " -> " : "", (int)t->procs[t->cycle[c % t->ncycle]].node.pid);
    return sure;
}

int pc_tree_hang_found(const struct pc_tree *t)
{
    if (t->ncycle)
        return 1;
    for (size_t i = 0; i < t->nprocs; i++)
        if (t->procs[i].a && pc_analysis_hang_found(t->procs[i].a))
            return 1;
    return 0;
}
