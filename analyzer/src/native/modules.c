/* Modules: group the target's file mappings by path, check each file's
 * build-id against the copy in target memory, report it to libdwfl. */
#include "native/native.h"

#include <elf.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tgt_read(void *arg, uint64_t addr, void *buf, size_t len)
{
    return pc_read(arg, addr, buf, len);
}

void pc_native_warn(struct pc_native *n, const char *fmt, ...)
{
    if (n->nwarnings >= 64 || pc_grow(&n->warnings, &n->wcap, n->nwarnings + 1, sizeof(char *)))
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < n->nwarnings; i++)
        if (strcmp(n->warnings[i], line) == 0)
            return;
    char *s = pc_strdup(line);
    if (s)
        n->warnings[n->nwarnings++] = s;
}

static int is_module_path(const char *p)
{
    return p[0] == '/' && strncmp(p, "/dev/", 5) != 0 && strncmp(p, "/memfd:", 7) != 0 &&
           strstr(p, " (deleted)") == NULL && strncmp(p, "/SYSV", 5) != 0;
}

static int collect(struct pc_native *n, pc_error *err)
{
    pc_target *t = n->t;
    size_t count = t->ops->mapping_count(t->ctx), cap = 0;
    for (size_t i = 0; i < count; i++) {
        pc_mapping_desc m;
        if (t->ops->mapping(t->ctx, i, &m) || !m.path || !is_module_path(m.path))
            continue;
        struct pc_module *mod = NULL;
        for (size_t j = 0; j < n->nmods; j++)
            if (strcmp(n->mods[j].path, m.path) == 0)
                mod = &n->mods[j];
        if (!mod) {
            if (n->nmods >= PC_MAX_MODULES)
                break;
            if (pc_grow(&n->mods, &cap, n->nmods + 1, sizeof *n->mods))
                return pc_fail(err, PC_E_INTERNAL, "out of memory");
            mod = &n->mods[n->nmods++];
            memset(mod, 0, sizeof *mod);
            if (!(mod->path = pc_strdup(m.path)))
                return pc_fail(err, PC_E_INTERNAL, "out of memory");
            const char *slash = strrchr(mod->path, '/');
            mod->name = slash ? slash + 1 : mod->path;
            mod->start = UINT64_MAX;
            mod->bias = UINT64_MAX;
        }
        if (m.start < mod->start)
            mod->start = m.start;
        if (m.end > mod->end)
            mod->end = m.end;
        if (m.pgoff == 0 && mod->bias == UINT64_MAX)
            mod->bias = m.start;   /* header address; turned into a bias later */
    }
    return PC_OK;
}

/* Report one module to libdwfl: returns a message on failure. */
static void report(struct pc_native *n, struct pc_module *mod, pc_error *err)
{
    pc_target *t = n->t;
    uint8_t id[PC_BUILD_ID_MAX];
    size_t idlen = 0;
    uint64_t header = mod->bias;
    mod->bias = 0;
    if (header == UINT64_MAX)
        return;
    if (pc_elf_build_id(tgt_read, t, header, 1, id, &idlen) == 0)
        pc_hex(id, idlen, mod->build_id);
    if (!t->ops->open_file)
        return;
    /* Locale archives, caches and other data files are mapped too.  The
     * kernel and gcore both dump the first page of every ELF mapping, so
     * a header that cannot be read at all is a data file's. */
    char magic[4];
    if (pc_read(t, header, magic, 4) != 0 || memcmp(magic, "\177ELF", 4) != 0)
        return;
    int fd = -1;
    err->code = 0;
    if (t->ops->open_file(t->ctx, mod->path, id, idlen, &fd, err))
        return;
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    GElf_Ehdr eh;
    size_t phnum = 0;
    uint64_t first = UINT64_MAX;
    if (elf && gelf_getehdr(elf, &eh) && elf_getphdrnum(elf, &phnum) == 0) {
        for (size_t i = 0; i < phnum; i++) {
            GElf_Phdr ph;
            if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
                first = ph.p_vaddr & ~(uint64_t)0xfff;
                break;
            }
        }
    }
    if (elf)
        elf_end(elf);
    if (first == UINT64_MAX) {
        close(fd);   /* not an ELF file: data, not code */
        return;
    }
    mod->bias = header - first;
    mod->dw = dwfl_report_elf(n->dwfl, mod->name, mod->path, fd, mod->bias, true);
    if (!mod->dw) {
        pc_fail(err, PC_E_MODULE, "%s: %s", mod->path, dwfl_errmsg(-1));
        close(fd);
        return;
    }
    void **ud = NULL;   /* pc_native_find_debuginfo finds the module here */
    dwfl_module_info(mod->dw, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
    mod->owner = n;
    if (ud)
        *ud = mod;
}

int pc_native_open(pc_target *t, const char *const *debug_dirs, const char *debug_cache, struct pc_native *n,
                   pc_error *err)
{
    memset(n, 0, sizeof *n);
    n->t = t;
    n->debug_cache = debug_cache;
    /* libdwfl's default search (":.debug:/usr/lib/debug"), then ours. */
    pc_buf path = {0};
    pc_buf_puts(&path, ":.debug:/usr/lib/debug");
    for (size_t i = 0; debug_dirs && debug_dirs[i]; i++)
        pc_buf_printf(&path, ":%s", debug_dirs[i]);
    if (t->debug_root)
        pc_buf_printf(&path, ":%s", t->debug_root);
    n->debuginfo_path = pc_buf_take(&path);
    if (!n->debuginfo_path)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    n->callbacks.find_elf = dwfl_build_id_find_elf;
    n->callbacks.find_debuginfo = pc_native_find_debuginfo;
    n->callbacks.debuginfo_path = &n->debuginfo_path;
    const pc_process_desc *proc = pc_target_process(t);
    if (!proc)
        return pc_fail(err, PC_E_CORE, "cannot read the target's process information");
    int rc = collect(n, err);
    if (rc)
        return rc;
    n->dwfl = dwfl_begin(&n->callbacks);
    if (!n->dwfl)
        return pc_fail(err, PC_E_INTERNAL, "libdwfl: %s", dwfl_errmsg(-1));
    dwfl_report_begin(n->dwfl);
    for (size_t i = 0; i < n->nmods; i++) {
        struct pc_module *mod = &n->mods[i];
        mod->is_exe = proc->exe && strcmp(mod->path, proc->exe) == 0;
        pc_error e = {0};
        report(n, mod, &e);
        if (e.code && mod->is_exe) {
            dwfl_report_end(n->dwfl, NULL, NULL);
            return pc_fail(err, e.code, "executable %s", e.msg);
        }
        if (e.code) {
            pc_native_warn(n, "%s", e.msg);
            mod->error = pc_strdup(e.msg);
        }
    }
    dwfl_report_end(n->dwfl, NULL, NULL);

    size_t nt = t->ops->thread_count(t->ctx);
    if (nt == 0)
        return pc_fail(err, PC_E_CORE, "the target has no threads");
    n->threads = calloc(nt, sizeof *n->threads);
    if (!n->threads)
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    for (size_t i = 0; i < nt; i++)
        if (pc_target_thread(t, i, &n->threads[n->nthreads]) == PC_OK)
            n->nthreads++;
    return PC_OK;
}

void pc_native_close(struct pc_native *n)
{
    if (n->dwfl)
        dwfl_end(n->dwfl);
    for (size_t i = 0; i < n->nmods; i++) {
        free(n->mods[i].path);
        free(n->mods[i].error);
        pc_symindex_free(n->mods[i].symidx);
    }
    free(n->mods);
    free(n->threads);
    for (size_t i = 0; i < n->nwarnings; i++)
        free(n->warnings[i]);
    free(n->warnings);
    free(n->pc_slots);
    free(n->debuginfo_path);
    free(n->pc_pool);
    pc_lines_free(n);
    pc_scopes_free(n);
    memset(n, 0, sizeof *n);
}

const struct pc_module *pc_native_module_at(const struct pc_native *n, uint64_t addr)
{
    for (size_t i = 0; i < n->nmods; i++)
        if (addr >= n->mods[i].start && addr < n->mods[i].end)
            return &n->mods[i];
    return NULL;
}

const struct pc_module *pc_native_exe(const struct pc_native *n)
{
    for (size_t i = 0; i < n->nmods; i++)
        if (n->mods[i].is_exe)
            return &n->mods[i];
    return NULL;
}

/* The walk of a module libdwfl answers for (symindex.c has no index of
 * it): names whose first byte is in the set are compared, the table is
 * walked once for all the names, in table order, so a name defined twice
 * takes the first. */
struct sym_want {
    const char *const *names;
    uint64_t *addrs;
    size_t count, missing;
    uint8_t first[32];              /* bitmap of the names' first bytes */
};

static void want_match(struct sym_want *w, const char *s, uint64_t addr)
{
    unsigned char c = (unsigned char)s[0];
    if (!addr || !(w->first[c >> 3] & (1u << (c & 7))))
        return;     /* 0 stands for "not found" in addrs */
    for (size_t i = 0; i < w->count; i++)
        if (!w->addrs[i] && strcmp(s, w->names[i]) == 0) {
            w->addrs[i] = addr;
            w->missing--;
        }
}

static void walk_dwfl_symtab(Dwfl_Module *dw, struct sym_want *w)
{
    int cnt = dwfl_module_getsymtab(dw);
    for (int k = 1; k < cnt && w->missing; k++) {
        GElf_Sym sym;
        GElf_Addr a;
        const char *s = dwfl_module_getsym_info(dw, k, &sym, &a, NULL, NULL, NULL);
        if (s && sym.st_shndx != SHN_UNDEF)
            want_match(w, s, a);
    }
}

int pc_native_symbols(struct pc_native *n, const char *const *names, uint64_t *addrs, size_t count,
                      const char *in_module)
{
    pc_target *t = n->t;
    struct sym_want w = {.names = names, .addrs = addrs, .count = count};
    for (size_t i = 0; i < count; i++) {
        addrs[i] = 0;
        if (!(t->ops->symbol && t->ops->symbol(t->ctx, names[i], &addrs[i]) == PC_OK))
            w.missing++;
        unsigned char c = (unsigned char)names[i][0];
        w.first[c >> 3] |= (uint8_t)(1u << (c & 7));
    }
    for (size_t m = 0; m < n->nmods && w.missing; m++) {
        struct pc_module *mod = &n->mods[m];
        if (!mod->dw || (in_module && !strstr(mod->name, in_module)))
            continue;
        /* The module's index (symindex.c) when it has one: the table
         * read once for names (hashed) and for addresses (sorted). */
        struct pc_symindex *x = pc_native_symindex(mod);
        int found = 0;
        for (size_t i = 0; x && found >= 0 && i < count; i++) {
            uint64_t value;
            if (!addrs[i] && (found = pc_symindex_find(x, names[i], &value)) > 0) {
                addrs[i] = value;
                w.missing--;
            }
        }
        if (!x || found < 0)
            walk_dwfl_symtab(mod->dw, &w);
    }
    return w.missing ? PC_E_NOPYTHON : PC_OK;
}

int pc_native_symbol(struct pc_native *n, const char *name, const char *in_module, uint64_t *addr)
{
    const char *names[1] = {name};
    return pc_native_symbols(n, names, addr, 1, in_module) == PC_OK && *addr ? PC_OK : PC_E_NOPYTHON;
}

int pc_native_section(struct pc_native *n, const char *name, const char *in_module, uint64_t *addr, uint64_t *size)
{
    for (size_t m = 0; m < n->nmods; m++) {
        struct pc_module *mod = &n->mods[m];
        if (!mod->dw || (in_module && !strstr(mod->name, in_module)))
            continue;
        GElf_Addr bias;
        Elf *elf = dwfl_module_getelf(mod->dw, &bias);
        size_t shstrndx;
        if (!elf || elf_getshdrstrndx(elf, &shstrndx))
            continue;
        for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
            GElf_Shdr sh;
            const char *sn;
            if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
                !(sn = elf_strptr(elf, shstrndx, sh.sh_name)) || strcmp(sn, name) != 0)
                continue;
            *addr = sh.sh_addr + bias;
            *size = sh.sh_size;
            return PC_OK;
        }
    }
    return PC_E_NOPYTHON;
}
