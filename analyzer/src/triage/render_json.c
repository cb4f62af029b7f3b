/* The batch as JSON (docs/triage.md, "JSON"). */
#include "triage/triage.h"
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#define TRIAGE_SCHEMA_VERSION 1

static void json_item(pc_buf *b, const char *line, size_t index)
{
    pc_buf_puts(b, index ? "," : "");
    pc_json_str(b, line);
}

/* A '\n'-separated list as a JSON array of strings. */
static void str_array(pc_buf *b, const char *s)
{
    pc_buf_puts(b, "[");
    pc_tri_each_line(b, s, json_item);
    pc_buf_puts(b, "]");
}

static void summary(const struct pc_triage *t, pc_buf *b)
{
    pc_buf_printf(b, "\"summary\":{\"cores\":%zu,\"analyzed\":%zu,\"hangs\":%zu,\"no_hang\":%zu,\"errors\":%zu,"
                     "\"groups\":%zu,\"hang_groups\":%zu,\"skipped\":%zu,\"seconds\":%.3f,\"exit_status\":%d,\"shard\":",
                  t->ncores, t->nok, t->nhang, t->nok - t->nhang, t->nerror, t->ngroups, pc_triage_hang_groups(t),
                  t->nskipped, t->seconds, pc_triage_status(t));
    if (t->shard_n)
        pc_buf_printf(b, "{\"index\":%d,\"count\":%d,\"inputs\":%zu}}", t->shard_k, t->shard_n, t->ninputs);
    else
        pc_buf_puts(b, "null}");
}

static void group(const struct pc_triage *t, size_t gi, pc_buf *b)
{
    const struct pc_triage_group *g = &t->groups[gi];
    const struct pc_triage_core *r = &t->cores[g->rep];
    pc_buf_printf(b, "{\"signature\":\"%s\",\"pattern\":", r->sig);
    pc_json_str(b, r->pattern);
    pc_buf_printf(b, ",\"hang\":%s,\"count\":%zu,\"confidence\":", r->hang ? "true" : "false", g->count);
    pc_json_str(b, r->confidence);
    pc_buf_puts(b, ",\"summary\":");
    pc_json_str(b, r->summary);
    pc_buf_puts(b, ",\"representative\":");
    pc_json_str(b, r->path);
    pc_buf_puts(b, ",\"key_frames\":");
    str_array(b, r->frames);
    pc_buf_printf(b, ",\"new\":%s,\"history\":", g->is_new < 0 ? "null" : g->is_new ? "true" : "false");
    if (g->history.present)
        pc_buf_printf(b, "{\"first_seen\":\"%s\",\"last_seen\":\"%s\",\"runs\":%lld,\"cores\":%lld}",
                      g->history.first_seen, g->history.last_seen, g->history.runs, g->history.cores);
    else
        pc_buf_puts(b, "null");
    pc_buf_puts(b, ",\"cores\":[");
    for (size_t k = 0; k < g->count; k++) {
        pc_buf_puts(b, k ? "," : "");
        pc_json_str(b, t->cores[g->members[k]].path);
    }
    pc_buf_puts(b, "]}");
}

static void systemd(const struct pc_triage_core *c, pc_buf *b)
{
    if (!c->is_sd) {
        pc_buf_puts(b, "null");
        return;
    }
    pc_buf_puts(b, "{\"comm\":");
    pc_json_str(b, c->sd.comm);
    pc_buf_printf(b, ",\"uid\":%ld,\"boot_id\":\"%s\",\"pid\":%ld,\"time_usec\":%llu}", c->sd.uid, c->sd.boot_id,
                  c->sd.pid, c->sd.usec);
}

static void core(const struct pc_triage *t, size_t i, pc_buf *b)
{
    const struct pc_triage_core *c = &t->cores[i];
    pc_buf_puts(b, "{\"path\":");
    pc_json_str(b, c->path);
    pc_buf_printf(b, ",\"input\":%zu", c->input);
    pc_buf_printf(b, ",\"ok\":%s,\"error\":", c->ok ? "true" : "false");
    pc_json_str(b, c->ok ? NULL : c->error);
    pc_buf_puts(b, ",\"error_kind\":");
    pc_json_str(b, c->ok ? NULL : pc_tri_err_name(c->err_kind));
    pc_buf_printf(b, ",\"compression\":\"%s\",\"size\":%llu,\"systemd\":", c->compression,
                  (unsigned long long)c->size);
    systemd(c, b);
    pc_buf_puts(b, ",\"parent\":");
    pc_json_str(b, c->parent != SIZE_MAX ? t->cores[c->parent].path : NULL);
    pc_buf_puts(b, ",\"waits_for\":[");
    for (size_t k = 0; k < c->nwaits; k++) {
        pc_buf_printf(b, "%s{\"tid\":%d,\"core\":", k ? "," : "", (int)c->waits[k].tid);
        pc_json_str(b, t->cores[c->waits[k].core].path);
        pc_buf_puts(b, "}");
    }
    pc_buf_puts(b, "]");
    if (!c->ok) {
        pc_buf_puts(b, ",\"hang\":null,\"signature\":null,\"group\":null,\"key_frames\":[],\"process\":null,"
                       "\"python\":null,\"threads\":null,\"diagnosis\":null,\"findings\":[]}");
        return;
    }
    pc_buf_printf(b, ",\"hang\":%s,\"signature\":\"%s\",\"group\":%zu,\"key_frames\":", c->hang ? "true" : "false",
                  c->sig, c->group);
    str_array(b, c->frames);
    char *js = pc_triage_spool_get(t, c->json_off, c->json_len);
    if (js && js[0])
        pc_buf_printf(b, ",%s}", js);
    else
        pc_buf_puts(b, ",\"process\":null,\"python\":null,\"threads\":null,\"diagnosis\":null,\"findings\":[]}");
    free(js);
}

void pc_triage_render_json(const struct pc_triage *t, pc_tout *o)
{
    pc_buf *b = &o->b;
    pc_buf_printf(b, "{\"schema_version\":%d,\"kind\":\"triage\",\"tool\":{\"name\":\"pycore-analyze\",\"version\":\"%s\"},",
                  TRIAGE_SCHEMA_VERSION, PYCORE_VERSION);
    summary(t, b);
    pc_buf_puts(b, ",\"groups\":[");
    for (size_t g = 0; g < t->ngroups; g++) {
        pc_buf_puts(b, g ? ",\n" : "\n");
        group(t, g, b);
        pc_tout_maybe_flush(o);
    }
    pc_buf_puts(b, "],\"cores\":[");
    for (size_t i = 0; i < t->ncores; i++) {
        pc_buf_puts(b, i ? ",\n" : "\n");
        core(t, i, b);
        pc_tout_maybe_flush(o);
    }
    pc_buf_puts(b, "]}\n");
}
