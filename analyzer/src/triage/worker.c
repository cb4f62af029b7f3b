/* One member, in a worker: open (decompressing if needed), analyze, and
 * describe the result as a message for the parent.  The message is a
 * sequence of fields: a tag byte, a 32-bit little-endian length, the
 * bytes.  The parent checks every length: a worker that a hostile core
 * drove astray can only make its own member fail. */
#include "arch/arch.h"
#include "triage/triage.h"
#include "report/report.h"
#include "target/core_fd.h"
#include "target/target.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    F_COMPRESSION = 'z', F_SIZE = 'n', F_ERRKIND = 'k', F_ERROR = 'E', F_SIG = 'g', F_PATTERN = 'p',
    F_HANG = 'h', F_FRAMES = 'f', F_SUMMARY = 's', F_CONFIDENCE = 'c', F_JSON = 'J', F_TEXT = 'T',
};
#define MAX_FIELD (64u << 20)

static void field(pc_buf *m, int tag, const char *s, size_t n)
{
    uint8_t h[5] = {(uint8_t)tag, (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    pc_buf_put(m, (const char *)h, sizeof h);
    pc_buf_put(m, s, n);
}

static void field_str(pc_buf *m, int tag, const char *s)
{
    field(m, tag, s ? s : "", s ? strlen(s) : 0);
}

static void field_num(pc_buf *m, int tag, unsigned long long v)
{
    char s[32];
    snprintf(s, sizeof s, "%llu", v);
    field_str(m, tag, s);
}

/* -------------------------------------------------------- worker side */

static void diagnosis_json(const struct pc_analysis *a, pc_buf *b)
{
    const struct pc_finding *f = a->diag.nfindings ? &a->diag.findings[0] : NULL;
    if (!f) {
        pc_buf_puts(b, "{\"pattern\":\"none\",\"confidence\":\"low\",\"summary\":\"no known hang pattern\","
                       "\"threads\":[],\"evidence\":[],\"advice\":null}");
        return;
    }
    pc_buf_puts(b, "{\"pattern\":");
    pc_json_str(b, pc_pattern_id(f->pattern));
    pc_buf_printf(b, ",\"confidence\":\"%s\",\"summary\":", pc_conf_name(f->conf));
    pc_json_str(b, f->summary);
    pc_buf_puts(b, ",\"threads\":[");
    for (size_t i = 0; i < f->nthreads; i++)
        pc_buf_printf(b, "%s%d", i ? "," : "", f->threads[i] < a->model.nthreads ? a->model.threads[f->threads[i]].tid : 0);
    pc_buf_puts(b, "],\"evidence\":[");
    for (size_t i = 0; i < f->nevidence; i++) {
        if (i)
            pc_buf_puts(b, ",");
        pc_json_str(b, f->evidence[i]);
    }
    pc_buf_puts(b, "],\"advice\":");
    pc_json_str(b, pc_pattern_advice(f->pattern));
    pc_buf_puts(b, "}");
}

/* The analysis part of the member's JSON object (members, no braces). */
static void analysis_json(const struct pc_analysis *a, int32_t ppid, pc_buf *b)
{
    const char *sig = pc_signal_name(a->proc.signal);
    pc_buf_printf(b, "\"process\":{\"pid\":%d,\"ppid\":", a->proc.pid);
    pc_buf_printf(b, ppid > 0 ? "%d" : "null", (int)ppid);
    /* the threads waiting for a child's exit: triage links the cores of
     * one process tree by them (link.c) */
    pc_buf_puts(b, ",\"child_waits\":[");
    size_t nw = 0;
    for (size_t i = 0; i < pc_analysis_thread_count(a); i++) {
        pc_thread_info ti;
        if (pc_analysis_thread(a, i, &ti) != PC_OK || !ti.child)
            continue;
        pc_buf_printf(b, "%s{\"tid\":%d,\"pid\":", nw++ ? "," : "", (int)ti.tid);
        pc_buf_printf(b, ti.child > 0 ? "%d}" : "null}", (int)ti.child);
    }
    pc_buf_puts(b, "],\"executable\":");
    pc_json_str(b, a->exe ? a->exe->path : a->proc.exe);
    pc_buf_puts(b, ",\"build_id\":");
    pc_json_str(b, a->exe && a->exe->build_id[0] ? a->exe->build_id : NULL);
    pc_buf_puts(b, ",\"cmdline\":");
    pc_json_str(b, a->proc.cmdline);
    pc_buf_printf(b, ",\"core_kind\":\"%s\",\"machine\":", pc_core_kind_name(a->proc.core_kind));
    pc_json_str(b, pc_arch_of(a->proc.machine) ? pc_arch_of(a->proc.machine)->name : NULL);
    pc_buf_printf(b, ",\"signal\":%d,\"signal_name\":", a->proc.signal);
    pc_json_str(b, sig);
    pc_buf_puts(b, "},\"python\":{\"version\":");
    pc_json_str(b, a->py.version_str);
    pc_buf_printf(b, ",\"build\":\"%s\",\"debug\":%s},\"threads\":%zu,\"diagnosis\":",
                  a->py.shared ? "shared" : "static", a->py.debug ? "true" : "false", a->model.nthreads);
    diagnosis_json(a, b);
    pc_buf_puts(b, ",\"findings\":[");
    for (size_t i = 0; i < a->diag.nfindings; i++) {
        if (i)
            pc_buf_puts(b, ",");
        pc_json_str(b, pc_pattern_id(a->diag.findings[i].pattern));
    }
    pc_buf_puts(b, "]");
}

static void send_analysis(const struct pc_analysis *a, int32_t ppid, const struct pc_triage_opts *o,
                          const struct pc_triage_override *ov, pc_buf *m)
{
    struct pc_signature s;
    pc_sig_of_analysis(a, &s);
    const struct pc_finding *f = a->diag.nfindings ? &a->diag.findings[0] : NULL;
    const char *summary = f ? f->summary : "no known hang pattern";
    const char *conf = f ? pc_conf_name(f->conf) : "low";
    if (ov && !s.hang) {
        struct pc_signature own = s;
        pc_sig_init(&s, ov->pattern, 1);
        for (size_t i = 0; i < own.nframes; i++)
            pc_sig_add(&s, own.frames[i]);
        pc_sig_finish(&s);
        summary = ov->summary;
        conf = ov->confidence;
    }
    field_str(m, F_SIG, s.id);
    field_str(m, F_PATTERN, s.pattern);
    field_str(m, F_HANG, s.hang ? "1" : "0");
    pc_buf fr = {0}, js = {0};
    for (size_t i = 0; i < s.nframes; i++)
        pc_buf_printf(&fr, "%s%s", i ? "\n" : "", s.frames[i]);
    field(m, F_FRAMES, fr.data ? fr.data : "", fr.len);
    field_str(m, F_SUMMARY, summary);
    field_str(m, F_CONFIDENCE, conf);
    analysis_json(a, ppid, &js);
    field(m, F_JSON, js.data ? js.data : "", js.len);
    char *text = pc_render(a, PC_FORMAT_TEXT, 0);
    size_t max = o && o->max_report ? o->max_report : PC_TRIAGE_DEFAULT_REPORT;
    pc_buf tb = {0};
    pc_put_clipped(&tb, text ? text : "", max);
    field(m, F_TEXT, tb.data ? tb.data : "", tb.len);
    free(text);
    pc_buf_free(&tb);
    pc_buf_free(&fr);
    pc_buf_free(&js);
}

static void send_error(pc_buf *m, int kind, const char *msg)
{
    field_num(m, F_ERRKIND, (unsigned long long)kind);
    field_str(m, F_ERROR, msg);
}

/* For the tests of the worker pool: PYCORE_TRIAGE_FAULT=crash:TEXT makes
 * the worker of every member whose path contains TEXT die of SIGABRT,
 * hang:TEXT makes it sleep until killed (--timeout, or the batch's end).
 * Both happen once the member is open (decompressed, if it was). */
static void fault_injection(const char *path)
{
    const char *f = getenv("PYCORE_TRIAGE_FAULT");
    if (!f)
        return;
    if (strncmp(f, "crash:", 6) == 0 && f[6] && strstr(path, f + 6))
        abort();   /* not SIGSEGV: ASan would catch that and exit(1) */
    if (strncmp(f, "hang:", 5) == 0 && f[5] && strstr(path, f + 5))
        for (;;)
            pause();
}

/* PYCORE_TRIAGE_FAULT=stall:TEXT: once the core target holds the member
 * (mapped, headers parsed), wait until the file's size differs from
 * `size`, for at most STALL_MAX seconds, then analyze.  The tests truncate
 * a core at that point, which no timing could otherwise guarantee. */
#define STALL_MAX 60
static void stall_injection(const char *path, int fd, uint64_t size)
{
    const char *f = getenv("PYCORE_TRIAGE_FAULT");
    if (!f || strncmp(f, "stall:", 6) != 0 || !f[6] || !strstr(path, f + 6))
        return;
    struct stat st;
    for (int i = 0; i < STALL_MAX * 100 && fstat(fd, &st) == 0 && (uint64_t)st.st_size == size; i++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
}

/* A plain core is read in place: if it shrank meanwhile (still being
 * written, truncated), what was read of it proves nothing.  Usually the
 * worker dies of SIGBUS first (the pool reports that); this catches a
 * shrink that no read ran into. */
static int shrank(int fd, uint64_t size, pc_error *err)
{
    struct stat st;
    if (fstat(fd, &st) || (uint64_t)st.st_size >= size)
        return 0;
    pc_fail(err, PC_E_CORE,
            "the core shrank while it was being read (from %llu to %llu bytes): it is still being written or was "
            "truncated; re-run when it is complete",
            (unsigned long long)size, (unsigned long long)st.st_size);
    return 1;
}

void pc_triage_work(const char *path, const struct pc_triage_opts *o, pc_buf *m)
{
    pc_error err = {0};
    int fd = -1;
    enum pc_tz_format fmt = PC_TZ_UNKNOWN;
    uint64_t size = 0;
    int kind = pc_tz_open(path, o->tmpdir, o->max_core_size ? o->max_core_size : PC_TRIAGE_DEFAULT_MAX, &fd, &fmt,
                          &size, &err);
    fault_injection(path);
    field_str(m, F_COMPRESSION, pc_tz_name(fmt));
    field_num(m, F_SIZE, size);
    if (kind) {
        send_error(m, kind, err.msg);
        return;
    }
    pc_core_options copts = {.sysroot = o->sysroot, .debug_dirs = o->debug_dirs};
    pc_analyze_options aopts = {.native = 1, .no_source = !o->source, .debug_dirs = o->debug_dirs,
                                .debug_cache = o->debug_cache};
    pc_target *tg = NULL;
    pc_analysis *a = NULL;
    int rc = pc_target_open_core_fd(fd, path, &copts, &tg, &err);
    if (rc == PC_OK) {
        stall_injection(path, fd, size);
        rc = pc_analyze(tg, &aopts, &a, &err);
    }
    if (shrank(fd, size, &err))
        send_error(m, PC_TRI_BAD_CORE, err.msg);
    else if (rc == PC_OK)
        send_analysis(a, tg->ppid, o, NULL, m);
    else
        send_error(m, pc_tri_err_of_status(rc), err.msg);
    close(fd);
    pc_analysis_free(a);
    pc_target_close(tg);
}

/* ------------------------------------------- analyzed by the caller */

static int local_member(struct pc_triage *t, const char *name, const struct pc_triage_opts *o, pc_error *err)
{
    if (t->spool < 0 && (t->spool = pc_tz_tmpfile(o ? o->tmpdir : NULL, err)) < 0)
        return PC_E_INTERNAL;
    return pc_triage_add_member(t, name, err);
}

int pc_triage_add_analysis(struct pc_triage *t, const char *name, const struct pc_analysis *a, int32_t ppid,
                           const struct pc_triage_opts *o, const struct pc_triage_override *ov, pc_error *err)
{
    if (local_member(t, name, o, err))
        return err->code;
    pc_buf m = {0};
    send_analysis(a, ppid, o, ov, &m);
    int rc = m.oom || pc_triage_accept(t, t->ncores - 1, m.data ? m.data : "", m.len);
    pc_buf_free(&m);
    return rc ? pc_fail(err, PC_E_INTERNAL, "out of memory") : PC_OK;
}

int pc_triage_add_error(struct pc_triage *t, const char *name, int kind, const char *msg, pc_error *err)
{
    if (local_member(t, name, NULL, err))
        return err->code;
    pc_triage_fail(t, t->ncores - 1, kind, "%s", msg);
    return PC_OK;
}

/* -------------------------------------------------------- parent side */

static const char *known_compression(const char *s, size_t n)
{
    static const char *const names[] = {"none", "zstd", "lz4", "xz", "gzip", "lz4-legacy", "bzip2"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return names[i];
    return "unknown";
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static int valid_sig(const char *s, size_t n)
{
    if (n != PC_SIG_ID_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int parse_num(const char *v, size_t n, uint64_t *out)
{
    if (n == 0 || n > 19)
        return -1;
    *out = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        *out = *out * 10 + (uint64_t)(v[i] - '0');
    }
    return 0;
}

/* The analysis' JSON members are copied into the batch's JSON as they
 * are: check their shape (what analysis_json writes, no raw control
 * characters) so a worker gone astray cannot break the document. */
static int json_members_ok(const char *v, size_t n)
{
    static const char head[] = "\"process\":{";
    if (n < sizeof head || memcmp(v, head, sizeof head - 1) != 0 || v[n - 1] != ']')
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20)
            return 0;
    return 1;
}

/* Store one field into c; -1 when it cannot be valid. */
static int take(struct pc_triage *t, struct pc_triage_core *c, int tag, const char *v, size_t n)
{
    char **str = tag == F_ERROR ? &c->error : tag == F_PATTERN ? &c->pattern : tag == F_FRAMES ? &c->frames
                 : tag == F_SUMMARY ? &c->summary : tag == F_CONFIDENCE ? &c->confidence : NULL;
    if (str) {
        free(*str);
        return memchr(v, 0, n) || !(*str = dup_n(v, n)) ? -1 : 0;
    }
    switch (tag) {
    case F_COMPRESSION: c->compression = known_compression(v, n); return 0;
    case F_SIZE: return parse_num(v, n, &c->size);
    case F_ERRKIND: {
        uint64_t k;
        if (parse_num(v, n, &k) || k == 0 || k >= PC_TRI_NKINDS)
            return -1;
        c->err_kind = (int)k;
        return 0;
    }
    case F_HANG: c->hang = n == 1 && v[0] == '1'; return 0;
    case F_SIG:
        if (!valid_sig(v, n))
            return -1;
        memcpy(c->sig, v, n);
        c->sig[n] = 0;
        return 0;
    case F_JSON:
        if (!json_members_ok(v, n))
            return -1;
        c->json_len = n;
        return pc_triage_spool_put(t, v, n, &c->json_off);
    case F_TEXT: c->text_len = n; return pc_triage_spool_put(t, v, n, &c->text_off);
    default: return -1;
    }
}

int pc_triage_accept(struct pc_triage *t, size_t idx, const char *msg, size_t len)
{
    struct pc_triage_core *c = &t->cores[idx];
    size_t off = 0;
    while (off < len) {
        if (len - off < 5)
            return -1;
        const uint8_t *h = (const uint8_t *)msg + off;
        size_t n = (size_t)h[1] | (size_t)h[2] << 8 | (size_t)h[3] << 16 | (size_t)h[4] << 24;
        if (n > MAX_FIELD || n > len - off - 5 || take(t, c, h[0], msg + off + 5, n))
            return -1;
        off += 5 + n;
    }
    c->ok = c->sig[0] && !c->error && c->pattern && c->frames && c->summary && c->confidence;
    if (!c->ok && !c->error)
        return -1;
    if (!c->ok && !c->err_kind)
        c->err_kind = PC_TRI_INTERNAL;
    c->hang = c->ok && c->hang;
    return 0;
}

void pc_triage_fail(struct pc_triage *t, size_t idx, int kind, const char *fmt, ...)
{
    struct pc_triage_core *c = &t->cores[idx];
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    free(c->error);
    c->error = pc_strdup(msg);
    c->err_kind = kind;
    c->ok = c->hang = 0;
}
