/* libpycore: post-mortem analysis of hung CPython processes.
 *
 * The engine reads its target only through struct pc_target_ops: a core
 * file (pc_target_open_core), a live process or a debugger session are
 * implementations of it.  Nothing here keeps global state. */
#ifndef PYCORE_H
#define PYCORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PYCORE_VERSION "0.1.0"
#define PYCORE_JSON_SCHEMA_VERSION 1
/* The layout of struct pc_target_ops and the structs it passes; a caller
 * sets pc_target_ops.version to it, and pc_target_new refuses another. */
#define PC_TARGET_OPS_VERSION 4

/* libpycore.so exports only what is declared PC_API here. */
#if defined(__GNUC__)
#define PC_API __attribute__((visibility("default")))
#else
#define PC_API
#endif

/* Error codes; also the CLI's exit statuses (docs/cli.md). */
enum pc_status {
    PC_OK = 0,
    PC_HANG_FOUND = 1,     /* CLI only: analyzed, and a hang pattern was found */
    PC_E_USAGE = 2,        /* bad arguments */
    PC_E_CORE = 3,         /* not a readable ELF core of a supported machine */
    PC_E_MODULE = 4,       /* executable or library missing or mismatched */
    PC_E_NOPYTHON = 5,     /* no (supported) Python in the process */
    PC_E_INTERNAL = 6,     /* out of memory, libdw failure, ... */
    PC_E_MEMORY = 7,       /* an address the target cannot supply (internal) */
};

/* An error carried as an object: a code and one line saying what to do. */
typedef struct pc_error {
    int code;
    char msg[512];
} pc_error;

/* The machines pycore reads (ELF e_machine). */
enum pc_machine { PC_MACHINE_X86_64 = 62 /* EM_X86_64 */, PC_MACHINE_AARCH64 = 183 /* EM_AARCH64 */ };

/* A thread's registers: pc_register_name(machine, i) names regs[i], as gdb
 * names them; the kernel's NT_PRSTATUS pr_reg comes first, then the
 * machine's thread pointer if pr_reg lacks it; a register the target does
 * not know stays 0.  docs/architecture.md lists them. */
#define PC_MAX_REGS 40

enum pc_core_kind {
    PC_CORE_UNKNOWN = 0,
    PC_CORE_KERNEL,   /* written by the kernel as the process died */
    PC_CORE_GCORE,    /* a gdb snapshot (gcore / generate-core-file) */
    PC_CORE_LIVE,     /* not a core: a live process */
    PC_CORE_PYCORE = 4, /* a snapshot of a live process written by pycore (--save-core) */
    PC_CORE_QEMU = 5,   /* written by qemu-user as its guest died (no NT_FILE: files from the link map) */
};

typedef struct pc_thread_desc {
    int32_t tid;
    uint32_t flags;                 /* PC_THREAD_* */
    int32_t machine;                /* enum pc_machine: how regs are laid out */
    uint32_t reserved;
    uint64_t regs[PC_MAX_REGS];
    uint64_t sighold, sigpend;      /* valid with PC_THREAD_SIGMASKS */
    int32_t cursig;                 /* signal being delivered, 0 if none */
} pc_thread_desc;
#define PC_THREAD_SIGMASKS 1u
/* A live thread left running inside a system call (PC_OPEN_NO_STOP): of
 * its registers only the call's number and arguments and the stack and
 * instruction pointers are known; the others read 0. */
#define PC_THREAD_NOT_STOPPED 2u

typedef struct pc_mapping_desc {
    uint64_t start, end, pgoff;
    const char *path;               /* owned by the target */
} pc_mapping_desc;

typedef struct pc_process_desc {
    int32_t pid;
    int32_t signal;                 /* the signal that made the core; 0 if none */
    int32_t has_siginfo;            /* the next three are known (a core's NT_SIGINFO) */
    int32_t sig_code;               /* siginfo's si_code: SEGV_MAPERR, SI_USER, SI_TKILL... */
    int32_t sig_pid;                /* the sender of kill()/tgkill(); 0 if none or unknown */
    uint64_t sig_addr;              /* the fault address of SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP */
    int32_t core_kind;              /* enum pc_core_kind */
    int32_t machine;                /* enum pc_machine */
    const char *exe;                /* path of the main executable, may be NULL */
    const char *cmdline;            /* may be NULL */
    uint64_t at_phdr, at_entry, at_base;  /* auxv; 0 if unknown */
} pc_process_desc;

/* The one interface the engine reads a target through.  Every call returns
 * PC_OK or an error code; 'read' must fill all of buf or fail. */
typedef struct pc_target_ops {
    unsigned version;         /* PC_TARGET_OPS_VERSION */
    int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
    int (*process)(void *ctx, pc_process_desc *out);
    size_t (*thread_count)(void *ctx);
    int (*thread)(void *ctx, size_t index, pc_thread_desc *out);
    size_t (*mapping_count)(void *ctx);
    int (*mapping)(void *ctx, size_t index, pc_mapping_desc *out);
    /* Optional (may be NULL): resolve a symbol the target knows. */
    int (*symbol)(void *ctx, const char *name, uint64_t *addr);
    /* Optional: an fd for a mapped file whose contents must carry this
     * build-id (len 0: unknown).  The engine closes it. */
    int (*open_file)(void *ctx, const char *path, const uint8_t *build_id,
                     size_t build_id_len, int *fd, pc_error *err);
    void (*close)(void *ctx);
    /* Optional: the text of a file the process names (a Python source
     * file), as the target's filesystem has it (a core: under --sysroot;
     * a live process: through its root).  In: *len the room in buf; out:
     * the bytes read (at most that: the file may be longer).  PC_E_MODULE
     * when absent or not a regular file. */
    int (*read_text)(void *ctx, const char *path, char *buf, size_t *len);
} pc_target_ops;

typedef struct pc_target pc_target;

/* Wrap a caller's implementation (used by the gdb extension).  Targets
 * made here read through a page cache: the engine asks for many small
 * pieces, which is costly when each read crosses into a debugger.  The
 * target's memory must not change during one pc_analyze call. */
PC_API int pc_target_new(const pc_target_ops *ops, void *ctx, pc_target **out,
                         pc_error *err);

typedef struct pc_core_options {
    const char *executable;   /* NULL: taken from the core */
    const char *sysroot;      /* NULL: "/" */
    /* NULL-terminated; searched for the core's files by name and by
     * build-id (DIR/.build-id/xx/rest), and for their debug info. */
    const char *const *debug_dirs;
} pc_core_options;

PC_API int pc_target_open_core(const char *path, const pc_core_options *opts,
                               pc_target **out, pc_error *err);
/* A live process: every thread is stopped (ptrace) until pc_target_close,
 * which lets it run on.  Needs the right to ptrace it. */
PC_API int pc_target_open_pid(int pid, pc_target **out, pc_error *err);
/* The same with flags.  PC_OPEN_NO_STOP: a thread blocked in a system
 * call is left in it, not stopped (stopping one can end the call early: a
 * pipe write then returns a short count); only the others are stopped.
 * The left threads carry PC_THREAD_NOT_STOPPED. */
#define PC_OPEN_NO_STOP 1u
PC_API int pc_target_open_pid_flags(int pid, unsigned flags, pc_target **out, pc_error *err);
PC_API void pc_target_close(pc_target *t);

typedef struct pc_analysis pc_analysis;

typedef struct pc_analyze_options {
    int native;               /* unwind native stacks (1) or Python only (0) */
    int max_frames;           /* per thread; 0 = default */
    int no_source;            /* skip DWARF: no source lines, no inlined frames */
    /* Extra directories for separate debug info (build-id layout), tried
     * after the standard ones; NULL-terminated, may be NULL. */
    const char *const *debug_dirs;
    int scan_runtime;         /* find _PyRuntime by scanning memory, not by symbol */
    /* When the process has no (supported) Python: 0, fail with
     * PC_E_NOPYTHON; 1, still fail with it, but *out is an analysis of the
     * native side (threads, stacks, signal) for pc_render, which the
     * caller frees. */
    int native_without_python;
    int locals;               /* read every Python frame's arguments and locals (their reprs) */
    /* A directory for plain copies of separate debug files whose sections
     * are compressed, by build-id (written once, then mapped instead:
     * faster source lines); NULL: none. */
    const char *debug_cache;
} pc_analyze_options;

PC_API int pc_analyze(pc_target *t, const pc_analyze_options *opts,
                      pc_analysis **out, pc_error *err);
PC_API void pc_analysis_free(pc_analysis *a);
/* The diagnosis' pattern id ("none" if nothing recognizable), and whether
 * it is a hang (the CLI's exit status 1). */
PC_API const char *pc_analysis_pattern(const pc_analysis *a);
PC_API int pc_analysis_hang_found(const pc_analysis *a);

/* The analysis as C values, so a caller need not render JSON to count
 * threads.  Strings belong to the analysis (valid until pc_analysis_free);
 * NULL where unknown.  Index out of range: PC_E_USAGE. */
typedef struct pc_thread_info {
    int32_t tid;
    int32_t main;                   /* the process's main thread */
    int32_t daemon;                 /* 1, 0, -1 unknown or no Python */
    int32_t python;                 /* has a Python thread state */
    int32_t took_signal;            /* the fatal signal of a kernel core went to it */
    uint64_t ident;                 /* pthread_t = threading.get_ident() */
    const char *name;               /* "" if none */
    const char *gil;                /* "held", "waiting", "none", "none (free-threaded)", "unknown" */
    const char *syscall;            /* in progress; NULL when running */
    const char *wait_kind;          /* JSON wait.kind: "lock", "join", "io", ... */
    const char *wait_what;          /* "Lock 'guard' at 0x...", "" */
    size_t python_frames, native_frames;
    int32_t fd;                     /* the descriptor its system call waits on; -1 none */
    int32_t fd_writes;              /* that call writes to it */
    int32_t child;                  /* wait4/waitid: the pid waited for, -1 any child, 0 none */
} pc_thread_info;

typedef struct pc_py_frame_info {
    const char *name, *qualname, *file;
    const char *source;             /* the line's text; NULL unknown or --no-source */
    int32_t line, end_line, column, end_column;    /* -1 unknown; columns 0-based, 3.11+ */
    int64_t lasti;                  /* frame.f_lasti; -1 unknown */
} pc_py_frame_info;

typedef struct pc_native_frame_info {
    uint64_t pc;
    uint64_t offset;                /* from the function's start */
    const char *function, *module, *file;
    int32_t line;                   /* -1 unknown */
    int32_t inlined;
} pc_native_frame_info;

PC_API size_t pc_analysis_thread_count(const pc_analysis *a);
PC_API int pc_analysis_thread(const pc_analysis *a, size_t thread, pc_thread_info *out);
/* Frame k of a thread, innermost first. */
PC_API int pc_analysis_py_frame(const pc_analysis *a, size_t thread, size_t k, pc_py_frame_info *out);
PC_API int pc_analysis_native_frame(const pc_analysis *a, size_t thread, size_t k, pc_native_frame_info *out);

enum pc_format { PC_FORMAT_TEXT, PC_FORMAT_JSON, PC_FORMAT_DOT };
#define PC_RENDER_NATIVE 1u   /* text: show every native frame */
#define PC_RENDER_COLOR  2u   /* text: ANSI colors */
#define PC_RENDER_SUMMARY 4u  /* text: the header and the diagnosis only */
#define PC_RENDER_STACKS 8u   /* text: the header and the threads only */
#define PC_RENDER_LOCALS 16u  /* text: each Python frame's locals (analyzed with .locals) */

/* A malloc'd NUL-terminated rendering, or NULL when out of memory. */
PC_API char *pc_render(const pc_analysis *a, enum pc_format fmt, unsigned flags);

PC_API const char *pc_status_name(int code);
/* PC_TARGET_OPS_VERSION as this library was built: a caller that loads
 * the library at run time (the gdb extension) checks it against its own. */
PC_API unsigned pc_target_ops_version(void);
/* The name of register i of a machine's pc_thread_desc.regs (gdb's name),
 * NULL past the last one or for an unsupported machine. */
PC_API const char *pc_register_name(int machine, unsigned i);
/* The machine (enum pc_machine) of an architecture name, as uname -m or
 * gdb's `show architecture` says it; 0 if unsupported. */
PC_API int pc_machine_from_name(const char *name);
/* Free what the library allocated for the caller (pc_render's string). */
PC_API void pc_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
