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

/* siginfo's si_code, by signal (0: any signal): asm-generic/siginfo.h. */
static const struct {
    int sig, code;
    const char *name;
} sig_codes[] = {
    {0, 0, "SI_USER"}, {0, 0x80, "SI_KERNEL"}, {0, -1, "SI_QUEUE"}, {0, -2, "SI_TIMER"},
    {0, -3, "SI_MESGQ"}, {0, -4, "SI_ASYNCIO"}, {0, -5, "SI_SIGIO"}, {0, -6, "SI_TKILL"},
    {11, 1, "SEGV_MAPERR"}, {11, 2, "SEGV_ACCERR"}, {11, 3, "SEGV_BNDERR"}, {11, 4, "SEGV_PKUERR"},
    {7, 1, "BUS_ADRALN"}, {7, 2, "BUS_ADRERR"}, {7, 3, "BUS_OBJERR"}, {7, 4, "BUS_MCEERR_AR"},
    {7, 5, "BUS_MCEERR_AO"},
    {4, 1, "ILL_ILLOPC"}, {4, 2, "ILL_ILLOPN"}, {4, 3, "ILL_ILLADR"}, {4, 4, "ILL_ILLTRP"},
    {4, 5, "ILL_PRVOPC"}, {4, 6, "ILL_PRVREG"}, {4, 7, "ILL_COPROC"}, {4, 8, "ILL_BADSTK"},
    {8, 1, "FPE_INTDIV"}, {8, 2, "FPE_INTOVF"}, {8, 3, "FPE_FLTDIV"}, {8, 4, "FPE_FLTOVF"},
    {8, 5, "FPE_FLTUND"}, {8, 6, "FPE_FLTRES"}, {8, 7, "FPE_FLTINV"}, {8, 8, "FPE_FLTSUB"},
    {5, 1, "TRAP_BRKPT"}, {5, 2, "TRAP_TRACE"},
};

const char *pc_signal_code_name(int sig, int code)
{
    /* Codes above 0 mean a fault only for the fault signals. */
    for (size_t i = 0; i < sizeof sig_codes / sizeof *sig_codes; i++)
        if (sig_codes[i].code == code &&
            (sig_codes[i].sig == sig || (sig_codes[i].sig == 0 && (code <= 0 || code == 0x80))))
            return sig_codes[i].name;
    return NULL;
}

/* A fault signal carries an address (siginfo's si_addr). */
int pc_signal_is_fault(int sig)
{
    return sig == 11 || sig == 7 || sig == 4 || sig == 8 || sig == 5;
}

const char *pc_core_kind_name(int kind)
{
    switch (kind) {
    case PC_CORE_KERNEL: return "kernel";
    case PC_CORE_GCORE: return "gcore";
    case PC_CORE_LIVE: return "live";
    case PC_CORE_PYCORE: return "pycore";
    case PC_CORE_QEMU: return "qemu";
    default: return "unknown";
    }
}

const char *pc_gil_name(int gil)
{
    return gil == PC_GIL_HELD ? "held" : gil == PC_GIL_WAITING ? "waiting"
         : gil == PC_GIL_FREE_THREADED ? "none (free-threaded)" : "none";
}

const char *pc_ts_state_name(int st)
{
    static const char *const names[] = {"detached", "attached", "suspended", "shutting down"};
    return st >= 0 && st < 4 ? names[st] : NULL;
}


void pc_json_str(pc_buf *b, const char *s)
{
    if (!s) {
        pc_buf_puts(b, "null");
        return;
    }
    /* Written in place: at most 6 bytes a byte (\u00XX) and the quotes. */
    size_t len = strlen(s);
    if (len > (SIZE_MAX - 2) / 6)
        return;
    char *o = pc_buf_room(b, 6 * len + 2), *start = o;
    if (!o)
        return;
    static const char hex[] = "0123456789abcdef";
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* a run of plain ASCII at once: reports are mostly that */
        const unsigned char *q = p;
        while (*q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
            q++;
        if (q != p) {
            memcpy(o, p, (size_t)(q - p));
            o += q - p;
            p = q - 1;
            continue;
        }
        switch (*p) {
        case '"': *o++ = '\\'; *o++ = '"'; break;
        case '\\': *o++ = '\\'; *o++ = '\\'; break;
        case '\n': *o++ = '\\'; *o++ = 'n'; break;
        case '\t': *o++ = '\\'; *o++ = 't'; break;
        case '\r': *o++ = '\\'; *o++ = 'r'; break;
        default:
            if (*p < 0x20) {
                memcpy(o, "\\u00", 4);
                o[4] = hex[*p >> 4];
                o[5] = hex[*p & 15];
                o += 6;
            } else {
                /* Paths and command lines from a core are bytes: keep
                 * valid UTF-8, replace the rest so the JSON stays valid. */
                size_t n = pc_utf8_len(p);
                if (n) {
                    memcpy(o, p, n);
                    o += n;
                    p += n - 1;
                } else {
                    memcpy(o, "\\ufffd", 6);
                    o += 6;
                }
            }
        }
    }
    *o++ = '"';
    pc_buf_commit(b, (size_t)(o - start));
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
