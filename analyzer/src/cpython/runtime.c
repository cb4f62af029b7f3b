/* Finding the interpreter: _PyRuntime, the version, the layout.  The
 * version is read from the target's data (Py_Version), never by running
 * a binary named by the core. */
#include "cpython/python.h"

#include <stdio.h>
#include <string.h>

static int find_sym(struct pc_python *py, const char *name, uint64_t *addr)
{
    uint64_t size;
    /* Prefer the module holding _PyRuntime: the same names can exist in
     * several modules (a static python and an embedded libpython). */
    if (py->mod && py->mod->dw) {
        if (pc_native_symbol(py->n, name, py->mod->name, addr, &size) == PC_OK)
            return 0;
        return -1;
    }
    return pc_native_symbol(py->n, name, "python", addr, &size) == PC_OK ? 0 : -1;
}

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

static int detect_version(struct pc_python *py, pc_error *err)
{
    uint64_t addr;
    uint32_t v = 0;
    if (find_sym(py, "Py_Version", &addr) == 0) {
        uint64_t raw;
        if (pc_read_u64(py->t, addr, &raw) == 0)
            v = (uint32_t)raw;
    }
    if (!v || (v >> 24) != 3)
        return pc_fail(err, PC_E_NOPYTHON,
                       "cannot tell the Python version of %s (no readable Py_Version): this CPython is not supported yet",
                       py->mod ? py->mod->path : "the process");
    py->version = v;
    version_string(v, py->version_str, sizeof py->version_str);
    return PC_OK;
}

int pc_python_open(struct pc_native *n, struct pc_python *py, pc_error *err)
{
    memset(py, 0, sizeof *py);
    py->t = n->t;
    py->n = n;
    uint64_t size = 0;
    if (pc_native_symbol(n, "_PyRuntime", "python", &py->runtime, &size) != PC_OK &&
        pc_native_symbol(n, "_PyRuntime", NULL, &py->runtime, &size) != PC_OK)
        return pc_fail(err, PC_E_NOPYTHON,
                       "no Python interpreter in this process (no _PyRuntime symbol in any module): is it a CPython 3 process?");
    py->mod = pc_native_module_at(n, py->runtime);
    py->shared = py->mod && !py->mod->is_exe;
    int rc = detect_version(py, err);
    if (rc)
        return rc;
    uint64_t a;
    py->debug = find_sym(py, "_Py_RefTotal", &a) == 0 || find_sym(py, "_Py_GetRefTotal", &a) == 0;
    py->L = pc_py_layout_find(py->version, py->debug);
    if (!py->L)
        return pc_fail(err, PC_E_NOPYTHON, "CPython %s%s is not supported yet (no layout for it)",
                       py->version_str, py->debug ? " (debug build)" : "");
    if (py->L->ts_cframe == PC_NO_FIELD || py->L->if_code == PC_NO_FIELD)
        return pc_fail(err, PC_E_NOPYTHON,
                       "CPython %s is not supported yet: this build reads 3.11's frame layout only",
                       py->version_str);
    find_sym(py, "PyUnicode_Type", &py->t_str);
    find_sym(py, "PyLong_Type", &py->t_int);
    find_sym(py, "PyBool_Type", &py->t_bool);
    find_sym(py, "PyDict_Type", &py->t_dict);
    find_sym(py, "PyCode_Type", &py->t_code);
    find_sym(py, "PyModule_Type", &py->t_module);
    if (pc_read_ptr(py->t, py->runtime + (uint64_t)py->L->rt_interpreters_head, &py->interp) ||
        py->interp == 0)
        return pc_fail(err, PC_E_NOPYTHON,
                       "CPython %s has no interpreter state (not started yet, or already finalized)",
                       py->version_str);
    return PC_OK;
}
