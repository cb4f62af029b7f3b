/* Giving back file pages the analysis read once and hardly reads again.
 *
 * A module's first address lookup makes libdw index its units
 * (dwarf_getaranges), which reads every unit header of .debug_info.  The
 * kernel maps up to 64 KiB of cached file around each page faulted in
 * ("fault-around"; madvise(MADV_RANDOM) does not turn it off), so a few
 * hundred headers make the whole section resident: python3.11's 11 MB
 * and libc's 5.6 MB were 15 of a 44 MB peak on a 50-thread report, which
 * then reads the DIEs of a few units.  A symbol table, once symindex.c
 * has indexed it, is read again only for the odd symbol.  Both are clean
 * private mappings of their files, so MADV_DONTNEED only unmaps their
 * pages: the next read maps them back from the page cache, unchanged.
 *
 * That holds only for such a mapping: a section libelf inflated or
 * converted into the heap, or one libdwfl relocated (ET_REL), would lose
 * its contents.  So the range must lie in one private mapping of a file
 * (/proc/self/maps), and the callers leave ET_REL files alone.  Anything
 * unexpected leaves the pages as they are: only memory use depends on
 * this. */
#include "native/native.h"

#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_MAPS_LINES 65536

/* Does [lo, hi) lie in one private mapping of a file? */
static int in_private_file_map(uintptr_t lo, uintptr_t hi)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return 0;
    char line[512];
    int ok = 0, at_start = 1;
    for (int n = 0; n < MAX_MAPS_LINES && fgets(line, sizeof line, f); n++) {
        int starts = at_start;
        at_start = strchr(line, '\n') != NULL;      /* a long path goes on in the next read */
        unsigned long a, z, off, ino;
        unsigned maj, mnr;
        char perms[8];
        if (!starts || sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &a, &z, perms, &off, &maj, &mnr, &ino) != 7)
            continue;
        if (a <= lo && hi <= z) {
            ok = ino != 0 && strlen(perms) == 4 && perms[3] == 'p';
            break;
        }
    }
    fclose(f);
    return ok;
}

void pc_native_release_pages(const void *buf, size_t size)
{
    long page = sysconf(_SC_PAGESIZE);
    if (!buf || page <= 0)
        return;
    /* whole pages inside the range only */
    uintptr_t lo = ((uintptr_t)buf + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    uintptr_t hi = ((uintptr_t)buf + size) & ~((uintptr_t)page - 1);
    if (hi > lo && in_private_file_map(lo, hi))
        (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void pc_native_release_unit_index(Dwfl_Module *dwmod)
{
    Dwarf_Addr bias;
    Dwarf *dw = dwmod ? dwfl_module_getdwarf(dwmod, &bias) : NULL;
    Elf *elf = dw ? dwarf_getelf(dw) : NULL;
    GElf_Ehdr eh;
    size_t shstrndx;
    if (!elf || !gelf_getehdr(elf, &eh) || eh.e_type == ET_REL || elf_getshdrstrndx(elf, &shstrndx) != 0)
        return;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
        if (name && strcmp(name, ".debug_info") == 0) {
            Elf_Data *d = elf_getdata(scn, NULL);
            if (d)
                pc_native_release_pages(d->d_buf, d->d_size);
            return;
        }
    }
}
