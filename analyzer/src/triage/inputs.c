/* The members of a batch: the files named, and the cores found in the
 * directories named (recursively, in sorted order).  In a directory a
 * file is taken when its name starts with "core" (so an empty or
 * unreadable core is reported, not lost), or when its content is an ELF
 * core, plain or compressed; anything else (logs, binaries, archives of
 * something else) is only counted as skipped. */
#include "triage/triage.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 64
#define HEAD_LEN 64

/* ------------------------------------------------ systemd-coredump names */

static int all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 20)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* The last '.'-separated field of name[0..*len): start offset, len shrinks. */
static int last_field(const char *name, size_t *len, const char **f, size_t *flen)
{
    size_t end = *len;
    size_t i = end;
    while (i > 0 && name[i - 1] != '.')
        i--;
    if (i == 0)
        return -1;
    *f = name + i;
    *flen = end - i;
    *len = i - 1;
    return 0;
}

int pc_sd_parse_name(const char *path, struct pc_sd_name *out)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    static const char *const exts[] = {".zst", ".lz4", ".xz", ".gz"};
    size_t len = strlen(base);
    if (strncmp(base, "core.", 5) != 0)
        return -1;
    for (size_t i = 0; i < sizeof exts / sizeof *exts; i++) {
        size_t e = strlen(exts[i]);
        if (len > e && strcmp(base + len - e, exts[i]) == 0) {
            len -= e;
            break;
        }
    }
    const char *f[4];
    size_t fl[4];
    for (int k = 3; k >= 0; k--)   /* time, pid, boot id, uid: from the right */
        if (last_field(base, &len, &f[k], &fl[k]))
            return -1;
    if (!all_digits(f[3], fl[3]) || !all_digits(f[2], fl[2]) || fl[1] != 32 || !all_hex(f[1], 32) ||
        !all_digits(f[0], fl[0]) || len <= 5)
        return -1;
    memset(out, 0, sizeof *out);
    snprintf(out->comm, sizeof out->comm, "%.*s", (int)(len - 5), base + 5);
    out->uid = strtol(f[0], NULL, 10);
    memcpy(out->boot_id, f[1], 32);
    out->pid = strtol(f[2], NULL, 10);
    out->usec = strtoull(f[3], NULL, 10);
    return 0;
}

/* ------------------------------------------------------------ members */

int pc_triage_add_member(struct pc_triage *t, const char *path, pc_error *err)
{
    if (pc_grow(&t->cores, &t->cap, t->ncores + 1, sizeof *t->cores))
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    struct pc_triage_core *c = &t->cores[t->ncores];
    memset(c, 0, sizeof *c);
    if (!(c->path = pc_strdup(path)))
        return pc_fail(err, PC_E_INTERNAL, "out of memory");
    c->is_sd = pc_sd_parse_name(path, &c->sd) == 0;
    c->group = SIZE_MAX;
    c->compression = "none";
    c->input = t->ninputs++;
    t->ncores++;
    return PC_OK;
}

static int looks_like_core(const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (strncmp(base, "core", 4) == 0)
        return 1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return 1;   /* unreadable: report it rather than hide it */
    uint8_t head[HEAD_LEN];
    ssize_t n = pread(fd, head, sizeof head, 0);
    int yes = 0;
    if (n < 0)
        yes = 1;
    else if (pc_tz_is_elf_core(head, (size_t)n))
        yes = 1;
    else if (pc_tz_is_compressed(pc_tz_detect(head, (size_t)n))) {
        size_t got = 0;
        pc_error e;
        pc_tz_peek(fd, pc_tz_detect(head, (size_t)n), head, 20, &got, &e);
        yes = pc_tz_is_elf_core(head, got);
    }
    close(fd);
    return yes;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The entries of dir, sorted: 0, -1 if it cannot be read, -2 out of memory. */
static int list_dir(const char *dir, char ***out, size_t *n)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t cap = 0;
    int rc = 0;
    *n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (pc_grow(&names, &cap, *n + 1, sizeof *names) || !(names[*n] = pc_strdup(e->d_name))) {
            rc = -2;
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof *names, cmp_names);
    *out = names;
    return rc;
}

static int walk(struct pc_triage *t, const char *dir, int depth, pc_error *err);

static int walk_entry(struct pc_triage *t, const char *path, int depth, pc_error *err)
{
    struct stat st;
    if (lstat(path, &st))
        return pc_triage_add_member(t, path, err);
    if (S_ISDIR(st.st_mode))
        return depth < MAX_DEPTH ? walk(t, path, depth + 1, err) : PC_OK;
    if (S_ISLNK(st.st_mode) && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return PC_OK;   /* never follow links to directories: no loops */
    if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        t->nskipped++;
        return PC_OK;
    }
    if (!looks_like_core(path)) {
        t->nskipped++;
        return PC_OK;
    }
    return pc_triage_add_member(t, path, err);
}

static int walk(struct pc_triage *t, const char *dir, int depth, pc_error *err)
{
    size_t n = 0;
    char **names = NULL;
    int rc = list_dir(dir, &names, &n);
    if (rc == -1)
        return pc_triage_add_member(t, dir, err);   /* reported: "not a regular file" */
    int oom = rc == -2;
    rc = PC_OK;
    for (size_t i = 0; i < n && rc == PC_OK && !oom; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *p = malloc(len);
        if (!p) {
            oom = 1;
            break;
        }
        snprintf(p, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
        rc = walk_entry(t, p, depth, err);
        free(p);
    }
    free_names(names, n);
    return oom ? pc_fail(err, PC_E_INTERNAL, "out of memory") : rc;
}

int pc_triage_add_path(struct pc_triage *t, const char *path, pc_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return walk(t, path, 0, err);
    return pc_triage_add_member(t, path, err);
}
