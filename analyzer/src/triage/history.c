/* --db FILE: a SQLite history of hang signatures across triage runs
 * (docs/triage.md, "History").  One write transaction per run, taken up
 * front (BEGIN IMMEDIATE) in WAL mode with a busy timeout, so parallel
 * jobs queue instead of failing; anything that goes wrong rolls the run
 * back whole and says so: the history is never half-written. */
#include "triage/triage.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SCHEMA_VERSION 1

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, started TEXT NOT NULL, cores INTEGER NOT NULL,"
    " hangs INTEGER NOT NULL, errors INTEGER NOT NULL, exit_status INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS signatures(signature TEXT PRIMARY KEY, pattern TEXT NOT NULL,"
    " hang INTEGER NOT NULL, key_frames TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,"
    " first_run INTEGER NOT NULL, last_run INTEGER NOT NULL, runs INTEGER NOT NULL, cores INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS occurrences(run INTEGER NOT NULL, signature TEXT NOT NULL, path TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS occurrences_signature ON occurrences(signature);";

/* The run could not be recorded: roll back, close, and say why and what to do. */
static int db_fail(sqlite3 *db, const char *path, int in_tx, int code, const char *msg, pc_error *err)
{
    if (in_tx)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    const char *hint = code == SQLITE_BUSY || code == SQLITE_LOCKED
                           ? "another run held it longer than --db-timeout; nothing was recorded, run again"
                       : code == SQLITE_CORRUPT || code == SQLITE_NOTADB
                           ? "it is not a pycore history or it is damaged; it was left as it is (move it away to "
                             "start a new one)"
                       : code == SQLITE_MISMATCH ? "it was left as it is: use another file"
                           : "nothing was recorded";
    return pc_fail(err, PC_E_INTERNAL, "--db %s: %s: %s", path, msg, hint);
}

static int step_done(sqlite3_stmt *st)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    return r == SQLITE_DONE ? 0 : -1;
}

int pc_triage_history(struct pc_triage *t, const char *path, int timeout_s, pc_error *err)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s", db ? sqlite3_errmsg(db) : "out of memory");
        return db_fail(db, path, 0, db ? sqlite3_errcode(db) : SQLITE_NOMEM, msg, err);
    }
    sqlite3_busy_timeout(db, timeout_s * 1000);
    sqlite3_stmt *q = NULL, *ins = NULL, *upd = NULL, *occ = NULL;
    int in_tx = 0, version = -1;
    char now[32];
    time_t tt = time(NULL);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    in_tx = 1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK || sqlite3_step(q) != SQLITE_ROW)
        goto fail;
    version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (version == 0) {
        /* a new file: create the tables; a database of something else is
         * not ours to add to */
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &q, NULL) != SQLITE_OK ||
            sqlite3_step(q) != SQLITE_ROW)
            goto fail;
        int objects = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
        q = NULL;
        if (objects)
            return db_fail(db, path, in_tx, SQLITE_NOTADB,
                           "a SQLite database of something else (no pycore history schema)", err);
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", SCHEMA_VERSION);
        if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
    } else if (version != SCHEMA_VERSION) {
        char msg[96];
        snprintf(msg, sizeof msg, "history schema %d, this pycore-analyze writes %d", version, SCHEMA_VERSION);
        return db_fail(db, path, in_tx, SQLITE_MISMATCH, msg, err);
    }
    sqlite3_stmt *run = NULL;
    if (sqlite3_prepare_v2(db, "INSERT INTO runs(started, cores, hangs, errors, exit_status) VALUES(?,?,?,?,?)", -1,
                           &run, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(run, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(run, 2, (sqlite3_int64)t->ncores);
    sqlite3_bind_int64(run, 3, (sqlite3_int64)t->nhang);
    sqlite3_bind_int64(run, 4, (sqlite3_int64)t->nerror);
    sqlite3_bind_int(run, 5, pc_triage_status(t));
    int bad = step_done(run);
    sqlite3_finalize(run);
    if (bad)
        goto fail;
    sqlite3_int64 run_id = sqlite3_last_insert_rowid(db);
    if (sqlite3_prepare_v2(db, "SELECT first_seen, runs, cores FROM signatures WHERE signature=?", -1, &q, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO signatures VALUES(?,?,?,?,?,?,?,?,1,?)", -1, &ins, NULL) ||
        sqlite3_prepare_v2(db, "UPDATE signatures SET last_seen=?, last_run=?, runs=runs+1, cores=cores+? "
                               "WHERE signature=?", -1, &upd, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO occurrences VALUES(?,?,?)", -1, &occ, NULL))
        goto fail;
    for (size_t gi = 0; gi < t->ngroups; gi++) {
        struct pc_triage_group *g = &t->groups[gi];
        const struct pc_triage_core *r = &t->cores[g->rep];
        struct pc_triage_history *h = &g->history;
        memset(h, 0, sizeof *h);
        sqlite3_bind_text(q, 1, r->sig, -1, SQLITE_STATIC);
        int s = sqlite3_step(q);
        if (s == SQLITE_ROW) {
            const unsigned char *first = sqlite3_column_text(q, 0);
            snprintf(h->first_seen, sizeof h->first_seen, "%s", first ? (const char *)first : "");
            h->runs = sqlite3_column_int64(q, 1);
            h->cores = sqlite3_column_int64(q, 2);
        }
        sqlite3_reset(q);
        if (s != SQLITE_ROW && s != SQLITE_DONE)
            goto fail;
        g->is_new = s == SQLITE_DONE;
        if (g->is_new) {
            snprintf(h->first_seen, sizeof h->first_seen, "%s", now);
            sqlite3_bind_text(ins, 1, r->sig, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, r->pattern, -1, SQLITE_STATIC);
            sqlite3_bind_int(ins, 3, r->hang);
            sqlite3_bind_text(ins, 4, r->frames, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, now, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 6, now, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 7, run_id);
            sqlite3_bind_int64(ins, 8, run_id);
            sqlite3_bind_int64(ins, 9, (sqlite3_int64)g->count);
            if (step_done(ins))
                goto fail;
        } else {
            sqlite3_bind_text(upd, 1, now, -1, SQLITE_STATIC);
            sqlite3_bind_int64(upd, 2, run_id);
            sqlite3_bind_int64(upd, 3, (sqlite3_int64)g->count);
            sqlite3_bind_text(upd, 4, r->sig, -1, SQLITE_STATIC);
            if (step_done(upd))
                goto fail;
        }
        snprintf(h->last_seen, sizeof h->last_seen, "%s", now);
        h->runs += 1;
        h->cores += (long long)g->count;
        h->present = 1;
        for (size_t k = 0; k < g->count; k++) {
            sqlite3_bind_int64(occ, 1, run_id);
            sqlite3_bind_text(occ, 2, r->sig, -1, SQLITE_STATIC);
            sqlite3_bind_text(occ, 3, t->cores[g->members[k]].path, -1, SQLITE_STATIC);
            if (step_done(occ))
                goto fail;
        }
    }
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    sqlite3_finalize(occ);
    q = ins = upd = occ = NULL;
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    in_tx = 0;
    t->baseline = 1;   /* the groups are marked new or known */
    if (sqlite3_close(db) != SQLITE_OK)
        return pc_fail(err, PC_E_INTERNAL, "--db %s: cannot close it", path);
    return PC_OK;
fail:;
    int code = sqlite3_errcode(db);
    char msg[300];
    snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    sqlite3_finalize(occ);
    for (size_t gi = 0; gi < t->ngroups; gi++) {
        t->groups[gi].is_new = -1;
        t->groups[gi].history.present = 0;
    }
    return db_fail(db, path, in_tx, code, msg, err);
}
