/* Escaping for the triage renderers.  Paths, command lines and thread
 * names come from cores: bytes, not text.  Invalid UTF-8 becomes U+FFFD,
 * control characters XML cannot carry are dropped. */
#include "triage/triage.h"

#include <stdlib.h>
#include <string.h>


static const char REPLACEMENT[] = "\xef\xbf\xbd";

static void xml(pc_buf *b, const char *s, int attr)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
        size_t n = pc_utf8_len(p);
        if (n == 0) {
            pc_buf_puts(b, REPLACEMENT);
            p++;
            continue;
        }
        switch (*p) {
        case '&': pc_buf_puts(b, "&amp;"); break;
        case '<': pc_buf_puts(b, "&lt;"); break;
        case '>': pc_buf_puts(b, "&gt;"); break;
        case '"': pc_buf_puts(b, "&quot;"); break;
        case '\'': pc_buf_puts(b, "&apos;"); break;
        case '\n': pc_buf_puts(b, attr ? "&#10;" : "\n"); break;   /* kept in attributes too */
        case '\t': pc_buf_puts(b, attr ? "&#9;" : "\t"); break;
        case '\r': pc_buf_puts(b, "&#13;"); break;
        default:
            if (*p >= 0x20)
                pc_buf_put(b, (const char *)p, n);
        }
        p += n;
    }
}

void pc_xml_str(pc_buf *b, const char *s)
{
    xml(b, s, 1);
}

void pc_xml_text(pc_buf *b, const char *s)
{
    xml(b, s, 0);
}

/* Markdown: plain text (code == 0), or the inside of a `code span`
 * (code == 1; 2: a code span in a table cell, where | must be \|). */
static void md(pc_buf *b, const char *s, size_t max, int code)
{
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
        size_t n = pc_utf8_len(p);
        if (used + (n ? n : 1) > max) {
            pc_buf_puts(b, "...");
            return;
        }
        used += n ? n : 1;
        if (n == 0) {
            pc_buf_puts(b, REPLACEMENT);
            p++;
            continue;
        }
        if (code) {
            if (*p == '`')
                pc_buf_puts(b, "'");
            else if (*p == '|' && code == 2)
                pc_buf_puts(b, "\\|");
            else
                pc_buf_put(b, *p < 0x20 ? " " : (const char *)p, *p < 0x20 ? 1 : n);
            p += n;
            continue;
        }
        switch (*p) {
        case '|': pc_buf_puts(b, "\\|"); break;
        case '<': pc_buf_puts(b, "&lt;"); break;
        case '>': pc_buf_puts(b, "&gt;"); break;
        case '&': pc_buf_puts(b, "&amp;"); break;
        case '`': pc_buf_puts(b, "'"); break;
        case '*': case '_': case '[': case ']': case '\\':
            pc_buf_printf(b, "\\%c", *p);
            break;
        default:
            if (*p < 0x20)
                pc_buf_puts(b, " ");
            else
                pc_buf_put(b, (const char *)p, n);
        }
        p += n;
    }
}

void pc_md_cell(pc_buf *b, const char *s, size_t max)
{
    md(b, s, max, 0);
}

void pc_md_code(pc_buf *b, const char *s, size_t max, int in_table)
{
    md(b, s, max, in_table ? 2 : 1);
}

void pc_put_clipped(pc_buf *b, const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max) {
        pc_buf_put(b, s, len);
        return;
    }
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    pc_buf_put(b, s, cut);
    pc_buf_puts(b, "...");
}

void pc_tri_each_line(pc_buf *b, const char *s, pc_tri_line_fn fn)
{
    size_t index = 0;
    for (const char *p = s; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *one = malloc(n + 1);
        if (one) {
            memcpy(one, p, n);
            one[n] = 0;
            fn(b, one, index++);
            free(one);
        }
        p += n + (nl != NULL);
    }
}
