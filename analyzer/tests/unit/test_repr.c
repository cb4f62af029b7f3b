/* pc_py_repr on hand-built 3.11 objects (heap.c): Python's repr of the
 * built-in types, the bounds (items, depth, length) and self-reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "heap.h"

static uint64_t w64(struct heap *h, uint64_t a, uint64_t v)
{
    memcpy(h->mem + (a - h->base), &v, 8);
    return a;
}

static uint64_t heap_float(struct heap *h, uint64_t t_float, double d)
{
    uint64_t o = heap_object(h, t_float, NULL, NULL);
    uint64_t bits;
    memcpy(&bits, &d, 8);
    return w64(h, o + (uint64_t)h->L->fl_fval, bits) - (uint64_t)h->L->fl_fval;
}

static const char *repr(struct heap *h, uint64_t obj)
{
    static char out[PC_REPR_MAX];
    char type[64];
    assert_int_equal(pc_py_repr(h->py, obj, out, sizeof out, type, sizeof type), 0);
    return out;
}

static void test_scalars(void **state)
{
    (void)state;
    struct pc_python py;
    struct heap h;
    memset(&py, 0, sizeof py);
    heap_init(&h, &py);
    uint64_t t_float = heap_type(&h, "float", 0);
    assert_string_equal(repr(&h, h.none), "None");
    assert_string_equal(repr(&h, heap_int(&h, 0)), "0");
    assert_string_equal(repr(&h, heap_int(&h, 123456789)), "123456789");
    assert_string_equal(repr(&h, heap_float(&h, t_float, 0.1)), "0.1");
    assert_string_equal(repr(&h, heap_float(&h, t_float, 1e22)), "1e+22");
    assert_string_equal(repr(&h, heap_float(&h, t_float, 1e15)), "1000000000000000.0");
    assert_string_equal(repr(&h, heap_float(&h, t_float, -2.5e-5)), "-2.5e-05");
    assert_string_equal(repr(&h, heap_float(&h, t_float, 1.0 / 3)), "0.3333333333333333");
    assert_string_equal(repr(&h, heap_str(&h, "it's")), "\"it's\"");
    assert_string_equal(repr(&h, heap_str(&h, "a\nb\\")), "'a\\nb\\\\'");
    heap_free(&h);
}

static void test_containers(void **state)
{
    (void)state;
    struct pc_python py;
    struct heap h;
    memset(&py, 0, sizeof py);
    heap_init(&h, &py);
    uint64_t one = heap_int(&h, 1), two = heap_int(&h, 2);
    uint64_t pair[2] = {one, two};
    assert_string_equal(repr(&h, heap_tuple(&h, 1, pair)), "(1,)");
    assert_string_equal(repr(&h, heap_tuple(&h, 0, pair)), "()");
    assert_string_equal(repr(&h, heap_list(&h, 2, pair)), "[1, 2]");
    const char *keys[] = {"a", "b", NULL};
    assert_string_equal(repr(&h, heap_dict(&h, keys, pair)), "{'a': 1, 'b': 2}");
    uint64_t many[20];
    for (int i = 0; i < 20; i++)
        many[i] = heap_int(&h, i);
    assert_string_equal(repr(&h, heap_list(&h, 20, many)), "[0, 1, 2, 3, 4, 5, 6, 7, ...]");
    /* depth: [[[[1]]]] prints three levels, then "..." */
    uint64_t in = heap_list(&h, 1, &one);
    for (int d = 0; d < 3; d++)
        in = heap_list(&h, 1, &in);
    assert_string_equal(repr(&h, in), "[[[...]]]");
    /* a list that contains itself */
    uint64_t self = heap_list(&h, 1, &one);
    uint64_t arr;
    memcpy(&arr, h.mem + (self + (uint64_t)h.L->li_item - h.base), 8);
    w64(&h, arr, self);
    assert_string_equal(repr(&h, self), "[[...]]");
    heap_free(&h);
}

static void test_bounds(void **state)
{
    (void)state;
    struct pc_python py;
    struct heap h;
    memset(&py, 0, sizeof py);
    heap_init(&h, &py);
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    char out[64];
    assert_int_equal(pc_py_repr(&py, heap_str(&h, big), out, sizeof out, NULL, 0), 0);
    assert_true(strlen(out) <= sizeof out - 1);
    assert_string_equal(out + strlen(out) - 3, "...");
    assert_int_equal(pc_py_repr(&py, 0x12345, out, sizeof out, NULL, 0), 0);   /* unreadable: a placeholder */
    assert_string_equal(out, "<object at 0x12345>");
    heap_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests_name("repr", tests, NULL, NULL);
}
