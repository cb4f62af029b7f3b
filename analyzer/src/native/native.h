/* Native layer: the target's mapped modules as libdwfl modules, symbols,
 * and CFI unwinding through the target's own memory and registers. */
#ifndef PYCORE_NATIVE_H
#define PYCORE_NATIVE_H

#include "target/target.h"

#include <elfutils/libdwfl.h>

#define PC_MAX_NATIVE_FRAMES 512
#define PC_MAX_MODULES 4096

struct pc_module {
    char *path;                 /* as mapped in the target */
    const char *name;           /* basename of path */
    uint64_t start, end;        /* lowest and highest mapped address */
    uint64_t bias;
    char build_id[2 * PC_BUILD_ID_MAX + 1];  /* from target memory; "" unknown */
    Dwfl_Module *dw;            /* NULL: file missing or mismatched */
    char *error;                /* why dw is NULL, if it is an ELF file */
    int is_exe;
    const struct pc_native *owner;
    int debug_asked;            /* libdwfl asked for its debug file (later asks: a dwz alt file) */
    struct pc_symindex *symidx; /* address -> symbol (symindex.c); NULL: libdwfl answers */
    int symidx_tried;
    int unit_index_released;    /* pc_native_release_unit_index done */
};

struct pc_native {
    pc_target *t;
    Dwfl *dwfl;
    struct pc_module *mods;
    size_t nmods;
    pc_thread_desc *threads;
    size_t nthreads;
    int attached;
    char **warnings;            /* one line each */
    size_t nwarnings, wcap;
    /* Symbolized frames by lookup pc: threads share most return addresses. */
    struct pc_pc_slot *pc_slots;            /* PC_PC_SLOTS entries */
    struct pc_native_frame *pc_pool;
    size_t pc_pool_len, pc_pool_cap;
    int no_source;              /* symbols only: never load DWARF */
    int symcheck;               /* PYCORE_SYMBOL_SELFCHECK: check symindex.c against libdwfl */
    Dwfl_Callbacks callbacks;   /* per session: the debug-info path varies */
    char *debuginfo_path;
    const char *debug_cache;    /* plain copies of compressed debug files (debug_cache.c); NULL: none */
    struct pc_lines *lines;     /* line programs read on demand (lines.c) */
    struct pc_scopes *scopes;   /* functions of each unit by address (scopes.c) */
    int64_t pthread_tid_off;    /* pthread.c: 0 not looked up yet, -1 unknown */
};

#define PC_PC_SLOTS 4096
struct pc_pc_slot {
    uint64_t pc;                /* 0: empty */
    uint32_t first, count;      /* in pc_pool */
};

int pc_native_open(pc_target *t, const char *const *debug_dirs, const char *debug_cache, struct pc_native *n,
                   pc_error *err);
/* libdwfl's find_debuginfo: the standard search, then, for a file with
 * compressed sections, its plain copy in n->debug_cache (made once). */
int pc_native_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                             const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
                             char **debuginfo_file_name);
void pc_native_close(struct pc_native *n);
void pc_native_warn(struct pc_native *n, const char *fmt, ...) PC_PRINTF(2, 3);

const struct pc_module *pc_native_module_at(const struct pc_native *n, uint64_t addr);
const struct pc_module *pc_native_exe(const struct pc_native *n);

/* Look a data or function symbol up by exact name in the modules whose
 * name contains 'in_module' (NULL: all); the target's own symbol op wins. */
int pc_native_symbol(struct pc_native *n, const char *name, const char *in_module,
                     uint64_t *addr);
/* Several names in one pass; addrs[i] = 0 for those not found.  PC_OK
 * only if all were found. */
int pc_native_symbols(struct pc_native *n, const char *const *names, uint64_t *addrs, size_t count,
                      const char *in_module);

/* The kernel thread id a glibc thread pointer (pthread_t) names, read
 * through glibc's libthread_db descriptor; PC_E_NOPYTHON when the process's
 * libc does not describe it. */
int pc_native_pthread_tid(struct pc_native *n, uint64_t pthread, int32_t *tid);
/* Whether thread d is the one whose pthread_t is pthread: as its registers
 * say (pc_arch_pthread), or when they do not, by the tid glibc keeps there. */
int pc_native_thread_is(struct pc_native *n, const pc_thread_desc *d, uint64_t pthread);
/* An allocated section by name (CPython's .PyRuntime, .AsyncioDebug) in
 * the on-disk ELF of a mapped module: its address in the target and size.
 * Section headers survive stripping, so this works without symbols. */
int pc_native_section(struct pc_native *n, const char *name, const char *in_module, uint64_t *addr,
                      uint64_t *size);

struct pc_native_frame {
    uint64_t pc;                /* return address (or the pc, innermost) */
    uint64_t lookup_pc;         /* pc-1 for return addresses */
    const char *function;       /* NULL if unknown; valid while n is open */
    uint64_t offset;
    const struct pc_module *module;
    const char *file;           /* source, if debug info */
    int line;
    int inlined;                /* 1: an inlined call inside the next frame */
    uint32_t line_req;          /* file and line still to come from lines.c (its request + 1); 0: none */
};

/* Unwind thread index 'ti'; frames innermost first.  Returns the count
 * (<= max); *complete = 0 if unwinding stopped early with an error. */
size_t pc_native_unwind(struct pc_native *n, size_t ti, struct pc_native_frame *out,
                        size_t max, int *complete, char *why, size_t whylen);

/* Source lines (lines.c): a frame's line is requested while unwinding,
 * and every request is answered at once, one pass per unit's line program,
 * after all threads are unwound: pc_lines_resolve, then pc_lines_apply to
 * each thread's frames.  pc_lines_file: a file of the unit's table by
 * index (an inlined call's DW_AT_call_file).  Names stay valid while n is
 * open. */
uint32_t pc_lines_request(struct pc_native *n, Dwarf_Die *cu, Dwarf_Addr addr);
const char *pc_lines_file(struct pc_native *n, Dwarf_Die *cu, Dwarf_Word index);
void pc_lines_resolve(struct pc_native *n);
void pc_lines_apply(struct pc_native *n, struct pc_native_frame *f, size_t count);
void pc_lines_free(struct pc_native *n);

/* Unmap the whole pages of [buf, buf+size) if they are a private mapping
 * of a file: a later read maps them back unchanged (resident.c).  The
 * caller knows no one wrote them (not a relocated ET_REL file). */
void pc_native_release_pages(const void *buf, size_t size);
/* After a module's first address lookup: the pages of .debug_info that
 * libdw's unit index made resident. */
void pc_native_release_unit_index(Dwfl_Module *dwmod);
/* One line program from raw bytes (a unit's, at the start of line): the
 * row for addr (*file non-NULL if it names a file), the file count; -1
 * if the header is unusable.  For the fuzz target. */
int pc_lines_decode(const uint8_t *line, size_t n, const uint8_t *line_str, size_t nls, const char *comp_dir,
                    uint64_t addr, const char **file, int *line_no, size_t *nfiles);

/* The scopes containing addr (relative to the unit's module) in unit cu,
 * innermost first down to the function, every inlined call included, in a
 * malloc'ed *scopes (scopes.c); -1 when the unit's table of functions does
 * not hold it (ask dwarf_getscopes). */
int pc_scopes_at(struct pc_native *n, Dwarf_Die *cu, Dwarf_Addr addr, Dwarf_Die **scopes);
void pc_scopes_free(struct pc_native *n);

/* The symbol containing addr in mod and the offset into it, as libdwfl's
 * dwfl_module_addrinfo gives them (symindex.c); NULL if none. */
const char *pc_native_addr_symbol(struct pc_native *n, struct pc_module *mod, uint64_t addr, uint64_t *off);
void pc_symindex_free(struct pc_symindex *x);
/* The module's index, built on first use; NULL when libdwfl must answer
 * (no symbols, a split table).  Its entries: every named, defined symbol
 * but sections, files and TLS, with its address in the target. */
struct pc_symindex *pc_native_symindex(struct pc_module *mod);
/* The entry named name with a non-zero address, the first in table order
 * if several: 1 found (*value set), 0 not, -1 out of memory. */
int pc_symindex_find(struct pc_symindex *x, const char *name, uint64_t *value);

#endif
