/* libFuzzer target: the DWARF line-program reader of native/lines.c (a
 * unit's header, file table and rows), as a debug file found for a core
 * feeds it: an address (8 bytes), the length of a .debug_line_str (2
 * bytes) and its bytes, then a .debug_line unit. */
#include "native/native.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 10)
        return 0;
    uint64_t addr;
    uint16_t nls;
    memcpy(&addr, data, 8);
    memcpy(&nls, data + 8, 2);
    if (nls > size - 10)
        nls = (uint16_t)(size - 10);
    const uint8_t *ls = data + 10, *unit = ls + nls;
    const char *file;
    int line;
    size_t nfiles;
    pc_lines_decode(unit, size - 10 - nls, ls, nls, "/build", addr, &file, &line, &nfiles);
    if (line < 0)
        __builtin_trap();       /* 0 is "no line"; below is a wrapped sum */
    return 0;
}
