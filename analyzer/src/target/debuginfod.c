/* debuginfod (elfutils' libdebuginfod) as the last place for a file the
 * core maps, by build-id, when DEBUGINFOD_URLS names servers: for cores
 * from other machines whose binaries are not installed here.  The file
 * lands in debuginfod's cache ($DEBUGINFOD_CACHE_PATH, default
 * ~/.cache/debuginfod_client); the caller still checks its build-id.
 *
 * The library is loaded only then (dlopen, as libdwfl itself does): linked
 * in, it and its HTTP stack (libcurl, TLS, Kerberos, LDAP) cost every run
 * ~5 MB of resident memory and their relocation time. */
#include "target/core_fd.h"

#include <dlfcn.h>
#include <elfutils/debuginfod.h>
#include <stdlib.h>
#include <unistd.h>

char *pc_debuginfod_executable(const uint8_t *build_id, size_t len)
{
    const char *urls = getenv("DEBUGINFOD_URLS");
    if (!urls || !*urls || !len)
        return NULL;
    void *lib = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!lib)
        return NULL;
    /* the header's own prototypes give the pointers their types */
    __typeof__(debuginfod_begin) *begin = (__typeof__(debuginfod_begin) *)dlsym(lib, "debuginfod_begin");
    __typeof__(debuginfod_find_executable) *find =
        (__typeof__(debuginfod_find_executable) *)dlsym(lib, "debuginfod_find_executable");
    __typeof__(debuginfod_end) *end = (__typeof__(debuginfod_end) *)dlsym(lib, "debuginfod_end");
    char *path = NULL;
    debuginfod_client *c = begin && find && end ? begin() : NULL;
    int fd = -1;
    if (c) {
        fd = find(c, build_id, (int)len, &path);
        end(c);
    }
    dlclose(lib);
    if (fd < 0) {
        free(path);
        return NULL;
    }
    close(fd);
    return path;
}
