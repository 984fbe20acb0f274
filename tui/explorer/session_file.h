/* session_file.h: the explorer's saved session on disk, so that a
 * dropped SSH connection (SIGHUP), a SIGTERM or a kill -9 loses at most
 * the edit being written (docs/explorer.md, "Sessions").
 *
 * One file per model: DIR/<net>-<shape>.session (DIR from
 * state_dir_resolve, $XDG_STATE_HOME/reconvene; shape is
 * session_state_shape in hex), in session_state.h's journal format.
 *
 * When it is written:
 *   - session_file_sync after every input event: nothing until there is
 *     something worth restoring (an edit or a lock); then one full write
 *     (fileio_write_atomic: temp file, fsync, rename) and, from then on,
 *     only the records of what changed, appended with one write(2) on an
 *     O_APPEND descriptor (no fsync: the kernel has them the moment write
 *     returns, so a killed process loses nothing; a machine crash may
 *     lose what came after the last full write).  The cursor and view
 *     ride along with the next record rather than costing a write of
 *     their own.  When the appended records outgrow the last full write
 *     (and 256 KiB), a full write replaces them.
 *   - session_file_save: a full write now (SIGHUP, SIGTERM, SIGINT).
 *   - session_file_discard: the user quit (q): the file is removed.
 * Nothing is written while the RESTORE dialog waits for its answer (the
 * file it offers must survive until then); after "n" the old file is
 * removed at the next sync.
 *
 * A second explorer on the same model would interleave its records with
 * the first's: each file has a lock (flock on DIR/<name>.lock, released
 * by the kernel however the process ends), and an explorer that cannot
 * take it neither offers nor saves a session (session_file_init: EBUSY
 * is reported as ENG_STATUS_EIO with a message).
 *
 * Owns: struct session_file owns its descriptors and buffers
 * (session_file_init / session_file_done; done closes, it does not save).
 * The app is BORROWED by each call.  Thread rules: the UI thread.
 *
 *   struct session_file sf;
 *   if (session_file_init(&sf, dir, "resnet20", &app, &err) == ENG_STATUS_OK) {
 *       struct session_state *st; char when[32];
 *       if (session_file_load(&sf, &app, &st, when, sizeof when, &err) == OK)
 *           app_session_offer(&app, st, when);
 *       ... after each event: session_file_sync(&sf, &app, &err) ...
 *       ... on SIGHUP: session_file_save(&sf, &app, &err) ...
 *       session_file_done(&sf);
 *   }
 */
#ifndef RECONVENE_SESSION_FILE_H
#define RECONVENE_SESSION_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "explorer/app.h"
#include "explorer/session_state.h"
#include "base/status.h"

/* Appended bytes that are always tolerated before a full rewrite. */
#define SESSION_FILE_APPEND_MIN ((size_t)256 << 10)

struct session_file {
	char dir[2048];
	char path[2304];             /* DIR/<net>-<shape>.session */
	char model[256];             /* as named on the command line */
	int fd;                      /* O_APPEND, -1 before the first write */
	int lock_fd;                 /* the flock'd DIR/<name>.lock */
	bool old_present;            /* a file from before is there, not
				      * yet replaced or removed */
	bool failed;                 /* a write failed: no more tries */
	/* What the file says so far. */
	unsigned long pushes, restores;
	unsigned long log_changes;   /* app->log.changes written */
	int pos, n_groups;
	bool *locked;                /* owned, n_groups */
	struct worker_settings settings;
	struct session_view view;
	uint64_t saved_hash;
	size_t base, appended;       /* bytes of the last full write; since */
	char *buf;                   /* owned: records of one sync */
	size_t buf_cap, line_cap;
	unsigned long writes;        /* append writes so far (tests) */
};

/* Set up for the app's model in dir (created 0700 when missing) and take
 * the model's lock.  EIO/EINVAL/ENOMEM with a one-line message in err:
 * the explorer then runs without sessions (session_file_done is still
 * safe). */
enum eng_status session_file_init(struct session_file *sf, const char *dir,
				  const char *model, const struct app *a,
				  struct eng_err *err);
void session_file_done(struct session_file *sf);

/* The session on disk: OK with *st (malloc'd, the caller owns it:
 * session_state_done + free, or app_session_offer) and when ("YYYY-MM-DD
 * HH:MM", the file's time); ENOENT when there is none or nothing in it is
 * worth restoring; EINVAL (corrupt, another version, another model) or EIO
 * with "path:line: what" in err: ignore it, it is replaced at the first
 * edit. */
enum eng_status session_file_load(struct session_file *sf, const struct app *a,
				  struct session_state **st, char *when, size_t when_len,
				  struct eng_err *err);

/* After an input event: record what changed (see above).  A failure is
 * reported once (err), after which the file is left alone. */
enum eng_status session_file_sync(struct session_file *sf, const struct app *a,
				  struct eng_err *err);
/* A full atomic write now, when there is anything worth restoring. */
enum eng_status session_file_save(struct session_file *sf, const struct app *a,
				  struct eng_err *err);
/* Remove the file (the user quit on purpose). */
void session_file_discard(struct session_file *sf);

#endif
