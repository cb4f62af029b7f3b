/* Finding the interpreter: _PyRuntime, the version, the layout.  The
 * version is read from the target's data (Py_Version), never by running
 * a binary named by the core. */
#include "cpython/python.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sym_names[PC_PYSYM_COUNT] = {
#define PC_PYSYM_NAME(id, name) name,
    PC_PY_SYMBOLS(PC_PYSYM_NAME)
#undef PC_PYSYM_NAME
};

static void version_string(uint32_t v, char *out, size_t n)
{
    unsigned major = v >> 24, minor = (v >> 16) & 0xff, micro = (v >> 8) & 0xff;
    unsigned level = (v >> 4) & 0xf, serial = v & 0xf;
    const char *lv = level == 0xa ? "a" : level == 0xb ? "b" : level == 0xc ? "rc" : "";
    if (*lv)
        snprintf(out, n, "%u.%u.%u%s%u", major, minor, micro, lv, serial);
    else
        snprintf(out, n, "%u.%u.%u", major, minor, micro);
}

/* X.Y from a module name such as libpython3.10.so.1.0, python3.9d or
 * libpython2.7.so.1.0: returns Y and sets *major. */
static int minor_from_name(const char *name, int *major)
{
    const char *p = strstr(name, "python");
    if (!p || (p[6] != '2' && p[6] != '3') || p[7] != '.')
        return -1;
    *major = p[6] - '0';
    p += 8;
    int minor = 0, digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 3)
        minor = minor * 10 + (*p++ - '0'), digits++;
    return digits ? minor : -1;
}

/* Reads the interpreter module and what follows it (its .bss) page by
 * page, bounded; fn sees each readable page with the last KEEP bytes of
 * the previous one in front (a match may straddle pages) and returns
 * non-zero to stop.  Holes between mappings are skipped. */
enum { PAGE = 4096, KEEP = 32 };
typedef int (*page_fn)(struct pc_python *py, uint64_t base, const uint8_t *buf, size_t n, void *arg);

static void scan_module(struct pc_python *py, page_fn fn, void *arg)
{
    uint8_t *buf = malloc(PAGE + KEEP);
    if (!buf || !py->mod) {
        free(buf);
        return;
    }
    uint64_t end = py->mod->end + (8u << 20);
    if (end - py->mod->start > (256u << 20))
        end = py->mod->start + (256u << 20);
    size_t have = 0;
    for (uint64_t a = py->mod->start & ~(uint64_t)(PAGE - 1); a < end; a += PAGE) {
        if (pc_read(py->t, a, buf + have, PAGE)) {
            have = 0;
            continue;
        }
        if (fn(py, a - have, buf, have + PAGE, arg))
            break;
        memmove(buf, buf + have + PAGE - KEEP, KEEP);
        have = KEEP;
    }
    free(buf);
}

struct version_scan {
    char pat[16];
    size_t plen;
    int major, minor;
    uint32_t v;
};

/* Before 3.11 there is no Py_Version, and compilers fold the PY_VERSION
 * literal into code; but Py_GetVersion()'s buffer ("3.X.Y (main, ...")
 * is filled at start-up, in the module's data or just after it (.bss). */
static int version_page(struct pc_python *py, uint64_t base, const uint8_t *buf, size_t n, void *arg)
{
    (void)py;
    (void)base;
    struct version_scan *vs = arg;
    for (size_t i = 1; i + vs->plen + 4 < n; i++) {
        if (buf[i - 1] != 0 || memcmp(buf + i, vs->pat, vs->plen) != 0)
            continue;
        size_t k = i + vs->plen;
        unsigned micro = 0, digits = 0;
        while (k < n && buf[k] >= '0' && buf[k] <= '9' && digits < 3)
            micro = micro * 10 + (unsigned)(buf[k++] - '0'), digits++;
        if (digits && k < n && (buf[k] == 0 || buf[k] == '+' || buf[k] == ' ')) {
            vs->v = (uint32_t)vs->major << 24 | (uint32_t)vs->minor << 16 | micro << 8 | 0xf0;
            return 1;
        }
    }
    return 0;
}

static uint32_t scan_version(struct pc_python *py)
{
    struct version_scan vs = {0};
    if (!py->mod || (vs.minor = minor_from_name(py->mod->name, &vs.major)) < 0)
        return 0;
    vs.plen = (size_t)snprintf(vs.pat, sizeof vs.pat, "%d.%d.", vs.major, vs.minor);
    scan_module(py, version_page, &vs);
    return vs.v;
}

/* Without a _PyRuntime symbol (a stripped build, a missing libpython's
 * symbols): 3.13+ is found by the "xdebugpy" cookie at its start; older
 * versions by a candidate whose interpreter list leads to a thread state
 * pointing back at that interpreter.  Bounded by scan_module. */
struct runtime_scan {
    uint64_t found;
};

static int valid_runtime(struct pc_python *py, uint64_t r)
{
    uint64_t interp, ts, back, main_interp, tid;
    /* The main interpreter may live inside _PyRuntime itself (3.11+). */
    if (pc_read_ptr(py->t, r + (uint64_t)py->L->rt_interpreters_head, &interp) || !interp || (interp & 7) ||
        interp == r || pc_read_ptr(py->t, interp + (uint64_t)py->L->is_tstate_head, &ts) || !ts || (ts & 7) ||
        pc_read_ptr(py->t, ts + (uint64_t)py->L->ts_interp, &back) || back != interp ||
        pc_read_u64(py->t, ts + (uint64_t)py->L->ts_thread_id, &tid) || !tid)
        return 0;
    /* The thread state names a thread of this process: its pthread_t is
     * some thread's (pc_native_thread_is). */
    int known = 0;
    for (size_t i = 0; i < py->n->nthreads && !known; i++)
        known = pc_native_thread_is(py->n, &py->n->threads[i], tid);
    if (!known)
        return 0;
    /* struct pyinterpreters {mutex; head; main; next_id} (3.7-3.12): a
     * single interpreter is both head and main, which a neighbour word
     * that happens to point at it is not. */
    return pc_read_ptr(py->t, r + (uint64_t)py->L->rt_interpreters_head + 8, &main_interp) == 0 &&
           main_interp == interp;
}

static int runtime_page(struct pc_python *py, uint64_t base, const uint8_t *buf, size_t n, void *arg)
{
    struct runtime_scan *rs = arg;
    for (size_t i = (8 - (base & 7)) & 7; i + 8 <= n; i += 8) {
        if (py->L == NULL) {
            if (memcmp(buf + i, "xdebugpy", 8) == 0) {
                rs->found = base + i;
                return 1;
            }
            continue;
        }
        /* Cheap first: interpreters.head == interpreters.main, non-null. */
        size_t off = (size_t)py->L->rt_interpreters_head;
        uint64_t hm[2];
        if (i + off + 16 <= n)
            memcpy(hm, buf + i + off, 16);
        else if (pc_read(py->t, base + i + off, hm, 16))
            continue;
        if (hm[0] && !(hm[0] & 7) && hm[0] == hm[1] && valid_runtime(py, base + i)) {
            rs->found = base + i;
            return 1;
        }
    }
    return 0;
}

static uint64_t scan_runtime(struct pc_native *n, struct pc_python *py)
{
    for (size_t m = 0; m < n->nmods; m++) {
        struct pc_module *mod = &n->mods[m];
        int major;
        if (minor_from_name(mod->name, &major) < 0)
            continue;
        py->mod = mod;
        struct runtime_scan rs = {0};
        /* First the cookie of 3.13+ (no layout needed), then by layout. */
        py->L = NULL;
        scan_module(py, runtime_page, &rs);
        uint32_t v = rs.found ? 0 : scan_version(py);
        if (!rs.found && v && (py->L = pc_py_layout_find(v, 0)) != NULL && py->L->rt_interpreters_head != PC_NO_FIELD)
            scan_module(py, runtime_page, &rs);
        py->L = NULL;
        if (rs.found)
            return rs.found;
    }
    py->mod = NULL;
    return 0;
}

static int detect_version(struct pc_python *py, uint64_t addr, pc_error *err)
{
    uint32_t v = 0;
    uint64_t raw;
    if (addr && pc_read_u64(py->t, addr, &raw) == 0)
        v = (uint32_t)raw;
    if (!v)
        v = scan_version(py);
    if (!v || ((v >> 24) != 3 && (v >> 24) != 2))
        return pc_fail(err, PC_E_NOPYTHON,
                       "cannot tell the Python version of %s (no readable Py_Version): this CPython is not supported yet",
                       py->mod ? py->mod->path : "the process");
    py->version = v;
    version_string(v, py->version_str, sizeof py->version_str);
    return PC_OK;
}

/* The module an address in its data or .bss belongs to: .bss lies past
 * the file mappings, so the nearest module below that knows the symbol. */
static const struct pc_module *module_of(struct pc_native *n, uint64_t addr)
{
    const struct pc_module *m = pc_native_module_at(n, addr);
    for (size_t i = 0; !m && i < n->nmods; i++)
        if (n->mods[i].start <= addr && n->mods[i].end + (64u << 20) > addr && n->mods[i].dw &&
            dwfl_module_addrname(n->mods[i].dw, addr))
            m = &n->mods[i];
    return m;
}

/* 3.13+: the layout comes from the target itself.  Returns -1 when the
 * target has no _Py_DebugOffsets, else PC_OK or an error. */
static int from_debug_offsets(struct pc_python *py, pc_error *err)
{
    uint64_t head[3];   /* cookie, version, free_threaded */
    if (!py->runtime || pc_read(py->t, py->runtime, head, sizeof head) || memcmp(head, "xdebugpy", 8) != 0)
        return -1;
    uint32_t v = (uint32_t)head[1];
    int ft = head[2] != 0;
    const struct pc_py_layout *base = pc_py_layout_debug_offsets_base(v, ft);
    if (!base) {
        version_string(v, py->version_str, sizeof py->version_str);
        return pc_fail(err, PC_E_NOPYTHON, "CPython %s%s: no %s3.13+ layout table built in to complete _Py_DebugOffsets",
                       py->version_str, ft ? " (free-threaded)" : "", ft ? "free-threaded " : "");
    }
    int r = pc_py_debug_offsets(py->t, py->runtime, &v, &ft, base, &py->own);
    py->version = v;
    py->free_threaded = ft;
    version_string(v, py->version_str, sizeof py->version_str);
    if (r == -1)
        return -1;
    if (r)
        return pc_fail(err, PC_E_NOPYTHON,
                       "CPython %s: _Py_DebugOffsets in the core is corrupt or of an unknown format",
                       py->version_str);
    py->L = &py->own;
    return PC_OK;
}

static int no_python(struct pc_native *n, pc_error *err)
{
    /* A missing libpython explains it best; any python-named module next
     * (extension modules are named *.cpython-3X-*.so). */
    static const char *const prefer[] = {"libpython", "python"};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < n->nmods; i++)
            if (n->mods[i].error && strncmp(n->mods[i].name, prefer[k], strlen(prefer[k])) == 0)
                return pc_fail(err, PC_E_MODULE, "%s", n->mods[i].error);
    return pc_fail(err, PC_E_NOPYTHON,
                   "no Python interpreter in this process (no _PyRuntime or _PyThreadState_Current in any module)");
}

/* 2.7 and 3.6: the interpreter list head is file-static (interp_head); the
 * current thread state is exported but NULL while the GIL is released. */
static uint64_t old_interp(struct pc_python *py, const uint64_t *syms)
{
    uint64_t interp = 0, ts = 0;
    if (syms[PC_PYSYM_INTERP_HEAD] && pc_read_ptr(py->t, syms[PC_PYSYM_INTERP_HEAD], &interp) == 0 && interp)
        return interp;
    if (pc_read_ptr(py->t, syms[PC_PYSYM_TSTATE_CURRENT], &ts) == 0 && ts &&
        pc_read_ptr(py->t, ts + (uint64_t)py->L->ts_interp, &interp) == 0)
        return interp;
    return 0;
}

int pc_python_open(struct pc_native *n, struct pc_python *py, int scan, pc_error *err)
{
    memset(py, 0, sizeof *py);
    py->t = n->t;
    py->n = n;
    uint64_t anchor = 0;
    if (!scan && (pc_native_symbol(n, "_PyRuntime", "python", &py->runtime) == PC_OK ||
                  pc_native_symbol(n, "_PyRuntime", NULL, &py->runtime) == PC_OK))
        anchor = py->runtime;
    else if (!scan && pc_native_symbol(n, "_PyThreadState_Current", "python", &anchor) == PC_OK)
        ;
    else if ((py->runtime = anchor = scan_runtime(n, py)) == 0)
        return no_python(n, err);
    py->mod = module_of(n, anchor);
    if (!py->mod && scan)
        return no_python(n, err);
    py->shared = py->mod && strncmp(py->mod->name, "libpython", 9) == 0;
    /* Names are looked up in the interpreter's module only: a static
     * python can also load an embedded libpython. */
    pc_native_symbols(n, sym_names, py->syms, PC_PYSYM_COUNT, py->mod ? py->mod->name : "python");
    return pc_python_init(py, err);
}

int pc_python_init(struct pc_python *py, pc_error *err)
{
    const uint64_t *syms = py->syms;
    py->debug = syms[PC_PYSYM_REFTOTAL] || syms[PC_PYSYM_GETREFTOTAL] || syms[PC_PYSYM_GLOBALREFTOTAL];
    int rc = from_debug_offsets(py, err);
    if (rc < 0) {
        if (py->version)
            version_string(py->version, py->version_str, sizeof py->version_str);
        rc = py->version ? PC_OK : detect_version(py, syms[PC_PYSYM_VERSION], err);
        if (rc)
            return rc;
        py->L = pc_py_layout_find(py->version, py->debug);
        /* Since 3.8 Py_DEBUG no longer implies Py_TRACE_REFS and moves none
         * of the fields read here (checked on 3.11, where both exist). */
        if (!py->L && py->debug && py->version >= 0x03080000 &&
            (py->L = pc_py_layout_find(py->version, 0)) != NULL) {
            py->own = *py->L;
            py->own.source = "release layout of the same version (Py_DEBUG moves none of its fields)";
            py->L = &py->own;
        }
    } else if (rc)
        return rc;
    if (!py->L)
        return pc_fail(err, PC_E_NOPYTHON, "CPython %s%s is not supported yet (no layout for it)",
                       py->version_str, py->debug ? " (debug build)" : "");
    py->t_str = syms[PC_PYSYM_STR];
    py->t_int = syms[PC_PYSYM_INT];
    py->t_bool = syms[PC_PYSYM_BOOL];
    py->t_dict = syms[PC_PYSYM_DICT];
    py->t_code = syms[PC_PYSYM_CODE];
    py->t_module = syms[PC_PYSYM_MODULE];
    py->t_pystring = syms[PC_PYSYM_PYSTRING];
    py->t_pyint = syms[PC_PYSYM_PYINT];
    py->tstate_current = syms[PC_PYSYM_TSTATE_CURRENT];
    py->interpreter_lock = syms[PC_PYSYM_INTERPRETER_LOCK];
    py->gil_cond = syms[PC_PYSYM_GIL_COND];
    py->import_lock = syms[PC_PYSYM_IMPORT_LOCK];
    py->import_lock_thread = syms[PC_PYSYM_IMPORT_LOCK_THREAD];
    py->is_tripped = syms[PC_PYSYM_IS_TRIPPED];
    if (py->runtime && py->L->rt_finalizing != PC_NO_FIELD)
        py->finalizing = py->runtime + (uint64_t)py->L->rt_finalizing;
    else
        py->finalizing = syms[PC_PYSYM_PY_FINALIZING];
    int bad = 0;
    if (py->runtime)
        bad = pc_read_ptr(py->t, py->runtime + (uint64_t)py->L->rt_interpreters_head, &py->interp);
    else
        py->interp = old_interp(py, syms);
    /* The list runs newest first: the main interpreter is its last one. */
    py->interp_head = py->interp;
    for (int i = 0; !bad && py->interp && i < 4096; i++) {
        uint64_t next;
        if (pc_read_ptr(py->t, py->interp + (uint64_t)py->L->is_next, &next) || !next || next == py->interp)
            break;
        py->interp = next;
    }
    if (!bad && py->interp)
        pc_py_learn_types(py);
    if (bad || py->interp == 0)
        return pc_fail(err, PC_E_NOPYTHON,
                       py->runtime ? "CPython %s has no interpreter state (not started yet, or already finalized)"
                                   : "CPython %s: cannot find the interpreter without its symbol table "
                                     "(interp_head) while no thread holds the GIL",
                       py->version_str);
    return PC_OK;
}

int pc_py_finalizing(const struct pc_python *py, uint64_t *tstate)
{
    *tstate = 0;
    if (!py->finalizing || pc_read_ptr(py->t, py->finalizing, tstate))
        return -1;
    return *tstate != 0;
}
