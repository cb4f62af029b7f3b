/* Objects of the io module, read from the target: which descriptor a
 * stream writes to, and the C-level lock a buffered stream takes around
 * every read, write and flush (Modules/_io/bufferedio.c), with the thread
 * that holds it. */
#include "cpython/io.h"

#include <stdio.h>
#include <string.h>

#define OFF(f) ((uint64_t)py->L->f)

/* "_io.BufferedWriter" -> "BufferedWriter" */
static const char *io_type(struct pc_python *py, uint64_t obj, char *ty, size_t n)
{
    if (pc_py_type_name(py, obj, ty, n))
        return NULL;
    return strncmp(ty, "_io.", 4) == 0 ? ty + 4 : ty;
}

static int is_buffered(const char *t)
{
    return !strcmp(t, "BufferedWriter") || !strcmp(t, "BufferedReader") || !strcmp(t, "BufferedRandom");
}

/* The layout is one for every version (test_private_layouts.py); the type's own
 * tp_dictoffset must say so before lock and owner are believed. */
static int buffered_fields(struct pc_python *py, uint64_t obj, struct pc_py_io *io)
{
    uint64_t ty;
    int64_t dictoffset;
    if (py->L->buf_dict == PC_NO_FIELD || pc_py_type(py, obj, &ty) ||
        pc_read(py->t, ty + OFF(tp_dictoffset), &dictoffset, 8) || dictoffset != py->L->buf_dict)
        return -1;
    io->buffered = obj;
    if (pc_read_ptr(py->t, obj + OFF(buf_lock), &io->lock) || pc_read_u64(py->t, obj + OFF(buf_owner), &io->owner))
        io->lock = io->owner = 0;
    if (pc_read_ptr(py->t, obj + OFF(buf_raw), &io->raw))
        io->raw = 0;
    return 0;
}

int pc_py_io(struct pc_python *py, uint64_t obj, struct pc_py_io *io)
{
    char ty[64];
    const char *t = io_type(py, obj, ty, sizeof ty);
    memset(io, 0, sizeof *io);
    io->fd = -1;
    if (!t || py->L->fio_fd == PC_NO_FIELD)
        return -1;
    io->obj = obj;
    snprintf(io->kind, sizeof io->kind, "%s", t);
    if (!strcmp(t, "TextIOWrapper")) {
        uint64_t b;
        if (pc_read_ptr(py->t, obj + OFF(tio_buffer), &b) || !b)
            return 0;
        io->text = obj;
        t = io_type(py, b, ty, sizeof ty);
        if (t)
            snprintf(io->kind, sizeof io->kind, "%s", t);
        if (!t)
            return 0;
        obj = b;
    }
    if (is_buffered(t)) {
        if (buffered_fields(py, obj, io))
            return io->text ? 0 : -1;
        obj = io->raw;
        t = obj ? io_type(py, obj, ty, sizeof ty) : NULL;
        if (!t)
            return 0;
    }
    if (!strcmp(t, "FileIO")) {
        int32_t fd;
        io->raw = obj;
        if (pc_read(py->t, obj + OFF(fio_fd), &fd, 4) == 0 && fd >= -1 && fd < (1 << 24))
            io->fd = fd;
        return 0;
    }
    return io->text || io->buffered ? 0 : -1;
}

int pc_py_io_lock_matches(const struct pc_py_io *io, uint64_t futex, uint64_t mutex)
{
    if (!io->lock)
        return 0;
    /* <= 3.12: a sem_t, whose futex word is inside it; 3.13+: a PyMutex
     * that the waiter parks on (pc_py_futex_mutex). */
    return (futex >= io->lock && futex < io->lock + 32) || (mutex && mutex == io->lock);
}
