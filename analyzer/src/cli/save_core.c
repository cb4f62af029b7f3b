/* --save-core FILE: the target the analysis read, written as an ELF core
 * (target/core_write.c), zstd-compressed when FILE ends in ".zst".  The
 * core writer streams: a plain file and a zstd frame are two sinks. */
#include "cli/cli.h"
#include "target/core_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define ZSTD_LEVEL 3

struct out {
    int fd;
    int err_no;                 /* of the failed write; 0 none */
    ZSTD_CCtx *z;               /* NULL: plain */
    const char *zerr;           /* a compressor error */
    uint8_t *zbuf;
    size_t zcap;
};

static int put_plain(struct out *o, const void *buf, size_t len)
{
    if (pc_write_all(o->fd, buf, len) == 0)
        return 0;
    o->err_no = errno;
    return -1;
}

/* Compress what is given (ZSTD_e_continue) or close the frame (ZSTD_e_end). */
static int put_zstd(struct out *o, const void *buf, size_t len, ZSTD_EndDirective mode)
{
    ZSTD_inBuffer in = {buf, len, 0};
    for (;;) {
        ZSTD_outBuffer zo = {o->zbuf, o->zcap, 0};
        size_t left = ZSTD_compressStream2(o->z, &zo, &in, mode);
        if (ZSTD_isError(left)) {
            o->zerr = ZSTD_getErrorName(left);
            return -1;
        }
        if (zo.pos && put_plain(o, o->zbuf, zo.pos))
            return -1;
        if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
            return 0;
    }
}

static int sink(void *arg, const void *buf, size_t len)
{
    struct out *o = arg;
    return o->z ? put_zstd(o, buf, len, ZSTD_e_continue) : put_plain(o, buf, len);
}

static int zstd_init(struct out *o)
{
    o->z = ZSTD_createCCtx();
    o->zcap = ZSTD_CStreamOutSize();
    o->zbuf = malloc(o->zcap);
    return !o->z || !o->zbuf || ZSTD_isError(ZSTD_CCtx_setParameter(o->z, ZSTD_c_compressionLevel, ZSTD_LEVEL)) ||
                   ZSTD_isError(ZSTD_CCtx_setParameter(o->z, ZSTD_c_checksumFlag, 1))
               ? -1
               : 0;
}

/* The output's own failure says more than the core writer's "the output
 * failed". */
static int output_fail(const struct out *o, const char *path, pc_error *err)
{
    if (o->zerr)
        return pc_fail(err, PC_E_INTERNAL, "cannot compress the core into %s: %s", path, o->zerr);
    return pc_fail(err, PC_E_INTERNAL, "cannot write the core to %s: %s (free some space or choose another place)",
                   path, strerror(o->err_no));
}

int pc_cli_save_core(pc_target *t, const char *path, pc_error *err)
{
    struct out o = {.fd = -1};
    o.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (o.fd < 0 && errno == EEXIST)
        return pc_fail(err, PC_E_USAGE, "cannot create %s: it exists (--save-core never overwrites: give a new "
                       "file name)", path);
    if (o.fd < 0)
        return pc_fail(err, PC_E_INTERNAL, "cannot create %s: %s (give a path in a writable directory)", path,
                       strerror(errno));
    int rc = PC_OK;
    if (pc_str_ends_with(path, ".zst") && zstd_init(&o))
        rc = pc_fail(err, PC_E_INTERNAL, "out of memory starting the zstd compressor");
    if (rc == PC_OK && (rc = pc_core_write(t, sink, &o, err)) != PC_OK && (o.err_no || o.zerr))
        rc = output_fail(&o, path, err);
    if (rc == PC_OK && o.z && put_zstd(&o, NULL, 0, ZSTD_e_end))
        rc = output_fail(&o, path, err);
    if (close(o.fd) && rc == PC_OK) {
        o.err_no = errno;
        rc = output_fail(&o, path, err);
    }
    if (rc != PC_OK)
        unlink(path);   /* ours: O_EXCL created it */
    ZSTD_freeCCtx(o.z);
    free(o.zbuf);
    return rc;
}
