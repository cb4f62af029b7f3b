/* Mapped files from the dynamic linker's list in memory, for cores
 * without NT_FILE (qemu-user's); linkmap.c says how. */
#ifndef PYCORE_LINKMAP_H
#define PYCORE_LINKMAP_H

#include "target/target.h"

#define PC_LINKMAP_MAX 4096

struct pc_linkmap_io {
    void *arg;
    /* Memory the core holds (not the files): 0, or -1 unreadable. */
    int (*mem_read)(void *arg, uint64_t addr, void *buf, size_t len);
    /* A NUL-terminated string of memory, at most max-1 bytes: 0 if whole. */
    int (*mem_cstr)(void *arg, uint64_t addr, char *out, size_t max);
    /* Bytes of a file the process mapped, by its path in the process. */
    int (*file_read)(void *arg, const char *path, uint64_t off, void *buf, size_t len);
};

struct pc_linkmap_file {
    uint64_t start, end, pgoff;
    const char *path;           /* the executable's, or one of paths */
};

struct pc_linkmap {
    struct pc_linkmap_file *v;
    size_t n;
    char **paths;               /* the objects' names, owned */
    size_t npaths;
};

/* The executable's mappings (its program headers at at_phdr) and those of
 * every object the linker lists.  0: out filled (the executable alone when
 * there is no list); -1: the executable's file cannot be read, or out of
 * memory.  out is freed by pc_linkmap_free either way. */
int pc_linkmap_files(const struct pc_linkmap_io *io, const char *exe, uint64_t at_phdr, struct pc_linkmap *out);
void pc_linkmap_free(struct pc_linkmap *l);

#endif
