/* The tree report: the processes, the waits between them, the cycle, then
 * each process's own report as pc_render writes it. */
#include "tree/tree.h"
#include "base/base.h"
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

static const char *const link_verb[] = {
    [PC_LINK_CHILD_EXIT] = "waits for the exit of its child",
    [PC_LINK_PIPE_READ] = "reads an empty pipe whose write end is held by",
    [PC_LINK_PIPE_WRITE] = "writes a full pipe whose read end is held by",
};

static const char *const link_name[] = {
    [PC_LINK_CHILD_EXIT] = "child-exit",
    [PC_LINK_PIPE_READ] = "pipe-read",
    [PC_LINK_PIPE_WRITE] = "pipe-write",
};

static const char *pattern_of(const struct pc_tree_proc *p)
{
    return p->a ? pc_analysis_pattern(p->a) : "unreadable";
}

static void text_link(pc_buf *b, const struct pc_tree *t, const struct pc_tree_link *l)
{
    const struct pc_tree_proc *from = &t->procs[l->from], *to = &t->procs[l->to];
    pc_buf_printf(b, "  %d", (int)from->node.pid);
    if (l->thread && l->thread[0])
        pc_buf_printf(b, " '%s'", l->thread);
    pc_buf_printf(b, " (tid %d) %s %d", (int)l->tid, link_verb[l->kind], (int)to->node.pid);
    if (l->kind != PC_LINK_CHILD_EXIT)
        pc_buf_printf(b, " (pipe:[%llu], fd %d)", (unsigned long long)l->inode, (int)l->fd);
    pc_buf_puts(b, l->in_cycle ? " [cycle]\n" : "\n");
}

static void text(pc_buf *b, const struct pc_tree *t, unsigned flags)
{
    pc_buf_printf(b, "Process tree of %d: %zu process%s\n", (int)t->root, t->nprocs, t->nprocs == 1 ? "" : "es");
    for (size_t i = 0; i < t->nprocs; i++) {
        const struct pc_tree_proc *p = &t->procs[i];
        pc_buf_printf(b, "  %*s%d  %s  %s\n", 2 * (int)p->node.depth, "", (int)p->node.pid, pattern_of(p),
                      p->command[0] ? p->command : "?");
    }
    if (t->ncycle) {
        pc_buf path = {0};
        int sure = pc_tree_cycle_path(t, &path);
        pc_buf_printf(b, "\nCross-process deadlock (%s): %s", sure ? "every thread of these processes waits" :
                                                                      "possible: a thread of one of them runs",
                      path.data ? path.data : "");
        pc_buf_free(&path);
        pc_buf_puts(b, "\n  Each waits for the next: none of them can go on until one is killed. Fix: "
                       PC_TREE_CYCLE_ADVICE "\n");
    }
    if (t->nlinks) {
        pc_buf_puts(b, "\nWaits between processes:\n");
        for (size_t k = 0; k < t->nlinks; k++)
            text_link(b, t, &t->links[k]);
    }
    for (size_t i = 0; i < t->nprocs; i++) {
        const struct pc_tree_proc *p = &t->procs[i];
        pc_buf_printf(b, "\n==== process %d (parent %d) ====\n", (int)p->node.pid, (int)p->node.ppid);
        if (!p->a) {
            pc_buf_printf(b, "not analyzed: %s\n", p->error);
            continue;
        }
        char *r = pc_render(p->a, PC_FORMAT_TEXT, flags);
        if (r)
            pc_buf_puts(b, r);
        pc_free(r);
    }
}

static void json(pc_buf *b, const struct pc_tree *t, unsigned flags)
{
    pc_buf_printf(b, "{\"schema_version\":1,\"tree\":{\"root\":%d,\"processes\":[", (int)t->root);
    for (size_t i = 0; i < t->nprocs; i++) {
        const struct pc_tree_proc *p = &t->procs[i];
        pc_buf_printf(b, "%s{\"pid\":%d,\"ppid\":%d,\"depth\":%d,\"command\":", i ? "," : "", (int)p->node.pid,
                      (int)p->node.ppid, (int)p->node.depth);
        pc_json_str(b, p->command[0] ? p->command : NULL);
        pc_buf_printf(b, ",\"status\":\"%s\",\"error\":", p->a ? "analyzed" : "error");
        pc_json_str(b, p->error[0] ? p->error : NULL);
        pc_buf_puts(b, ",\"report\":");
        char *r = p->a ? pc_render(p->a, PC_FORMAT_JSON, flags) : NULL;
        pc_buf_puts(b, r ? r : "null");
        pc_free(r);
        pc_buf_puts(b, "}");
    }
    pc_buf_puts(b, "],\"links\":[");
    for (size_t k = 0; k < t->nlinks; k++) {
        const struct pc_tree_link *l = &t->links[k];
        pc_buf_printf(b, "%s{\"from\":{\"pid\":%d,\"tid\":%d,\"thread\":", k ? "," : "",
                      (int)t->procs[l->from].node.pid, (int)l->tid);
        pc_json_str(b, l->thread && l->thread[0] ? l->thread : NULL);
        pc_buf_printf(b, "},\"to\":{\"pid\":%d},\"kind\":\"%s\",", (int)t->procs[l->to].node.pid,
                      link_name[l->kind]);
        if (l->kind == PC_LINK_CHILD_EXIT)
            pc_buf_puts(b, "\"fd\":null,\"inode\":null");
        else
            pc_buf_printf(b, "\"fd\":%d,\"inode\":%llu", (int)l->fd, (unsigned long long)l->inode);
        pc_buf_printf(b, ",\"cycle\":%s}", l->in_cycle ? "true" : "false");
    }
    pc_buf_puts(b, "],\"cycle\":");
    if (!t->ncycle)
        pc_buf_puts(b, "null");
    else {
        pc_buf_puts(b, "[");
        for (size_t c = 0; c < t->ncycle; c++)
            pc_buf_printf(b, "%s%d", c ? "," : "", (int)t->procs[t->cycle[c]].node.pid);
        pc_buf_puts(b, "]");
    }
    pc_buf_printf(b, ",\"hang\":%s}}\n", pc_tree_hang_found(t) ? "true" : "false");
}

static void dot(pc_buf *b, const struct pc_tree *t)
{
    pc_buf_puts(b, "digraph pycore_tree {\n  node [shape=box, fontname=\"monospace\"];\n");
    for (size_t i = 0; i < t->nprocs; i++) {
        const struct pc_tree_proc *p = &t->procs[i];
        pc_buf_printf(b, "  p%d [label=", (int)p->node.pid);
        char label[400];
        snprintf(label, sizeof label, "%d %s\n%s", (int)p->node.pid, pattern_of(p), p->command);
        pc_json_str(b, label);      /* a JSON string is a valid DOT string */
        pc_buf_puts(b, "];\n");
        if (i && p->node.depth > 0)
            pc_buf_printf(b, "  p%d -> p%d [style=dotted, arrowhead=none];\n", (int)p->node.ppid, (int)p->node.pid);
    }
    for (size_t k = 0; k < t->nlinks; k++) {
        const struct pc_tree_link *l = &t->links[k];
        pc_buf_printf(b, "  p%d -> p%d [label=\"%s (tid %d)\"%s];\n", (int)t->procs[l->from].node.pid,
                      (int)t->procs[l->to].node.pid, link_name[l->kind], (int)l->tid,
                      l->in_cycle ? ", color=red, penwidth=2" : "");
    }
    pc_buf_puts(b, "}\n");
}

char *pc_tree_render(const struct pc_tree *t, enum pc_format fmt, unsigned flags)
{
    pc_buf b = {0};
    if (fmt == PC_FORMAT_JSON)
        json(&b, t, flags);
    else if (fmt == PC_FORMAT_DOT)
        dot(&b, t);
    else
        text(&b, t, flags);
    return pc_buf_take(&b);
}
