/* glibc's own description of its thread structure, as libthread_db reads
 * it: libc (libpthread before glibc 2.34) exports _thread_db_pthread_tid =
 * {bits, count, offset} of struct pthread's tid field.  A thread pointer
 * (pthread_t) then names its kernel thread without stopping anything. */
#include "native/native.h"
#include "arch/arch.h"

#define MAX_PTHREAD_OFFSET 65536u   /* struct pthread is a few KiB */

static void find_tid_field(struct pc_native *n)
{
    static const char *const libs[] = {"libc.", "libpthread."};
    n->pthread_tid_off = -1;
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) {
        uint64_t desc;
        uint32_t d[3];
        if (pc_native_symbol(n, "_thread_db_pthread_tid", libs[i], &desc) == PC_OK &&
            pc_read(n->t, desc, d, sizeof d) == PC_OK && d[0] == 32 && d[1] == 1 && d[2] < MAX_PTHREAD_OFFSET) {
            n->pthread_tid_off = (int64_t)d[2];
            return;
        }
    }
}

int pc_native_pthread_tid(struct pc_native *n, uint64_t pthread, int32_t *tid)
{
    if (!n->pthread_tid_off)
        find_tid_field(n);
    if (n->pthread_tid_off < 0 || !pthread)
        return PC_E_NOPYTHON;
    return pc_read(n->t, pthread + (uint64_t)n->pthread_tid_off, tid, sizeof *tid);
}

int pc_native_thread_is(struct pc_native *n, const pc_thread_desc *d, uint64_t pthread)
{
    int32_t tid;
    if (pc_arch_pthread(d))
        return pc_arch_pthread(d) == pthread;
    return pc_native_pthread_tid(n, pthread, &tid) == PC_OK && tid == d->tid;
}
