/* CPython 3.11+ location tables (Objects/locations.md): a run of entries,
 * each covering 1-8 code units and changing the line by a delta. */
#include "cpython/python.h"

#define LOC_NONE 15
#define LOC_LONG 14
#define LOC_NO_COLUMNS 13
#define LOC_ONE_LINE0 10

/* Line numbers are summed from deltas a corrupt table controls: sum in 64
 * bits and treat a line no int can hold as corrupt (-1). */
static int line_or_corrupt(int64_t line)
{
    return line < 0 || line > INT32_MAX ? -1 : (int)line;
}

static int varint(const uint8_t *p, const uint8_t *end, unsigned *out)
{
    unsigned val = 0, shift = 0;
    for (;;) {
        if (p >= end || shift > 28)
            return -1;
        unsigned b = *p++;
        val |= (b & 63) << shift;
        if (!(b & 64))
            break;
        shift += 6;
    }
    *out = val;
    return 0;
}

/* A varint at *p, which moves past it. */
static int next_varint(const uint8_t **p, const uint8_t *end, unsigned *out)
{
    if (varint(*p, end, out))
        return -1;
    while (*p < end && (**p & 64))
        (*p)++;
    (*p)++;
    return 0;
}

/* One entry's positions, as Objects/codeobject.c's advance_with_locations
 * reads them: the line moves by a delta; columns are 0-based, -1 unknown. */
static void entry_pos(const uint8_t *p, const uint8_t *end, int64_t *line, struct pc_py_pos *pos)
{
    int code = (*p >> 3) & 15;
    unsigned u, e, c, ec;
    pos->column = pos->end_column = -1;
    switch (code) {
    case LOC_NONE:
        pos->line = pos->end_line = -1;
        return;
    case LOC_LONG: {
        const uint8_t *q = p + 1;
        if (next_varint(&q, end, &u)) {
            pos->line = pos->end_line = line_or_corrupt(*line);    /* cut short: no delta */
            return;
        }
        *line += (u & 1) ? -(int64_t)(u >> 1) : (int64_t)(u >> 1);
        pos->line = pos->end_line = line_or_corrupt(*line);
        if (next_varint(&q, end, &e) == 0) {
            pos->end_line = line_or_corrupt(*line + e);
            if (next_varint(&q, end, &c) == 0 && next_varint(&q, end, &ec) == 0) {
                pos->column = (int)c - 1;
                pos->end_column = (int)ec - 1;
            }
        }
        return;
    }
    case LOC_NO_COLUMNS:
        if (varint(p + 1, end, &u) == 0)
            *line += (u & 1) ? -(int64_t)(u >> 1) : (int64_t)(u >> 1);
        pos->line = pos->end_line = line_or_corrupt(*line);
        return;
    case LOC_ONE_LINE0:
    case LOC_ONE_LINE0 + 1:
    case LOC_ONE_LINE0 + 2:
        *line += code - LOC_ONE_LINE0;
        pos->line = pos->end_line = line_or_corrupt(*line);
        if (p + 2 < end && !(p[1] & 128) && !(p[2] & 128)) {
            pos->column = p[1];
            pos->end_column = p[2];
        }
        return;
    default:                    /* short forms 0-9: same line */
        pos->line = pos->end_line = line_or_corrupt(*line);
        if (p + 1 < end && !(p[1] & 128)) {
            pos->column = code << 3 | ((p[1] >> 4) & 7);
            pos->end_column = pos->column + (p[1] & 15);
        }
        return;
    }
}

int pc_py_linetable_pos(const uint8_t *table, size_t len, int firstlineno, int addrq, struct pc_py_pos *pos)
{
    pos->line = pos->end_line = pos->column = pos->end_column = -1;
    if (addrq < 0) {
        pos->line = line_or_corrupt(firstlineno);
        return pos->line;
    }
    if (!table || !len)
        return -1;
    const uint8_t *p = table, *end = table + len;
    int64_t line = firstlineno, start = 0;
    while (p < end) {
        if (!(*p & 128))
            return -1;   /* not at an entry: corrupt */
        entry_pos(p, end, &line, pos);
        int64_t stop = start + ((*p & 7) + 1) * 2;
        if (addrq < stop)
            return pos->line;
        start = stop;
        do
            p++;
        while (p < end && !(*p & 128));
    }
    pos->line = pos->end_line = pos->column = pos->end_column = -1;
    return -1;
}

int pc_py_linetable_line(const uint8_t *table, size_t len, int firstlineno, int addrq)
{
    struct pc_py_pos pos;
    return pc_py_linetable_pos(table, len, firstlineno, addrq, &pos);
}

/* 3.10 co_linetable: (byte delta, signed line delta) pairs; a line delta
 * of -128 means "no line". */
int pc_py_linetable310_line(const uint8_t *table, size_t len, int firstlineno, int addrq)
{
    if (addrq < 0)
        return line_or_corrupt(firstlineno);
    int64_t line = firstlineno, start = 0, end = 0;
    int range_line = -1;
    size_t i = 0;
    for (;;) {
        /* Advance over empty ranges, as _PyLineTable_NextAddressRange does. */
        do {
            if (i + 2 > len)
                return -1;
            start = end;
            end += table[i];
            int ld = (int8_t)table[i + 1];
            i += 2;
            if (ld == -128)
                range_line = -1;
            else
                range_line = line_or_corrupt(line += ld);
        } while (start == end);
        if (addrq < end)
            return range_line;
    }
}

/* <= 3.9 co_lnotab: (byte delta, line delta) pairs; line deltas are
 * signed from 3.6 on, unsigned before. */
int pc_py_lnotab_line(const uint8_t *table, size_t len, int firstlineno, int addrq, int signed_lines)
{
    int64_t line = firstlineno, addr = 0;
    for (size_t i = 0; table && i + 2 <= len; i += 2) {
        addr += table[i];
        if (addr > addrq)
            break;
        line += signed_lines ? (int8_t)table[i + 1] : table[i + 1];
    }
    return line_or_corrupt(line);
}
