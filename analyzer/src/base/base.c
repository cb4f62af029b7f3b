#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

int pc_fail(pc_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

static int buf_reserve(pc_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = 1;
        return -1;
    }
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

void pc_buf_put_grow(pc_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

char *pc_buf_room(pc_buf *b, size_t n)
{
    return buf_reserve(b, n) ? NULL : b->data + b->len;
}

void pc_buf_commit(pc_buf *b, size_t n)
{
    if (b->oom || !b->data || n > b->cap - b->len - 1)
        return;
    b->len += n;
    b->data[b->len] = 0;
}

void pc_buf_printf(pc_buf *b, const char *fmt, ...)
{
    va_list ap;
    /* Formatted once into the room left, and again only if it did not fit
     * (half of a JSON report's time went to measuring every field first). */
    size_t room = !b->oom && b->data ? b->cap - b->len : 0;
    va_start(ap, fmt);
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < room) {
        b->len += (size_t)n;
        return;
    }
    if (n < 0 || buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void pc_buf_int(pc_buf *b, long long v)
{
    char d[24], *e = d + sizeof d, *p = e;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    pc_buf_put(b, p, (size_t)(e - p));
}

char *pc_buf_take(pc_buf *b)
{
    if (b->oom || buf_reserve(b, 0)) {
        pc_buf_free(b);
        return NULL;
    }
    char *d = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

void pc_buf_free(pc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int pc_grow(void *arr, size_t *cap, size_t n, size_t elem)
{
    void **p = arr;
    if (n <= *cap)
        return 0;
    size_t c = *cap ? *cap : 8;
    while (c < n) {
        if (c > SIZE_MAX / 2 / elem)
            return -1;
        c *= 2;
    }
    void *d = realloc(*p, c * elem);
    if (!d)
        return -1;
    *p = d;
    *cap = c;
    return 0;
}

size_t pc_utf8_len(const unsigned char *p)
{
    size_t n;
    uint32_t c;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) n = 2, c = p[0] & 0x1f;
    else if (p[0] >= 0xe0 && p[0] <= 0xef) n = 3, c = p[0] & 0x0f;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4) n = 4, c = p[0] & 0x07;
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3f);
    }
    if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
        return 0;
    return n;
}

int pc_str_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

char *pc_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void pc_free(void *p)
{
    free(p);
}

unsigned pc_target_ops_version(void)
{
    return PC_TARGET_OPS_VERSION;
}

const char *pc_status_name(int code)
{
    switch (code) {
    case PC_OK: return "ok";
    case PC_E_USAGE: return "usage";
    case PC_E_CORE: return "bad-core";
    case PC_E_MODULE: return "missing-module";
    case PC_E_NOPYTHON: return "no-python";
    case PC_E_INTERNAL: return "internal";
    case PC_E_MEMORY: return "unreadable-memory";
    default: return "error";
    }
}

int pc_write_all(int fd, const void *buf, size_t n)
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
