/* pc_target_open_core_fd: the core target on an fd the caller already has
 * open, e.g. an unlinked temporary file holding a decompressed core.
 * Same implementation as pc_target_open_core (pc_core_target_adopt). */
#include "target/core_fd.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int pc_target_open_core_fd(int fd, const char *name, const pc_core_options *opts, pc_target **out,
                           pc_error *err)
{
    if (!name)
        name = "core";
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0)
        return pc_fail(err, PC_E_CORE, "cannot use %s: %s", name, strerror(errno));
    return pc_core_target_adopt(own, name, opts, out, err);
}
