/* libFuzzer target: the triage decompressors (zstd, lz4, xz, gzip,
 * detected by content as triage does) with a small output cap, and the
 * peek that classifies a member by its first bytes. */
#include "triage/triage.h"

#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX (8u << 20)

static int memfd_with(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-in", MFD_CLOEXEC);
    size_t off = 0;
    while (fd >= 0 && off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    if (fd >= 0)
        lseek(fd, 0, SEEK_SET);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum pc_tz_format fmt = pc_tz_detect(data, size);
    if (!pc_tz_is_compressed(fmt))
        return 0;
    pc_error err;
    int in = memfd_with(data, size);
    if (in < 0)
        return 0;
    uint8_t head[64];
    size_t got = 0;
    pc_tz_peek(in, fmt, head, sizeof head, &got, &err);
    if (got > sizeof head)
        __builtin_trap();
    lseek(in, 0, SEEK_SET);
    int out = memfd_create("fuzz-out", MFD_CLOEXEC);
    uint64_t written = 0;
    if (out >= 0) {
        pc_tz_decompress(in, fmt, out, OUT_MAX, &written, &err);
        if (written > OUT_MAX)
            __builtin_trap();
        close(out);
    }
    close(in);
    return 0;
}
