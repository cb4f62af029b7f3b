/* libFuzzer target: the live target's /proc parsers.  The first byte
 * picks the parser; the rest is the text a process exposes (its comm and
 * the names of the files it maps are its own choice). */
#include "arch/syscall.h"
#include "target/procfs.h"
#include "target/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    switch (data[0] % 5) {
    case 0: {
        /* maps: every line, as read_maps splits them */
        size_t start = 0;
        for (size_t i = 0; i <= len; i++)
            if (i == len || text[i] == '\n') {
                uint64_t s, e, off;
                const char *path;
                size_t plen;
                if (pc_proc_maps_line(text + start, i - start, &s, &e, &off, &path, &plen) == 1 &&
                    (s > e || path < text + start || path + plen > text + i))
                    __builtin_trap();
                unsigned prot;
                if (pc_proc_maps_region(text + start, i - start, &s, &e, &prot) == 1 && (s >= e || prot > 7))
                    __builtin_trap();
                start = i + 1;
            }
        break;
    }
    case 1:
        pc_proc_status_hex(text, len, "SigBlk:");
        pc_proc_status_hex(text, len, "ShdPnd:");
        break;
    case 2: {
        char state;
        int ppid;
        uint64_t v;
        if (pc_proc_stat(text, len, &state, &ppid) == 0 && ppid < 0)
            __builtin_trap();
        pc_proc_stat_u64(text, len, 9, &v);
        pc_proc_stat_u64(text, len, 52, &v);
        break;
    }
    case 4: {
        /* /proc/PID/task/TID/syscall of a thread --no-stop leaves running */
        pc_thread_desc t = {.tid = 7};
        int r = pc_syscall_regs_from_proc(text, len, &t);
        if (r < -1 || r > 1 || t.tid != 7 || (r == 1 && t.flags != PC_THREAD_NOT_STOPPED))
            __builtin_trap();
        break;
    }
    case 3: {
        struct pc_auxv a;
        pc_auxv_parse(data + 1, len, &a);
        break;
    }
    }
    return 0;
}
