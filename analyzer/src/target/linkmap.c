/* The mapped files of a core that does not list them (qemu-user writes no
 * NT_FILE): the dynamic linker's own list, as gdb reads it for such cores.
 * The executable's PT_DYNAMIC (its program headers from the file, placed
 * by AT_PHDR) holds DT_DEBUG, the address of struct r_debug; its r_map is
 * the list of struct link_map {l_addr, l_name, l_ld, l_next, l_prev}.  Each
 * object's PT_LOAD headers, read from its file, give its mappings.
 * Everything read from the core is bounded: the list's length, names,
 * header counts; a cycle ends the walk. */
#include "target/linkmap.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OBJECTS 1024
#define MAX_PHDRS 64
#define MAX_DYN 1024
#define MAX_NAME 4096
#define PAGE 4096u

struct lm {
    const struct pc_linkmap_io *io;
    struct pc_linkmap *out;
    size_t cap, pcap;
};

/* The PT_LOAD and PT_DYNAMIC headers of an ELF file, and where its program
 * headers lie in memory relative to the file's addresses. */
struct elf_info {
    Elf64_Phdr ph[MAX_PHDRS];
    size_t n;
    uint64_t phdr_vaddr;    /* UINT64_MAX: unknown */
};

static int read_elf(const struct lm *m, const char *path, struct elf_info *e)
{
    Elf64_Ehdr eh;
    if (m->io->file_read(m->io->arg, path, 0, &eh, sizeof eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
        eh.e_phnum > MAX_PHDRS)
        return -1;
    if (m->io->file_read(m->io->arg, path, eh.e_phoff, e->ph, eh.e_phnum * sizeof *e->ph))
        return -1;
    e->n = eh.e_phnum;
    e->phdr_vaddr = UINT64_MAX;
    for (size_t i = 0; i < e->n; i++) {
        if (e->ph[i].p_type == PT_PHDR)
            e->phdr_vaddr = e->ph[i].p_vaddr;
        else if (e->ph[i].p_type == PT_LOAD && e->phdr_vaddr == UINT64_MAX && e->ph[i].p_offset == 0)
            e->phdr_vaddr = e->ph[i].p_vaddr + eh.e_phoff;   /* the first load maps the headers */
    }
    return 0;
}

static int add(struct lm *m, uint64_t start, uint64_t end, uint64_t pgoff, const char *path)
{
    if (m->out->n >= PC_LINKMAP_MAX || pc_grow(&m->out->v, &m->cap, m->out->n + 1, sizeof *m->out->v))
        return -1;
    m->out->v[m->out->n++] = (struct pc_linkmap_file){start, end, pgoff, path};
    return 0;
}

/* A name kept for as long as the list: the target keeps file handles by it. */
static const char *keep(struct lm *m, const char *name)
{
    char *p = pc_strdup(name);
    if (!p || pc_grow(&m->out->paths, &m->pcap, m->out->npaths + 1, sizeof *m->out->paths)) {
        free(p);
        return NULL;
    }
    return m->out->paths[m->out->npaths++] = p;
}

/* One object's file-backed mappings: each PT_LOAD's pages that hold file
 * bytes (the rest is anonymous, in the core itself). */
static int add_object(struct lm *m, const char *path, uint64_t bias, const struct elf_info *e)
{
    for (size_t i = 0; i < e->n; i++) {
        const Elf64_Phdr *p = &e->ph[i];
        if (p->p_type != PT_LOAD || !p->p_filesz || p->p_vaddr % PAGE != p->p_offset % PAGE)
            continue;
        uint64_t start = bias + (p->p_vaddr & ~(uint64_t)(PAGE - 1));
        uint64_t end = bias + p->p_vaddr + p->p_filesz;
        if (end < start)
            continue;
        if (add(m, start, end, p->p_offset & ~(uint64_t)(PAGE - 1), path))
            return -1;
    }
    return 0;
}

static uint64_t dt_debug(const struct lm *m, const struct elf_info *e, uint64_t bias)
{
    for (size_t i = 0; i < e->n; i++) {
        if (e->ph[i].p_type != PT_DYNAMIC)
            continue;
        uint64_t n = e->ph[i].p_memsz / 16;
        for (uint64_t k = 0; k < n && k < MAX_DYN; k++) {
            uint64_t d[2];
            if (m->io->mem_read(m->io->arg, bias + e->ph[i].p_vaddr + 16 * k, d, sizeof d) || d[0] == DT_NULL)
                return 0;
            if (d[0] == DT_DEBUG)
                return d[1];
        }
    }
    return 0;
}

int pc_linkmap_files(const struct pc_linkmap_io *io, const char *exe, uint64_t at_phdr, struct pc_linkmap *out)
{
    memset(out, 0, sizeof *out);
    struct lm m = {io, out, 0, 0};
    struct elf_info e;
    if (!exe || !at_phdr || read_elf(&m, exe, &e) || e.phdr_vaddr == UINT64_MAX)
        return -1;
    uint64_t bias = at_phdr - e.phdr_vaddr;
    if (add_object(&m, exe, bias, &e))
        return -1;
    uint64_t rdebug = dt_debug(&m, &e, bias), lm = 0;
    if (!rdebug || io->mem_read(io->arg, rdebug + 8, &lm, 8))
        return 0;       /* static, or the linker had not run: the executable alone */
    uint64_t seen[MAX_OBJECTS];
    size_t nseen = 0;
    char name[MAX_NAME];
    while (lm && nseen < MAX_OBJECTS) {
        for (size_t i = 0; i < nseen; i++)
            if (seen[i] == lm)
                return 0;   /* a cycle: a corrupt list */
        seen[nseen++] = lm;
        uint64_t l[4];      /* l_addr, l_name, l_ld, l_next */
        if (io->mem_read(io->arg, lm, l, sizeof l))
            break;
        /* The executable's entry has no name, the vDSO's no path: skip them. */
        if (l[1] && io->mem_cstr(io->arg, l[1], name, sizeof name) == 0 && name[0] == '/' && strcmp(name, exe) != 0) {
            const char *path = keep(&m, name);
            if (!path)
                return -1;
            if (read_elf(&m, path, &e) == 0 && add_object(&m, path, l[0], &e))
                return -1;
        }
        lm = l[3];
    }
    return 0;
}

void pc_linkmap_free(struct pc_linkmap *l)
{
    for (size_t i = 0; i < l->npaths; i++)
        free(l->paths[i]);
    free(l->paths);
    free(l->v);
    memset(l, 0, sizeof *l);
}
