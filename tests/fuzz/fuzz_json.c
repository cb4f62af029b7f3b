/* libFuzzer target: the JSON reader that triage merge uses on shard
 * reports (a report file is input like a core), and the merge of one
 * report into a batch. */
#include "triage/json_in.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct pc_jin *j, size_t tok, int depth)
{
    if (depth > 80)
        __builtin_trap();   /* the parser bounds nesting at 64 */
    for (size_t i = 0;; i++) {
        size_t c = pc_jin_child(j, tok, i);
        if (c == SIZE_MAX)
            break;
        if (c <= tok || c >= j->n || j->t[c].end < j->t[c].start || j->t[c].end > j->len)
            __builtin_trap();
        free(pc_jin_str(j, c));
        uint64_t v;
        (void)pc_jin_u64(j, c, &v);
        walk(j, c, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    struct pc_jin j;
    pc_error err = {0};
    if (pc_jin_parse(&j, s, size, size / 2 + 16, &err) == 0) {
        walk(&j, 0, 0);
        (void)pc_jin_get(&j, 0, "summary");
        pc_jin_free(&j);
    }
    free(s);
    return 0;
}
