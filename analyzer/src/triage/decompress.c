/* Streaming decompression of zstd, lz4 (frame), xz and gzip cores into an
 * unlinked temporary file, with a size cap.  Memory stays bounded: one
 * input and one output buffer, plus each codec's window (zstd: its
 * default 128 MiB limit; xz: a 256 MiB memory limit). */
#include "triage/triage.h"

#include <errno.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define IN_SIZE (256u << 10)
#define OUT_SIZE (1u << 20)
#define XZ_MEMLIMIT (256ull << 20)
#define STOP (-1)    /* the sink has what it wanted (peek) */

/* Where decompressed bytes go: a file (capped) or a small buffer. */
struct sink {
    int fd;
    uint8_t *mem;
    size_t memcap;
    uint64_t total, max;
    pc_error *err;
};

struct src {
    int fd;
    uint8_t *buf;
    pc_error *err;
};

struct bufs {
    uint8_t *in, *out;
};

int pc_tri_write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

static int sink_put(struct sink *s, const uint8_t *p, size_t n)
{
    if (!n)
        return PC_TRI_OK;
    if (s->mem) {
        size_t k = s->memcap - s->total < n ? (size_t)(s->memcap - s->total) : n;
        memcpy(s->mem + s->total, p, k);
        s->total += k;
        return s->total == s->memcap ? STOP : PC_TRI_OK;
    }
    if (n > s->max - s->total) {
        pc_fail(s->err, PC_E_CORE, "the decompressed core is larger than --max-core-size (%llu bytes)",
                (unsigned long long)s->max);
        return PC_TRI_TOO_LARGE;
    }
    if (pc_tri_write_all(s->fd, p, n)) {
        pc_fail(s->err, PC_E_INTERNAL, "cannot write the decompressed core to the temporary directory: %s",
                strerror(errno));
        return PC_TRI_INTERNAL;
    }
    s->total += n;
    return PC_TRI_OK;
}

/* Read the next input block: its length, 0 at the end, -1 on error. */
static ssize_t src_read(struct src *in)
{
    for (;;) {
        ssize_t n = read(in->fd, in->buf, IN_SIZE);
        if (n >= 0)
            return n;
        if (errno != EINTR && errno != EAGAIN) {
            pc_fail(in->err, PC_E_CORE, "cannot read: %s", strerror(errno));
            return -1;
        }
    }
}

static int corrupt(pc_error *err, const char *fmt_name, const char *what)
{
    pc_fail(err, PC_E_CORE, "corrupt %s data: %s", fmt_name, what);
    return PC_TRI_DECOMPRESS;
}

static int truncated(pc_error *err, const char *fmt_name, uint64_t got)
{
    pc_fail(err, PC_E_CORE, "%s data is truncated (it ends after %llu decompressed bytes)", fmt_name,
            (unsigned long long)got);
    return PC_TRI_DECOMPRESS;
}

/* ---------------------------------------------------------------- zstd */

/* Feed one input block (possibly empty) through the decoder. */
static int zstd_feed(ZSTD_DStream *z, ZSTD_inBuffer *ib, uint8_t *out, struct sink *s, size_t *last)
{
    int full = 1;
    while (ib->pos < ib->size || full) {
        ZSTD_outBuffer ob = {out, OUT_SIZE, 0};
        size_t pos = ib->pos;
        size_t r = ZSTD_decompressStream(z, &ob, ib);
        if (ZSTD_isError(r))
            return corrupt(s->err, "zstd", ZSTD_getErrorName(r));
        if (ib->pos != pos || ob.pos)
            *last = r;   /* a call without progress hints at the next frame */
        int rc = sink_put(s, out, ob.pos);
        if (rc)
            return rc;
        full = ob.pos == ob.size;
    }
    return PC_TRI_OK;
}

static int dz_zstd(struct src *in, struct sink *s, uint8_t *out)
{
    ZSTD_DStream *z = ZSTD_createDStream();
    if (!z || ZSTD_isError(ZSTD_initDStream(z))) {
        ZSTD_freeDStream(z);
        return pc_fail(s->err, PC_E_INTERNAL, "out of memory"), PC_TRI_INTERNAL;
    }
    size_t last = 1;   /* 0 once a frame is complete */
    int rc = PC_TRI_OK;
    for (;;) {
        ssize_t n = src_read(in);
        if (n < 0) {
            rc = PC_TRI_UNREADABLE;
            break;
        }
        if (n == 0)
            break;
        ZSTD_inBuffer ib = {in->buf, (size_t)n, 0};
        rc = zstd_feed(z, &ib, out, s, &last);
        if (rc)
            break;
    }
    ZSTD_freeDStream(z);
    if (rc == PC_TRI_OK && last != 0)
        rc = truncated(s->err, "zstd", s->total);
    return rc;
}

/* ----------------------------------------------------------------- lz4 */

static int lz4_feed(LZ4F_dctx *d, const uint8_t *p, size_t left, uint8_t *out, struct sink *s, size_t *hint)
{
    int full = 1;
    while (left > 0 || full) {
        size_t dn = OUT_SIZE, sn = left;
        size_t r = LZ4F_decompress(d, out, &dn, p, &sn, NULL);
        if (LZ4F_isError(r))
            return corrupt(s->err, "lz4", LZ4F_getErrorName(r));
        if (sn || dn)
            *hint = r;   /* a call without progress hints at the next frame */
        p += sn, left -= sn;
        int rc = sink_put(s, out, dn);
        if (rc)
            return rc;
        full = dn == OUT_SIZE;
        if (!sn && !dn)
            break;
    }
    return PC_TRI_OK;
}

static int dz_lz4(struct src *in, struct sink *s, uint8_t *out)
{
    LZ4F_dctx *d = NULL;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
        return pc_fail(s->err, PC_E_INTERNAL, "out of memory"), PC_TRI_INTERNAL;
    size_t hint = 1;   /* 0 once a frame is complete */
    int rc = PC_TRI_OK;
    for (;;) {
        ssize_t n = src_read(in);
        if (n < 0) {
            rc = PC_TRI_UNREADABLE;
            break;
        }
        if (n == 0)
            break;
        rc = lz4_feed(d, in->buf, (size_t)n, out, s, &hint);
        if (rc)
            break;
    }
    LZ4F_freeDecompressionContext(d);
    if (rc == PC_TRI_OK && hint != 0)
        rc = truncated(s->err, "lz4", s->total);
    return rc;
}

/* ------------------------------------------------------------------ xz */

static int xz_error(struct sink *s, lzma_ret r)
{
    switch (r) {
    case LZMA_BUF_ERROR: return truncated(s->err, "xz", s->total);
    case LZMA_MEMLIMIT_ERROR: return corrupt(s->err, "xz", "needs more than 256 MiB of memory to decompress");
    case LZMA_MEM_ERROR: return pc_fail(s->err, PC_E_INTERNAL, "out of memory"), PC_TRI_INTERNAL;
    case LZMA_FORMAT_ERROR: return corrupt(s->err, "xz", "not in the .xz format");
    case LZMA_OPTIONS_ERROR: return corrupt(s->err, "xz", "unsupported options");
    default: return corrupt(s->err, "xz", "compressed data is corrupt");
    }
}

/* 1: the stream ended; 0: wants more input; else an error kind (>1). */
static int xz_feed(lzma_stream *x, lzma_action act, uint8_t *out, struct sink *s)
{
    do {
        x->next_out = out;
        x->avail_out = OUT_SIZE;
        lzma_ret r = lzma_code(x, act);
        int rc = sink_put(s, out, OUT_SIZE - x->avail_out);
        if (rc)
            return rc;
        if (r == LZMA_STREAM_END)
            return STOP;
        if (r != LZMA_OK)
            return xz_error(s, r);
    } while (x->avail_in > 0 || x->avail_out == 0 || act == LZMA_FINISH);
    return PC_TRI_OK;
}

static int dz_xz(struct src *in, struct sink *s, uint8_t *out)
{
    lzma_stream x = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&x, XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK)
        return pc_fail(s->err, PC_E_INTERNAL, "out of memory"), PC_TRI_INTERNAL;
    int rc = PC_TRI_OK;
    for (;;) {
        ssize_t n = src_read(in);
        if (n < 0) {
            rc = PC_TRI_UNREADABLE;
            break;
        }
        x.next_in = in->buf;
        x.avail_in = (size_t)n;
        rc = xz_feed(&x, n == 0 ? LZMA_FINISH : LZMA_RUN, out, s);
        if (rc)
            break;
    }
    lzma_end(&x);
    return rc == STOP ? PC_TRI_OK : rc;
}

/* ---------------------------------------------------------------- gzip */

struct gz {
    z_stream z;
    int ended;     /* the current member is complete */
    int trailing;  /* bytes after the last member: ignored, as gzip does */
};

/* After a member: another one follows, or what follows is ignored. */
static void gz_next_member(struct gz *g)
{
    g->ended = 1;
    if (g->z.avail_in == 0)
        return;
    if (g->z.avail_in >= 2 && (g->z.next_in[0] != 0x1f || g->z.next_in[1] != 0x8b)) {
        g->trailing = 1;
        return;
    }
    inflateReset(&g->z);
    g->ended = 0;
}

static int gz_feed(struct gz *g, uint8_t *out, struct sink *s)
{
    int full = 1;
    while (!g->trailing && (g->z.avail_in > 0 || full)) {
        if (g->ended && g->z.avail_in == 0)
            break;
        g->z.next_out = out;
        g->z.avail_out = OUT_SIZE;
        int r = inflate(&g->z, Z_NO_FLUSH);
        if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
            return corrupt(s->err, "gzip", g->z.msg ? g->z.msg : "inflate failed");
        int rc = sink_put(s, out, OUT_SIZE - g->z.avail_out);
        if (rc)
            return rc;
        full = g->z.avail_out == 0;
        if (r == Z_STREAM_END)
            gz_next_member(g);
        else if (r == Z_BUF_ERROR && !full)
            break;   /* needs more input */
    }
    return PC_TRI_OK;
}

static int dz_gzip(struct src *in, struct sink *s, uint8_t *out)
{
    struct gz g;
    memset(&g, 0, sizeof g);
    if (inflateInit2(&g.z, 16 + MAX_WBITS) != Z_OK)
        return pc_fail(s->err, PC_E_INTERNAL, "out of memory"), PC_TRI_INTERNAL;
    int rc = PC_TRI_OK;
    for (;;) {
        ssize_t n = src_read(in);
        if (n < 0) {
            rc = PC_TRI_UNREADABLE;
            break;
        }
        if (n == 0) {
            rc = g.ended || g.trailing ? PC_TRI_OK : truncated(s->err, "gzip", s->total);
            break;
        }
        g.z.next_in = in->buf;
        g.z.avail_in = (uInt)n;
        rc = gz_feed(&g, out, s);
        if (rc || g.trailing)
            break;
    }
    inflateEnd(&g.z);
    return rc;
}

/* ------------------------------------------------------------- drivers */

static int run(int in_fd, enum pc_tz_format fmt, struct sink *s)
{
    struct bufs b = {malloc(IN_SIZE), malloc(OUT_SIZE)};
    struct src in = {in_fd, b.in, s->err};
    int rc = PC_TRI_OK;
    if (!b.in || !b.out)
        rc = (pc_fail(s->err, PC_E_INTERNAL, "out of memory"), PC_TRI_INTERNAL);
    else if (fmt == PC_TZ_ZSTD)
        rc = dz_zstd(&in, s, b.out);
    else if (fmt == PC_TZ_LZ4)
        rc = dz_lz4(&in, s, b.out);
    else if (fmt == PC_TZ_XZ)
        rc = dz_xz(&in, s, b.out);
    else if (fmt == PC_TZ_GZIP)
        rc = dz_gzip(&in, s, b.out);
    else
        rc = (pc_fail(s->err, PC_E_CORE, "%s data cannot be decompressed", pc_tz_name(fmt)), PC_TRI_DECOMPRESS);
    free(b.in);
    free(b.out);
    return rc == STOP ? PC_TRI_OK : rc;
}

int pc_tz_decompress(int in, enum pc_tz_format fmt, int out, uint64_t max, uint64_t *written, pc_error *err)
{
    struct sink s = {.fd = out, .max = max, .err = err};
    int rc = run(in, fmt, &s);
    *written = s.total;
    return rc;
}

int pc_tz_peek(int in, enum pc_tz_format fmt, uint8_t *buf, size_t n, size_t *got, pc_error *err)
{
    struct sink s = {.fd = -1, .mem = buf, .memcap = n, .max = n, .err = err};
    int rc = run(in, fmt, &s);
    *got = (size_t)s.total;
    /* a short or damaged head still tells what the content is */
    return s.total == n ? PC_TRI_OK : rc;
}

int pc_tz_tmpfile(const char *tmpdir, pc_error *err)
{
    if (!tmpdir || !*tmpdir)
        tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    int fd = open(tmpdir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    /* No O_TMPFILE on this file system: a name that lives for one call. */
    char path[4096];
    snprintf(path, sizeof path, "%s/pycore-triage-XXXXXX", tmpdir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0) {
        pc_fail(err, PC_E_INTERNAL, "cannot create a temporary file in %s (set TMPDIR): %s", tmpdir,
                strerror(errno));
        return -1;
    }
    unlink(path);
    return fd;
}

static int open_member(const char *path, int *fd, struct stat *st, pc_error *err)
{
    /* O_NONBLOCK: a FIFO must not block the batch. */
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0)
        return pc_fail(err, PC_E_CORE, "cannot open: %s", strerror(errno)), PC_TRI_UNREADABLE;
    if (fstat(*fd, st) || !S_ISREG(st->st_mode)) {
        close(*fd);
        return pc_fail(err, PC_E_CORE, "not a regular file"), PC_TRI_UNREADABLE;
    }
    return PC_TRI_OK;
}

static int read_magic(int fd, uint8_t *buf, size_t *n, pc_error *err)
{
    ssize_t r;
    do
        r = pread(fd, buf, PC_TZ_MAGIC_LEN, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return pc_fail(err, PC_E_CORE, "cannot read: %s", strerror(errno)), PC_TRI_UNREADABLE;
    *n = (size_t)r;
    return PC_TRI_OK;
}

static int unsupported(enum pc_tz_format fmt, pc_error *err)
{
    if (fmt == PC_TZ_UNKNOWN)
        return pc_fail(err, PC_E_CORE, "not a core: neither ELF nor zstd, lz4, xz or gzip data"), PC_TRI_BAD_CORE;
    pc_fail(err, PC_E_CORE, "%s-compressed data is not supported: recompress it with zstd, xz or gzip",
            pc_tz_name(fmt));
    return PC_TRI_DECOMPRESS;
}

int pc_tz_open(const char *path, const char *tmpdir, uint64_t max_size, int *fd, enum pc_tz_format *fmt,
               uint64_t *size, pc_error *err)
{
    int in;
    struct stat st;
    uint8_t magic[PC_TZ_MAGIC_LEN];
    size_t n = 0;
    *fd = -1;
    int rc = open_member(path, &in, &st, err);
    if (rc)
        return rc;
    if ((rc = read_magic(in, magic, &n, err))) {
        close(in);
        return rc;
    }
    *fmt = pc_tz_detect(magic, n);
    *size = (uint64_t)st.st_size;
    if (*fmt == PC_TZ_ELF || n == 0) {     /* empty: the core target says why */
        *fmt = PC_TZ_ELF;
        *fd = in;
        return PC_TRI_OK;
    }
    if (!pc_tz_is_compressed(*fmt)) {
        close(in);
        return unsupported(*fmt, err);
    }
    int out = pc_tz_tmpfile(tmpdir, err);
    if (out < 0) {
        close(in);
        return PC_TRI_INTERNAL;
    }
    rc = pc_tz_decompress(in, *fmt, out, max_size, size, err);
    close(in);
    if (rc) {
        close(out);
        return rc;
    }
    *fd = out;
    return PC_TRI_OK;
}
