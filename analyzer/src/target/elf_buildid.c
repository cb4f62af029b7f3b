/* GNU build-id of an ELF image read through a callback, so the same code
 * serves images in target memory and files on disk. */
#include "target/target.h"

#include <elf.h>
#include <string.h>

#define MAX_PHDRS 64
#define MAX_NOTE_BYTES 4096

static int scan_notes(const uint8_t *p, size_t n, uint8_t *id, size_t *id_len)
{
    size_t off = 0;
    while (off + sizeof(Elf64_Nhdr) <= n) {
        Elf64_Nhdr nh;
        memcpy(&nh, p + off, sizeof nh);
        size_t namesz = (nh.n_namesz + 3u) & ~(size_t)3;
        size_t descsz = (nh.n_descsz + 3u) & ~(size_t)3;
        off += sizeof nh;
        if (namesz > n - off || descsz > n - off - namesz)
            return -1;
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
            memcmp(p + off, "GNU", 4) == 0 && nh.n_descsz > 0 &&
            nh.n_descsz <= PC_BUILD_ID_MAX) {
            memcpy(id, p + off + namesz, nh.n_descsz);
            *id_len = nh.n_descsz;
            return 0;
        }
        off += namesz + descsz;
    }
    return -1;
}

int pc_elf_build_id(pc_reader_fn rd, void *arg, uint64_t base, int in_memory,
                    uint8_t *id, size_t *id_len)
{
    Elf64_Ehdr eh;
    *id_len = 0;
    if (rd(arg, base, &eh, sizeof eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS)
        return -1;
    Elf64_Phdr ph[MAX_PHDRS];
    if (rd(arg, base + eh.e_phoff, ph, eh.e_phnum * sizeof(Elf64_Phdr)))
        return -1;
    /* In memory, a note's address is its p_vaddr relative to the first
     * PT_LOAD; in a file, its p_offset. */
    uint64_t first_vaddr = 0;
    int have_load = 0;
    for (int i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && !have_load) {
            first_vaddr = ph[i].p_vaddr & ~(uint64_t)0xfff;
            have_load = 1;
        }
    for (int i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_NOTE || ph[i].p_filesz == 0)
            continue;
        uint8_t buf[MAX_NOTE_BYTES];
        size_t n = ph[i].p_filesz < sizeof buf ? ph[i].p_filesz : sizeof buf;
        uint64_t where = in_memory ? base + ph[i].p_vaddr - first_vaddr
                                   : base + ph[i].p_offset;
        if (rd(arg, where, buf, n))
            continue;
        if (scan_notes(buf, n, id, id_len) == 0)
            return 0;
    }
    return -1;
}
