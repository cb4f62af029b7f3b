/* The architectures pycore reads, and what the layers above ask of a
 * thread's registers, answered from the row of its machine. */
#include "arch/arch.h"
#include "arch/syscall.h"

#include <string.h>

static const struct pc_arch *const arches[] = {&pc_arch_x86_64, &pc_arch_aarch64};

const struct pc_arch *pc_arch_of(int machine)
{
    for (size_t i = 0; i < sizeof arches / sizeof *arches; i++)
        if (arches[i]->machine == machine)
            return arches[i];
    return NULL;
}

const struct pc_arch *pc_arch_by_name(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof arches / sizeof *arches; i++)
        if (strlen(arches[i]->name) == len && strncmp(arches[i]->name, name, len) == 0)
            return arches[i];
    return NULL;
}

const struct pc_arch *pc_arch_host(void)
{
#if defined(__aarch64__)
    return &pc_arch_aarch64;
#elif defined(__x86_64__)
    return &pc_arch_x86_64;
#else
#error "pycore runs on x86_64 and aarch64 hosts (arch/)"
#endif
}

const char *pc_arch_supported(void)
{
    return "x86_64 (62), aarch64 (183)";
}

/* Each accessor falls back to x86_64 for a zeroed machine: the row a
 * thread desc made before the field existed meant. */
const struct pc_arch *pc_arch_row(const pc_thread_desc *d)
{
    const struct pc_arch *a = pc_arch_of(d->machine);
    return a ? a : &pc_arch_x86_64;
}

uint64_t pc_arch_pc(const pc_thread_desc *d)
{
    return d->regs[pc_arch_row(d)->pc];
}

uint64_t pc_arch_sp(const pc_thread_desc *d)
{
    return d->regs[pc_arch_row(d)->sp];
}

uint64_t pc_arch_pthread(const pc_thread_desc *d)
{
    return d->regs[pc_arch_row(d)->pthread];
}

void pc_arch_set_pthread(pc_thread_desc *d, uint64_t pthread)
{
    d->regs[pc_arch_row(d)->pthread] = pthread;
}

uint64_t pc_arch_syscall_nr(const pc_thread_desc *d)
{
    return d->regs[pc_arch_row(d)->sysnr];
}

const char *pc_arch_sysnr_name(const pc_thread_desc *d)
{
    const struct pc_arch *a = pc_arch_row(d);
    return a->reg_names[a->call_len ? a->callnr : a->sysnr];
}

const char *pc_arch_arg_name(const pc_thread_desc *d, unsigned i)
{
    const struct pc_arch *a = pc_arch_row(d);
    return i < 6 ? a->reg_names[a->args[i]] : "?";
}

uint64_t pc_arch_code_address(const pc_thread_desc *d, uint64_t v)
{
    const struct pc_arch *a = pc_arch_row(d);
    return a->code_mask ? v & a->code_mask : v;
}

const char *pc_arch_no_call_evidence(const pc_thread_desc *d)
{
    return pc_arch_row(d)->no_call;
}

void pc_arch_complete(pc_thread_desc *d, const uint8_t *insn)
{
    const struct pc_arch *a = pc_arch_row(d);
    if (!a->call_len || (d->flags & PC_THREAD_NOT_STOPPED))
        return;
    /* In a call: the instruction before the pc made it (qemu-user, a
     * thread the kernel stopped in it), or the one at the pc (the kernel
     * rewound the pc to restart the call when the core's signal came). */
    uint32_t before = 0, at = 0;
    if (insn) {
        memcpy(&before, insn, 4);
        memcpy(&at, insn + a->call_len, 4);
    }
    int in_call = insn && (before == a->call_insn || at == a->call_insn);
    d->regs[a->sysnr] = in_call ? d->regs[a->callnr] : UINT64_MAX;
    /* Past the call with -EINTR or -ERESTART* in the result register (its
     * first argument's): the core's signal interrupted it and the emulator
     * wrote the result; a kernel would have rewound the pc to restart it.
     * (wait4(-4) would read the same: a process group 4, rare enough.) */
    int64_t ret = (int64_t)d->regs[a->args[0]];
    if (in_call && before == a->call_insn && at != a->call_insn && (ret == -4 || (ret <= -512 && ret >= -516)))
        d->flags |= PC_THREAD_ARG0_LOST;
    else
        d->flags &= ~PC_THREAD_ARG0_LOST;
}

size_t pc_arch_dwarf_regs(const pc_thread_desc *d, uint64_t *out, size_t max, unsigned *first)
{
    const struct pc_arch *a = pc_arch_row(d);
    if (d->flags & PC_THREAD_NOT_STOPPED) {
        if (max < 1)
            return 0;
        *first = a->dwarf_sp;
        out[0] = d->regs[a->sp];
        return 1;
    }
    if (max < a->ndwarf)
        return 0;
    for (size_t i = 0; i < a->ndwarf; i++)
        out[i] = d->regs[a->dwarf[i]];
    *first = 0;
    return a->ndwarf;
}

int pc_machine_from_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof arches / sizeof *arches; i++)
        if (strcmp(arches[i]->name, name) == 0 || strcmp(arches[i]->gdb_name, name) == 0)
            return arches[i]->machine;
    return 0;
}

const char *pc_register_name(int machine, unsigned i)
{
    const struct pc_arch *a = pc_arch_of(machine);
    return a && i < a->nshown ? a->reg_names[i] : NULL;
}
