/* Streaming decompression of zstd, lz4 (frame), xz and gzip cores into an
 * unlinked temporary file.  Every bound holds against hostile input:
 *
 * - Memory: one input and one output buffer, plus each codec's window
 *   (zstd: 128 MiB at most; xz: a 256 MiB memory limit; lz4 and gzip: a
 *   few MiB).
 * - Size: the first bytes must be a 64-bit little-endian ELF core header,
 *   so a bomb of anything else stops after its first output buffer.  Once
 *   the program header table has streamed by, the core's extent is known
 *   and the cap drops to it plus CAP_SLACK: a valid header followed by
 *   endless data stops early too.  A frame header declaring a content
 *   size above the cap is refused before decoding.
 * - Disk: all-zero 4 KiB blocks become holes, so only non-zero bytes use
 *   disk, and every DISK_STEP bytes written the file system must keep a
 *   free-space reserve (docs/triage.md, "Limits"). */
#include "triage/triage.h"

#include <errno.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <lzma.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define IN_SIZE (256u << 10)
#define OUT_SIZE (1u << 20)
#define XZ_MEMLIMIT (256ull << 20)
#define ZSTD_WINDOW_LOG_MAX 27          /* 128 MiB, libzstd's default, made explicit */
#define STOP (-1)    /* the sink has what it wanted (peek) */

#define BLOCK 4096u                     /* unit of the zero-block (hole) test */
#define CAP_SLACK (16ull << 20)         /* data allowed past the declared extent */
#define PH_WINDOW (4u << 20)            /* program headers must end within this */
#define DISK_STEP (64ull << 20)         /* free-space check interval, in bytes written */
#define RESERVE_MIN (1ull << 30)        /* free space left alone: at least 1 GiB, */
#define RESERVE_PERCENT 2               /* or 2% of the file system */

#define EHDR_SIZE 64                    /* Elf64_Ehdr */
#define PHDR_SIZE 56                    /* Elf64_Phdr */
#define PN_XNUM_ 0xffffu

/* The ELF core header as it streams by: what it declares about the size
 * of the whole core. */
struct scan {
    uint8_t ehdr[EHDR_SIZE];
    uint8_t ph[PHDR_SIZE];              /* a program header split across two chunks */
    size_t phlen;
    unsigned phnum, seen;
    uint64_t phoff, phend, extent;
    int done;
};

/* Where decompressed bytes go: a file (capped) or a small buffer. */
struct sink {
    int fd;
    uint8_t *mem;
    size_t memcap;
    uint64_t total, max;
    pc_error *err;
    /* file sinks only */
    uint64_t cap;                       /* max, or the declared extent + CAP_SLACK */
    uint64_t written, next_check;       /* bytes written (holes excluded) */
    const char *dir;                    /* the temporary directory, for messages */
    struct scan scan;
};

struct src {
    int fd;
    uint8_t *buf;
    pc_error *err;
};

struct bufs {
    uint8_t *in, *out;
};

static uint64_t le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | p[n];
    return v;
}

/* ------------------------------------------------- the header, early */

static int corrupt_core(struct sink *s, const char *fmt, ...) PC_PRINTF(2, 3);
static int corrupt_core(struct sink *s, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    pc_fail(s->err, PC_E_CORE, "core is corrupt: %s; it cannot be analyzed, re-take it", what);
    return PC_TRI_BAD_CORE;
}

/* The first `have` bytes of the header: refuse at the first one that
 * cannot start a 64-bit little-endian ELF core. */
static int check_ident(struct sink *s, const uint8_t *h, size_t have)
{
    static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};
    for (size_t i = 0; i < 4 && i < have; i++)
        if (h[i] != magic[i])
            return pc_fail(s->err, PC_E_CORE, "the decompressed data is not an ELF core (not an ELF file): "
                                              "pass a core dump, plain or compressed"),
                   PC_TRI_BAD_CORE;
    if ((have > 4 && h[4] != 2) || (have > 5 && h[5] != 1))
        return pc_fail(s->err, PC_E_CORE, "the decompressed data is not a 64-bit little-endian ELF core, "
                                          "the only kind supported"),
               PC_TRI_BAD_CORE;
    if (have >= 18 && (h[16] != 4 || h[17] != 0))
        return pc_fail(s->err, PC_E_CORE, "the decompressed data is not an ELF core (ELF type %u, not ET_CORE): "
                                          "pass the core, not an executable or library",
                       (unsigned)le(h + 16, 2)),
               PC_TRI_BAD_CORE;
    return PC_TRI_OK;
}

static int parse_ehdr(struct sink *s)
{
    struct scan *c = &s->scan;
    const uint8_t *h = c->ehdr;
    uint64_t shoff = le(h + 40, 8);
    unsigned phentsize = (unsigned)le(h + 54, 2), shentsize = (unsigned)le(h + 58, 2);
    unsigned shnum = (unsigned)le(h + 60, 2);
    c->phoff = le(h + 32, 8);
    c->phnum = (unsigned)le(h + 56, 2);
    c->extent = EHDR_SIZE;
    if (shoff) {
        /* e_shnum 0 with a table: the count is in section 0, which exists */
        uint64_t n = (uint64_t)(shnum ? shnum : 1) * shentsize;
        if (shoff > UINT64_MAX - n)
            return corrupt_core(s, "the section header table ends past 2^64 (e_shoff %#llx)",
                                (unsigned long long)shoff);
        c->extent = shoff + n > c->extent ? shoff + n : c->extent;
    }
    if (c->phnum == PN_XNUM_)
        return corrupt_core(s, "it declares 65535 or more program headers (PN_XNUM), more than a sane core has");
    if (c->phnum == 0) {
        c->done = 1;     /* the core target says why that is no core */
        return PC_TRI_OK;
    }
    if (phentsize != PHDR_SIZE)
        return corrupt_core(s, "its program headers are %u bytes each, not %d", phentsize, PHDR_SIZE);
    if (c->phoff < EHDR_SIZE || c->phoff > PH_WINDOW || c->phnum * PHDR_SIZE > PH_WINDOW - c->phoff)
        return corrupt_core(s, "its program header table (offset %llu, %u entries) is not within the first %u MiB",
                            (unsigned long long)c->phoff, c->phnum, PH_WINDOW >> 20);
    c->phend = c->phoff + (uint64_t)c->phnum * PHDR_SIZE;
    c->extent = c->phend > c->extent ? c->phend : c->extent;
    return PC_TRI_OK;
}

static int take_phdr(struct sink *s)
{
    struct scan *c = &s->scan;
    uint64_t off = le(c->ph + 8, 8), filesz = le(c->ph + 32, 8);
    unsigned i = c->seen++;
    if (!filesz)
        return PC_TRI_OK;
    if (off > UINT64_MAX - filesz)
        return corrupt_core(s, "program header #%u ends past 2^64 (p_offset %#llx, p_filesz %#llx)", i,
                            (unsigned long long)off, (unsigned long long)filesz);
    if (off + filesz > c->extent)
        c->extent = off + filesz;
    return PC_TRI_OK;
}

/* The headers are all in: refuse a core declared too large, and stop a
 * valid header followed by endless data soon after the declared end. */
static int scan_done(struct sink *s)
{
    struct scan *c = &s->scan;
    c->done = 1;
    if (c->extent > s->max) {
        pc_fail(s->err, PC_E_CORE,
                "the core's headers declare %llu bytes, more than --max-core-size (%llu bytes); raise it if the core "
                "is genuine",
                (unsigned long long)c->extent, (unsigned long long)s->max);
        return PC_TRI_TOO_LARGE;
    }
    if (c->extent <= UINT64_MAX - CAP_SLACK && c->extent + CAP_SLACK < s->cap)
        s->cap = c->extent + CAP_SLACK;
    return PC_TRI_OK;
}

/* Look at the chunk that lands at offset s->total: ELF header first, then
 * the program header table, which may be split across chunks. */
static int inspect(struct sink *s, const uint8_t *p, size_t n)
{
    struct scan *c = &s->scan;
    uint64_t pos = s->total;
    int rc;
    if (c->done)
        return PC_TRI_OK;
    if (pos < EHDR_SIZE) {
        size_t k = n < EHDR_SIZE - pos ? n : (size_t)(EHDR_SIZE - pos);
        memcpy(c->ehdr + pos, p, k);
        if ((rc = check_ident(s, c->ehdr, (size_t)pos + k)))
            return rc;
        if (pos + k < EHDR_SIZE)
            return PC_TRI_OK;
        if ((rc = parse_ehdr(s)) || c->done)
            return rc ? rc : scan_done(s);
    }
    uint64_t lo = pos > c->phoff ? pos : c->phoff, hi = pos + n < c->phend ? pos + n : c->phend;
    while (lo < hi) {
        size_t k = PHDR_SIZE - c->phlen < hi - lo ? PHDR_SIZE - c->phlen : (size_t)(hi - lo);
        memcpy(c->ph + c->phlen, p + (lo - pos), k);
        c->phlen += k, lo += k;
        if (c->phlen == PHDR_SIZE) {
            c->phlen = 0;
            if ((rc = take_phdr(s)))
                return rc;
        }
    }
    return c->seen == c->phnum ? scan_done(s) : PC_TRI_OK;
}

/* ------------------------------------------------- writing, sparsely */

static const char *dir_name(const struct sink *s)
{
    return s->dir ? s->dir : "the temporary directory";
}

/* Before more bytes land on disk: keep a reserve free on the file system. */
static int check_space(struct sink *s)
{
    struct statvfs v;
    /* No figures (f_blocks 0: an unlimited tmpfs, a memfd): nothing to
     * keep free, and a write to a full disk still fails with ENOSPC. */
    if (fstatvfs(s->fd, &v) || !v.f_frsize || !v.f_blocks)
        return PC_TRI_OK;
    uint64_t size = (uint64_t)v.f_blocks * v.f_frsize, avail = (uint64_t)v.f_bavail * v.f_frsize;
    uint64_t reserve = size / 100 * RESERVE_PERCENT;
    if (reserve < RESERVE_MIN)
        reserve = RESERVE_MIN;
    if (avail >= reserve + DISK_STEP)
        return PC_TRI_OK;
    pc_fail(s->err, PC_E_INTERNAL,
            "not enough free space in %s (TMPDIR) for the decompressed core: %llu MiB free, %llu MiB must stay free; "
            "set TMPDIR to a larger file system or lower --jobs",
            dir_name(s), (unsigned long long)(avail >> 20), (unsigned long long)((reserve + DISK_STEP) >> 20));
    return PC_TRI_INTERNAL;
}

static int all_zero(const uint8_t *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static int write_failed(struct sink *s)
{
    pc_fail(s->err, PC_E_INTERNAL,
            "cannot write the decompressed core to %s (TMPDIR): %s; free space there or set TMPDIR elsewhere",
            dir_name(s), strerror(errno));
    return PC_TRI_INTERNAL;
}

/* Write p in runs of whole blocks (aligned to the file offset), seeking
 * over the all-zero ones: a core full of zeros costs no disk. */
static int put_sparse(struct sink *s, const uint8_t *p, size_t n)
{
    while (n) {
        size_t len = BLOCK - (size_t)(s->total % BLOCK);
        len = len < n ? len : n;
        int zero = all_zero(p, len);
        while (len < n) {
            size_t k = n - len < BLOCK ? n - len : BLOCK;
            if (all_zero(p + len, k) != zero)
                break;
            len += k;
        }
        if (zero) {
            if (lseek(s->fd, (off_t)len, SEEK_CUR) < 0)
                return write_failed(s);
        } else {
            if (s->written >= s->next_check) {
                int rc = check_space(s);
                if (rc)
                    return rc;
                s->next_check = s->written + DISK_STEP;
            }
            if (pc_write_all(s->fd, p, len))
                return write_failed(s);
            s->written += len;
        }
        s->total += len, p += len, n -= len;
    }
    return PC_TRI_OK;
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
    int rc = inspect(s, p, n);
    if (rc)
        return rc;
    if (n > s->cap - s->total) {
        if (s->cap < s->max)
            return corrupt_core(s, "the decompressed data goes on more than %llu MiB past the %llu bytes its "
                                   "headers declare",
                                CAP_SLACK >> 20, (unsigned long long)s->scan.extent);
        pc_fail(s->err, PC_E_CORE, "the decompressed core is larger than --max-core-size (%llu bytes)",
                (unsigned long long)s->max);
        return PC_TRI_TOO_LARGE;
    }
    return put_sparse(s, p, n);
}

/* A frame header that declares more than the cap: refused before any
 * decoding (zstd, lz4; the first frame only, a lower bound). */
static int declared_too_large(struct sink *s, const char *fmt_name, uint64_t declared)
{
    if (s->mem || declared <= s->max)
        return PC_TRI_OK;
    pc_fail(s->err, PC_E_CORE,
            "the %s frame header declares %llu decompressed bytes, more than --max-core-size (%llu bytes); raise it "
            "if the core is genuine",
            fmt_name, (unsigned long long)declared, (unsigned long long)s->max);
    return PC_TRI_TOO_LARGE;
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
    if (!z || ZSTD_isError(ZSTD_initDStream(z)) ||
        ZSTD_isError(ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX))) {
        ZSTD_freeDStream(z);
        return pc_fail(s->err, PC_E_INTERNAL, "out of memory"), PC_TRI_INTERNAL;
    }
    size_t last = 1;   /* 0 once a frame is complete */
    int rc = PC_TRI_OK, first = 1;
    for (;;) {
        ssize_t n = src_read(in);
        if (n < 0) {
            rc = PC_TRI_UNREADABLE;
            break;
        }
        if (n == 0)
            break;
        if (first) {
            unsigned long long cs = ZSTD_getFrameContentSize(in->buf, (size_t)n);
            first = 0;
            if (cs != ZSTD_CONTENTSIZE_UNKNOWN && cs != ZSTD_CONTENTSIZE_ERROR &&
                (rc = declared_too_large(s, "zstd", cs)))
                break;
        }
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

/* The frame header's content size (FLG bit 3), 0 when it has none. */
static uint64_t lz4_content_size(const uint8_t *b, size_t n)
{
    if (n < 14 || memcmp(b, "\x04\x22\x4d\x18", 4) != 0 || (b[4] >> 6) != 1 || !(b[4] & 0x08))
        return 0;
    return le(b + 6, 8);
}

static int dz_lz4(struct src *in, struct sink *s, uint8_t *out)
{
    LZ4F_dctx *d = NULL;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
        return pc_fail(s->err, PC_E_INTERNAL, "out of memory"), PC_TRI_INTERNAL;
    size_t hint = 1;   /* 0 once a frame is complete */
    int rc = PC_TRI_OK, first = 1;
    for (;;) {
        ssize_t n = src_read(in);
        if (n < 0) {
            rc = PC_TRI_UNREADABLE;
            break;
        }
        if (n == 0)
            break;
        if (first && (first = 0, rc = declared_too_large(s, "lz4", lz4_content_size(in->buf, (size_t)n))))
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

/* dir names the temporary directory in messages (NULL: unknown). */
static int decompress_to(int in, enum pc_tz_format fmt, int out, uint64_t max, const char *dir, uint64_t *written,
                         pc_error *err)
{
    struct sink s = {.fd = out, .max = max, .cap = max, .dir = dir, .err = err};
    int rc = run(in, fmt, &s);
    /* The file ends at the last byte written; a trailing run of zeros was
     * only seeked over.  Also on failure: callers may read what came. */
    if (ftruncate(out, (off_t)s.total) && rc == PC_TRI_OK)
        rc = write_failed(&s);
    *written = s.total;
    return rc;
}

int pc_tz_decompress(int in, enum pc_tz_format fmt, int out, uint64_t max, uint64_t *written, pc_error *err)
{
    return decompress_to(in, fmt, out, max, NULL, written, err);
}

int pc_tz_peek(int in, enum pc_tz_format fmt, uint8_t *buf, size_t n, size_t *got, pc_error *err)
{
    struct sink s = {.fd = -1, .mem = buf, .memcap = n, .max = n, .cap = n, .err = err};
    int rc = run(in, fmt, &s);
    *got = (size_t)s.total;
    /* a short or damaged head still tells what the content is */
    return s.total == n ? PC_TRI_OK : rc;
}

static const char *tmpdir_of(const char *tmpdir)
{
    if (!tmpdir || !*tmpdir)
        tmpdir = getenv("TMPDIR");
    return tmpdir && *tmpdir ? tmpdir : "/tmp";
}

int pc_tz_tmpfile(const char *tmpdir, pc_error *err)
{
    tmpdir = tmpdir_of(tmpdir);
    /* O_TMPFILE: the file never has a name, so no way of ending the
     * process, SIGKILL included, leaves it behind. */
    int fd = open(tmpdir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    /* No O_TMPFILE on this file system: a name that lives for two system
     * calls.  Ctrl-C or SIGTERM in between waits until it is gone; only
     * SIGKILL can still leave it (docs/triage.md). */
    char path[4096];
    snprintf(path, sizeof path, "%s/pycore-triage-XXXXXX", tmpdir);
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    sigaddset(&stop, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    fd = mkostemp(path, O_CLOEXEC);
    int saved = errno;
    if (fd >= 0)
        unlink(path);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        pc_fail(err, PC_E_INTERNAL, "cannot create a temporary file in %s (set TMPDIR): %s", tmpdir,
                strerror(saved));
        return -1;
    }
    return fd;
}

static int open_member(const char *path, int *fd, struct stat *st, pc_error *err)
{
    /* A FIFO must not block the batch. */
    *fd = pc_open_regular(path, st);
    if (*fd < 0 && errno == EINVAL)
        return pc_fail(err, PC_E_CORE, "not a regular file"), PC_TRI_UNREADABLE;
    if (*fd < 0)
        return pc_fail(err, PC_E_CORE, "cannot open: %s", strerror(errno)), PC_TRI_UNREADABLE;
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
    rc = decompress_to(in, *fmt, out, max_size, tmpdir_of(tmpdir), size, err);
    close(in);
    if (rc) {
        close(out);
        return rc;
    }
    *fd = out;
    return PC_TRI_OK;
}
