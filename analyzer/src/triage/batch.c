/* The batch: its members, the spool holding their JSON and text reports
 * (one unlinked file, so memory does not grow with the reports), the
 * groups, the baseline and the exit status. */
#include "triage/triage.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_BASELINE (64u << 20)

void pc_triage_init(struct pc_triage *t)
{
    memset(t, 0, sizeof *t);
    t->spool = -1;
}

static void free_core(struct pc_triage_core *c)
{
    free(c->path);
    free(c->error);
    free(c->pattern);
    free(c->frames);
    free(c->summary);
    free(c->confidence);
    free(c->waits);
}

void pc_triage_free(struct pc_triage *t)
{
    for (size_t i = 0; i < t->ncores; i++)
        free_core(&t->cores[i]);
    free(t->cores);
    for (size_t i = 0; i < t->ngroups; i++)
        free(t->groups[i].members);
    free(t->groups);
    if (t->spool >= 0)
        close(t->spool);
    pc_triage_init(t);
}

/* ------------------------------------------------------------- spool */

int pc_triage_spool_put(struct pc_triage *t, const char *s, size_t n, uint64_t *off)
{
    if (t->spool < 0)
        return -1;
    *off = t->spool_len;
    for (size_t done = 0; done < n;) {
        ssize_t w = pwrite(t->spool, s + done, n - done, (off_t)(t->spool_len + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    t->spool_len += n;
    return 0;
}

char *pc_triage_spool_get(const struct pc_triage *t, uint64_t off, size_t len)
{
    char *s = malloc(len + 1);
    if (!s)
        return NULL;
    for (size_t done = 0; done < len;) {
        ssize_t r = pread(t->spool, s + done, len - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(s);
            return NULL;
        }
        done += (size_t)r;
    }
    s[len] = 0;
    return s;
}

/* ------------------------------------------------------------ shards */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

void pc_triage_shard(struct pc_triage *t, int k, int n)
{
    size_t kept = 0;
    for (size_t i = 0; i < t->ncores; i++) {
        if (fnv1a(t->cores[i].path) % (uint64_t)n == (uint64_t)(k - 1))
            t->cores[kept++] = t->cores[i];
        else
            free_core(&t->cores[i]);
    }
    t->ncores = kept;
    t->shard_k = k;
    t->shard_n = n;
}

/* ------------------------------------------------------------ groups */

struct sort_ctx_item {
    const char *sig;
    size_t idx;
};

static int cmp_sig(const void *a, const void *b)
{
    const struct sort_ctx_item *x = a, *y = b;
    int c = strcmp(x->sig, y->sig);
    return c ? c : x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Hangs first, then the biggest group, then input order. */
static int cmp_group(const void *a, const void *b, void *arg)
{
    const struct pc_triage_group *x = a, *y = b;
    const struct pc_triage *t = arg;
    int hx = t->cores[x->rep].hang, hy = t->cores[y->rep].hang;
    if (hx != hy)
        return hy - hx;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->rep < y->rep ? -1 : x->rep > y->rep;
}

static int add_to_group(struct pc_triage *t, size_t idx, int fresh)
{
    if (fresh) {
        if (pc_grow(&t->groups, &t->gcap, t->ngroups + 1, sizeof *t->groups))
            return -1;
        struct pc_triage_group *g = &t->groups[t->ngroups++];
        memset(g, 0, sizeof *g);
        g->rep = idx;
        g->is_new = -1;
    }
    struct pc_triage_group *g = &t->groups[t->ngroups - 1];
    if (pc_grow(&g->members, &g->cap, g->count + 1, sizeof *g->members))
        return -1;
    g->members[g->count++] = idx;
    return 0;
}

int pc_triage_group(struct pc_triage *t)
{
    struct sort_ctx_item *v = calloc(t->ncores ? t->ncores : 1, sizeof *v);
    size_t n = 0;
    if (!v)
        return -1;
    for (size_t i = 0; i < t->ncores; i++)
        if (t->cores[i].ok)
            v[n++] = (struct sort_ctx_item){t->cores[i].sig, i};
    qsort(v, n, sizeof *v, cmp_sig);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = add_to_group(t, v[i].idx, i == 0 || strcmp(v[i - 1].sig, v[i].sig) != 0);
    free(v);
    if (rc)
        return -1;
    if (t->ngroups > 1)
        qsort_r(t->groups, t->ngroups, sizeof *t->groups, cmp_group, t);
    for (size_t g = 0; g < t->ngroups; g++)
        for (size_t k = 0; k < t->groups[g].count; k++)
            t->cores[t->groups[g].members[k]].group = g;
    return 0;
}

int pc_triage_finish(struct pc_triage *t)
{
    t->nok = t->nhang = t->nerror = 0;
    for (size_t i = 0; i < t->ncores; i++) {
        t->nok += t->cores[i].ok;
        t->nhang += t->cores[i].ok && t->cores[i].hang;
        t->nerror += !t->cores[i].ok;
    }
    return pc_triage_group(t) || pc_triage_link(t) ? -1 : 0;
}

size_t pc_triage_hang_groups(const struct pc_triage *t)
{
    size_t n = 0;
    for (size_t g = 0; g < t->ngroups; g++)
        n += t->cores[t->groups[g].rep].hang;
    return n;
}

int pc_triage_status(const struct pc_triage *t)
{
    return (t->nhang ? PC_TRIAGE_HANG : 0) | (t->nerror ? PC_TRIAGE_ERRORS : 0);
}

/* ---------------------------------------------------------- baseline */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

char *pc_tri_read_file(const char *what, const char *path, uint64_t max, size_t *len, pc_error *err)
{
    struct stat st;
    int fd = pc_open_regular(path, &st);
    if (fd < 0 || (uint64_t)st.st_size > max) {
        if (fd < 0)
            pc_fail(err, PC_E_USAGE, "%s%s: %s", what, path, strerror(errno));
        else
            pc_fail(err, PC_E_USAGE, "%s%s: not a regular file of at most %llu MiB", what, path,
                    (unsigned long long)(max >> 20));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    size_t want = (size_t)st.st_size, got = 0;
    char *s = malloc(want + 1);
    while (s && got < want) {
        ssize_t r = read(fd, s + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!s || got != want) {
        free(s);
        pc_fail(err, PC_E_USAGE, "%s%s: cannot read it", what, path);
        return NULL;
    }
    s[got] = 0;
    *len = got;
    return s;
}

/* Every run of exactly 16 hex digits not inside a longer word. */
static uint64_t *scan_ids(const char *s, size_t len, size_t *n)
{
    uint64_t *ids = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && isalnum((unsigned char)s[j]))
            j++;
        if (j - i == PC_SIG_ID_LEN) {
            char w[PC_SIG_ID_LEN + 1], *end;
            memcpy(w, s + i, PC_SIG_ID_LEN);
            w[PC_SIG_ID_LEN] = 0;
            uint64_t v = strtoull(w, &end, 16);
            if (!*end && !pc_grow(&ids, &cap, *n + 1, sizeof *ids))
                ids[(*n)++] = v;
        }
        i = j == i ? i + 1 : j;
    }
    return ids;
}

int pc_triage_baseline(struct pc_triage *t, const char *path, pc_error *err)
{
    size_t len = 0, n = 0;
    char *s = pc_tri_read_file("--baseline ", path, MAX_BASELINE, &len, err);
    if (!s)
        return PC_E_USAGE;
    uint64_t *ids = scan_ids(s, len, &n);
    free(s);
    if (n)
        qsort(ids, n, sizeof *ids, cmp_u64);
    for (size_t g = 0; g < t->ngroups; g++) {
        uint64_t v = strtoull(t->cores[t->groups[g].rep].sig, NULL, 16);
        t->groups[g].is_new = !(n && bsearch(&v, ids, n, sizeof *ids, cmp_u64));
    }
    t->baseline = 1;
    free(ids);
    return PC_OK;
}
