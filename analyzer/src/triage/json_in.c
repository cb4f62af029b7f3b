/* Reading JSON back (triage merge reads shard reports): a strict RFC 8259
 * parser into a flat token array.  A report is input like any other: depth,
 * token count and sizes are bounded, and every error says where. */
#include "triage/json_in.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct parser {
    struct pc_jin *j;
    size_t pos, max_tokens;
    const char *why;
};

static void skip_ws(struct parser *p)
{
    const char *s = p->j->src;
    while (p->pos < p->j->len && (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r'))
        p->pos++;
}

static size_t new_token(struct parser *p, int type)
{
    struct pc_jin *j = p->j;
    if (j->n >= p->max_tokens) {
        p->why = "too many values";
        return SIZE_MAX;
    }
    if (pc_grow(&j->t, &j->cap, j->n + 1, sizeof *j->t)) {
        p->why = "out of memory";
        return SIZE_MAX;
    }
    struct pc_jtok *t = &j->t[j->n];
    memset(t, 0, sizeof *t);
    t->type = (uint8_t)type;
    t->start = p->pos;
    return j->n++;
}

static int hex4(const char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static int string(struct parser *p)
{
    const char *s = p->j->src;
    size_t n = p->j->len, i = p->pos + 1;
    while (i < n && s[i] != '"') {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20) {
            p->why = "control character in a string";
            return -1;
        }
        if (c == '\\') {
            if (i + 1 >= n) break;
            char e = s[i + 1];
            if (e == 'u') {
                if (i + 6 > n || hex4(s + i + 2) < 0) {
                    p->why = "bad \\u escape";
                    return -1;
                }
                i += 6;
                continue;
            }
            if (!strchr("\"\\/bfnrt", e)) {
                p->why = "bad escape";
                return -1;
            }
            i += 2;
            continue;
        }
        i++;
    }
    if (i >= n) {
        p->why = "unterminated string";
        return -1;
    }
    p->pos = i + 1;
    return 0;
}

static int value(struct parser *p, int depth);

static int container(struct parser *p, size_t tok, int depth, int obj)
{
    char close = obj ? '}' : ']';
    p->pos++;
    skip_ws(p);
    if (p->pos < p->j->len && p->j->src[p->pos] == close) {
        p->pos++;
        return 0;
    }
    for (;;) {
        skip_ws(p);
        if (obj) {
            if (p->pos >= p->j->len || p->j->src[p->pos] != '"') {
                p->why = "expected a member name";
                return -1;
            }
            if (value(p, depth + 1))
                return -1;
            skip_ws(p);
            if (p->pos >= p->j->len || p->j->src[p->pos] != ':') {
                p->why = "expected ':'";
                return -1;
            }
            p->pos++;
        }
        if (value(p, depth + 1))
            return -1;
        p->j->t[tok].nchild++;
        skip_ws(p);
        if (p->pos < p->j->len && p->j->src[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->j->len && p->j->src[p->pos] == close) {
            p->pos++;
            return 0;
        }
        p->why = obj ? "expected ',' or '}'" : "expected ',' or ']'";
        return -1;
    }
}

static int number(struct parser *p)
{
    const char *s = p->j->src;
    size_t n = p->j->len, i = p->pos, digits = 0;
    if (i < n && s[i] == '-')
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (!digits) {
        p->why = "unexpected character";
        return -1;
    }
    p->pos = i;
    return 0;
}

static int literal(struct parser *p, const char *word)
{
    size_t w = strlen(word);
    if (p->j->len - p->pos < w || memcmp(p->j->src + p->pos, word, w) != 0) {
        p->why = "unexpected character";
        return -1;
    }
    p->pos += w;
    return 0;
}

static int value(struct parser *p, int depth)
{
    if (depth > MAX_DEPTH) {
        p->why = "nested too deeply";
        return -1;
    }
    skip_ws(p);
    if (p->pos >= p->j->len) {
        p->why = "unexpected end";
        return -1;
    }
    char c = p->j->src[p->pos];
    int type = c == '{' ? PC_JT_OBJ : c == '[' ? PC_JT_ARR : c == '"' ? PC_JT_STR : c == 't' ? PC_JT_TRUE
             : c == 'f' ? PC_JT_FALSE : c == 'n' ? PC_JT_NULL : PC_JT_NUM;
    size_t tok = new_token(p, type);
    if (tok == SIZE_MAX)
        return -1;
    int r;
    switch (type) {
    case PC_JT_OBJ: r = container(p, tok, depth, 1); break;
    case PC_JT_ARR: r = container(p, tok, depth, 0); break;
    case PC_JT_STR: r = string(p); break;
    case PC_JT_TRUE: r = literal(p, "true"); break;
    case PC_JT_FALSE: r = literal(p, "false"); break;
    case PC_JT_NULL: r = literal(p, "null"); break;
    default: r = number(p); break;
    }
    p->j->t[tok].end = p->pos;
    p->j->t[tok].next = p->j->n;
    return r;
}

int pc_jin_parse(struct pc_jin *j, const char *src, size_t len, size_t max_tokens, pc_error *err)
{
    memset(j, 0, sizeof *j);
    j->src = src;
    j->len = len;
    struct parser p = {j, 0, max_tokens, NULL};
    if (value(&p, 0) == 0) {
        skip_ws(&p);
        if (p.pos == len)
            return 0;
        p.why = "data after the value";
    }
    size_t line = 1;
    for (size_t i = 0; i < p.pos && i < len; i++)
        line += src[i] == '\n';
    pc_jin_free(j);
    return pc_fail(err, PC_E_USAGE, "not valid JSON: %s (line %zu, byte %zu)", p.why, line, p.pos);
}

void pc_jin_free(struct pc_jin *j)
{
    free(j->t);
    j->t = NULL;
    j->n = j->cap = 0;
}

size_t pc_jin_child(const struct pc_jin *j, size_t tok, size_t i)
{
    if (tok >= j->n || (j->t[tok].type != PC_JT_ARR && j->t[tok].type != PC_JT_OBJ) || i >= j->t[tok].nchild)
        return SIZE_MAX;
    size_t c = tok + 1;
    int obj = j->t[tok].type == PC_JT_OBJ;
    for (size_t k = 0; k < i; k++)
        c = obj ? j->t[j->t[c].next].next : j->t[c].next;
    return obj ? j->t[c].next : c;   /* an object's i-th value */
}

size_t pc_jin_get(const struct pc_jin *j, size_t obj, const char *key)
{
    if (obj >= j->n || j->t[obj].type != PC_JT_OBJ)
        return SIZE_MAX;
    size_t k = obj + 1, klen = strlen(key);
    for (size_t i = 0; i < j->t[obj].nchild; i++) {
        const struct pc_jtok *kt = &j->t[k];
        /* member names we look up never need unescaping */
        if (kt->end - kt->start == klen + 2 && memcmp(j->src + kt->start + 1, key, klen) == 0)
            return kt->next;
        k = j->t[kt->next].next;
    }
    return SIZE_MAX;
}

static void put_utf8(char *out, size_t *o, unsigned cp)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xc0 | cp >> 6);
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xe0 | cp >> 12);
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*o)++] = (char)(0xf0 | cp >> 18);
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    }
}

char *pc_jin_str(const struct pc_jin *j, size_t tok)
{
    if (tok >= j->n || j->t[tok].type != PC_JT_STR)
        return NULL;
    const char *s = j->src + j->t[tok].start + 1;
    size_t n = j->t[tok].end - j->t[tok].start - 2, o = 0;
    char *out = malloc(n + 1);   /* an escape never decodes longer than it is written */
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            out[o++] = s[i++];
            continue;
        }
        char e = s[i + 1];
        if (e != 'u') {
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            out[o++] = to[strchr(from, e) - from];
            i += 2;
            continue;
        }
        unsigned cp = (unsigned)hex4(s + i + 2);
        i += 6;
        if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
            int lo = hex4(s + i + 2);
            if (lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
                i += 6;
            }
        }
        if (cp >= 0xd800 && cp < 0xe000)
            cp = 0xfffd;   /* a lone surrogate */
        put_utf8(out, &o, cp);
    }
    out[o] = 0;
    return out;
}

int pc_jin_u64(const struct pc_jin *j, size_t tok, uint64_t *out)
{
    if (tok >= j->n || j->t[tok].type != PC_JT_NUM)
        return -1;
    uint64_t v = 0;
    for (size_t i = j->t[tok].start; i < j->t[tok].end; i++) {
        char c = j->src[i];
        if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(c - '0');
    }
    *out = v;
    return 0;
}

int pc_jin_bool(const struct pc_jin *j, size_t tok)
{
    return tok < j->n ? j->t[tok].type == PC_JT_TRUE ? 1 : j->t[tok].type == PC_JT_FALSE ? 0 : -1 : -1;
}
