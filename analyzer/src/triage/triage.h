/* Batch triage (docs/triage.md): analyze many cores, plain or compressed,
 * each in its own fork()ed worker; group them by hang signature; render
 * the batch as text, JSON, JUnit XML or Markdown.
 *
 * Layering: triage/ sits on top of diagnose/ and report/.  Nothing here
 * keeps global state: a batch is a struct pc_triage the caller owns. */
#ifndef PYCORE_TRIAGE_H
#define PYCORE_TRIAGE_H

#include "diagnose/analysis.h"

#include <stdio.h>

/* ------------------------------------------------ formats (magic.c) */

enum pc_tz_format {
    PC_TZ_UNKNOWN,
    PC_TZ_ELF,         /* a plain core (or another ELF file) */
    PC_TZ_ZSTD,        /* systemd-coredump's default */
    PC_TZ_LZ4,         /* lz4 frame format */
    PC_TZ_XZ,
    PC_TZ_GZIP,
    PC_TZ_LZ4_LEGACY,  /* recognized, not supported */
    PC_TZ_BZIP2,       /* recognized, not supported */
};
#define PC_TZ_MAGIC_LEN 6   /* bytes pc_tz_detect needs to tell them all apart */

enum pc_tz_format pc_tz_detect(const uint8_t *buf, size_t n);
const char *pc_tz_name(enum pc_tz_format f);      /* "zstd", ...; "none" for ELF */
int pc_tz_is_compressed(enum pc_tz_format f);     /* a format pc_tz_decompress reads */
/* Is this the start of an ELF core (ELF magic and e_type ET_CORE)? */
int pc_tz_is_elf_core(const uint8_t *buf, size_t n);

/* -------------------------------------- decompression (decompress.c) */

/* Why a member could not be analyzed: the JSON error_kind. */
enum pc_tri_err {
    PC_TRI_OK,
    PC_TRI_UNREADABLE,   /* cannot open or read the file */
    PC_TRI_DECOMPRESS,   /* corrupt or truncated compressed data, unsupported format */
    PC_TRI_TOO_LARGE,    /* decompressed size above --max-core-size */
    PC_TRI_BAD_CORE,     /* not an ELF core, truncated, corrupt (exit 3 of analyze) */
    PC_TRI_MODULE,       /* executable missing or mismatched (4) */
    PC_TRI_NO_PYTHON,    /* no supported Python (5) */
    PC_TRI_INTERNAL,     /* out of memory, temporary file, libdw (6) */
    PC_TRI_CRASHED,      /* the worker died */
    PC_TRI_TIMEOUT,      /* the worker ran longer than --timeout */
    PC_TRI_NKINDS
};
const char *pc_tri_err_name(int kind);
int pc_tri_err_of_status(int pc_status);

/* An unlinked temporary file under tmpdir (NULL: $TMPDIR, else /tmp):
 * O_TMPFILE, or mkstemp + unlink with termination signals blocked in
 * between.  An fd, or -1 with err set. */
int pc_tz_tmpfile(const char *tmpdir, pc_error *err);

/* Stream-decompress in (format fmt) into out (a fresh file, at offset 0),
 * at most max bytes, refusing early what cannot be a core that fits
 * (docs/triage.md, "Limits"): data that does not start as a 64-bit
 * little-endian ELF core (PC_TRI_BAD_CORE), headers declaring more than
 * max (PC_TRI_TOO_LARGE) or a wrapping extent (PC_TRI_BAD_CORE), data
 * going on more than 16 MiB past the declared extent (PC_TRI_BAD_CORE), a
 * file system of out about to go below its free-space reserve
 * (PC_TRI_INTERNAL).  Zero blocks become holes; out's size is *written
 * when this returns, also on failure.  Returns PC_TRI_OK or the error kind
 * (err says what). */
int pc_tz_decompress(int in, enum pc_tz_format fmt, int out, uint64_t max, uint64_t *written,
                     pc_error *err);

/* The first n decompressed bytes (or fewer when the content is shorter). */
int pc_tz_peek(int in, enum pc_tz_format fmt, uint8_t *buf, size_t n, size_t *got, pc_error *err);

/* Open a member for analysis: a plain core's own fd, or a compressed one
 * decompressed into an unlinked temporary file (nothing is left behind,
 * whatever happens).  *fmt and *size (the core's size) are filled. */
int pc_tz_open(const char *path, const char *tmpdir, uint64_t max_size, int *fd,
               enum pc_tz_format *fmt, uint64_t *size, pc_error *err);

/* --------------------------------------------- signature (signature.c) */

#define PC_SIG_MAX_FRAMES 16
#define PC_SIG_FRAME_MAX 200
#define PC_SIG_ID_LEN 16

/* A hang signature: the pattern plus, for each thread of the finding, its
 * innermost user frame ("qualname (file basename)"), sorted, duplicates
 * removed.  No line numbers, addresses, pids or paths: the same hang has
 * the same signature on every machine and Python patch release. */
struct pc_signature {
    char id[PC_SIG_ID_LEN + 1];     /* 16 hex digits of a 64-bit FNV-1a hash */
    char pattern[48];
    int hang;
    char frames[PC_SIG_MAX_FRAMES][PC_SIG_FRAME_MAX];
    size_t nframes;
};

/* A file of the standard library (not user code): under .../lib/pythonX.Y/
 * but not in site-packages or dist-packages, or a frozen module. */
int pc_sig_is_stdlib(const char *file);
/* "qualname (basename)"; "<frozen x>"-style file names are kept whole. */
void pc_sig_frame_key(const char *qualname, const char *file, char *out, size_t n);
void pc_sig_init(struct pc_signature *s, const char *pattern, int hang);
void pc_sig_add(struct pc_signature *s, const char *frame_key);
/* Sort and dedupe the frames, then compute the id. */
void pc_sig_finish(struct pc_signature *s);
void pc_sig_of_analysis(const struct pc_analysis *a, struct pc_signature *s);

/* ------------------------------------- systemd-coredump names (inputs.c) */

/* core.COMM.UID.BOOTID.PID.TIME[.zst|.lz4|.xz|.gz] (COMM may hold dots). */
struct pc_sd_name {
    char comm[64];
    long uid, pid;
    char boot_id[33];
    unsigned long long usec;
};
int pc_sd_parse_name(const char *path, struct pc_sd_name *out);   /* 0: it is one */

/* --------------------------------------------------------- the batch */

struct pc_triage_opts {
    const char *sysroot;
    const char *const *debug_dirs;   /* NULL-terminated, may be NULL */
    const char *tmpdir;              /* NULL: $TMPDIR, else /tmp */
    int jobs;                        /* workers; <= 0: the CPUs we may run on */
    int source;                      /* read DWARF (source lines); default 0 */
    uint64_t max_core_size;          /* decompressed; 0: PC_TRIAGE_DEFAULT_MAX */
    int timeout;                     /* seconds per core; 0: PC_TRIAGE_DEFAULT_TIMEOUT */
    size_t max_report;               /* bytes of a core's text report kept; 0: default */
    const char *debug_cache;         /* pc_analyze_options.debug_cache; NULL: none */
};
#define PC_TRIAGE_DEFAULT_MAX (16ull << 30)
#define PC_TRIAGE_DEFAULT_TIMEOUT 300
#define PC_TRIAGE_DEFAULT_REPORT (256u << 10)

struct pc_triage_core {
    char *path;
    size_t input;                    /* its position among all members listed */
    struct pc_sd_name sd;
    int is_sd;
    int ok, hang;
    int err_kind;                    /* enum pc_tri_err */
    char *error;
    const char *compression;         /* static string */
    uint64_t size;
    char sig[PC_SIG_ID_LEN + 1];     /* analyzed cores: the signature id, */
    char *pattern;                   /* its pattern, */
    char *frames;                    /* its frames, one per line */
    char *summary, *confidence;
    /* The core's JSON members and text report, kept in the spool file. */
    uint64_t json_off, text_off;
    size_t json_len, text_len;
    size_t group;                    /* index in groups; SIZE_MAX: none */
    int32_t pid, ppid;               /* 0: unknown (link.c) */
    size_t parent;                   /* the core of the parent process; SIZE_MAX: none */
    struct pc_triage_wait {
        int32_t tid;                 /* the waiting thread */
        size_t core;                 /* the core of the child it waits for */
    } *waits;
    size_t nwaits, waits_cap;
};

/* A signature's history in a --db file, this run included. */
struct pc_triage_history {
    int present;
    char first_seen[32], last_seen[32];   /* ISO 8601 UTC */
    long long runs, cores;
};

struct pc_triage_group {
    size_t rep;                      /* core index: the first member, whose
                                      * sig, pattern and frames it shows */
    size_t *members;
    size_t count, cap;
    int is_new;                      /* -1: no baseline */
    struct pc_triage_history history;
};

struct pc_triage {
    struct pc_triage_core *cores;
    size_t ncores, cap;
    size_t nskipped;                 /* directory entries that are no cores */
    struct pc_triage_group *groups;
    size_t ngroups, gcap;
    size_t nhang, nerror, nok;       /* per core */
    int spool;                       /* unlinked file holding JSON and text */
    uint64_t spool_len;
    int baseline;                    /* a baseline was applied */
    double seconds;
    size_t ninputs;                  /* members listed, before --shard */
    int shard_k, shard_n;            /* --shard K/N; 0/0: all members */
    size_t nreports;                 /* triage merge: reports added */
    const char *suite;               /* JUnit's suite: "pycore-analyze SUITE"; NULL: triage */
};

void pc_triage_init(struct pc_triage *t);
void pc_triage_free(struct pc_triage *t);

/* Add PATH: a file, or a directory searched recursively (sorted; only
 * files that look like cores are taken, the others are counted in
 * nskipped).  An unreadable path is added as a failing member. */
int pc_triage_add_path(struct pc_triage *t, const char *path, pc_error *err);

/* Keep this batch's deterministic share K of N (1 <= K <= N) of the
 * members listed so far: those whose path, as listed, hashes (FNV-1a) to
 * K-1 modulo N.  Each member keeps its position in the full listing. */
void pc_triage_shard(struct pc_triage *t, int k, int n);

/* Append a member named path, not yet analyzed. */
int pc_triage_add_member(struct pc_triage *t, const char *path, pc_error *err);

/* Members analyzed by the caller, not by a worker (watch: the processes of
 * a live tree).  name stands for the path.  When ov is given and the
 * analysis names no hang of its own, the member is a hang of ov's pattern
 * (a process waiting in a cycle of processes).  pc_triage_finish then
 * counts and groups them. */
struct pc_triage_override {
    const char *pattern, *summary, *confidence;
};
int pc_triage_add_analysis(struct pc_triage *t, const char *name, const struct pc_analysis *a, int32_t ppid,
                           const struct pc_triage_opts *o, const struct pc_triage_override *ov, pc_error *err);
int pc_triage_add_error(struct pc_triage *t, const char *name, int kind, const char *msg, pc_error *err);
/* Count the members' outcomes, group them and link them; -1 out of memory. */
int pc_triage_finish(struct pc_triage *t);
/* The cores of one process tree (link.c): in one directory (all members,
 * for watch's batch), a core's parent is the core whose pid is its ppid
 * (NT_PRPSINFO), and a thread waiting in wait4/waitid for a child waits
 * for that child's core.  From each member's JSON, so that a merged batch
 * links as a single run does. */
int pc_triage_link(struct pc_triage *t);

/* Merge (merge.c): add the members of a JSON report of
 * `triage --shard K/N` (or of an unsharded run), then check that the
 * reports make one listing, order the members as a single run would and
 * group them. */
int pc_triage_merge_add(struct pc_triage *t, const char *path, pc_error *err);
int pc_triage_merge_finish(struct pc_triage *t, pc_error *err);

/* Progress callback: done of total members analyzed. */
typedef void (*pc_triage_progress)(void *arg, const struct pc_triage *t, size_t done);

/* Analyze every member with opts->jobs fork()ed workers, one core each;
 * a worker that dies or times out is that member's error.  Then group. */
int pc_triage_run(struct pc_triage *t, const struct pc_triage_opts *opts, pc_triage_progress fn,
                  void *arg, pc_error *err);

/* Mark each group new or known from a baseline: any file holding the
 * known signatures (a previous JSON report, or one per line). */
int pc_triage_baseline(struct pc_triage *t, const char *path, pc_error *err);

/* A whole regular file of at most max bytes, NUL-terminated (malloc'd);
 * NULL with err saying "<what><path>: why" (PC_E_USAGE).  FIFOs and
 * devices are refused without blocking (pc_open_regular). */
char *pc_tri_read_file(const char *what, const char *path, uint64_t max, size_t *len, pc_error *err);

/* Record this run in the SQLite history at path (created if absent) and
 * mark each group new (first seen now) or known, with its history.  One
 * transaction: on any failure nothing is recorded, the groups stay
 * unmarked, and err says why (PC_E_INTERNAL). */
int pc_triage_history(struct pc_triage *t, const char *path, int timeout_s, pc_error *err);

/* The exit status: bit 0 (1) a hang was found, bit 3 (8) a member failed. */
int pc_triage_status(const struct pc_triage *t);
#define PC_TRIAGE_HANG 1
#define PC_TRIAGE_ERRORS 8

/* ---- worker side (worker.c), exposed for tests */

/* Analyze one member: the message a worker sends to the parent. */
void pc_triage_work(const char *path, const struct pc_triage_opts *opts, pc_buf *msg);
/* Fill core from a worker's message; -1 if it is malformed. */
int pc_triage_accept(struct pc_triage *t, size_t idx, const char *msg, size_t len);
void pc_triage_fail(struct pc_triage *t, size_t idx, int kind, const char *fmt, ...) PC_PRINTF(4, 5);

/* Grouping (batch.c). */
int pc_triage_group(struct pc_triage *t);

/* Spool: store and read back a core's JSON or text. */
int pc_triage_spool_put(struct pc_triage *t, const char *s, size_t n, uint64_t *off);
char *pc_triage_spool_get(const struct pc_triage *t, uint64_t off, size_t len);

/* ------------------------------------------------ renderers (render_*.c) */

enum pc_triage_format { PC_TF_TEXT, PC_TF_JSON, PC_TF_JUNIT, PC_TF_MARKDOWN };
int pc_triage_format_parse(const char *name, enum pc_triage_format *out);

/* An output stream: a buffer flushed into f as it grows. */
typedef struct pc_tout {
    pc_buf b;
    FILE *f;
    int failed;
} pc_tout;
void pc_tout_flush(pc_tout *o);
void pc_tout_maybe_flush(pc_tout *o);

/* Render the batch to f; 0, or -1 if writing failed. */
int pc_triage_render(const struct pc_triage *t, enum pc_triage_format fmt, FILE *f);
void pc_triage_render_text(const struct pc_triage *t, pc_tout *o);
void pc_triage_render_json(const struct pc_triage *t, pc_tout *o);
void pc_triage_render_junit(const struct pc_triage *t, pc_tout *o);
void pc_triage_render_markdown(const struct pc_triage *t, pc_tout *o);


/* Each line of a '\n'-separated list (key frames), NUL-terminated for
 * the escapers; index counts from 0 (escape.c). */
typedef void (*pc_tri_line_fn)(pc_buf *b, const char *line, size_t index);
void pc_tri_each_line(pc_buf *b, const char *s, pc_tri_line_fn fn);

/* Escapers shared by the renderers (escape.c). */
void pc_xml_str(pc_buf *b, const char *s);         /* attribute values */
void pc_xml_text(pc_buf *b, const char *s);        /* element content */
void pc_md_cell(pc_buf *b, const char *s, size_t max);   /* a table cell, one line */
void pc_md_code(pc_buf *b, const char *s, size_t max, int in_table);   /* inside `...` */
/* At most max bytes of s, cut at a UTF-8 boundary, with "..." if cut. */
void pc_put_clipped(pc_buf *b, const char *s, size_t max);

/* The links of the batch's process trees (link.c), one sentence each:
 * "A (pid P) is a child of B (pid Q)", "A's thread T waits for the exit of
 * B (pid P: PATTERN)"; index counts from 0 (render.c). */
void pc_triage_each_link(const struct pc_triage *t, pc_buf *b, pc_tri_line_fn fn);
/* Members with a parent or a wait linked. */
size_t pc_triage_linked(const struct pc_triage *t);

/* What a member is called: "core" in triage, "process" in watch's batch
 * (t->suite set); plural and capitalized on demand (render.c). */
const char *pc_triage_noun(const struct pc_triage *t, int plural, int capital);

/* Counts for the headline. */
size_t pc_triage_hang_groups(const struct pc_triage *t);
/* "N cores: H with a hang (G distinct hangs), K without, E not analyzed". */
void pc_triage_headline(const struct pc_triage *t, pc_buf *b);

#endif
