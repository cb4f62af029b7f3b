/* Reading JSON (json_in.c): a strict parser into a flat array of tokens in
 * document order.  Each token spans [start, end) of the source, so a value
 * can be copied verbatim; `next` is the token after its subtree. */
#ifndef PYCORE_TRIAGE_JSON_IN_H
#define PYCORE_TRIAGE_JSON_IN_H

#include "base/base.h"

#include <stddef.h>
#include <stdint.h>

enum { PC_JT_OBJ, PC_JT_ARR, PC_JT_STR, PC_JT_NUM, PC_JT_TRUE, PC_JT_FALSE, PC_JT_NULL };

struct pc_jtok {
    uint8_t type;
    size_t start, end;   /* source span */
    size_t nchild;       /* array elements, object members */
    size_t next;         /* the token after this value's subtree */
};

struct pc_jin {
    struct pc_jtok *t;
    size_t n, cap;
    const char *src;     /* not owned */
    size_t len;
};

/* Parse src (at most max_tokens values); PC_OK, or PC_E_USAGE with err
 * saying what and where. */
int pc_jin_parse(struct pc_jin *j, const char *src, size_t len, size_t max_tokens, pc_error *err);
void pc_jin_free(struct pc_jin *j);
/* The i-th element of an array, or the value of an object's i-th member;
 * SIZE_MAX when there is none. */
size_t pc_jin_child(const struct pc_jin *j, size_t tok, size_t i);
/* The value of member key of object obj, or SIZE_MAX. */
size_t pc_jin_get(const struct pc_jin *j, size_t obj, const char *key);
/* A string value decoded (malloc'd), or NULL when tok is no string. */
char *pc_jin_str(const struct pc_jin *j, size_t tok);
/* A non-negative integer; -1 when tok is something else. */
int pc_jin_u64(const struct pc_jin *j, size_t tok, uint64_t *out);
/* 1 true, 0 false, -1 anything else. */
int pc_jin_bool(const struct pc_jin *j, size_t tok);

#endif
