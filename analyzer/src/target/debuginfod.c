/* debuginfod (elfutils' libdebuginfod) as the last place for a file the
 * core maps, by build-id, when DEBUGINFOD_URLS names servers: for cores
 * from other machines whose binaries are not installed here.  The file
 * lands in debuginfod's cache ($DEBUGINFOD_CACHE_PATH, default
 * ~/.cache/debuginfod_client); the caller still checks its build-id. */
#include "target/core_fd.h"

#include <elfutils/debuginfod.h>
#include <stdlib.h>
#include <unistd.h>

char *pc_debuginfod_executable(const uint8_t *build_id, size_t len)
{
    const char *urls = getenv("DEBUGINFOD_URLS");
    if (!urls || !*urls || !len)
        return NULL;
    debuginfod_client *c = debuginfod_begin();
    if (!c)
        return NULL;
    char *path = NULL;
    int fd = debuginfod_find_executable(c, build_id, (int)len, &path);
    debuginfod_end(c);
    if (fd < 0) {
        free(path);
        return NULL;
    }
    close(fd);
    return path;
}
