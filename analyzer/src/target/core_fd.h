/* The core target opened from a file descriptor (a core decompressed into
 * an unlinked temporary file has no path), and debuginfod as the last
 * place to look for a file the core maps. */
#ifndef PYCORE_CORE_FD_H
#define PYCORE_CORE_FD_H

#include "target/target.h"

/* Open a core from fd, which the caller keeps (the target holds its own
 * duplicate).  name is the core's name in messages. */
int pc_target_open_core_fd(int fd, const char *name, const pc_core_options *opts, pc_target **out,
                           pc_error *err);

/* The one implementation behind pc_target_open_core and
 * pc_target_open_core_fd (core_target.c): takes ownership of fd, which is
 * closed on failure too. */
int pc_core_target_adopt(int fd, const char *name, const pc_core_options *opts, pc_target **out,
                         pc_error *err);

/* When DEBUGINFOD_URLS is set: the path (malloc'd, in debuginfod's cache)
 * of the executable or shared library with this build-id, or NULL. */
char *pc_debuginfod_executable(const uint8_t *build_id, size_t len);

#endif
