/* The decompressor: formats told apart by magic bytes, not names; each
 * codec round-trips (several frames/members too); truncated and corrupt
 * data, the size cap, and the peek used to sniff directory members. */
#include <fcntl.h>
#include <lz4frame.h>
#include <lzma.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <cmocka.h>

#include "triage/triage.h"

static void test_detect(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        enum pc_tz_format want;
    } cases[] = {
        {"\x7f" "ELF\x02\x01", 6, PC_TZ_ELF},
        {"\x28\xb5\x2f\xfd\x00\x00", 6, PC_TZ_ZSTD},
        {"\x5e\x2a\x4d\x18\x00\x00", 6, PC_TZ_ZSTD},     /* skippable frame */
        {"\x04\x22\x4d\x18\x64\x40", 6, PC_TZ_LZ4},
        {"\x02\x21\x4c\x18\x00\x00", 6, PC_TZ_LZ4_LEGACY},
        {"\xfd" "7zXZ\0", 6, PC_TZ_XZ},
        {"\x1f\x8b\x08\x00\x00\x00", 6, PC_TZ_GZIP},
        {"BZh91AY", 6, PC_TZ_BZIP2},
        {"\x1f\x8b\x07\x00\x00\x00", 6, PC_TZ_UNKNOWN},   /* not deflate */
        {"\xfd" "7zXZ\1", 6, PC_TZ_UNKNOWN},
        {"hello!", 6, PC_TZ_UNKNOWN},
        {"\x7f" "EL", 3, PC_TZ_UNKNOWN},                 /* too short */
        {"", 0, PC_TZ_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(pc_tz_detect((const uint8_t *)cases[i].bytes, cases[i].n), cases[i].want);
    assert_true(pc_tz_is_compressed(PC_TZ_ZSTD) && pc_tz_is_compressed(PC_TZ_GZIP));
    assert_false(pc_tz_is_compressed(PC_TZ_ELF) || pc_tz_is_compressed(PC_TZ_BZIP2));
    assert_string_equal(pc_tz_name(PC_TZ_ELF), "none");
    assert_string_equal(pc_tz_name(PC_TZ_LZ4), "lz4");
}

static void test_elf_core(void **state)
{
    (void)state;
    uint8_t h[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    h[16] = 4;                                   /* ET_CORE, little-endian */
    assert_true(pc_tz_is_elf_core(h, sizeof h));
    h[16] = 2;                                   /* ET_EXEC */
    assert_false(pc_tz_is_elf_core(h, sizeof h));
    h[5] = 2, h[16] = 0, h[17] = 4;              /* big-endian ET_CORE */
    assert_true(pc_tz_is_elf_core(h, sizeof h));
    assert_false(pc_tz_is_elf_core(h, 10));
}

/* ------------------------------------------------------------ helpers */

#define DATA_LEN (3u << 20)   /* several output buffers' worth */

static uint8_t *sample(void)
{
    uint8_t *d = malloc(DATA_LEN);
    uint32_t x = 12345;
    memcpy(d, "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x04\0", 18);
    for (size_t i = 18; i < DATA_LEN; i++) {
        x = x * 1103515245u + 12345u;
        d[i] = (i / 4096) % 3 ? (uint8_t)(x >> 24) : 0;   /* some of it compressible */
    }
    return d;
}

static int mem_fd(const void *p, size_t n)
{
    char path[] = "/tmp/pycore-unit-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static size_t c_zstd(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t r = ZSTD_compress(out, cap, in, n, 1);
    assert_false(ZSTD_isError(r));
    return r;
}

static size_t c_lz4(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    size_t r = LZ4F_compressFrame(out, cap, in, n, &prefs);
    assert_false(LZ4F_isError(r));
    return r;
}

static size_t c_xz(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t pos = 0;
    assert_int_equal(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC64, NULL, in, n, out, &pos, cap), LZMA_OK);
    return pos;
}

static size_t c_gzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (uint8_t *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t r = z.total_out;
    deflateEnd(&z);
    return r;
}

typedef size_t (*compress_fn)(const uint8_t *, size_t, uint8_t *, size_t);

static const struct codec {
    enum pc_tz_format fmt;
    compress_fn fn;
} codecs[] = {
    {PC_TZ_ZSTD, c_zstd}, {PC_TZ_LZ4, c_lz4}, {PC_TZ_XZ, c_xz}, {PC_TZ_GZIP, c_gzip},
};

/* data compressed as two frames/members/streams back to back */
static size_t two_frames(const struct codec *c, const uint8_t *d, uint8_t *out, size_t cap)
{
    size_t half = DATA_LEN / 2;
    size_t a = c->fn(d, half, out, cap);
    return a + c->fn(d + half, DATA_LEN - half, out + a, cap - a);
}

static int decompress(enum pc_tz_format fmt, const uint8_t *z, size_t n, uint64_t max, uint8_t **out,
                      uint64_t *len, pc_error *err)
{
    int in = mem_fd(z, n);
    int o = pc_tz_tmpfile(NULL, err);
    assert_true(o >= 0);
    int rc = pc_tz_decompress(in, fmt, o, max, len, err);
    *out = malloc(*len + 1);
    assert_int_equal(pread(o, *out, *len, 0), (ssize_t)*len);
    close(in);
    close(o);
    return rc;
}

/* ------------------------------------------------------------- tests */

static void test_round_trips(void **state)
{
    (void)state;
    uint8_t *d = sample();
    size_t cap = DATA_LEN * 2;
    uint8_t *z = malloc(cap), *out;
    for (size_t i = 0; i < sizeof codecs / sizeof *codecs; i++) {
        size_t n = two_frames(&codecs[i], d, z, cap);
        assert_int_equal(pc_tz_detect(z, n), codecs[i].fmt);
        uint64_t len = 0;
        pc_error err = {0};
        int rc = decompress(codecs[i].fmt, z, n, UINT64_MAX, &out, &len, &err);
        if (rc)
            fail_msg("%s: %s", pc_tz_name(codecs[i].fmt), err.msg);
        assert_int_equal(len, DATA_LEN);
        assert_memory_equal(out, d, DATA_LEN);
        free(out);
    }
    free(z);
    free(d);
}

static void test_truncated_corrupt_capped(void **state)
{
    (void)state;
    uint8_t *d = sample();
    size_t cap = DATA_LEN * 2;
    uint8_t *z = malloc(cap), *out;
    for (size_t i = 0; i < sizeof codecs / sizeof *codecs; i++) {
        enum pc_tz_format f = codecs[i].fmt;
        size_t n = codecs[i].fn(d, DATA_LEN, z, cap);
        uint64_t len;
        pc_error err = {0};
        /* truncated */
        assert_int_equal(decompress(f, z, n * 2 / 3, UINT64_MAX, &out, &len, &err), PC_TRI_DECOMPRESS);
        assert_non_null(strstr(err.msg, pc_tz_name(f)));
        free(out);
        /* capped */
        assert_int_equal(decompress(f, z, n, DATA_LEN - 1, &out, &len, &err), PC_TRI_TOO_LARGE);
        assert_true(len < DATA_LEN);
        free(out);
        /* corrupt: flip bytes in the middle (every format here has a checksum) */
        for (size_t k = n / 2; k < n / 2 + 64; k++)
            z[k] ^= 0x5a;
        assert_int_equal(decompress(f, z, n, UINT64_MAX, &out, &len, &err), PC_TRI_DECOMPRESS);
        free(out);
    }
    free(z);
    free(d);
}

static void test_peek(void **state)
{
    (void)state;
    uint8_t *d = sample();
    size_t cap = DATA_LEN * 2;
    uint8_t *z = malloc(cap);
    for (size_t i = 0; i < sizeof codecs / sizeof *codecs; i++) {
        size_t n = codecs[i].fn(d, DATA_LEN, z, cap);
        int fd = mem_fd(z, n);
        uint8_t head[20];
        size_t got = 0;
        pc_error err = {0};
        assert_int_equal(pc_tz_peek(fd, codecs[i].fmt, head, sizeof head, &got, &err), PC_TRI_OK);
        assert_int_equal(got, sizeof head);
        assert_true(pc_tz_is_elf_core(head, got));
        close(fd);
    }
    free(z);
    free(d);
}

static void test_open_plain_and_unknown(void **state)
{
    (void)state;
    char path[] = "/tmp/pycore-unit-XXXXXX";
    int w = mkstemp(path);
    assert_true(w >= 0);
    assert_int_equal(write(w, "just text\n", 10), 10);
    close(w);
    int fd;
    enum pc_tz_format fmt;
    uint64_t size;
    pc_error err = {0};
    assert_int_equal(pc_tz_open(path, NULL, 1 << 20, &fd, &fmt, &size, &err), PC_TRI_BAD_CORE);
    assert_non_null(strstr(err.msg, "not a core"));
    unlink(path);
    assert_int_equal(pc_tz_open(path, NULL, 1 << 20, &fd, &fmt, &size, &err), PC_TRI_UNREADABLE);
    assert_int_equal(pc_tz_open("/", NULL, 1 << 20, &fd, &fmt, &size, &err), PC_TRI_UNREADABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),     cmocka_unit_test(test_elf_core),
        cmocka_unit_test(test_round_trips), cmocka_unit_test(test_truncated_corrupt_capped),
        cmocka_unit_test(test_peek),       cmocka_unit_test(test_open_plain_and_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
