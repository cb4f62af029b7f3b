/* The architecture layer: what the layers above need of a thread's
 * registers (its program counter, stack pointer, thread pointer, the
 * system call it is in, the registers an unwinder starts from), so that
 * only arch/ names a register. */
#ifndef PYCORE_ARCH_REGS_H
#define PYCORE_ARCH_REGS_H

#include "pycore.h"

#include <stddef.h>

uint64_t pc_arch_pc(const pc_thread_desc *d);
uint64_t pc_arch_sp(const pc_thread_desc *d);
/* The thread pointer (x86_64 fs_base: glibc's pthread_t); 0 unknown. */
uint64_t pc_arch_thread_pointer(const pc_thread_desc *d);
void pc_arch_set_thread_pointer(pc_thread_desc *d, uint64_t tp);
/* The number of the system call the thread is in, as the kernel saved it
 * (x86_64 orig_rax; all ones when in none). */
uint64_t pc_arch_syscall_nr(const pc_thread_desc *d);

/* The registers an unwinder starts from, in the architecture's DWARF
 * numbering, registers first..first+count-1 in out (at most max): the
 * count, 0 if none.  A thread left running in its system call
 * (PC_THREAD_NOT_STOPPED) has only its stack pointer: the others stay
 * undefined, so a frame that needs one ends the unwind instead of
 * reading 0. */
size_t pc_arch_dwarf_regs(const pc_thread_desc *d, uint64_t *out, size_t max, unsigned *first);

#endif
