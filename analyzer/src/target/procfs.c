/* /proc text, parsed strictly: a field that does not parse rejects the
 * line, so a hostile file name or comm can at worst hide one mapping or
 * one thread state, never shift the fields that follow it. */
#include "target/procfs.h"

#include <limits.h>
#include <string.h>

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* At least one hex digit at s[*i]; more than 64 bits is malformed, not
 * truncated, so that an oversized field cannot alias a small address. */
static int parse_hex(const char *s, size_t len, size_t *i, uint64_t *out)
{
    uint64_t v = 0;
    size_t from = *i;
    int d;
    while (*i < len && (d = hex_digit(s[*i])) >= 0) {
        if (v >> 60)
            return -1;
        v = v << 4 | (uint64_t)d;
        (*i)++;
    }
    if (*i == from)
        return -1;
    *out = v;
    return 0;
}

static int parse_dec(const char *s, size_t len, size_t *i, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t from = *i;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        uint64_t d = (uint64_t)(s[*i] - '0');
        if (v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
        (*i)++;
    }
    if (*i == from)
        return -1;
    *out = v;
    return 0;
}

static int expect(const char *s, size_t len, size_t *i, char ch)
{
    if (*i >= len || s[*i] != ch)
        return -1;
    (*i)++;
    return 0;
}

static int one_of(char ch, const char *set)
{
    return ch && strchr(set, ch);
}

int pc_proc_maps_line(const char *line, size_t len, uint64_t *start, uint64_t *end, uint64_t *pgoff,
                      const char **path, size_t *path_len)
{
    static const char deleted[] = " (deleted)";
    size_t i = 0;
    uint64_t major, minor, inode;
    if (!line)
        return 0;
    if (len && line[len - 1] == '\n')
        len--;
    if (parse_hex(line, len, &i, start) || expect(line, len, &i, '-') || parse_hex(line, len, &i, end) ||
        expect(line, len, &i, ' ') || *start > *end)
        return 0;
    /* The kernel writes exactly four permission letters; anything else
     * means the line is not what the fields after it claim to be. */
    if (len - i < 4 || !one_of(line[i], "r-") || !one_of(line[i + 1], "w-") || !one_of(line[i + 2], "x-") ||
        !one_of(line[i + 3], "ps"))
        return 0;
    i += 4;
    if (expect(line, len, &i, ' ') || parse_hex(line, len, &i, pgoff) || expect(line, len, &i, ' ') ||
        parse_hex(line, len, &i, &major) || expect(line, len, &i, ':') || parse_hex(line, len, &i, &minor) ||
        expect(line, len, &i, ' ') || parse_dec(line, len, &i, UINT64_MAX, &inode))
        return 0;
    if (i == len || line[i] != ' ')
        return 0;   /* no path: anonymous memory */
    while (i < len && line[i] == ' ')
        i++;
    /* Everything up to the end of the line is the path: file names may
     * hold spaces, and the kernel escapes the newlines in them. */
    const char *p = line + i;
    size_t n = len - i;
    if (n == 0 || p[0] != '/' || memchr(p, 0, n))
        return 0;   /* [heap], [stack], [vdso], a name given with prctl; a NUL would cut the copy */
    if (n >= sizeof deleted - 1 && memcmp(p + n - (sizeof deleted - 1), deleted, sizeof deleted - 1) == 0)
        return 0;   /* the path names another file now, or none */
    *path = p;
    *path_len = n;
    return 1;
}

int pc_proc_maps_region(const char *line, size_t len, uint64_t *start, uint64_t *end, unsigned *prot)
{
    size_t i = 0;
    if (!line)
        return 0;
    if (parse_hex(line, len, &i, start) || expect(line, len, &i, '-') || parse_hex(line, len, &i, end) ||
        expect(line, len, &i, ' ') || *start >= *end)
        return 0;
    if (len - i < 4 || !one_of(line[i], "r-") || !one_of(line[i + 1], "w-") || !one_of(line[i + 2], "x-") ||
        !one_of(line[i + 3], "ps"))
        return 0;
    *prot = (line[i] == 'r' ? 4u : 0u) | (line[i + 1] == 'w' ? 2u : 0u) | (line[i + 2] == 'x' ? 1u : 0u);
    return 1;
}

uint64_t pc_proc_status_hex(const char *status, size_t len, const char *key)
{
    size_t klen = key ? strlen(key) : 0;
    if (!status || klen == 0)
        return 0;
    size_t i = 0;
    while (i < len) {
        /* Only at the start of a line: "ShdPnd:" must not match the end
         * of some other field's name. */
        if (len - i >= klen && memcmp(status + i, key, klen) == 0) {
            size_t j = i + klen;
            uint64_t v;
            while (j < len && (status[j] == ' ' || status[j] == '\t'))
                j++;
            if (parse_hex(status, len, &j, &v))
                return 0;
            while (j < len && (status[j] == ' ' || status[j] == '\t'))
                j++;
            return j == len || status[j] == '\n' ? v : 0;
        }
        const char *nl = memchr(status + i, '\n', len - i);
        if (!nl)
            break;
        i = (size_t)(nl - status) + 1;
    }
    return 0;
}

/* The state field: *i is left after it.  comm is the process's own
 * choice and may contain ") S 1 (": only the last ')' can end it, since
 * every later field is a number. */
static int stat_state(const char *stat, size_t len, size_t *i, char *state)
{
    uint64_t v;
    if (!stat || parse_dec(stat, len, i, INT_MAX, &v) || expect(stat, len, i, ' ') || expect(stat, len, i, '('))
        return -1;
    size_t close = len;
    while (close > *i && stat[close - 1] != ')')
        close--;
    if (close == *i)
        return -1;
    *i = close;
    if (expect(stat, len, i, ' ') || *i >= len)
        return -1;
    char st = stat[(*i)++];
    if (!((st >= 'A' && st <= 'Z') || (st >= 'a' && st <= 'z')))
        return -1;
    *state = st;
    return 0;
}

/* One decimal field after a ' ', ending the line or followed by one;
 * a '-' is allowed (and the magnitude returned) only when minus_ok. */
static int stat_number(const char *stat, size_t len, size_t *i, int minus_ok, uint64_t max, uint64_t *v)
{
    if (expect(stat, len, i, ' '))
        return -1;
    if (minus_ok && *i < len && stat[*i] == '-')
        (*i)++;
    if (parse_dec(stat, len, i, max, v))
        return -1;
    return *i < len && stat[*i] != ' ' && stat[*i] != '\n' ? -1 : 0;
}

int pc_proc_stat(const char *stat, size_t len, char *state, int *ppid)
{
    size_t i = 0;
    uint64_t v;
    char st;
    if (stat_state(stat, len, &i, &st) || stat_number(stat, len, &i, 0, INT_MAX, &v))
        return -1;
    *state = st;
    *ppid = (int)v;
    return 0;
}

int pc_proc_stat_u64(const char *stat, size_t len, int field, uint64_t *value)
{
    size_t i = 0;
    char st;
    uint64_t v = 0;
    if (field < 4 || stat_state(stat, len, &i, &st))
        return -1;
    /* Fields before the one asked for may be negative (tpgid, nice). */
    for (int f = 4; f <= field; f++)
        if (stat_number(stat, len, &i, f < field, UINT64_MAX, &v))
            return -1;
    *value = v;
    return 0;
}
