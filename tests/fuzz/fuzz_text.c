/* libFuzzer target: the escapers every report goes through (JSON, XML
 * for JUnit, Markdown), fed bytes as a core gives them.  Each output is
 * checked for what its reader needs: valid UTF-8, no raw control
 * character, the quoting intact. */
#include "triage/triage.h"
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void valid_utf8(const pc_buf *b, int allow_newline)
{
    for (size_t i = 0; i < b->len;) {
        const unsigned char *p = (const unsigned char *)b->data + i;
        size_t n = pc_utf8_len(p);
        if (n == 0 || n > b->len - i)
            __builtin_trap();
        if (*p < 0x20 && !(*p == '\t' || (allow_newline && (*p == '\n'))))
            __builtin_trap();
        i += n;
    }
}

static void line_fn(pc_buf *b, const char *line, size_t index)
{
    (void)index;
    if (strchr(line, '\n'))
        __builtin_trap();
    pc_buf_puts(b, line);
}

/* The JSON escaping, byte by byte, as report/common.c wrote it before it
 * wrote in place: the output must be the same. */
static void json_reference(pc_buf *b, const char *s)
{
    pc_buf_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': pc_buf_puts(b, "\\\""); break;
        case '\\': pc_buf_puts(b, "\\\\"); break;
        case '\n': pc_buf_puts(b, "\\n"); break;
        case '\t': pc_buf_puts(b, "\\t"); break;
        case '\r': pc_buf_puts(b, "\\r"); break;
        default:
            if (*p < 0x20)
                pc_buf_printf(b, "\\u%04x", *p);
            else if (*p < 0x80)
                pc_buf_put(b, (const char *)p, 1);
            else {
                size_t n = pc_utf8_len(p);
                if (n) {
                    pc_buf_put(b, (const char *)p, n);
                    p += n - 1;
                } else
                    pc_buf_puts(b, "\\ufffd");
            }
        }
    }
    pc_buf_put(b, "\"", 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    size_t max = size ? data[0] : 0;

    pc_buf b = {0};
    pc_json_str(&b, s);
    if (b.oom || b.len < 2 || b.data[0] != '"' || b.data[b.len - 1] != '"')
        __builtin_trap();
    valid_utf8(&b, 0);
    for (size_t i = 1; i + 1 < b.len; i++)
        if (b.data[i] == '"' && b.data[i - 1] != '\\')
            __builtin_trap();
    pc_buf ref = {0};
    pc_buf_puts(&ref, "x");                 /* appended after other text, as in a report */
    json_reference(&ref, s);
    pc_buf_free(&b);
    pc_buf_puts(&b, "x");
    pc_json_str(&b, s);
    if (b.len != ref.len || memcmp(b.data, ref.data, b.len) != 0)
        __builtin_trap();
    pc_buf_free(&ref);
    pc_buf_free(&b);

    pc_xml_str(&b, s);
    valid_utf8(&b, 0);
    if (memchr(b.data ? b.data : "", '<', b.len) || memchr(b.data ? b.data : "", '"', b.len))
        __builtin_trap();
    pc_buf_free(&b);
    pc_xml_text(&b, s);
    valid_utf8(&b, 1);
    pc_buf_free(&b);

    pc_md_cell(&b, s, max);
    valid_utf8(&b, 0);
    pc_buf_free(&b);
    pc_md_code(&b, s, max, 1);
    valid_utf8(&b, 0);
    pc_buf_free(&b);
    pc_md_code(&b, s, max, 0);
    pc_buf_free(&b);
    pc_put_clipped(&b, s, max);
    pc_buf_free(&b);
    pc_tri_each_line(&b, s, line_fn);
    pc_buf_free(&b);
    free(s);
    return 0;
}
