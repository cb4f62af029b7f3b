/* Subcommands of pycore-analyze. */
#ifndef PYCORE_CLI_H
#define PYCORE_CLI_H

#include <stddef.h>

#include "pycore.h"

/* `pycore-analyze triage ...`: argv[0] is "triage". */
int pc_cli_triage(int argc, char **argv);
/* `pycore-analyze watch ... -- CMD`: argv[0] is "watch". */
int pc_cli_watch(int argc, char **argv);

/* The default --debug-cache: ${XDG_CACHE_HOME:-$HOME/.cache}/pycore/debuginfo
 * in buf, or NULL when neither variable is set. */
const char *pc_cli_debug_cache(char *buf, size_t n);

/* One more --sysroot [MACHINE=]DIR into buf (n bytes): the options join
 * with ',' into the list pc_core_options.sysroot takes.  0, or -1 when it
 * does not fit. */
int pc_cli_add_sysroot(char *buf, size_t n, const char *arg);

/* --save-core: write t as an ELF core to path (created: an existing file
 * is an error), zstd-compressed (level 3, with a checksum) when path ends
 * in ".zst".  On failure nothing is left at path and err says what.
 * PC_OK or an error code. */
int pc_cli_save_core(pc_target *t, const char *path, pc_error *err);

#endif
