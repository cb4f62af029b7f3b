/* Parsers of /proc text for the live target.  They take bytes, never a
 * file, so a fuzzer and the unit tests can feed them anything: the text a
 * process exposes under /proc is partly its own choice (its comm, the
 * names of the files it maps), so it is untrusted input.  None of them
 * reads past len or needs a terminating NUL. */
#ifndef PYCORE_PROCFS_H
#define PYCORE_PROCFS_H

#include <stddef.h>
#include <stdint.h>

/* One line of /proc/PID/maps, "start-end perms offset dev inode   path",
 * with or without its newline.  1 for a mapping of a file that still
 * exists: *path points into line (not NUL-terminated, *path_len bytes;
 * spaces are part of it).  0 for an anonymous mapping, [heap], [stack],
 * [vdso] and the like, a deleted file ("... (deleted)"), a path holding a
 * NUL byte, and any malformed line; the outputs are then unspecified. */
int pc_proc_maps_line(const char *line, size_t len, uint64_t *start, uint64_t *end, uint64_t *pgoff,
                      const char **path, size_t *path_len);

/* The head of any line of /proc/PID/maps, file or not ([heap], [stack],
 * anonymous, [vvar]): 1 with its range and its permissions as ELF
 * p_flags bits (4 read, 2 write, 1 execute); 0 if malformed or empty. */
int pc_proc_maps_region(const char *line, size_t len, uint64_t *start, uint64_t *end, unsigned *prot);

/* The hexadecimal value of the field key ("SigBlk:") at the start of a
 * line of /proc/PID/status; 0 when the field is absent or its value is
 * not a hex number of at most 64 bits. */
uint64_t pc_proc_status_hex(const char *status, size_t len, const char *key);

/* /proc/PID/stat: "pid (comm) state ppid ...".  comm may hold spaces, ')'
 * and newlines, so it ends at the last ')'.  0 with *state (R, S, D, Z, X,
 * t, T, ...) and *ppid filled, -1 if malformed. */
int pc_proc_stat(const char *stat, size_t len, char *state, int *ppid);

/* /proc/PID/stat's flags (field 9) of a kernel thread; include/linux/sched.h,
 * unchanged since 2.6.27. */
#define PC_PF_KTHREAD 0x00200000u

/* Field number field (counted from 1 as in proc(5): 4 is ppid, 9 flags)
 * of /proc/PID/stat, an unsigned decimal.  0 and *value set, -1 if the
 * line is malformed up to that field, the field is missing, negative or
 * beyond 64 bits, or field < 4. */
int pc_proc_stat_u64(const char *stat, size_t len, int field, uint64_t *value);

#endif
