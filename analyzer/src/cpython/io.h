/* io module objects (FileIO, Buffered*, TextIOWrapper) read from the target. */
#ifndef PYCORE_CPYTHON_IO_H
#define PYCORE_CPYTHON_IO_H

#include "cpython/python.h"

struct pc_py_io {
    uint64_t obj;           /* the object asked about */
    char kind[32];          /* the innermost type known: "BufferedWriter", "FileIO" */
    uint64_t text;          /* the TextIOWrapper, 0 if none */
    uint64_t buffered;      /* the BufferedReader/Writer/Random, 0 if none */
    uint64_t raw;           /* the FileIO under it, 0 if none or unknown */
    int64_t fd;             /* the FileIO's descriptor, -1 unknown or closed */
    uint64_t lock;          /* the buffer's PyThread_type_lock, 0 unknown */
    uint64_t owner;         /* thread ident holding it, 0 free */
};

/* Fill *io if obj is an io stream of the C implementation: 0, else -1. */
int pc_py_io(struct pc_python *py, uint64_t obj, struct pc_py_io *io);
/* Does a futex wait (word, and 3.13+ parked PyMutex) sleep on its lock? */
int pc_py_io_lock_matches(const struct pc_py_io *io, uint64_t futex, uint64_t mutex);

#endif
