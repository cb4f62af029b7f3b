/* Small helpers every layer uses: errors as objects, a growable buffer. */
#ifndef PYCORE_BASE_H
#define PYCORE_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "pycore.h"

#if defined(__GNUC__)
#define PC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PC_PRINTF(a, b)
#endif

/* Set err (if not NULL) and return code. */
int pc_fail(pc_error *err, int code, const char *fmt, ...) PC_PRINTF(3, 4);

/* write(2) until done, retrying EINTR; 0, or -1 with errno set. */
int pc_write_all(int fd, const void *buf, size_t n);

/* A growable byte buffer; on allocation failure it sets 'oom' and stops. */
typedef struct pc_buf {
    char *data;
    size_t len, cap;
    int oom;
} pc_buf;

void pc_buf_put_grow(pc_buf *b, const char *s, size_t n);
/* Reports are built of millions of small pieces: the common case (room
 * left) is inline, growing is not. */
static inline void pc_buf_put(pc_buf *b, const char *s, size_t n)
{
    if (!b->oom && b->cap - b->len > n) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = 0;
    } else
        pc_buf_put_grow(b, s, n);
}
static inline void pc_buf_puts(pc_buf *b, const char *s)
{
    pc_buf_put(b, s, strlen(s));
}
/* Room for n more bytes and a NUL at the end of b: where to write them,
 * then pc_buf_commit how many were written (<= n).  NULL: out of memory. */
char *pc_buf_room(pc_buf *b, size_t n);
void pc_buf_commit(pc_buf *b, size_t n);
void pc_buf_printf(pc_buf *b, const char *fmt, ...) PC_PRINTF(2, 3);
/* A decimal integer, as "%lld" prints it (reports hold many: printf's cost shows). */
void pc_buf_int(pc_buf *b, long long v);
/* Take the NUL-terminated contents (NULL if out of memory). */
char *pc_buf_take(pc_buf *b);
void pc_buf_free(pc_buf *b);

/* Grow *arr (of elem bytes) to hold at least n elements. 0 or -1. */
int pc_grow(void *arr, size_t *cap, size_t n, size_t elem);

char *pc_strdup(const char *s);
/* Does s end with suffix? */
int pc_str_ends_with(const char *s, const char *suffix);
/* Length of the valid UTF-8 sequence at p (1 for ASCII), 0 if invalid:
 * text read from a core is bytes, and reports must stay valid UTF-8. */
size_t pc_utf8_len(const unsigned char *p);
/* Overflow-checked a+b <= limit. */
static inline int pc_range_ok(uint64_t off, uint64_t len, uint64_t limit)
{
    return off <= limit && len <= limit - off;
}

#endif
