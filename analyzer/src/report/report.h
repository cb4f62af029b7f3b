/* Renderers of an analysis: text for people, JSON for programs. */
#ifndef PYCORE_REPORT_H
#define PYCORE_REPORT_H

#include "diagnose/analysis.h"

void pc_render_json(const struct pc_analysis *a, pc_buf *b);
void pc_render_text(const struct pc_analysis *a, pc_buf *b, unsigned flags);
void pc_render_dot(const struct pc_analysis *a, pc_buf *b);

/* Shared by both renderers. */
const char *pc_signal_name(int sig);
/* "SEGV_MAPERR", "SI_TKILL"...; NULL when unknown. */
const char *pc_signal_code_name(int sig, int code);
int pc_signal_is_fault(int sig);
const char *pc_core_kind_name(int kind);
const char *pc_gil_name(int gil);
/* PyThreadState.state (3.13+), NULL when unknown */
const char *pc_ts_state_name(int st);
void pc_json_str(pc_buf *b, const char *s);

#endif
