/* Writing an ELF core of any target (pycore-analyze --save-core): the
 * live process as the analysis read it, to be analyzed again later
 * through the core target with the same result.  The format is the
 * kernel's (gdb and eu-readelf read it) plus a PYCORE note for what a
 * kernel core cannot carry (core_file.h). */
#ifndef PYCORE_CORE_WRITE_H
#define PYCORE_CORE_WRITE_H

#include "target/target.h"

/* Where the bytes go, in order, each once: a file, a compressor, memory.
 * 0 ok, -1 error (the sink keeps its own reason). */
typedef int (*pc_sink_fn)(void *arg, const void *buf, size_t len);

/* Bounds: a core has fewer than PN_XNUM (65535) program headers here (the
 * reader refuses the extended numbering), one of them the notes. */
#define PC_CORE_WRITE_MAX_PHDRS 65534
/* A region whose unreadable pages would take more PT_LOAD headers than
 * this is written whole, its unreadable pages as zeros. */
#define PC_CORE_WRITE_MAX_RUNS 16
/* Reads of target memory, at most (within PC_READ_MAX). */
#define PC_CORE_WRITE_CHUNK (1u << 20)

/* Write an ET_CORE of t (of its machine) in one pass (no seeking): the ELF header,
 * one PT_NOTE and one PT_LOAD per readable or unreadable run of every
 * region (t->regions, else the file mappings), the notes (NT_PRPSINFO,
 * NT_PRSTATUS per thread, NT_SIGINFO when the target has a signal,
 * NT_AUXV, NT_FILE, PYCORE), then each readable run's bytes, page
 * aligned.  Unreadable runs (guard pages, [vvar]) have p_filesz 0.
 * Returns PC_OK, or an error code with err set. */
int pc_core_write(pc_target *t, pc_sink_fn sink, void *arg, pc_error *err);

#endif
