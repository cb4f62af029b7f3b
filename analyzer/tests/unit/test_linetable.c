/* Location-table decoding against tables CPython 3.11 produced; expected
 * lines are what dis.findlinestarts() printed for the same code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cpython/python.h"

/* def f(a):          # firstlineno 1
 *     x = a + 1      # line 2
 *     if x:          # line 3
 *         return x   # line 4
 *     return 0       # line 5
 * co_linetable of 3.11.7 (bytes): */
static const uint8_t f_table[] = {
    0x80, 0x00, 0xd8, 0x08, 0x09, 0x88, 0x41, 0x89, 0x05, 0x80, 0x41, 0xd8,
    0x07, 0x08, 0xf0, 0x00, 0x01, 0x05, 0x11, 0xd8, 0x0f, 0x10, 0x88, 0x08,
    0xd8, 0x0b, 0x0c, 0x88, 0x31,
};

static void short_and_one_line_forms(void **state)
{
    (void)state;
    /* (offset, line) of every instruction, from dis.get_instructions. */
    static const int want[][2] = {{0, 1}, {2, 2}, {4, 2}, {6, 2}, {8, 2}, {10, 2}, {12, 3},
                                  {14, 3}, {16, 4}, {18, 4}, {20, 5}, {22, 5}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        assert_int_equal(pc_py_linetable_line(f_table, sizeof f_table, 1, want[i][0]), want[i][1]);
    /* prev_instr before the first instruction: the def line. */
    assert_int_equal(pc_py_linetable_line(f_table, sizeof f_table, 1, -2), 1);
}

static void no_location_and_long_form(void **state)
{
    (void)state;
    /* entry 0: NONE covering 1 unit; entry 1: LONG, line +3 (zigzag 6),
     * end-line 0, col 1, endcol 2, covering 2 units. */
    static const uint8_t t[] = {0xf8, 0xf1, 0x06, 0x00, 0x01, 0x02};
    assert_int_equal(pc_py_linetable_line(t, sizeof t, 10, 0), -1);
    assert_int_equal(pc_py_linetable_line(t, sizeof t, 10, 2), 13);
    assert_int_equal(pc_py_linetable_line(t, sizeof t, 10, 4), 13);
    assert_int_equal(pc_py_linetable_line(t, sizeof t, 10, 6), -1);   /* past the end */
}

static void negative_delta_and_no_columns(void **state)
{
    (void)state;
    /* NO_COLUMNS +5 (zigzag 10), then NO_COLUMNS -2 (zigzag 5). */
    static const uint8_t t[] = {0xe8, 0x0a, 0xe8, 0x05};
    assert_int_equal(pc_py_linetable_line(t, sizeof t, 100, 0), 105);
    assert_int_equal(pc_py_linetable_line(t, sizeof t, 100, 2), 103);
}

static void corrupt_tables_do_not_crash(void **state)
{
    (void)state;
    static const uint8_t cont[] = {0x01, 0x02};          /* no entry start */
    static const uint8_t cut[] = {0xf0, 0xff};           /* varint runs off */
    assert_int_equal(pc_py_linetable_line(cont, sizeof cont, 1, 0), -1);
    assert_int_equal(pc_py_linetable_line(cut, sizeof cut, 1, 0), 1);
    assert_int_equal(pc_py_linetable_line(NULL, 0, 7, 0), -1);
}

/* Positions of a function with multi-line expressions, as CPython 3.11's
 * own co_positions() gives them (compiled and printed by python3.11: the
 * table and the expected positions below are its output). */
static const uint8_t pos_table[] = {0x80, 0x00, 0xd8, 0x09, 0x0a, 0xd8, 0x09, 0x0a, 0xf1, 0x03, 0x01, 0x0a, 0x0b, 0x80, 0x41, 0xe0, 0x07, 0x08, 0xf0, 0x00, 0x01, 0x05, 0x25, 0xd8, 0x0f, 0x24, 0xd0, 0x0f, 0x24, 0x9d, 0x35, 0xa0, 0x11, 0x99, 0x38, 0x9c, 0x38, 0xd0, 0x0f, 0x24, 0xd1, 0x0f, 0x24, 0xd4, 0x0f, 0x24, 0xd0, 0x08, 0x24, 0xdd, 0x08, 0x09, 0x88, 0x21, 0xdd, 0x0c, 0x13, 0xd8, 0x0e, 0x0f, 0x90, 0x11, 0xf1, 0x03, 0x01, 0x0d, 0x14, 0xf4, 0x00, 0x01, 0x0d, 0x14, 0xf0, 0x03, 0x02, 0x09, 0x15, 0xf1, 0x00, 0x02, 0x09, 0x15, 0xf4, 0x00, 0x02, 0x09, 0x15, 0x80, 0x41, 0xf0, 0x06, 0x00, 0x0c, 0x0d, 0x88, 0x71, 0x89, 0x35, 0x80, 0x4c};
static const int pos_first = 2;
/* co_positions(), one per code unit */
static const int pos_want[][4] = {{2, 2, 0, 0}, {3, 3, 9, 10}, {4, 4, 9, 10}, {3, 4, 9, 10}, {3, 4, 9, 10}, {3, 3, 4, 5}, {5, 5, 7, 8}, {5, 6, 4, 36}, {6, 6, 15, 36}, {6, 6, 15, 36}, {6, 6, 27, 32}, {6, 6, 27, 32}, {6, 6, 27, 32}, {6, 6, 27, 32}, {6, 6, 27, 32}, {6, 6, 27, 32}, {6, 6, 33, 34}, {6, 6, 27, 35}, {6, 6, 27, 35}, {6, 6, 27, 35}, {6, 6, 27, 35}, {6, 6, 27, 35}, {6, 6, 27, 35}, {6, 6, 27, 35}, {6, 6, 15, 36}, {6, 6, 15, 36}, {6, 6, 15, 36}, {6, 6, 15, 36}, {6, 6, 15, 36}, {6, 6, 15, 36}, {6, 6, 15, 36}, {6, 6, 15, 36}, {6, 6, 8, 36}, {7, 7, 8, 9}, {7, 7, 8, 9}, {7, 7, 8, 9}, {7, 7, 8, 9}, {7, 7, 8, 9}, {7, 7, 8, 9}, {7, 7, 10, 11}, {8, 8, 12, 19}, {8, 8, 12, 19}, {8, 8, 12, 19}, {8, 8, 12, 19}, {8, 8, 12, 19}, {8, 8, 12, 19}, {9, 9, 14, 15}, {9, 9, 17, 18}, {8, 9, 12, 19}, {8, 9, 12, 19}, {8, 9, 12, 19}, {8, 9, 12, 19}, {8, 9, 12, 19}, {8, 9, 12, 19}, {8, 9, 12, 19}, {7, 9, 8, 20}, {7, 9, 8, 20}, {7, 9, 8, 20}, {7, 9, 8, 20}, {7, 9, 8, 20}, {7, 9, 8, 20}, {7, 9, 8, 20}, {7, 9, 8, 20}, {7, 7, 4, 5}, {10, 10, 11, 12}, {10, 10, 15, 16}, {10, 10, 11, 16}, {10, 10, 11, 16}, {10, 10, 4, 16}};

static void positions_match_co_positions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pos_want / sizeof *pos_want; i++) {
        struct pc_py_pos p;
        int line = pc_py_linetable_pos(pos_table, sizeof pos_table, pos_first, (int)i * 2, &p);
        assert_int_equal(line, pos_want[i][0]);
        assert_int_equal(p.line, pos_want[i][0]);
        assert_int_equal(p.end_line, pos_want[i][1]);
        assert_int_equal(p.column, pos_want[i][2]);
        assert_int_equal(p.end_column, pos_want[i][3]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(short_and_one_line_forms),
        cmocka_unit_test(no_location_and_long_form),
        cmocka_unit_test(negative_delta_and_no_columns),
        cmocka_unit_test(corrupt_tables_do_not_crash),
        cmocka_unit_test(positions_match_co_positions),
    };
    return cmocka_run_group_tests_name("linetable", tests, NULL, NULL);
}
