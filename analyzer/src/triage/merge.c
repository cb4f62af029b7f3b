/* triage merge: the JSON reports of `triage --shard K/N` runs made into the
 * batch a single run would have made.  Every member keeps its position in
 * the full listing (`input`), so ordering by it and grouping again gives
 * the same groups, representatives, counts and exit status; only the
 * members' text reports are not in a JSON report, and times are not
 * comparable.  The reports are input like any core: checked, bounded. */
#include "triage/json_in.h"
#include "triage/triage.h"

#include <stdlib.h>
#include <string.h>

#define MAX_REPORT (1ull << 30)

/* The analysis members of a core, copied verbatim into the spool. */
static const char *const analysis_keys[] = {"process", "python", "threads", "diagnosis", "findings"};

static const char *compression_name(const char *s)
{
    for (int f = PC_TZ_UNKNOWN; s && f <= PC_TZ_BZIP2; f++)
        if (strcmp(s, pc_tz_name((enum pc_tz_format)f)) == 0)
            return pc_tz_name((enum pc_tz_format)f);
    return NULL;
}

static int err_kind_of(const char *name)
{
    for (int k = PC_TRI_OK + 1; name && k < PC_TRI_NKINDS; k++)
        if (strcmp(name, pc_tri_err_name(k)) == 0)
            return k;
    return -1;
}

static char *join_lines(const struct pc_jin *j, size_t arr)
{
    pc_buf b = {0};
    for (size_t i = 0;; i++) {
        size_t v = pc_jin_child(j, arr, i);
        if (v == SIZE_MAX)
            break;
        char *s = pc_jin_str(j, v);
        if (!s || strchr(s, '\n')) {
            free(s);
            pc_buf_free(&b);
            return NULL;
        }
        pc_buf_printf(&b, "%s%s", i ? "\n" : "", s);
        free(s);
    }
    char *out = b.oom ? NULL : pc_strdup(b.data ? b.data : "");
    pc_buf_free(&b);
    return out;
}

static int take_systemd(const struct pc_jin *j, size_t v, struct pc_triage_core *c)
{
    if (v == SIZE_MAX || j->t[v].type == PC_JT_NULL)
        return 0;
    uint64_t uid, pid, usec;
    char *comm = pc_jin_str(j, pc_jin_get(j, v, "comm")), *boot = pc_jin_str(j, pc_jin_get(j, v, "boot_id"));
    int bad = !comm || !boot || strlen(comm) >= sizeof c->sd.comm || strlen(boot) >= sizeof c->sd.boot_id ||
              pc_jin_u64(j, pc_jin_get(j, v, "uid"), &uid) || pc_jin_u64(j, pc_jin_get(j, v, "pid"), &pid) ||
              pc_jin_u64(j, pc_jin_get(j, v, "time_usec"), &usec);
    if (!bad) {
        strcpy(c->sd.comm, comm);
        strcpy(c->sd.boot_id, boot);
        c->sd.uid = (long)uid;
        c->sd.pid = (long)pid;
        c->sd.usec = usec;
        c->is_sd = 1;
    }
    free(comm);
    free(boot);
    return bad ? -1 : 0;
}

/* One member of a report's "cores"; a message saying what is wrong, or NULL. */
static const char *take_core(struct pc_triage *t, const struct pc_jin *j, size_t v)
{
    if (pc_grow(&t->cores, &t->cap, t->ncores + 1, sizeof *t->cores))
        return "out of memory";
    struct pc_triage_core *c = &t->cores[t->ncores];
    memset(c, 0, sizeof *c);
    c->group = SIZE_MAX;
    uint64_t input, size;
    int ok = pc_jin_bool(j, pc_jin_get(j, v, "ok"));
    c->path = pc_jin_str(j, pc_jin_get(j, v, "path"));
    char *comp = pc_jin_str(j, pc_jin_get(j, v, "compression"));
    c->compression = compression_name(comp);
    free(comp);
    t->ncores++;   /* from here on pc_triage_free frees what it holds */
    if (!c->path || ok < 0 || pc_jin_u64(j, pc_jin_get(j, v, "input"), &input) || input > SIZE_MAX / 2 ||
        pc_jin_u64(j, pc_jin_get(j, v, "size"), &size) || !c->compression ||
        take_systemd(j, pc_jin_get(j, v, "systemd"), c))
        return "a member lacks path, input, ok, size, compression or systemd (not a report of this version?)";
    c->input = (size_t)input;
    c->size = size;
    if (!ok) {
        char *kind = pc_jin_str(j, pc_jin_get(j, v, "error_kind"));
        c->err_kind = err_kind_of(kind);
        free(kind);
        c->error = pc_jin_str(j, pc_jin_get(j, v, "error"));
        return c->err_kind < 0 || !c->error ? "a failed member without error and error_kind" : NULL;
    }
    size_t diag = pc_jin_get(j, v, "diagnosis");
    char *sig = pc_jin_str(j, pc_jin_get(j, v, "signature"));
    int hang = pc_jin_bool(j, pc_jin_get(j, v, "hang"));
    c->pattern = pc_jin_str(j, pc_jin_get(j, diag, "pattern"));
    c->summary = pc_jin_str(j, pc_jin_get(j, diag, "summary"));
    c->confidence = pc_jin_str(j, pc_jin_get(j, diag, "confidence"));
    c->frames = join_lines(j, pc_jin_get(j, v, "key_frames"));
    int bad = !sig || strlen(sig) != PC_SIG_ID_LEN || hang < 0 || !c->pattern || !c->summary || !c->confidence ||
              !c->frames;
    if (!bad)
        memcpy(c->sig, sig, PC_SIG_ID_LEN + 1);
    free(sig);
    if (bad)
        return "an analyzed member lacks signature, hang, key_frames or diagnosis";
    pc_buf js = {0};
    for (size_t k = 0; k < sizeof analysis_keys / sizeof *analysis_keys; k++) {
        size_t a = pc_jin_get(j, v, analysis_keys[k]);
        if (a == SIZE_MAX) {
            pc_buf_free(&js);
            return "an analyzed member lacks process, python, threads, diagnosis or findings";
        }
        pc_buf_printf(&js, "%s\"%s\":%.*s", k ? "," : "", analysis_keys[k], (int)(j->t[a].end - j->t[a].start),
                      j->src + j->t[a].start);
    }
    int put = js.oom || pc_triage_spool_put(t, js.data, js.len, &c->json_off);
    c->json_len = js.len;
    pc_buf_free(&js);
    if (put)
        return "cannot write the spool file";
    c->ok = 1;
    c->hang = hang;
    return NULL;
}

int pc_triage_merge_add(struct pc_triage *t, const char *path, pc_error *err)
{
    if (t->spool < 0 && (t->spool = pc_tz_tmpfile(NULL, err)) < 0)
        return PC_E_INTERNAL;
    size_t len;
    char *src = pc_tri_read_file("", path, MAX_REPORT, &len, err);
    if (!src)
        return PC_E_USAGE;
    struct pc_jin j;
    int rc = pc_jin_parse(&j, src, len, len / 2 + 16, err);
    if (rc) {
        char why[200];
        snprintf(why, sizeof why, "%s", err ? err->msg : "");
        free(src);
        return pc_fail(err, PC_E_USAGE, "%s: %s", path, why);
    }
    const char *bad = NULL;
    uint64_t ver, skipped, k = 0, n = 0, inputs = 0;
    char *kind = pc_jin_str(&j, pc_jin_get(&j, 0, "kind"));
    size_t sum = pc_jin_get(&j, 0, "summary"), cores = pc_jin_get(&j, 0, "cores");
    size_t shard = pc_jin_get(&j, sum, "shard");
    if (!kind || strcmp(kind, "triage") || pc_jin_u64(&j, pc_jin_get(&j, 0, "schema_version"), &ver) || ver != 1 ||
        cores == SIZE_MAX || j.t[cores].type != PC_JT_ARR || pc_jin_u64(&j, pc_jin_get(&j, sum, "skipped"), &skipped))
        bad = "not a JSON report of `pycore-analyze triage` (schema_version 1)";
    else if (shard != SIZE_MAX && j.t[shard].type != PC_JT_NULL &&
             (pc_jin_u64(&j, pc_jin_get(&j, shard, "index"), &k) || pc_jin_u64(&j, pc_jin_get(&j, shard, "count"), &n) ||
              pc_jin_u64(&j, pc_jin_get(&j, shard, "inputs"), &inputs) || n < 1 || n > 100000 || k < 1 || k > n))
        bad = "summary.shard is malformed";
    free(kind);
    /* The first report fixes the listing; the others must be its shards. */
    int first = t->nreports == 0;
    if (!bad && !first && ((uint64_t)t->shard_n != n || t->ninputs != inputs || !n))
        bad = "its summary.shard does not match the first report's (another --shard count, or another listing)";
    if (!bad) {
        t->shard_n = (int)n;
        t->ninputs = (size_t)inputs;
        t->nskipped = (size_t)skipped;
        double secs = 0;
        size_t st = pc_jin_get(&j, sum, "seconds");
        if (st != SIZE_MAX && j.t[st].type == PC_JT_NUM)
            secs = strtod(j.src + j.t[st].start, NULL);
        if (secs > t->seconds)
            t->seconds = secs;   /* shards run side by side */
        for (size_t i = 0; !bad; i++) {
            size_t v = pc_jin_child(&j, cores, i);
            if (v == SIZE_MAX)
                break;
            bad = take_core(t, &j, v);
        }
        /* a shard given twice or left out shows in the input positions
         * (pc_triage_merge_finish) */
        t->nreports++;
    }
    pc_jin_free(&j);
    free(src);
    return bad ? pc_fail(err, PC_E_USAGE, "%s: %s", path, bad) : PC_OK;
}

static int cmp_input(const void *a, const void *b)
{
    const struct pc_triage_core *x = a, *y = b;
    return x->input < y->input ? -1 : x->input > y->input;
}

int pc_triage_merge_finish(struct pc_triage *t, pc_error *err)
{
    qsort(t->cores, t->ncores, sizeof *t->cores, cmp_input);
    for (size_t i = 0; i < t->ncores; i++) {
        if (i && t->cores[i].input == t->cores[i - 1].input)
            return pc_fail(err, PC_E_USAGE, "member %zu (%s) is in two reports: not shards of one listing",
                           t->cores[i].input, t->cores[i].path);
        if (t->shard_n && t->cores[i].input >= t->ninputs)
            return pc_fail(err, PC_E_USAGE, "member %s lies outside the listing of %zu", t->cores[i].path,
                           t->ninputs);
    }
    if (t->shard_n && t->ncores != t->ninputs)
        return pc_fail(err, PC_E_USAGE, "%zu of the %zu members listed are in these reports: a shard is missing "
                                        "(merge all N reports of --shard K/N)", t->ncores, t->ninputs);
    t->shard_n = 0;   /* the merged batch is the whole listing */
    if (pc_triage_finish(t))
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    return PC_OK;
}
