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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(short_and_one_line_forms),
        cmocka_unit_test(no_location_and_long_form),
        cmocka_unit_test(negative_delta_and_no_columns),
        cmocka_unit_test(corrupt_tables_do_not_crash),
    };
    return cmocka_run_group_tests_name("linetable", tests, NULL, NULL);
}
