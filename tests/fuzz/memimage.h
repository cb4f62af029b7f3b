/* A memory image: the bytes of one real process that the CPython,
 * diagnose and report layers read, recorded from a real core by
 * make_memimage and replayed by fuzz_memory, so that the walk over
 * interpreter, thread states, frames, code and objects can be fuzzed
 * thousands of times a second without libdw.  Layout, little-endian:
 *
 *   "PCMEMIM2"
 *   u32 flags (1: libpython is a shared library)   u32 nthreads
 *   u32 nsyms                                      i32 pid
 *   u32 version (PY_VERSION_HEX where no Py_Version symbol gives it, else 0)
 *   u32 reserved
 *   u64 runtime (&_PyRuntime; 0 for 2.7 and 3.6)
 *   nsyms x u64: the addresses of PC_PY_SYMBOLS, in that order
 *   nthreads x { i32 tid, u32 flags, u64 regs[27] }: x86_64's
 *     (PC_X86_NREGS; the seeds are x86_64 cores)
 *   until the end: { u64 addr, u32 len, len bytes }   (memory ranges)
 *
 * The parser is as strict as the engine's: it is fed mutated bytes. */
#ifndef PYCORE_FUZZ_MEMIMAGE_H
#define PYCORE_FUZZ_MEMIMAGE_H

#include "diagnose/analysis.h"

#define PC_MEMIMAGE_MAGIC "PCMEMIM2"
#define PC_MEMIMAGE_MAX_THREADS 256
#define PC_MEMIMAGE_MAX_RANGES 65536

struct pc_memrange {
    uint64_t addr;
    uint32_t len;
    const uint8_t *bytes;       /* into the image */
};

struct pc_memimage {
    uint32_t flags;
    int32_t pid;
    uint32_t version;
    uint64_t runtime;
    uint64_t syms[PC_PYSYM_COUNT];
    pc_thread_desc threads[PC_MEMIMAGE_MAX_THREADS];
    size_t nthreads;
    struct pc_memrange *ranges; /* sorted by addr */
    size_t nranges;
};

/* 0, or -1 if the bytes are no image. */
int pc_memimage_parse(const uint8_t *d, size_t n, struct pc_memimage *img);
void pc_memimage_free(struct pc_memimage *img);
/* A target reading the image's ranges (img must outlive it). */
int pc_memimage_target(struct pc_memimage *img, pc_target **t, pc_error *err);

/* What the engine does after finding the interpreter, as pc_analyze does
 * it with native unwinding off: thread model, diagnosis, and the report in
 * every format.  Both make_memimage (recording) and pc_memimage_replay
 * run it, so an image holds what this walk reads.  Returns the text
 * report (malloc'd, or NULL); the caller frees a->model and a->diag. */
char *pc_memimage_walk(struct pc_analysis *a);

/* The engine on an image: pc_python_init from the recorded symbols, then
 * the walk.  The text report, or NULL when the image or the interpreter
 * in it is unusable. */
char *pc_memimage_replay(const uint8_t *d, size_t n);

#endif
