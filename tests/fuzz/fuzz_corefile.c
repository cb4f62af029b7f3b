/* libFuzzer target: bytes as a core file, through the core target as
 * pycore-analyze opens it (ELF and program headers, notes, NT_FILE,
 * auxv, the executable's lookup, build-ids read from the core's memory),
 * then every thread, mapping and a read at each address the headers
 * name.  Files the core names are looked up under a sysroot that does not
 * exist: the lookup logic runs, no host file is read. */
#include "target/core_fd.h"
#include "arch/arch.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    unsetenv("DEBUGINFOD_URLS");   /* never reach for the network */
    return 0;
}

static void probe(pc_target *t, uint64_t addr)
{
    uint8_t buf[256];
    pc_read(t, addr, buf, sizeof buf);
    pc_read(t, addr, buf, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-core", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    static const char *const dirs[] = {"/nonexistent/pycore-fuzz/debug", NULL};
    pc_core_options opts = {.sysroot = "/nonexistent/pycore-fuzz", .debug_dirs = dirs};
    pc_target *t = NULL;
    pc_error err;
    if (off == size && pc_target_open_core_fd(fd, "fuzz", &opts, &t, &err) == PC_OK) {
        const pc_process_desc *p = pc_target_process(t);
        if (p) {
            probe(t, p->at_phdr);
            probe(t, p->at_entry);
            probe(t, p->at_base);
        }
        size_t nt = t->ops->thread_count(t->ctx);
        for (size_t i = 0; i < nt && i < 64; i++) {
            pc_thread_desc td;
            if (t->ops->thread(t->ctx, i, &td) == PC_OK) {
                probe(t, pc_arch_sp(&td));
                probe(t, pc_arch_pc(&td));
            }
        }
        size_t nm = t->ops->mapping_count(t->ctx);
        for (size_t i = 0; i < nm && i < 64; i++) {
            pc_mapping_desc m;
            if (t->ops->mapping(t->ctx, i, &m) == PC_OK) {
                probe(t, m.start);
                probe(t, m.end - 1);
                int ffd;
                if (t->ops->open_file(t->ctx, m.path, NULL, 0, &ffd, &err) == PC_OK)
                    close(ffd);
            }
        }
        pc_target_close(t);
    }
    close(fd);
    return 0;
}
