/* Hand-built CPython 3.11 objects in a memory target (heap.h). */
#include "heap.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpython/layout.h"

#define HEAP_BASE 0x10000000ull
#define HEAP_SIZE (1u << 20)
#define OFF(f) ((uint64_t)h->L->f)

static int heap_read(void *ctx, uint64_t a, void *buf, size_t n)
{
    struct heap *h = ctx;
    if (a < h->base || a - h->base > h->used || n > h->used - (a - h->base))
        return PC_E_MEMORY;
    memcpy(buf, h->mem + (a - h->base), n);
    return PC_OK;
}
static int heap_process(void *ctx, pc_process_desc *p)
{
    (void)ctx;
    memset(p, 0, sizeof *p);
    return PC_OK;
}
static size_t heap_zero(void *ctx) { (void)ctx; return 0; }
static int heap_thread(void *ctx, size_t i, pc_thread_desc *t) { (void)ctx, (void)i, (void)t; return PC_E_USAGE; }
static int heap_mapping(void *ctx, size_t i, pc_mapping_desc *m) { (void)ctx, (void)i, (void)m; return PC_E_USAGE; }
static const pc_target_ops heap_ops = {PC_TARGET_OPS_VERSION, heap_read, heap_process, heap_zero, heap_thread,
                                       heap_zero, heap_mapping, NULL, NULL, NULL, NULL};

static uint64_t alloc(struct heap *h, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    assert_true(h->used + n <= h->size);
    uint64_t a = h->base + h->used;
    h->used += n;
    return a;
}

static void w64(struct heap *h, uint64_t a, uint64_t v) { memcpy(h->mem + (a - h->base), &v, 8); }
static void w32(struct heap *h, uint64_t a, uint32_t v) { memcpy(h->mem + (a - h->base), &v, 4); }
static void w8(struct heap *h, uint64_t a, uint8_t v) { h->mem[a - h->base] = v; }

static uint64_t cstr(struct heap *h, const char *s)
{
    uint64_t a = alloc(h, strlen(s) + 1);
    memcpy(h->mem + (a - h->base), s, strlen(s) + 1);
    return a;
}

static uint64_t object(struct heap *h, uint64_t type, size_t size)
{
    uint64_t a = alloc(h, size);
    w64(h, a, 1);                       /* ob_refcnt */
    w64(h, a + OFF(ob_type), type);
    return a;
}

uint64_t heap_type(struct heap *h, const char *name, int64_t dictoffset)
{
    uint64_t t = object(h, h->t_type, (size_t)h->L->tp_size + 64);
    w64(h, t + OFF(tp_name), cstr(h, name));
    w64(h, t + OFF(tp_dictoffset), (uint64_t)dictoffset);
    w64(h, t + OFF(tp_basicsize), 64);
    return t;
}

uint64_t heap_str(struct heap *h, const char *s)
{
    size_t n = strlen(s);
    uint64_t o = object(h, h->py->t_str, (size_t)h->L->u_ascii_size + n + 1);
    w64(h, o + OFF(u_length), n);
    w32(h, o + OFF(u_state), 1u << 2 | 1u << 5 | 1u << 6);    /* 1-byte kind, compact, ascii */
    memcpy(h->mem + (o + OFF(u_ascii_size) - h->base), s, n + 1);
    return o;
}

uint64_t heap_int(struct heap *h, int64_t v)
{
    assert_true(v >= 0 && v < (1 << 30));
    uint64_t o = object(h, h->py->t_int, (size_t)h->L->l_digit + 4);
    w64(h, o + OFF(ob_size), v ? 1 : 0);
    w32(h, o + OFF(l_digit), (uint32_t)v);
    return o;
}

uint64_t heap_tuple(struct heap *h, size_t n, const uint64_t *items)
{
    uint64_t o = object(h, h->t_tuple, (size_t)h->L->tu_item + 8 * n);
    w64(h, o + OFF(ob_size), n);
    for (size_t i = 0; i < n; i++)
        w64(h, o + OFF(tu_item) + 8 * i, items[i]);
    return o;
}

uint64_t heap_list(struct heap *h, size_t n, const uint64_t *items)
{
    uint64_t o = object(h, h->t_list, (size_t)h->L->li_item + 16), arr = alloc(h, 8 * n + 8);
    w64(h, o + OFF(ob_size), n);
    w64(h, o + OFF(li_item), arr);
    for (size_t i = 0; i < n; i++)
        w64(h, arr + 8 * i, items[i]);
    return o;
}

uint64_t heap_dict(struct heap *h, const char *const *keys, const uint64_t *values)
{
    size_t n = 0;
    while (keys && keys[n])
        n++;
    /* 3.11 keys object: 8 one-byte indices, then unicode entries (key, value). */
    size_t esize = (size_t)h->L->dk_unicode_entry_size;
    uint64_t k = alloc(h, (size_t)h->L->dk_indices + 8 + esize * (n + 1));
    w8(h, k + OFF(dk_log2_size), 3);
    w8(h, k + OFF(dk_log2_index_bytes), 3);
    w8(h, k + OFF(dk_kind), 1);
    w64(h, k + OFF(dk_nentries), n);
    uint64_t entries = k + OFF(dk_indices) + 8;
    for (size_t i = 0; i < n; i++) {
        w64(h, entries + esize * i + esize - 16, heap_str(h, keys[i]));
        w64(h, entries + esize * i + esize - 8, values[i]);
    }
    uint64_t d = object(h, h->py->t_dict, 64);
    w64(h, d + OFF(d_used), n);
    w64(h, d + OFF(d_keys), k);
    w64(h, d + OFF(d_values), 0);
    return d;
}

uint64_t heap_object(struct heap *h, uint64_t type, const char *const *keys, const uint64_t *values)
{
    uint64_t o = object(h, type, 64);
    w64(h, o + 16, heap_dict(h, keys, values));
    return o;
}

uint64_t heap_module(struct heap *h, const char *name, const char *const *keys, const uint64_t *values)
{
    uint64_t mod = object(h, h->py->t_module, 64);
    w64(h, mod + OFF(md_dict), heap_dict(h, keys, values));
    /* sys.modules: rebuilt with one more entry (few modules per test). */
    static const size_t MAXM = 8;
    const char *names[9] = {0};
    uint64_t vals[8];
    size_t n = 0;
    uint64_t old = h->modules;
    if (old) {
        uint64_t kk, entries;
        int64_t ne;
        memcpy(&kk, h->mem + (old + OFF(d_keys) - h->base), 8);
        memcpy(&ne, h->mem + (kk + OFF(dk_nentries) - h->base), 8);
        entries = kk + OFF(dk_indices) + 8;
        size_t esize = (size_t)h->L->dk_unicode_entry_size;
        for (int64_t i = 0; i < ne && n < MAXM - 1; i++, n++) {
            uint64_t key, val;
            memcpy(&key, h->mem + (entries + esize * (size_t)i + esize - 16 - h->base), 8);
            memcpy(&val, h->mem + (entries + esize * (size_t)i + esize - 8 - h->base), 8);
            names[n] = (const char *)h->mem + (key + OFF(u_ascii_size) - h->base);
            vals[n] = val;
        }
    }
    names[n] = name;
    vals[n++] = mod;
    names[n] = NULL;
    h->modules = heap_dict(h, names, vals);
    w64(h, h->py->interp + OFF(is_modules), h->modules);
    return mod;
}

void heap_frame(struct heap *h, struct pc_py_frame *f, const char *const *names, const uint64_t *values)
{
    size_t n = 0;
    while (names && names[n])
        n++;
    uint64_t strs[32];
    assert_true(n <= 32);
    for (size_t i = 0; i < n; i++)
        strs[i] = heap_str(h, names[i]);
    uint64_t code = object(h, h->t_code, 256);
    w64(h, code + OFF(co_varnames), heap_tuple(h, n, strs));
    w32(h, code + OFF(co_stacksize), 0);
    uint64_t fr = alloc(h, (size_t)h->L->if_localsplus + 8 * n + 8);
    w64(h, fr + OFF(if_code), code);
    w32(h, fr + OFF(if_stacktop), (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        w64(h, fr + OFF(if_localsplus) + 8 * i, values[i]);
    f->addr = fr;
    f->code = code;
}

uint64_t heap_stream(struct heap *h, const char *kind, int fd, int text, uint64_t owner, uint64_t *lock)
{
    char name[48];
    uint64_t fio = object(h, heap_type(h, "_io.FileIO", 40), 64);
    w32(h, fio + OFF(fio_fd), (uint32_t)fd);
    snprintf(name, sizeof name, "_io.%s", kind);
    uint64_t buf = object(h, heap_type(h, name, h->L->buf_dict), (size_t)h->L->buf_dict + 16);
    uint64_t sem = alloc(h, 32);
    w64(h, buf + OFF(buf_raw), fio);
    w64(h, buf + OFF(buf_lock), sem);
    w64(h, buf + OFF(buf_owner), owner);
    if (lock)
        *lock = sem;
    if (!text)
        return buf;
    uint64_t tio = object(h, heap_type(h, "_io.TextIOWrapper", 0), 64);
    w64(h, tio + OFF(tio_buffer), buf);
    return tio;
}

void heap_init(struct heap *h, struct pc_python *py)
{
    memset(h, 0, sizeof *h);
    h->mem = calloc(1, HEAP_SIZE);
    assert_non_null(h->mem);
    h->size = HEAP_SIZE;
    h->base = HEAP_BASE;
    h->used = 16;
    h->L = pc_py_layout_find(0x030b02f0, 0);
    assert_non_null(h->L);
    h->py = py;
    pc_error err;
    assert_int_equal(pc_target_wrap(&heap_ops, h, &h->t, &err), PC_OK);
    py->t = h->t;
    py->L = h->L;
    py->version = 0x030b02f0;
    /* type: its own type */
    h->t_type = object(h, 0, (size_t)h->L->tp_size + 64);
    w64(h, h->t_type + OFF(ob_type), h->t_type);
    w64(h, h->t_type + OFF(tp_name), cstr(h, "type"));
    py->t_str = heap_type(h, "str", 0);
    py->t_int = heap_type(h, "int", 0);
    py->t_bool = heap_type(h, "bool", 0);
    py->t_dict = heap_type(h, "dict", 0);
    py->t_module = heap_type(h, "module", 0);
    h->t_tuple = heap_type(h, "tuple", 0);
    h->t_list = heap_type(h, "list", 0);
    h->t_code = heap_type(h, "code", 0);
    h->t_none = heap_type(h, "NoneType", 0);
    py->t_code = h->t_code;
    h->none = object(h, h->t_none, 16);
    py->interp = alloc(h, (size_t)h->L->is_modules + 64);
}

void heap_free(struct heap *h)
{
    pc_target_close(h->t);
    free(h->mem);
    h->mem = NULL;
}
