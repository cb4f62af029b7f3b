/* libFuzzer target: the three line-number table decoders (3.11+ location
 * tables, 3.10 co_linetable, <= 3.9 co_lnotab) on bytes from a core. */
#include "cpython/python.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    int32_t first, addrq;
    memcpy(&first, data, 4);
    memcpy(&addrq, data + 4, 4);
    const uint8_t *table = size > 8 ? data + 8 : NULL;
    size_t len = size - 8;
    int l[4] = {
        pc_py_linetable_line(table, len, first, addrq),
        pc_py_linetable310_line(table, len, first, addrq),
        pc_py_lnotab_line(table, len, first, addrq, 1),
        pc_py_lnotab_line(table, len, first, addrq, 0),
    };
    for (int i = 0; i < 4; i++)
        if (l[i] < -1)
            __builtin_trap();   /* -1 is "unknown"; below is a wrapped sum */
    return 0;
}
