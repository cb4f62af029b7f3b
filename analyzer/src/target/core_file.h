/* Parsing of an ELF core file held in memory: segments and notes.
 * Kept apart from the target so unit tests can feed it synthetic bytes. */
#ifndef PYCORE_CORE_FILE_H
#define PYCORE_CORE_FILE_H

#include "target/target.h"

/* struct elf_prstatus / elf_prpsinfo of a 64-bit Linux (linux/elfcore.h),
 * read (core_file.c) and written (core_write.c): the same on every
 * architecture up to pr_reg, whose length is the architecture's (arch/),
 * then pr_fpvalid and padding. */
#define PRS_CURSIG 12
#define PRS_SIGPEND 16
#define PRS_SIGHOLD 24
#define PRS_PID 32
#define PRS_REG 112
#define PC_PRSTATUS_SIZE(nregs) (PRS_REG + 8 * (size_t)(nregs) + 8)
#define PRPSINFO_SIZE 136
#define PRP_PID 24
#define PRP_PPID 28
#define PRP_FNAME 40
#define PRP_PSARGS 56

#include <elf.h>

/* Note types older <elf.h> lack (read by core_file.c, written by core_write.c). */
#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif
#ifndef NT_SIGINFO
#define NT_SIGINFO 0x53494749
#endif

#define PC_CORE_MAX_THREADS 100000
#define PC_CORE_MAX_SEGMENTS 1000000
#define PC_CORE_MAX_FILES 200000

/* The PYCORE note (name "PYCORE", type PC_NT_PYCORE) that pycore writes
 * into a core of a live process (core_write.c), for what the kernel's
 * notes cannot carry: a u32 format version, then fields, each a u32 tag,
 * a u32 length and that many bytes (little-endian, unpadded).  Unknown
 * tags are skipped, so a later writer may add fields; a note of another
 * version still marks the core as pycore's, its fields unread. */
#define PC_NT_PYCORE 1
#define PC_PYCORE_VERSION 1
enum pc_pycore_field {
    PC_PYF_CMDLINE = 1,       /* the whole command line (pr_psargs stops at 80 bytes) */
    PC_PYF_EXE = 2,           /* the executable's path as the process desc gave it */
    PC_PYF_THREAD_FLAGS = 3,  /* per thread: i32 tid, u32 pc_thread_desc.flags */
};
#define PC_PYCORE_MAX_TEXT 65536  /* bytes of cmdline or exe kept; longer is cut */

struct pc_core_seg {
    uint64_t vaddr, memsz, offset, filesz;
};

struct pc_core_fmap {
    uint64_t start, end, pgoff;   /* pgoff in bytes */
    const char *path;             /* points into the core image */
};

struct pc_core_image {
    const uint8_t *data;
    size_t size;
    struct pc_core_seg *segs;
    size_t nsegs;
    pc_thread_desc *threads;
    size_t nthreads;
    struct pc_core_fmap *fmaps;
    size_t nfmaps;
    int32_t pid, ppid, signal, machine;
    int32_t sig_code, sig_pid;      /* NT_SIGINFO (has_siginfo) */
    uint64_t sig_addr;
    int has_siginfo;
    int gdb_note;                 /* NT_GDB_TDESC seen: made by gcore */
    int pycore_note;              /* a PYCORE note: written by pycore */
    const uint8_t *py_cmdline, *py_exe;   /* its fields (NULL: absent), */
    size_t py_cmdline_len, py_exe_len;    /* not NUL-terminated */
    char fname[17];
    char psargs[81];
    uint64_t at_phdr, at_entry, at_base, at_execfn;
};

/* Parse; on error fills err (PC_E_CORE) and leaves img freeable. */
int pc_core_parse(struct pc_core_image *img, const uint8_t *data, size_t size,
                  pc_error *err);
void pc_core_image_free(struct pc_core_image *img);

/* Index of the segment containing addr, or -1 (binary search). */
long pc_core_find_seg(const struct pc_core_image *img, uint64_t addr);
long pc_core_find_fmap(const struct pc_core_image *img, uint64_t addr);

#endif
