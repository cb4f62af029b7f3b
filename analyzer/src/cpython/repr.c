/* repr() of an object read from the target, as Python would print it for
 * the built-in types (None, bool, int of any size, float, str, bytes,
 * tuple, list, dict, set, frozenset), "<Type object at 0x...>" for the
 * rest.  Bounded: PC_REPR_DEPTH levels, PC_REPR_ITEMS items per container,
 * the output size; a container that contains itself prints as Python's
 * "[...]".  Built-in types are believed only when their type object is
 * not a heap type (a class named "list" is not a list). */
#include "cpython/python.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFF(f) ((uint64_t)py->L->f)
#define HAS(f) (py->L->f != PC_NO_FIELD)
#define TPFLAGS_HEAPTYPE (1ul << 9)

struct out {
    char *s;
    size_t n, len;
    int full;
    uint64_t seen[PC_REPR_DEPTH + 1];
    size_t nseen;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->full)
        return;
    if (o->len + n + 4 > o->n) {         /* room for "..." and the NUL */
        size_t room = o->n > o->len + 4 ? o->n - o->len - 4 : 0;
        memcpy(o->s + o->len, s, room);
        o->len += room;
        memcpy(o->s + o->len, "...", 4);
        o->len += 3;
        o->full = 1;
        return;
    }
    memcpy(o->s + o->len, s, n);
    o->len += n;
    o->s[o->len] = 0;
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void putf(struct out *o, const char *fmt, unsigned long long v)
{
    char b[32];
    snprintf(b, sizeof b, fmt, v);
    puts_(o, b);
}

/* "int", "list"...: a built-in type's name, or "" for a heap type. */
static int builtin(struct pc_python *py, uint64_t obj, char *name, size_t n, char *full, size_t fn)
{
    uint64_t ty, flags;
    name[0] = full[0] = 0;
    if (pc_py_type_name(py, obj, full, fn) || pc_py_type(py, obj, &ty) ||
        pc_read_u64(py->t, ty + OFF(tp_flags), &flags))
        return -1;
    if (!(flags & TPFLAGS_HEAPTYPE))
        snprintf(name, n, "%s", full);
    return 0;
}

/* Python's float repr: the shortest digits that read back as v, fixed
 * notation for exponents in [-4, 16), else d.ddde+XX. */
static void float_repr(double v, struct out *o)
{
    if (isnan(v)) {
        puts_(o, "nan");
        return;
    }
    if (isinf(v)) {
        puts_(o, v > 0 ? "inf" : "-inf");
        return;
    }
    char e[40], digits[24], b[64];
    int p;
    for (p = 1; p < 17; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    snprintf(e, sizeof e, "%.*e", p - 1, v);
    const char *q = e;
    int neg = *q == '-';
    q += neg;
    size_t nd = 0;
    for (; *q && *q != 'e'; q++)
        if (*q >= '0' && *q <= '9' && nd < sizeof digits - 1)
            digits[nd++] = *q;
    digits[nd] = 0;
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = 0;
    int decpt = (*q == 'e' ? atoi(q + 1) : 0) + 1;
    size_t k = 0;
    if (neg)
        b[k++] = '-';
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            k += (size_t)snprintf(b + k, sizeof b - k, "0.");
            for (int z = 0; z < -decpt; z++)
                b[k++] = '0';
            k += (size_t)snprintf(b + k, sizeof b - k, "%s", digits);
        } else if ((size_t)decpt >= nd) {
            k += (size_t)snprintf(b + k, sizeof b - k, "%s", digits);
            for (size_t z = nd; z < (size_t)decpt; z++)
                b[k++] = '0';
            k += (size_t)snprintf(b + k, sizeof b - k, ".0");
        } else {
            k += (size_t)snprintf(b + k, sizeof b - k, "%.*s.%s", decpt, digits, digits + decpt);
        }
    } else {
        b[k++] = digits[0];
        if (nd > 1)
            k += (size_t)snprintf(b + k, sizeof b - k, ".%s", digits + 1);
        int x = decpt - 1;
        k += (size_t)snprintf(b + k, sizeof b - k, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    }
    b[k] = 0;
    puts_(o, b);
}

/* A PyLongObject of any size in decimal (up to PC_REPR_INT_DIGITS digits
 * of 30 or 15 bits; larger ones by their size). */
#define PC_REPR_INT_DIGITS 64
static void long_repr(struct pc_python *py, uint64_t obj, struct out *o, int py2_long)
{
    int64_t size;
    if (pc_read(py->t, obj + OFF(ob_size), &size, 8)) {
        puts_(o, "<int>");
        return;
    }
    int neg;
    uint64_t ndig;
    if (py->version >= 0x030c0000) {
        neg = ((uint64_t)size & 3) == 2;
        ndig = (uint64_t)size >> 3;
    } else {
        neg = size < 0;
        ndig = neg ? (uint64_t)-size : (uint64_t)size;
    }
    int bits = py->L->l_digit_bits;
    if (ndig > PC_REPR_INT_DIGITS || (bits != 30 && bits != 15)) {
        putf(o, "<int of %llu digits>", ndig);
        return;
    }
    uint32_t dig[PC_REPR_INT_DIGITS];
    size_t dsize = bits == 30 ? 4 : 2;
    uint8_t raw[PC_REPR_INT_DIGITS * 4];
    if (ndig && pc_read(py->t, obj + OFF(l_digit), raw, ndig * dsize)) {
        puts_(o, "<int>");
        return;
    }
    for (uint64_t i = 0; i < ndig; i++) {
        if (dsize == 4)
            memcpy(&dig[i], raw + 4 * i, 4);
        else {
            uint16_t d16;
            memcpy(&d16, raw + 2 * i, 2);
            dig[i] = d16;
        }
        dig[i] &= (1u << bits) - 1;
    }
    /* Repeated division by 10^9, most significant digit first. */
    char dec[PC_REPR_INT_DIGITS * 10 + 4];
    size_t nd = 0;
    uint64_t n = ndig;
    while (n && dig[n - 1] == 0)
        n--;
    while (n) {
        uint64_t rem = 0;
        for (uint64_t i = n; i-- > 0;) {
            uint64_t cur = (rem << bits) | dig[i];
            dig[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        while (n && dig[n - 1] == 0)
            n--;
        for (int k = 0; k < 9 && (n || rem); k++) {
            dec[nd++] = (char)('0' + rem % 10);
            rem /= 10;
        }
    }
    if (!nd)
        dec[nd++] = '0';
    char b[sizeof dec + 4];
    size_t k = 0;
    if (neg)
        b[k++] = '-';
    while (nd)
        b[k++] = dec[--nd];
    if (py2_long)
        b[k++] = 'L';
    b[k] = 0;
    puts_(o, b);
}

/* One code point of a str, or one byte of bytes, as repr escapes it. */
static void esc(struct out *o, uint32_t c, char quote, int bytes)
{
    char b[12];
    if (c == (uint32_t)quote || c == '\\')
        snprintf(b, sizeof b, "\\%c", (char)c);
    else if (c == '\n')
        snprintf(b, sizeof b, "\\n");
    else if (c == '\r')
        snprintf(b, sizeof b, "\\r");
    else if (c == '\t')
        snprintf(b, sizeof b, "\\t");
    else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80) || (c >= 0x80 && c < 0xa0))
        snprintf(b, sizeof b, "\\x%02x", c);
    else if (c < 0x80)
        snprintf(b, sizeof b, "%c", (char)c);
    else {
        /* printable non-ASCII: as UTF-8, as Python prints it */
        size_t k = 0;
        if (c < 0x800) {
            b[k++] = (char)(0xc0 | c >> 6);
        } else if (c < 0x10000) {
            b[k++] = (char)(0xe0 | c >> 12);
            b[k++] = (char)(0x80 | ((c >> 6) & 63));
        } else {
            b[k++] = (char)(0xf0 | c >> 18);
            b[k++] = (char)(0x80 | ((c >> 12) & 63));
            b[k++] = (char)(0x80 | ((c >> 6) & 63));
        }
        b[k++] = (char)(0x80 | (c & 63));
        b[k] = 0;
    }
    puts_(o, b);
}

/* Decode UTF-8 that pc_py_str produced (valid by construction). */
static size_t next_cp(const unsigned char *s, uint32_t *c)
{
    if (s[0] < 0x80) { *c = s[0]; return 1; }
    if ((s[0] & 0xe0) == 0xc0 && s[1]) { *c = (uint32_t)(s[0] & 31) << 6 | (s[1] & 63); return 2; }
    if ((s[0] & 0xf0) == 0xe0 && s[1] && s[2]) {
        *c = (uint32_t)(s[0] & 15) << 12 | (uint32_t)(s[1] & 63) << 6 | (s[2] & 63);
        return 3;
    }
    if (s[1] && s[2] && s[3]) {
        *c = (uint32_t)(s[0] & 7) << 18 | (uint32_t)(s[1] & 63) << 12 | (uint32_t)(s[2] & 63) << 6 | (s[3] & 63);
        return 4;
    }
    *c = 0xfffd;
    return 1;
}

static void text_repr(struct out *o, const char *prefix, const unsigned char *s, size_t len, int bytes)
{
    int sq = memchr(s, '\'', len) != NULL, dq = memchr(s, '"', len) != NULL;
    char quote = sq && !dq ? '"' : '\'';
    char q[2] = {quote, 0};
    puts_(o, prefix);
    puts_(o, q);
    for (size_t i = 0; i < len && !o->full;) {
        uint32_t c;
        if (bytes) {
            c = s[i++];
        } else
            i += next_cp(s + i, &c);
        esc(o, c, quote, bytes);
    }
    puts_(o, q);
}

static void obj_repr(struct pc_python *py, uint64_t obj, struct out *o, int depth);

static void items_repr(struct pc_python *py, const uint64_t *items, size_t n, size_t total, struct out *o, int depth)
{
    for (size_t i = 0; i < n && !o->full; i++) {
        if (i)
            puts_(o, ", ");
        obj_repr(py, items[i], o, depth + 1);
    }
    if (total > n)
        puts_(o, ", ...");
}

struct dict_walk {
    struct out *o;
    int depth;
    size_t n;
};

static int dict_item(struct pc_python *py, uint64_t key, uint64_t value, void *arg)
{
    struct dict_walk *w = arg;
    if (w->n == PC_REPR_ITEMS) {
        puts_(w->o, ", ...");
        return 1;
    }
    if (w->n++)
        puts_(w->o, ", ");
    obj_repr(py, key, w->o, w->depth + 1);
    puts_(w->o, ": ");
    obj_repr(py, value, w->o, w->depth + 1);
    return w->o->full;
}

struct set_keys {
    uint64_t keys[PC_REPR_ITEMS];
    size_t n, total;
};

/* The first PC_REPR_ITEMS keys, and whether there are more. */
static int set_key(struct pc_python *py, uint64_t key, void *arg)
{
    (void)py;
    struct set_keys *k = arg;
    if (k->n < PC_REPR_ITEMS)
        k->keys[k->n++] = key;
    return ++k->total > PC_REPR_ITEMS;
}

static void set_repr(struct pc_python *py, uint64_t obj, struct out *o, int depth, int frozen)
{
    struct set_keys k = {{0}, 0, 0};
    if (pc_py_set_each(py, obj, set_key, &k)) {
        puts_(o, frozen ? "frozenset(...)" : "{...}");
        return;
    }
    const uint64_t *keys = k.keys;
    size_t n = k.n, total = k.total;
    int py2 = py->version < 0x03000000;
    if (py2) {          /* set([1, 2]), frozenset([]) */
        puts_(o, frozen ? "frozenset([" : "set([");
        items_repr(py, keys, n, total, o, depth);
        puts_(o, "])");
        return;
    }
    if (!total) {
        puts_(o, frozen ? "frozenset()" : "set()");
        return;
    }
    puts_(o, frozen ? "frozenset({" : "{");
    items_repr(py, keys, n, total, o, depth);
    puts_(o, frozen ? "})" : "}");
}

static void obj_repr(struct pc_python *py, uint64_t obj, struct out *o, int depth)
{
    char name[64], full[128];
    if (o->full)
        return;
    if (!obj || builtin(py, obj, name, sizeof name, full, sizeof full)) {
        putf(o, "<object at 0x%llx>", (unsigned long long)obj);
        return;
    }
    for (size_t i = 0; i < o->nseen; i++)
        if (o->seen[i] == obj) {
            puts_(o, !strcmp(name, "list") ? "[...]" : !strcmp(name, "dict") ? "{...}" : "(...)");
            return;
        }
    int container = !strcmp(name, "tuple") || !strcmp(name, "list") || !strcmp(name, "dict") ||
                    !strcmp(name, "set") || !strcmp(name, "frozenset");
    if (container && depth >= PC_REPR_DEPTH) {
        puts_(o, "...");
        return;
    }
    int64_t v;
    if (!strcmp(name, "NoneType")) {
        puts_(o, "None");
    } else if (!strcmp(name, "bool") && pc_py_int(py, obj, &v) == 0) {
        puts_(o, v ? "True" : "False");
    } else if (!strcmp(name, "int") && py->version < 0x03000000 && pc_py_int(py, obj, &v) == 0) {
        putf(o, "%lld", (unsigned long long)v);
    } else if (!strcmp(name, "int") || !strcmp(name, "long")) {
        long_repr(py, obj, o, !strcmp(name, "long"));
    } else if (!strcmp(name, "float") && HAS(fl_fval)) {
        double d;
        if (pc_read(py->t, obj + OFF(fl_fval), &d, 8))
            puts_(o, "<float>");
        else
            float_repr(d, o);
    } else if ((!strcmp(name, "str") && py->version >= 0x03000000)) {
        char *s = malloc(PC_REPR_MAX * 4 + 1);
        if (s && pc_py_str(py, obj, s, PC_REPR_MAX * 4 + 1) == 0)
            text_repr(o, "", (const unsigned char *)s, strlen(s), 0);
        else
            puts_(o, "<str>");
        free(s);
    } else if (!strcmp(name, "bytes") || (!strcmp(name, "str") && py->version < 0x03000000)) {
        int64_t len;
        unsigned char b[PC_REPR_MAX];
        if (pc_read(py->t, obj + OFF(ob_size), &len, 8) || len < 0) {
            puts_(o, "<bytes>");
        } else {
            size_t n = (size_t)len < sizeof b ? (size_t)len : sizeof b;
            if (pc_read(py->t, obj + OFF(b_sval), b, n))
                puts_(o, "<bytes>");
            else
                text_repr(o, py->version < 0x03000000 ? "" : "b", b, n, 1);
            if ((size_t)len > n)
                o->full = 1;
        }
    } else if (container) {
        o->seen[o->nseen++] = obj;
        uint64_t items[PC_REPR_ITEMS];
        size_t n = 0;
        int64_t total = 0;
        if (!strcmp(name, "tuple")) {
            pc_read(py->t, obj + OFF(ob_size), &total, 8);
            pc_py_tuple(py, obj, items, PC_REPR_ITEMS, &n);
            puts_(o, "(");
            items_repr(py, items, n, total > 0 ? (size_t)total : n, o, depth);
            puts_(o, total == 1 ? ",)" : ")");
        } else if (!strcmp(name, "list")) {
            pc_read(py->t, obj + OFF(ob_size), &total, 8);
            pc_py_list(py, obj, items, PC_REPR_ITEMS, &n);
            puts_(o, "[");
            items_repr(py, items, n, total > 0 ? (size_t)total : n, o, depth);
            puts_(o, "]");
        } else if (!strcmp(name, "dict")) {
            struct dict_walk w = {o, depth, 0};
            puts_(o, "{");
            pc_py_dict_each(py, obj, dict_item, &w);
            puts_(o, "}");
        } else {
            set_repr(py, obj, o, depth, !strcmp(name, "frozenset"));
        }
        o->nseen--;
    } else {
        char b[200];
        snprintf(b, sizeof b, "<%s object at 0x%llx>", full, (unsigned long long)obj);
        puts_(o, b);
    }
}

int pc_py_repr(struct pc_python *py, uint64_t obj, char *out, size_t n, char *type, size_t tn)
{
    if (n < 8)
        return -1;
    out[0] = 0;
    if (type && tn) {
        type[0] = 0;
        if (pc_py_type_name(py, obj, type, tn))
            return -1;
    }
    struct out o = {.s = out, .n = n};
    obj_repr(py, obj, &o, 0);
    return 0;
}
