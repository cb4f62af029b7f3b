/* Input formats told apart by content (magic bytes), never by name. */
#include "triage/triage.h"

#include <string.h>

static int has(const uint8_t *buf, size_t n, const void *magic, size_t len)
{
    return n >= len && memcmp(buf, magic, len) == 0;
}

enum pc_tz_format pc_tz_detect(const uint8_t *buf, size_t n)
{
    if (has(buf, n, "\x7f" "ELF", 4))
        return PC_TZ_ELF;
    if (has(buf, n, "\x28\xb5\x2f\xfd", 4))
        return PC_TZ_ZSTD;
    /* Skippable frames (0x184D2A50..5F, little-endian), zstd or lz4
     * alike: libzstd skips them. */
    if (n >= 4 && (buf[0] & 0xf0) == 0x50 && buf[1] == 0x2a && buf[2] == 0x4d && buf[3] == 0x18)
        return PC_TZ_ZSTD;
    if (has(buf, n, "\x04\x22\x4d\x18", 4))
        return PC_TZ_LZ4;
    if (has(buf, n, "\x02\x21\x4c\x18", 4))
        return PC_TZ_LZ4_LEGACY;
    if (has(buf, n, "\xfd" "7zXZ\0", 6))
        return PC_TZ_XZ;
    if (n >= 3 && buf[0] == 0x1f && buf[1] == 0x8b && buf[2] == 8)
        return PC_TZ_GZIP;   /* deflate, the only method gzip defines */
    if (n >= 4 && has(buf, n, "BZh", 3) && buf[3] >= '1' && buf[3] <= '9')
        return PC_TZ_BZIP2;
    return PC_TZ_UNKNOWN;
}

const char *pc_tz_name(enum pc_tz_format f)
{
    switch (f) {
    case PC_TZ_ELF: return "none";
    case PC_TZ_ZSTD: return "zstd";
    case PC_TZ_LZ4: return "lz4";
    case PC_TZ_XZ: return "xz";
    case PC_TZ_GZIP: return "gzip";
    case PC_TZ_LZ4_LEGACY: return "lz4-legacy";
    case PC_TZ_BZIP2: return "bzip2";
    default: return "unknown";
    }
}

int pc_tz_is_compressed(enum pc_tz_format f)
{
    return f == PC_TZ_ZSTD || f == PC_TZ_LZ4 || f == PC_TZ_XZ || f == PC_TZ_GZIP;
}

int pc_tz_is_elf_core(const uint8_t *buf, size_t n)
{
    /* e_type (offset 16) is ET_CORE = 4, in either byte order. */
    return n >= 18 && has(buf, n, "\x7f" "ELF", 4) &&
           ((buf[5] == 1 && buf[16] == 4 && buf[17] == 0) || (buf[5] == 2 && buf[16] == 0 && buf[17] == 4));
}

const char *pc_tri_err_name(int kind)
{
    static const char *const names[PC_TRI_NKINDS] = {
        "none", "unreadable", "decompress", "too-large", "bad-core", "module", "no-python",
        "internal", "crashed", "timeout",
    };
    return kind >= 0 && kind < PC_TRI_NKINDS ? names[kind] : "internal";
}

int pc_tri_err_of_status(int st)
{
    switch (st) {
    case PC_OK: return PC_TRI_OK;
    case PC_E_CORE: return PC_TRI_BAD_CORE;
    case PC_E_MODULE: return PC_TRI_MODULE;
    case PC_E_NOPYTHON: return PC_TRI_NO_PYTHON;
    default: return PC_TRI_INTERNAL;
    }
}
