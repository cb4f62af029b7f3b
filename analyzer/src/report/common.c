#include "report/report.h"

#include <stdlib.h>

const char *pc_signal_name(int sig)
{
    static const char *names[] = {
        NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
        "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
        "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
        "SIGIO", "SIGPWR", "SIGSYS",
    };
    if (sig > 0 && sig < (int)(sizeof names / sizeof *names))
        return names[sig];
    return NULL;
}

const char *pc_core_kind_name(int kind)
{
    switch (kind) {
    case PC_CORE_KERNEL: return "kernel";
    case PC_CORE_GCORE: return "gcore";
    case PC_CORE_LIVE: return "live";
    default: return "unknown";
    }
}

const char *pc_gil_name(int gil)
{
    return gil == PC_GIL_HELD ? "held" : gil == PC_GIL_WAITING ? "waiting" : "none";
}


void pc_json_str(pc_buf *b, const char *s)
{
    if (!s) {
        pc_buf_puts(b, "null");
        return;
    }
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
                /* Paths and command lines from a core are bytes: keep
                 * valid UTF-8, replace the rest so the JSON stays valid. */
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

char *pc_render(const pc_analysis *a, enum pc_format fmt, unsigned flags)
{
    pc_buf b = {0};
    if (fmt == PC_FORMAT_JSON)
        pc_render_json(a, &b);
    else if (fmt == PC_FORMAT_DOT)
        pc_render_dot(a, &b);
    else
        pc_render_text(a, &b, flags);
    return pc_buf_take(&b);
}
