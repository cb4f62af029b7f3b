/* Hang signatures: what makes two cores "the same hang".  The diagnosis'
 * pattern plus, for each thread of the finding, the innermost frame of
 * user code it is in, as "qualname (file basename)".  Line numbers,
 * addresses, pids, tids, thread names and directories are left out, so
 * the signature survives other machines, other checkouts and Python patch
 * releases; it changes when the hang moves to other functions. */
#include "triage/triage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int starts_with(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

int pc_sig_is_stdlib(const char *file)
{
    if (!file || !*file)
        return 1;   /* no file: nothing a user wrote */
    if (starts_with(file, "<frozen "))
        return 1;
    if (strstr(file, "/site-packages/") || strstr(file, "/dist-packages/"))
        return 0;
    /* .../lib/pythonX.Y/..., .../lib64/python3/... */
    for (const char *p = strstr(file, "/lib"); p; p = strstr(p + 1, "/lib")) {
        const char *q = p + 4;
        if (starts_with(q, "64"))
            q += 2;
        if (starts_with(q, "/python") && q[7] >= '0' && q[7] <= '9')
            return 1;
    }
    return 0;
}

void pc_sig_frame_key(const char *qualname, const char *file, char *out, size_t n)
{
    const char *base = file && *file ? file : "?";
    if (base[0] != '<') {   /* "<frozen importlib._bootstrap>", "<string>": whole */
        const char *slash = strrchr(base, '/');
        if (slash && slash[1])
            base = slash + 1;
    }
    snprintf(out, n, "%s (%s)", qualname && *qualname ? qualname : "?", base);
    for (char *p = out; *p; p++)   /* keys travel one per line */
        if ((unsigned char)*p < 0x20)
            *p = '?';
}

void pc_sig_init(struct pc_signature *s, const char *pattern, int hang)
{
    memset(s, 0, sizeof *s);
    snprintf(s->pattern, sizeof s->pattern, "%s", pattern ? pattern : "none");
    s->hang = hang;
}

void pc_sig_add(struct pc_signature *s, const char *key)
{
    if (s->nframes < PC_SIG_MAX_FRAMES)
        snprintf(s->frames[s->nframes++], PC_SIG_FRAME_MAX, "%s", key);
}

static int cmp_frame(const void *a, const void *b)
{
    return strcmp(a, b);
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

void pc_sig_finish(struct pc_signature *s)
{
    qsort(s->frames, s->nframes, sizeof *s->frames, cmp_frame);
    size_t k = 0;
    for (size_t i = 0; i < s->nframes; i++)
        if (k == 0 || strcmp(s->frames[k - 1], s->frames[i]) != 0)
            memmove(s->frames[k++], s->frames[i], sizeof *s->frames);
    s->nframes = k;
    /* "v1", the pattern and each frame, NUL-separated. */
    uint64_t h = fnv1a(0xcbf29ce484222325ull, "pycore-sig-v1", 14);
    h = fnv1a(h, s->pattern, strlen(s->pattern) + 1);
    for (size_t i = 0; i < s->nframes; i++)
        h = fnv1a(h, s->frames[i], strlen(s->frames[i]) + 1);
    snprintf(s->id, sizeof s->id, "%016llx", (unsigned long long)h);
}

/* The key of one thread: its innermost user frame, else its innermost
 * frame (a thread only in the standard library, e.g. threading._shutdown),
 * else "[native] <system call>". */
static void thread_key(const struct pc_thread_model *t, char *out, size_t n)
{
    for (size_t k = 0; k < t->npy; k++)
        if (!pc_sig_is_stdlib(t->py[k].file)) {
            pc_sig_frame_key(t->py[k].qualname, t->py[k].file, out, n);
            return;
        }
    if (t->npy) {
        pc_sig_frame_key(t->py[0].qualname, t->py[0].file, out, n);
        return;
    }
    snprintf(out, n, "[native] %s", t->sys.name ? t->sys.name : "running");
}

/* Without a finding: the main thread (else the first thread) alone. */
static size_t main_thread(const struct pc_model *m)
{
    for (size_t i = 0; i < m->nthreads; i++)
        if (m->threads[i].main)
            return i;
    return 0;
}

void pc_sig_of_analysis(const struct pc_analysis *a, struct pc_signature *s)
{
    const struct pc_model *m = &a->model;
    const struct pc_finding *f = a->diag.nfindings ? &a->diag.findings[0] : NULL;
    int pattern = f ? f->pattern : PC_P_NONE;
    char key[PC_SIG_FRAME_MAX];
    pc_sig_init(s, pc_pattern_id(pattern), pc_pattern_hang(pattern));
    if (f) {
        for (size_t i = 0; i < f->nthreads; i++)
            if (f->threads[i] < m->nthreads) {
                thread_key(&m->threads[f->threads[i]], key, sizeof key);
                pc_sig_add(s, key);
            }
    }
    if (!s->nframes && m->nthreads) {
        thread_key(&m->threads[main_thread(m)], key, sizeof key);
        pc_sig_add(s, key);
    }
    pc_sig_finish(s);
}
