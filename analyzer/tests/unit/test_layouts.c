/* The generated layout tables and how an entry is chosen: default and
 * free-threaded builds never borrow each other's table, and every entry
 * keeps the facts the engine relies on (object header, str state bits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cpython/layout.h"

static void flavours_never_mix(void **state)
{
    (void)state;
    for (uint32_t v = 0x030d00f0; v <= 0x030f02f0; v += 0x100) {
        const struct pc_py_layout *d = pc_py_layout_debug_offsets_base(v, 0);
        const struct pc_py_layout *t = pc_py_layout_debug_offsets_base(v, 1);
        assert_non_null(d);
        assert_false(d->free_threaded);
        assert_false(d->debug_build);
        if (t) {
            assert_true(t->free_threaded);
            assert_false(t->debug_build);
        }
        const struct pc_py_layout *f = pc_py_layout_find(v, 0);
        if (f)
            assert_false(f->free_threaded);
    }
}

static void free_threaded_tables_present(void **state)
{
    (void)state;
    /* 3.13t and 3.14t are generated (gen_layouts.py, free-threaded headers). */
    const struct pc_py_layout *t13 = pc_py_layout_debug_offsets_base(0x030d0ff0, 1);
    const struct pc_py_layout *t14 = pc_py_layout_debug_offsets_base(0x030e07f0, 1);
    assert_non_null(t13);
    assert_non_null(t14);
    assert_int_equal(t13->version_min >> 16, 0x030d);
    assert_int_equal(t14->version_min >> 16, 0x030e);
    /* thread-local bytecode exists from 3.14t on */
    assert_int_equal(t13->if_tlbc_index, PC_NO_FIELD);
    assert_true(t14->if_tlbc_index > 0 && t14->co_tlbc > 0);
}

static void object_header_facts(void **state)
{
    (void)state;
    for (size_t i = 0; i < pc_py_layouts_count; i++) {
        const struct pc_py_layout *e = &pc_py_layouts[i];
        /* ob_type is the header's last word in every build */
        assert_int_equal(e->ob_head_size, e->ob_type + 8);
        assert_int_equal(e->ob_head_size, e->free_threaded ? 32 : 16);
        assert_int_equal(e->cell_ref, e->ob_head_size);
        if (e->version_min >= 0x03000000)
            assert_int_equal(e->u_kind_shift, e->free_threaded && e->version_min >= 0x030e0000 ? 8 : 2);
        if (e->version_min >= 0x030d0000)
            assert_true(e->ts_state > 0);
        if (e->version_min >= 0x030b0000)
            assert_int_equal(e->ob_managed_dict_before, e->free_threaded ? 8 : 24);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flavours_never_mix),
        cmocka_unit_test(free_threaded_tables_present),
        cmocka_unit_test(object_header_facts),
    };
    return cmocka_run_group_tests_name("layouts", tests, NULL, NULL);
}
