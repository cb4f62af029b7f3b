/* Separate debug files whose DWARF sections are compressed (SHF_COMPRESSED,
 * as Debian's -dbg packages ship them) cost every run the inflation of
 * whole sections: most of a default report's time.  With a cache
 * directory, the first run writes a copy with those sections stored plain,
 * named by build-id, and later runs (and every triage worker) map that copy
 * instead.  A build-id names the content, so a copy never goes stale;
 * libdwfl still checks that the copy's build-id is the module's.  Any
 * failure here only means the compressed file is used as before. */
#include "native/native.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <elfutils/libdwelf.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int has_compressed(int fd)
{
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    int yes = 0;
    for (Elf_Scn *scn = elf ? elf_nextscn(elf, NULL) : NULL; scn && !yes; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        yes = gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_COMPRESSED) && sh.sh_type != SHT_NOBITS;
    }
    if (elf)
        elf_end(elf);
    return yes;
}

/* Is fd an ELF file whose build-id is id?  A damaged or foreign copy is
 * not used (and is replaced). */
static int has_build_id(int fd, const unsigned char *id, int len)
{
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    const void *got = NULL;
    ssize_t n = elf ? dwelf_elf_gnu_build_id(elf, &got) : -1;
    int same = n == len && got && memcmp(got, id, (size_t)len) == 0;
    if (elf)
        elf_end(elf);
    return same;
}

static int copy_fd(int from, int to)
{
    char buf[1 << 16];
    for (off_t off = 0;;) {
        ssize_t r = pread(from, buf, sizeof buf, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || pc_write_all(to, buf, (size_t)r))
            return r == 0 ? 0 : -1;
        off += r;
    }
}

/* Write the plain copy of fd to path: a temporary file in the same
 * directory, renamed into place when complete (concurrent writers of one
 * build-id write the same bytes; the last rename wins). */
static int write_plain_copy(int fd, const char *dir, const char *path)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", dir) >= (int)sizeof tmp)
        return -1;
    int out = mkstemp(tmp);
    if (out < 0)
        return -1;
    int ok = copy_fd(fd, out) == 0;
    Elf *elf = ok ? elf_begin(out, ELF_C_RDWR, NULL) : NULL;
    ok = elf != NULL;
    for (Elf_Scn *scn = elf ? elf_nextscn(elf, NULL) : NULL; ok && scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            ok = 0;
        else if ((sh.sh_flags & SHF_COMPRESSED) && sh.sh_type != SHT_NOBITS)
            ok = elf_compress(scn, 0, 0) >= 0;
    }
    ok = ok && elf_update(elf, ELF_C_WRITE) >= 0;
    if (elf)
        elf_end(elf);
    ok = ok && fchmod(out, 0644) == 0;
    ok = close(out) == 0 && ok;
    if (ok && rename(tmp, path) == 0)
        return 0;
    unlink(tmp);
    return -1;
}

static int mkdirs(const char *dir)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
        return -1;
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(p, 0700) && errno != EEXIST)
                return -1;
            *s = '/';
        }
    return mkdir(p, 0700) && errno != EEXIST ? -1 : 0;
}

int pc_native_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                             const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
                             char **debuginfo_file_name)
{
    struct pc_module *m = userdata ? *userdata : NULL;
    const char *dir = m && m->owner ? m->owner->debug_cache : NULL;
    /* Only the module's own debug file: a later call asks for its dwz
     * alternate file, which has another build-id. */
    int first = m && !m->debug_asked;
    if (m)
        m->debug_asked = 1;
    const unsigned char *id;
    GElf_Addr vaddr;
    int len = first && dir && dir[0] ? dwfl_module_build_id(mod, &id, &vaddr) : 0;
    char hex[129], path[PATH_MAX];
    if (len > 0 && len <= 64) {
        for (int i = 0; i < len; i++)
            snprintf(hex + 2 * i, 3, "%02x", id[i]);
        if (snprintf(path, sizeof path, "%s/%s.debug", dir, hex) >= (int)sizeof path)
            len = 0;
    } else {
        len = 0;
    }
    if (len) {
        int c = open(path, O_RDONLY | O_CLOEXEC);
        if (c >= 0 && !has_build_id(c, id, len)) {
            close(c);
            c = -1;
        }
        char *name = c >= 0 ? strdup(path) : NULL;
        if (name) {
            /* libdwfl checks that its build-id is the module's */
            free(*debuginfo_file_name);
            *debuginfo_file_name = name;
            return c;
        }
        if (c >= 0)
            close(c);
    }
    int fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file, debuglink_crc,
                                          debuginfo_file_name);
    /* This run reads the compressed file as found; the next ones the copy. */
    if (len && fd >= 0 && has_compressed(fd) && mkdirs(dir) == 0)
        write_plain_copy(fd, dir, path);
    return fd;
}
