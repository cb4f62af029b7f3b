/* Reading Python objects out of the target: str, int, dict, instance
 * attributes, modules.  Every object is type-checked against the
 * interpreter's own type objects before its fields are trusted. */
#include "cpython/python.h"

#include <stdlib.h>
#include <string.h>

#define OFF(f) ((uint64_t)py->L->f)
#define HAS(f) (py->L->f != PC_NO_FIELD)

int pc_py_type(struct pc_python *py, uint64_t obj, uint64_t *type)
{
    if (!obj || (obj & 7))
        return -1;
    return pc_read_ptr(py->t, obj + OFF(ob_type), type) || !*type ? -1 : 0;
}

static int is_type(struct pc_python *py, uint64_t obj, uint64_t want)
{
    uint64_t ty;
    return want && pc_py_type(py, obj, &ty) == 0 && ty == want;
}

struct learn {
    int seen;
};

static int learn_cb(struct pc_python *py, uint64_t key, uint64_t value, void *arg)
{
    struct learn *l = arg;
    char s[16];
    /* Every key of sys.modules is a str; its "sys" entry is a module.  The
     * type names themselves may be unreadable (in a missing libpython's
     * read-only data), so the structure decides. */
    if (!py->t_str)
        pc_py_type(py, key, &py->t_str);
    if (!py->t_module && pc_py_str(py, key, s, sizeof s) == 0 && strcmp(s, "sys") == 0)
        pc_py_type(py, value, &py->t_module);
    return ++l->seen > 4096 || (py->t_str && py->t_module);
}

void pc_py_learn_types(struct pc_python *py)
{
    /* Without the interpreter's symbols (a missing libpython, a stripped
     * build) the type objects are learnt from objects whose type is known:
     * sys.modules is a dict of str -> module. */
    uint64_t modules;
    if (!py->interp || pc_read_ptr(py->t, py->interp + OFF(is_modules), &modules) || !modules)
        return;
    if (!py->t_dict)
        pc_py_type(py, modules, &py->t_dict);   /* sys.modules is a dict */
    if (py->t_str && py->t_module)
        return;
    struct learn l = {0};
    pc_py_dict_each(py, modules, learn_cb, &l);
}

static void put_utf8(char *out, size_t max, size_t *n, uint32_t c)
{
    char tmp[4];
    size_t k;
    if (c < 0x80) { tmp[0] = (char)c; k = 1; }
    else if (c < 0x800) { tmp[0] = (char)(0xc0 | c >> 6); tmp[1] = (char)(0x80 | (c & 63)); k = 2; }
    else if (c < 0x10000) { tmp[0] = (char)(0xe0 | c >> 12); tmp[1] = (char)(0x80 | ((c >> 6) & 63)); tmp[2] = (char)(0x80 | (c & 63)); k = 3; }
    else { tmp[0] = (char)(0xf0 | (c >> 18 & 7)); tmp[1] = (char)(0x80 | ((c >> 12) & 63)); tmp[2] = (char)(0x80 | ((c >> 6) & 63)); tmp[3] = (char)(0x80 | (c & 63)); k = 4; }
    if (*n + k < max) {
        memcpy(out + *n, tmp, k);
        *n += k;
    }
}

int pc_py_str(struct pc_python *py, uint64_t obj, char *out, size_t max)
{
    if (max == 0)
        return -1;
    out[0] = 0;
    if (py->t_pystring && is_type(py, obj, py->t_pystring)) {
        /* 2.7 str: bytes, shown as they are (the JSON writer keeps them
         * valid UTF-8). */
        int64_t len;
        if (pc_read(py->t, obj + OFF(ob_size), &len, 8) || len < 0)
            return -1;
        size_t n = (size_t)len < max - 1 ? (size_t)len : max - 1;
        if (pc_read(py->t, obj + OFF(b_sval), out, n))
            return -1;
        out[n] = 0;
        return 0;
    }
    if (!is_type(py, obj, py->t_str) || !HAS(u_state))
        return -1;
    int64_t length;
    uint32_t state;
    if (pc_read(py->t, obj + OFF(u_length), &length, 8) || pc_read_u32(py->t, obj + OFF(u_state), &state))
        return -1;
    unsigned sh = (unsigned)py->L->u_kind_shift & 31;
    unsigned kind = (state >> sh) & 7, compact = (state >> (sh + 3)) & 1, ascii = (state >> (sh + 4)) & 1;
    if (length < 0 || (kind != 1 && kind != 2 && kind != 4))
        return -1;
    uint64_t data;
    if (compact)
        data = obj + (uint64_t)(ascii ? py->L->u_ascii_size : py->L->u_compact_size);
    else if (pc_read_ptr(py->t, obj + OFF(u_compact_size), &data))
        return -1;
    size_t count = (size_t)length < max - 1 ? (size_t)length : max - 1;
    uint8_t buf[PC_MAX_STR * 4];
    if (count > PC_MAX_STR)
        count = PC_MAX_STR;
    if (pc_read(py->t, data, buf, count * kind))
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t c;
        if (kind == 1) c = buf[i];
        else if (kind == 2) { uint16_t s; memcpy(&s, buf + 2 * i, 2); c = s; }
        else memcpy(&c, buf + 4 * i, 4);
        if (c > 0x10ffff)
            c = 0xfffd;
        put_utf8(out, max, &n, c);
    }
    out[n] = 0;
    return 0;
}

int pc_py_int(struct pc_python *py, uint64_t obj, int64_t *v)
{

    /* 2.7 int and bool are PyIntObject: one C long. */
    if (HAS(i_ival) && (is_type(py, obj, py->t_pyint) || is_type(py, obj, py->t_bool)))
        return pc_read(py->t, obj + OFF(i_ival), v, 8) ? -1 : 0;
    if (!is_type(py, obj, py->t_int) && !is_type(py, obj, py->t_bool))
        return -1;
    int64_t size;
    if (pc_read(py->t, obj + OFF(ob_size), &size, 8))
        return -1;
    int neg;
    uint64_t ndig;
    if (py->version >= 0x030c0000) {
        /* 3.12+ lv_tag: digit count << 3 | sign (0 +, 1 zero, 2 -). */
        uint64_t tag = (uint64_t)size;
        neg = (tag & 3) == 2;
        ndig = tag >> 3;
    } else {
        neg = size < 0;
        ndig = neg ? (uint64_t)-size : (uint64_t)size;
    }
    if (ndig > 3)
        return -1;
    uint32_t dig[3] = {0};
    if (pc_read(py->t, obj + OFF(l_digit), dig, ndig * 4))
        return -1;
    uint64_t r = 0;
    for (uint64_t i = ndig; i-- > 0;)
        r = (r << py->L->l_digit_bits) | dig[i];
    *v = neg ? -(int64_t)r : (int64_t)r;
    return 0;
}

/* list, tuple and deque keep their length in ob_size; a 3.x dict keeps
 * ma_used in the same word, right after the object header. */
int pc_py_len(struct pc_python *py, uint64_t obj, int64_t *n)
{
    char ty[64];
    if (pc_py_type_name(py, obj, ty, sizeof ty))
        return -1;
    int dict = strcmp(ty, "dict") == 0;
    if (!dict && strcmp(ty, "list") && strcmp(ty, "tuple") && strcmp(ty, "collections.deque"))
        return -1;
    if (dict && py->version < 0x03000000)
        return -1;   /* 2.7: ma_fill comes first */
    if (pc_read(py->t, obj + OFF(ob_size), n, 8) || *n < 0)
        return -1;
    return 0;
}

int pc_py_type_name(struct pc_python *py, uint64_t obj, char *out, size_t max)
{
    uint64_t ty, name;
    out[0] = 0;
    if (pc_py_type(py, obj, &ty))
        return -1;
    struct pc_py_type_slot *slot = &py->type_names[(ty >> 4) % (sizeof py->type_names / sizeof py->type_names[0])];
    if (slot->type == ty) {
        size_t len = strlen(slot->name);
        if (len < max) {
            memcpy(out, slot->name, len + 1);
            return 0;
        }
    }
    if (pc_read_ptr(py->t, ty + OFF(tp_name), &name))
        return -1;
    int rc = pc_read_cstr(py->t, name, out, max);
    size_t len = rc == 0 ? strlen(out) : sizeof slot->name;
    if (len < sizeof slot->name) {
        slot->type = ty;
        memcpy(slot->name, out, len + 1);
    }
    return rc;
}

/* Entries of a keys object, in insertion order, with an optional split
 * values array. */
/* 2.7: an open-addressing table of (hash, key, value); free and dummy
 * slots have no value. */
static int dict27_each(struct pc_python *py, uint64_t dict, pc_dict_fn fn, void *arg)
{
    int64_t mask;
    uint64_t table;
    if (pc_read(py->t, dict + OFF(d_mask), &mask, 8) || pc_read_ptr(py->t, dict + OFF(d_table), &table) ||
        mask < 0 || mask >= (int64_t)PC_MAX_DICT_ENTRIES * 2)
        return -1;
    for (int64_t i = 0; i <= mask; i++) {
        uint64_t e[3];
        if (pc_read(py->t, table + (uint64_t)i * 24, e, sizeof e))
            return -1;
        if (!e[1] || !e[2])
            continue;
        int r = fn(py, e[1], e[2], arg);
        if (r)
            return r > 0 ? 0 : r;
    }
    return 0;
}

int pc_py_dict_each(struct pc_python *py, uint64_t dict, pc_dict_fn fn, void *arg)
{
    if (!is_type(py, dict, py->t_dict))
        return -1;
    if (HAS(d_mask))
        return dict27_each(py, dict, fn, arg);
    uint64_t keys, values;
    if (pc_read_ptr(py->t, dict + OFF(d_keys), &keys) || pc_read_ptr(py->t, dict + OFF(d_values), &values))
        return -1;
    int64_t nentries;
    uint64_t entries;
    size_t esize;
    if (pc_read(py->t, keys + OFF(dk_nentries), &nentries, 8))
        return -1;
    if (HAS(dk_log2_size)) {
        uint8_t log2_index_bytes, kind;
        if (pc_read(py->t, keys + OFF(dk_log2_index_bytes), &log2_index_bytes, 1) ||
            pc_read(py->t, keys + OFF(dk_kind), &kind, 1) || log2_index_bytes > 40)
            return -1;
        entries = keys + OFF(dk_indices) + (1ull << log2_index_bytes);
        esize = kind == 0 ? (size_t)py->L->dk_entry_size : (size_t)py->L->dk_unicode_entry_size;
    } else {
        int64_t size;
        if (pc_read(py->t, keys + OFF(dk_size), &size, 8) || size <= 0 || size > (1ll << 30))
            return -1;
        int w = size <= 0xff ? 1 : size <= 0xffff ? 2 : size <= 0xffffffffll ? 4 : 8;
        entries = keys + OFF(dk_indices) + (uint64_t)size * (uint64_t)w;
        esize = (size_t)py->L->dk_entry_size;
    }
    if (nentries < 0 || nentries > (int64_t)PC_MAX_DICT_ENTRIES)
        return -1;
    /* Key and value are the last two pointers of either entry kind. */
    for (int64_t i = 0; i < nentries; i++) {
        uint64_t kv[2];
        if (pc_read(py->t, entries + (uint64_t)i * esize + esize - 16, kv, 16))
            return -1;
        if (values && pc_read_ptr(py->t, values + 8 * (uint64_t)i, &kv[1]))
            return -1;
        if (!kv[0] || !kv[1])
            continue;
        int r = fn(py, kv[0], kv[1], arg);
        if (r)
            return r > 0 ? 0 : r;
    }
    return 0;
}

int pc_py_set_each(struct pc_python *py, uint64_t set, pc_obj_fn fn, void *arg)
{
    int64_t mask;
    uint64_t table;
    if (!set || !HAS(set_mask) || pc_read(py->t, set + OFF(set_mask), &mask, 8) ||
        pc_read_ptr(py->t, set + OFF(set_table), &table) || mask < 0 || mask > (1 << 20))
        return -1;
    int py2 = py->version < 0x03000000;
    for (int64_t i = 0; i <= mask; i++) {
        uint64_t e[2];
        if (pc_read(py->t, table + (uint64_t)i * (uint64_t)py->L->set_entry_size, e, 16))
            break;
        uint64_t key = e[py->L->set_entry_key / 8 & 1], hash = e[!(py->L->set_entry_key / 8 & 1)];
        char s[16];
        /* a deleted entry: 3.x keeps hash -1; 2.7 points it at the dummy str */
        if (!key || (!py2 && (int64_t)hash == -1) ||
            (py2 && pc_py_str(py, key, s, sizeof s) == 0 && strcmp(s, "<dummy key>") == 0))
            continue;
        if (fn(py, key, arg))
            break;
    }
    return 0;
}

struct get_arg {
    const char *key;
    uint64_t value;
};

static int get_cb(struct pc_python *py, uint64_t key, uint64_t value, void *arg)
{
    struct get_arg *g = arg;
    char s[256];
    if (pc_py_str(py, key, s, sizeof s) == 0 && strcmp(s, g->key) == 0) {
        g->value = value;
        return 1;
    }
    return 0;
}

uint64_t pc_py_dict_get(struct pc_python *py, uint64_t dict, const char *key)
{
    struct get_arg g = {key, 0};
    pc_py_dict_each(py, dict, get_cb, &g);
    return g.value;
}

#define TPFLAGS_INLINE_VALUES (1ul << 2)   /* 3.13+ */
#define TPFLAGS_MANAGED_DICT (1ul << 4)    /* 3.11+ */

/* Shared-keys values (3.11+): key i of the type's cached keys has its
 * value in values[i]. */
static int shared_each(struct pc_python *py, uint64_t ty, uint64_t values, pc_dict_fn fn, void *arg)
{
    uint64_t keys;
    uint8_t log2_index_bytes;
    int64_t nentries;
    if (pc_read_ptr(py->t, ty + OFF(ht_cached_keys), &keys) || !keys ||
        pc_read(py->t, keys + OFF(dk_log2_index_bytes), &log2_index_bytes, 1) ||
        pc_read(py->t, keys + OFF(dk_nentries), &nentries, 8) || log2_index_bytes > 40 ||
        nentries < 0 || nentries > 4096)
        return -1;
    uint64_t entries = keys + OFF(dk_indices) + (1ull << log2_index_bytes);
    for (int64_t i = 0; i < nentries; i++) {
        uint64_t key, val;
        if (pc_read_ptr(py->t, entries + (uint64_t)i * (uint64_t)py->L->dk_unicode_entry_size, &key) ||
            pc_read_ptr(py->t, values + 8 * (uint64_t)i, &val))
            return -1;
        if (!key || !val)
            continue;
        int r = fn(py, key, val, arg);
        if (r)
            return r > 0 ? 0 : r;
    }
    return 0;
}

/* Instance attributes live in a dict, or (3.11+) in a values array shared
 * with the type's cached keys: before the header (3.11, 3.12) or inline
 * after the object (3.13+). */
int pc_py_attr_each(struct pc_python *py, uint64_t obj, pc_dict_fn fn, void *arg)
{
    uint64_t ty, flags, word = 0, dict = 0;
    int64_t dictoffset, basicsize;
    if (pc_py_type(py, obj, &ty) || pc_read_u64(py->t, ty + OFF(tp_flags), &flags) ||
        pc_read(py->t, ty + OFF(tp_dictoffset), &dictoffset, 8))
        return -1;
    if ((flags & TPFLAGS_MANAGED_DICT) && py->version >= 0x030b0000 && OFF(ob_managed_dict_before) > 0) {
        uint64_t at = obj - (uint64_t)OFF(ob_managed_dict_before);
        if (py->version < 0x030c0000) {
            uint64_t values;   /* the values pointer sits one word before the dict's */
            if (pc_read_ptr(py->t, at - 8, &values) == 0 && values)
                return shared_each(py, ty, values, fn, arg);
            pc_read_ptr(py->t, at, &dict);
        } else if (py->version < 0x030d0000) {
            /* PyDictOrValues: a values pointer is stored minus one (bit 0 set). */
            if (pc_read_ptr(py->t, at, &word) || !word)
                return -1;
            if (word & 1)
                return shared_each(py, ty, word + 1, fn, arg);
            dict = word;
        } else {
            pc_read_ptr(py->t, at, &dict);
            if (!dict && (flags & TPFLAGS_INLINE_VALUES) &&
                pc_read(py->t, ty + OFF(tp_basicsize), &basicsize, 8) == 0 && basicsize > 0 &&
                basicsize < (1 << 20)) {
                uint8_t hdr[4];   /* capacity, size, embedded, valid */
                uint64_t values = obj + (uint64_t)basicsize;
                if (pc_read(py->t, values, hdr, 4) == 0 && hdr[3])
                    return shared_each(py, ty, values + 8, fn, arg);
            }
        }
    } else if (dictoffset > 0) {
        pc_read_ptr(py->t, obj + (uint64_t)dictoffset, &dict);
    } else if (py->version < 0x03000000) {
        /* 2.7 old-style instances: {HEAD; in_class; in_dict; ...}. */
        char tn[16];
        if (pc_py_type_name(py, obj, tn, sizeof tn) == 0 && strcmp(tn, "instance") == 0)
            pc_read_ptr(py->t, obj + 24, &dict);
    }
    return dict ? pc_py_dict_each(py, dict, fn, arg) : -1;
}

uint64_t pc_py_attr(struct pc_python *py, uint64_t obj, const char *name)
{
    struct get_arg g = {name, 0};
    pc_py_attr_each(py, obj, get_cb, &g);
    return g.value;
}

uint64_t pc_py_modules(struct pc_python *py)
{
    uint64_t modules;
    if (pc_read_ptr(py->t, py->interp + OFF(is_modules), &modules) || !modules)
        return 0;
    return modules;
}

uint64_t pc_py_module_in(struct pc_python *py, uint64_t interp, const char *name)
{
    uint64_t modules;
    if (!interp || pc_read_ptr(py->t, interp + OFF(is_modules), &modules) || !modules)
        return 0;
    return pc_py_dict_get(py, modules, name);
}

uint64_t pc_py_module(struct pc_python *py, const char *name)
{
    uint64_t modules = pc_py_modules(py);
    return modules ? pc_py_dict_get(py, modules, name) : 0;
}

uint64_t pc_py_module_dict(struct pc_python *py, uint64_t module)
{
    uint64_t d;
    if (!is_type(py, module, py->t_module) || pc_read_ptr(py->t, module + OFF(md_dict), &d))
        return 0;
    return d;
}
