/* libFuzzer target: the CPython, diagnose and report layers on a mutated
 * memory image (memimage.h) of a real process: interpreter and thread
 * states, frames, code objects, line tables, dicts, strings, locks. */
#include "memimage.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    free(pc_memimage_replay(data, size));
    return 0;
}
