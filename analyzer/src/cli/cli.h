/* Subcommands of pycore-analyze. */
#ifndef PYCORE_CLI_H
#define PYCORE_CLI_H

#include <stddef.h>

/* `pycore-analyze triage ...`: argv[0] is "triage". */
int pc_cli_triage(int argc, char **argv);
/* `pycore-analyze watch ... -- CMD`: argv[0] is "watch". */
int pc_cli_watch(int argc, char **argv);

/* The default --debug-cache: ${XDG_CACHE_HOME:-$HOME/.cache}/pycore/debuginfo
 * in buf, or NULL when neither variable is set. */
const char *pc_cli_debug_cache(char *buf, size_t n);

#endif
