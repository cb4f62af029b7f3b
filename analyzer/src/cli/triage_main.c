/* pycore-analyze triage PATH...: the command line of batch triage
 * (docs/triage.md). */
#include "cli/cli.h"
#include "triage/triage.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_OUTPUTS 8
#define MAX_DIRS 16

static const char usage[] =
    "Usage: pycore-analyze triage [OPTIONS] PATH...\n"
    "       pycore-analyze triage merge [-f FMT[:FILE]]... [--baseline=FILE | --db=FILE]\n"
    "                                   REPORT.json...\n"
    "Analyze every core under PATH (files, or directories searched recursively;\n"
    "plain, zstd, lz4, xz or gzip cores, told apart by content), group them by\n"
    "hang signature and say which hangs there are and how many of each.\n"
    "\n"
    "  -f, --format=FMT[:FILE]  text (default), json, junit or markdown; to FILE\n"
    "                           instead of stdout.  Repeat for several reports\n"
    "                           (text goes to stdout unless a format does)\n"
    "  -j, --jobs=N             analyze N cores at a time (default: the CPUs)\n"
    "      --sysroot=DIR        find the cores' files under DIR; MACHINE=DIR\n"
    "                           (as uname -m names it) for that machine's cores,\n"
    "                           repeatable: cores of several machines in one run\n"
    "      --debug-dir=DIR      also look for them in DIR, by name and build-id\n"
    "                           (debuginfod too when DEBUGINFOD_URLS is set)\n"
    "      --source             read DWARF for source lines in the reports\n"
    "                           (slower; signatures do not need it)\n"
    "      --debug-cache=DIR    plain copies of compressed debug files, as for a\n"
    "      --no-debug-cache     single core (see pycore-analyze --help)\n"
    "      --max-core-size=SIZE largest decompressed core (default 16G; K, M, G, T)\n"
    "      --timeout=SECONDS    per core (default 300)\n"
    "      --baseline=FILE      signatures known before (a previous JSON report, or\n"
    "                           one per line): other groups are marked new\n"
    "      --db=FILE            record this run in the SQLite history FILE (created\n"
    "                           if absent) and mark each group new or known, with\n"
    "                           when it was first and last seen and how often\n"
    "      --db-timeout=SECONDS wait that long for a busy history (default 60)\n"
    "      --shard=K/N          analyze only share K of N of the cores listed (by a\n"
    "                           hash of each path as listed: give every shard the\n"
    "                           same PATHs); `triage merge` joins the N JSON reports\n"
    "                           into the report one run would have written\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 no hang, every core analyzed; 1 a hang found; 8 some cores\n"
    "could not be analyzed; 9 both; 2 usage; 6 internal error (e.g. a report\n"
    "cannot be written).  Compressed cores are decompressed into unlinked\n"
    "temporary files under $TMPDIR (default /tmp).\n";

struct output {
    enum pc_triage_format fmt;
    const char *file;   /* NULL: stdout */
};

struct cli {
    struct pc_triage_opts o;
    const char *dirs[MAX_DIRS];
    size_t ndirs;
    struct output out[MAX_OUTPUTS];
    size_t nout;
    const char *baseline;
    const char *db;
    int db_timeout;
    int no_cache;
    char cache_buf[4096];
    char sysroots[4096];
    int shard_k, shard_n;
};

static int die(int code, const char *msg, const char *arg)
{
    fprintf(stderr, "pycore-analyze triage: %s%s\n", msg, arg ? arg : "");
    return code;
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    int shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    }
    if (shift && (*end == 'B' || (end[0] == 'i' && end[1] == 'B')))
        end += *end == 'B' ? 1 : 2;
    if (errno || end == s || *end || v == 0 || (shift && v > (UINT64_MAX >> shift)))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int add_output(struct cli *c, const char *arg)
{
    char name[16];
    const char *colon = strchr(arg, ':');
    size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
    if (c->nout >= MAX_OUTPUTS || n >= sizeof name)
        return -1;
    memcpy(name, arg, n);
    name[n] = 0;
    struct output *o = &c->out[c->nout];
    if (pc_triage_format_parse(name, &o->fmt) || (colon && !colon[1]))
        return -1;
    o->file = colon ? colon + 1 : NULL;
    for (size_t i = 0; i < c->nout; i++)
        if (!o->file && !c->out[i].file)
            return -1;   /* one report on stdout */
    c->nout++;
    return 0;
}

static int parse(int argc, char **argv, struct cli *c)
{
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'}, {"jobs", required_argument, 0, 'j'},
        {"sysroot", required_argument, 0, 's'}, {"debug-dir", required_argument, 0, 'D'},
        {"source", no_argument, 0, 'S'}, {"no-source", no_argument, 0, 'N'},
        {"max-core-size", required_argument, 0, 'M'}, {"timeout", required_argument, 0, 't'},
        {"baseline", required_argument, 0, 'b'}, {"shard", required_argument, 0, 'K'},
        {"db", required_argument, 0, 'd'}, {"db-timeout", required_argument, 0, 'T'},
        {"debug-cache", required_argument, 0, 'C'}, {"no-debug-cache", no_argument, 0, 'X'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "f:j:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (add_output(c, optarg))
                return die(PC_E_USAGE, "--format takes text, json, junit or markdown, optionally :FILE "
                                       "(one of them on stdout, at most 8): ", optarg);
            break;
        case 'j':
            if (parse_int(optarg, 1, 256, &c->o.jobs))
                return die(PC_E_USAGE, "--jobs takes a number from 1 to 256: ", optarg);
            break;
        case 's':
            if (pc_cli_add_sysroot(c->sysroots, sizeof c->sysroots, optarg))
                return die(PC_E_USAGE, "--sysroot: the roots take more than 4 KiB", NULL);
            c->o.sysroot = c->sysroots;
            break;
        case 'D':
            if (c->ndirs + 1 >= MAX_DIRS)
                return die(PC_E_USAGE, "at most 15 --debug-dir options", NULL);
            c->dirs[c->ndirs++] = optarg;
            c->o.debug_dirs = c->dirs;
            break;
        case 'S': c->o.source = 1; break;
        case 'C': c->o.debug_cache = optarg; break;
        case 'X': c->no_cache = 1; break;
        case 'N': c->o.source = 0; break;
        case 'M':
            if (parse_size(optarg, &c->o.max_core_size))
                return die(PC_E_USAGE, "--max-core-size takes a size such as 512M or 16G: ", optarg);
            break;
        case 't':
            if (parse_int(optarg, 1, 86400, &c->o.timeout))
                return die(PC_E_USAGE, "--timeout takes seconds, from 1 to 86400: ", optarg);
            break;
        case 'b': c->baseline = optarg; break;
        case 'd': c->db = optarg; break;
        case 'T':
            if (parse_int(optarg, 0, 86400, &c->db_timeout))
                return die(PC_E_USAGE, "--db-timeout takes seconds, from 0 to 86400: ", optarg);
            break;
        case 'K': {
            char extra;
            if (sscanf(optarg, "%d/%d%c", &c->shard_k, &c->shard_n, &extra) != 2 || c->shard_n < 1 ||
                c->shard_n > 100000 || c->shard_k < 1 || c->shard_k > c->shard_n)
                return die(PC_E_USAGE, "--shard takes K/N with 1 <= K <= N <= 100000: ", optarg);
            break;
        }
        case 'h': fputs(usage, stdout); return -1;
        default: return die(PC_E_USAGE, "try 'pycore-analyze triage --help'", NULL);
        }
    }
    if (optind >= argc)
        return die(PC_E_USAGE, "expected PATH...; try --help", NULL);
    if (c->baseline && c->db)
        return die(PC_E_USAGE, "--baseline and --db both mark groups new: give one", NULL);
    if (c->no_cache)
        c->o.debug_cache = NULL;
    else if (!c->o.debug_cache)
        c->o.debug_cache = pc_cli_debug_cache(c->cache_buf, sizeof c->cache_buf);
    int on_stdout = 0;
    for (size_t i = 0; i < c->nout; i++)
        on_stdout |= !c->out[i].file;
    if (!on_stdout)
        c->out[c->nout++] = (struct output){PC_TF_TEXT, NULL};
    return 0;
}

static void progress(void *arg, const struct pc_triage *t, size_t done)
{
    (void)arg;
    fprintf(stderr, "\rpycore-analyze triage: %zu/%zu cores, %zu with a hang, %zu not analyzed\033[K", done,
            t->ncores, t->nhang, t->nerror);
    if (done == t->ncores)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

static int write_outputs(const struct cli *c, const struct pc_triage *t)
{
    for (size_t i = 0; i < c->nout; i++) {
        const struct output *o = &c->out[i];
        FILE *f = o->file ? fopen(o->file, "w") : stdout;
        if (!f)
            return fprintf(stderr, "pycore-analyze triage: cannot write %s: %s\n", o->file, strerror(errno)),
                   PC_E_INTERNAL;
        int bad = pc_triage_render(t, o->fmt, f);
        if (o->file)
            bad |= fclose(f) != 0;
        if (bad)
            return die(PC_E_INTERNAL, "cannot write the report to ", o->file ? o->file : "stdout");
    }
    return 0;
}

/* What a batch and a merge share once their members are known: new or
 * known groups, the reports, the exit status. */
static int finish(const struct cli *c, struct pc_triage *t, int rc, pc_error *err)
{
    if (!rc && c->baseline)
        rc = pc_triage_baseline(t, c->baseline, err);
    if (!rc && c->db)
        rc = pc_triage_history(t, c->db, c->db_timeout, err);
    if (rc) {
        pc_triage_free(t);
        return die(rc, err->msg, NULL);
    }
    rc = write_outputs(c, t);
    if (!rc)
        rc = pc_triage_status(t);
    pc_triage_free(t);
    return rc;
}

/* triage merge REPORT.json...: only the options that shape the output. */
static int merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'}, {"baseline", required_argument, 0, 'b'},
        {"db", required_argument, 0, 'd'}, {"db-timeout", required_argument, 0, 'T'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    struct cli c;
    memset(&c, 0, sizeof c);
    c.db_timeout = 60;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (add_output(&c, optarg))
                return die(PC_E_USAGE, "--format takes text, json, junit or markdown, optionally :FILE: ", optarg);
            break;
        case 'b': c.baseline = optarg; break;
        case 'd': c.db = optarg; break;
        case 'T':
            if (parse_int(optarg, 0, 86400, &c.db_timeout))
                return die(PC_E_USAGE, "--db-timeout takes seconds, from 0 to 86400: ", optarg);
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: return die(PC_E_USAGE, "try 'pycore-analyze triage --help'", NULL);
        }
    }
    if (optind >= argc)
        return die(PC_E_USAGE, "merge expects the JSON reports of triage --shard K/N; try --help", NULL);
    if (c.baseline && c.db)
        return die(PC_E_USAGE, "--baseline and --db both mark groups new: give one", NULL);
    int on_stdout = 0;
    for (size_t i = 0; i < c.nout; i++)
        on_stdout |= !c.out[i].file;
    if (!on_stdout)
        c.out[c.nout++] = (struct output){PC_TF_TEXT, NULL};
    struct pc_triage t;
    pc_triage_init(&t);
    pc_error err = {0};
    int rc = 0;
    for (int i = optind; i < argc && !rc; i++)
        rc = pc_triage_merge_add(&t, argv[i], &err);
    if (!rc)
        rc = pc_triage_merge_finish(&t, &err);
    return finish(&c, &t, rc, &err);
}

int pc_cli_triage(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "merge") == 0)
        return merge(argc - 1, argv + 1);
    struct cli c;
    memset(&c, 0, sizeof c);
    c.db_timeout = 60;
    int rc = parse(argc, argv, &c);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (c.baseline && access(c.baseline, R_OK))
        return die(PC_E_USAGE, "cannot read --baseline ", c.baseline);
    struct pc_triage t;
    pc_triage_init(&t);
    pc_error err = {0};
    for (int i = optind; i < argc && !rc; i++)
        rc = pc_triage_add_path(&t, argv[i], &err);
    if (!rc && c.shard_n)
        pc_triage_shard(&t, c.shard_k, c.shard_n);
    if (!rc)
        rc = pc_triage_run(&t, &c.o, isatty(STDERR_FILENO) ? progress : NULL, NULL, &err);
    return finish(&c, &t, rc, &err);
}
