/* app.h: the explorer's state, without curses.
 *
 * What it owns.  struct app holds everything the screen shows that is not
 * a worker result: the current plan and the undo/redo history of every
 * plan edit, the table cursor and scroll position, group locks, the view
 * (channel heatmap or sensitivity grid), the focused panel, the help and
 * dialog state, the analytic projection of the current plan, the log line
 * and the unsaved-edits mark, and the log of every plan the worker measured
 * (plan_log.h: the history view).  It also holds one reference to the model
 * (worker_model_ref) and one to the latest worker snapshot; app_done
 * releases both.  The worker itself is BORROWED (app_init's argument) and
 * may be NULL (pure tests: settings and plan still change, no jobs run).
 *
 * Talking to the worker.  Every engine call goes through the worker:
 * plan edits call worker_set_plan (asynchronous) and, in the same call,
 * worker_model_project (pure, microseconds) so the projection in
 * app->proj is up to date before the frame is drawn; settings changes
 * (tau, method, sparsity, seed) call worker_set_settings; `a` asks for
 * WORKER_JOB_AUTO and app_snapshot_update adopts snapshot->scores.auto_plan
 * as ONE undoable edit when that job turns DONE (at once if the scores
 * are already current).  With align_auto (`--align auto`) the plan waits
 * until the staircase of each group it rectifies is measured (WIDTHS
 * jobs, one group after the other, through a->stairs) and each such group
 * keeps the widest width as fast as its count, as `reconvene prune --auto
 * --align auto` does; the log line tells the progress.  Plan files are read and written here (small JSON,
 * no BLAS); the export (which re-scores and builds the pruned net) is the
 * worker's EXPORT job (worker_export): cancellable, with its progress in
 * the snapshot, and app_snapshot_update logs its result.
 *
 * Keys.  app_key takes an ncurses key code: dialogs and the help overlay
 * get it first, otherwise keys_lookup (keys.h, the one binding table) maps
 * it to an action and app_action applies it.  Mouse clicks are translated
 * by the caller to app_row_select / app_scroll / app_action, so a click
 * does exactly what a key does.  Every function returns UI_* flags (htop):
 * HANDLED (consumed), REDRAW (draw a new frame), RELAYOUT (recompute the
 * layout first), QUIT, REPAINT (clear and redraw everything, Ctrl-L),
 * THEME (load the next theme), EXPORT (an export was asked for: started
 * on the worker, or only counted when no_write).
 *
 * Undo.  app->hist (history.h) holds keep-count vectors; hist.v[hist.pos]
 * is the current plan.  An edit is history_push (the redo branch is
 * dropped; at HISTORY_MAX entries the oldest); undo and redo move hist.pos
 * and re-send the plan.  Edits that change nothing are not recorded.
 *
 * Thread rules: UI thread only (the worker's rules).
 *
 *   struct app a;
 *   app_init(&a, w, model, &settings, &err);
 *   unsigned f = app_key(&a, getch());
 *   if (worker fired) f |= app_snapshot_update(&a);
 *   ... draw from a.snap and &a ...
 *   app_done(&a);
 */
#ifndef RECONVENE_APP_H
#define RECONVENE_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "explorer/history.h"
#include "explorer/keys.h"
#include "explorer/layout.h"
#include "explorer/plan_log.h"
#include "explorer/session_state.h"
#include "prune/plan.h"
#include "explorer/stairs.h"
#include "base/status.h"
#include "worker/worker.h"

/* Flags returned by every state change (htop style). */
#define UI_HANDLED 0x01u
#define UI_REDRAW 0x02u
#define UI_RELAYOUT 0x04u
#define UI_QUIT 0x08u
#define UI_REPAINT 0x10u
#define UI_THEME 0x20u
#define UI_EXPORT 0x40u

#define APP_INPUT_MAX 256
#define APP_LOG_MAX ENG_ERR_MAX
/* One keep step: this fraction of the group's channels (at least 1). */
#define APP_STEP_FRACTION 0.05
#define APP_TAU_STEP 0.05

enum app_focus {
	APP_FOCUS_TABLE,
	APP_FOCUS_HEAT,
	APP_FOCUS_PROJ,
	APP_FOCUS_COUNT
};

enum app_dialog {
	APP_DIALOG_NONE,
	APP_DIALOG_KEEP,     /* Enter: exact channel count */
	APP_DIALOG_METHOD,   /* m: PaI method picker */
	APP_DIALOG_SPARSITY, /* s: the 8 grid values or a typed one */
	APP_DIALOG_SAVE,     /* w: plan file path */
	APP_DIALOG_OPEN,     /* o: plan file path */
	APP_DIALOG_EXPORT,   /* e: export directory */
	APP_DIALOG_QUIT,     /* q with unsaved edits */
	APP_DIALOG_RESTORE,  /* start: restore the saved session? */
	APP_DIALOG_HISTORY,  /* X: the plan history's CSV / PNG path */
	APP_DIALOG_COUNT
};

enum app_log_level {
	APP_LOG_INFO,
	APP_LOG_WARN,
	APP_LOG_ERROR,
};

struct app_dialog_state {
	enum app_dialog kind;
	int choice;               /* pickers: highlighted item */
	char input[APP_INPUT_MAX];/* text fields (UTF-8 bytes, ASCII typed) */
	int input_len;
	bool fresh;               /* pre-filled: the first typed key replaces it */
	char error[APP_LOG_MAX];  /* last problem with the input, or "" */
};

/* One table row: a prunable (conv / linear) layer. */
struct app_row {
	int layer;                /* index in model->net */
	int group;                /* group of its output channels */
	bool prunable;            /* that group can be pruned */
	char shape[40];           /* "3→64 3x3 32²" (UTF-8) */
	char shape_ascii[40];     /* "3>64 3x3 32^2" */
};

struct app {
	struct worker *w;                 /* borrowed, may be NULL */
	const struct worker_model *model; /* reference held */
	const struct worker_snapshot *snap; /* reference held, never NULL
					     * once app_init succeeded */
	struct worker_settings settings;  /* what we last sent */
	struct prune_plan plan;           /* current plan */
	uint64_t plan_seq;                /* worker_set_plan's sequence */
	struct history hist;              /* undo and redo, owned */
	uint64_t saved_hash;              /* plan_hash at the last save/open */
	int n_rows;
	struct app_row *rows;             /* owned */
	bool *locked;                     /* owned, per group */
	int cursor, top;                  /* table row, first visible row */
	int visible;                      /* table rows on screen (layout) */
	enum layout_view view;
	enum app_focus focus;
	bool help;
	int help_top;                     /* first help line shown */
	int help_rows;                    /* help lines that fit (layout) */
	int help_total;                   /* help lines in all */
	struct app_dialog_state dlg;
	char export_dir[APP_INPUT_MAX];   /* the last export's directory */
	uint64_t export_req;              /* EXPORT request running, 0 = none */
	const struct render_style *export_style; /* borrowed: the export's
					   * heatmap colours (NULL: the
					   * renderer's default) */
	bool readonly;
	bool no_write;                    /* saves only pretend (the replay) */
	int writes_skipped;               /* saves no_write skipped (exports
					   * are counted by UI_EXPORT) */
	bool ascii;                       /* shape texts in ASCII */
	uint64_t auto_req;                /* AUTO request waiting, 0 = none */
	unsigned long auto_settled;       /* automatic plans adopted or failed */
	bool auto_defer;                  /* adopt only from a snapshot, even
					   * when the scores are current (the
					   * replay: the log says when) */
	struct worker_projection proj;    /* analytic, of plan */
	bool proj_valid;
	struct worker_projection step_proj; /* plan with the cursor's group
					     * one step smaller */
	bool step_valid;
	int step_channels;                /* channels that step removes, 0 */
	char log[APP_LOG_MAX];
	enum app_log_level log_level;
	unsigned long warn_seen;          /* snapshot warnings shown so far */
	bool ready;                       /* first scores snapshot arrived */
	int name_cols, shape_cols;        /* widest texts, for the layout */
	struct session_state *restore;    /* owned: the saved session the
					   * RESTORE dialog offers, or NULL */
	char restore_when[32];            /* its time, for the dialog */
	unsigned long restores;           /* sessions restored: the session
					   * file rewrites itself after one */
	struct stairs stairs;             /* owned: the staircases measured
					   * so far (stairs.h) */
	uint64_t widths_req;              /* WIDTHS request waiting, 0 = none */
	int widths_req_group;             /* the group it is for */
	bool align_auto;                  /* --align auto: a's plan keeps, in
					   * each rectified group, the widest
					   * measured width as fast (width_free) */
	bool auto_pending;                /* align_auto: pending_plan waits for
					   * its groups' staircases */
	struct prune_plan pending_plan;   /* owned when auto_pending */
	struct plan_log plans;            /* owned: every plan measured so far
					   * (the history view, v) */
	int log_cursor, log_top;          /* history view: selected entry, first
					   * entry shown */
	enum plan_log_axis axis;          /* history scatter's x axis (x) */
	bool probe;                       /* the group probe was asked for (G):
					   * the grid view shows its columns */
	bool present;                     /* presentation layout (P, --present:
					   * layout_state.present) */
};

/* Set up for model (a reference is taken) with settings s (sent to the
 * worker).  The plan keeps everything.  EINVAL/ENOMEM with err set. */
enum eng_status app_init(struct app *a, struct worker *w,
			 const struct worker_model *model,
			 const struct worker_settings *s, struct eng_err *err);
void app_done(struct app *a);

/* A key (ncurses code) as the user typed it. */
unsigned app_key(struct app *a, int key);
/* An action from the binding table (also footer clicks). */
unsigned app_action(struct app *a, enum ui_action act);
/* Take the latest snapshot (after the wake fd fired): adopts a finished
 * automatic plan, refreshes the projection's PaI counts, new warnings go
 * to the log line. */
unsigned app_snapshot_update(struct app *a);

/* Mouse helpers: select visible row i (from the top); scroll by n rows
 * (wheel), moving the cursor along. */
unsigned app_row_select(struct app *a, int visible_row);
unsigned app_scroll(struct app *a, int n);
/* The layout tells how many table rows and help lines fit; keeps the
 * cursor visible. */
void app_visible_set(struct app *a, int rows, int help_rows);

/* What the layout needs from the app (view, column widths, overlay), the
 * overlay size the open dialog wants (border included), and the layout
 * for a rows x cols terminal (app_visible_set applied). */
void app_layout_state(const struct app *a, struct layout_state *st);
void app_dialog_size(const struct app *a, int *rows, int *cols);
void app_layout(struct app *a, int rows, int cols, struct layout *lo);
/* Plan edits, also used by tests.  Each records one undo step when the
 * plan changed.  Return UI flags. */
unsigned app_keep_set(struct app *a, int group, int keep);
/* The keep count after n 5 % steps (negative: fewer) or n single channels
 * (one = true) from keep, clamped to [min_keep, channels]. */
int app_keep_step(int keep, int channels, int min_keep, int n, bool one);
/* Adopt plan p's keep counts for every unlocked group (one undo step). */
unsigned app_plan_adopt(struct app *a, const struct prune_plan *p,
			const char *why);

/* Save / open a plan file (JSON, reconvene.h). */
unsigned app_plan_save(struct app *a, const char *path);
unsigned app_plan_open(struct app *a, const char *path);

/* Saved sessions (session_state.h).  Capture: the state as a session
 * (st initialised here; session_state_done it; model, net and shape are
 * the caller's to fill).  Restore: adopt st's history (moved out of st),
 * locks, settings, cursor, view and saved mark; the plan becomes the
 * history's current entry.  Offer: open the RESTORE dialog for st (owned
 * by the app from here; y restores it, n or Esc drops it); when says
 * when the session was saved. */
enum eng_status app_session_capture(const struct app *a, struct session_state *st);
void app_session_view(const struct app *a, struct session_view *v);
unsigned app_session_restore(struct app *a, struct session_state *st);
void app_session_offer(struct app *a, struct session_state *st, const char *when);

/* Width-latency staircases.  app_widths_want: in the widths view, ask the
 * worker for the cursor group's staircase unless a->stairs has it or it
 * was asked for (cursor moves, v and snapshots call it).  app_width_snap:
 * f (faster false) keeps the widest width as fast as the current one, F
 * (faster true) the next measurably faster width: one undoable edit, or,
 * when the group has no staircase yet, a request to measure it. */
void app_widths_want(struct app *a);
unsigned app_width_snap(struct app *a, bool faster);

/* The plan history (plan_log.h).  app_history_restore: entry i's plan (an
 * undoable edit; locked groups too, as a plan file) and its settings.
 * app_history_export: PREFIX.csv and PREFIX.png (plan_log_export.h).
 * app_history_current: the entry of the current plan and settings, or -1. */
unsigned app_history_restore(struct app *a, int i);
unsigned app_history_export(struct app *a, const char *prefix);
int app_history_current(const struct app *a);
/* A baseline as the history shows it: v is WORKER_VARIANT_DENSE or
 * WORKER_VARIANT_PAI; the projection's params, bytes and MACs, and the
 * latency and quick-eval when the snapshot has them for the current state;
 * NaN where nothing is known. */
struct plan_log_figures app_history_baseline(const struct app *a, enum worker_variant v);

/* New settings s (method, sparsity, tau, seed ...), as m, s and r set
 * them; why goes to the log line.  Nothing happens when they are the
 * current ones. */
unsigned app_settings_set(struct app *a, const struct worker_settings *s, const char *why);
/* Drop a pending automatic plan (a's request): it will not be adopted
 * when it arrives (the tour's step back). */
void app_auto_forget(struct app *a);

/* Whether snapshot s is for the app's model (after a model change older
 * snapshots are still around): the one test every drawer and handler
 * asks.  app_snap: a->snap when it is ours, else NULL. */
bool app_snapshot_ours(const struct app *a, const struct worker_snapshot *s);
const struct worker_snapshot *app_snap(const struct app *a);

/* Whether there are edits since the last save or open. */
bool app_dirty(const struct app *a);
/* The group of the cursor's row (-1 when there are no rows). */
int app_cursor_group(const struct app *a);
/* Whether layer i belongs to group g (any role). */
bool app_layer_in_group(const struct app *a, int layer, int g);
/* Groups that can be pruned. */
int app_prunable_groups(const struct app *a);
/* The log line. */
void app_log(struct app *a, enum app_log_level lv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Texts: "0.9", "0.984375" (shortest round trip up to 8 digits). */
void app_format_sparsity(double s, char *buf, size_t len);
/* 14723456 -> "14.72M", 912 -> "912", with k/M/G. */
void app_format_count(double v, char *buf, size_t len);

#endif
