#include "config.h"

/* explore.c: `reconvene [MODEL] [options]`, the explorer: options,
 * settings, theme, dataset, model and worker set-up, the terminal's
 * life cycle (stderr parked while curses runs, restored on every exit
 * path), then the main loop (loop.c). */

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <curses.h>

#include "explorer/app.h"
#include "cli/numbers.h"
#include "cli/cli.h"
#include "cli/reconvene_opts.h"
#include "screen/colors.h"
#include "data/data.h"
#include "screen/draw.h"
#include "theme/glyphs.h"
#include "explorer/keylog.h"
#include "screen/loop.h"
#include "paths/model_path.h"
#include "nn/net.h"
#include "output/render.h"
#include "cli/render_style.h"
#include "cli/session.h"
#include "explorer/session_file.h"
#include "paths/xdg_dir.h"
#include "explorer/settings.h"
#include "theme/theme.h"
#include "worker/worker.h"

/* Last: term.h defines macros (lines, columns ...) that clash with
 * ordinary identifiers in our headers. */
#include <term.h>

static const char explore_usage[] =
	"usage: reconvene [MODEL] [--data DIR] [--method M] [--sparsity S] [--tau T]\n"
	"                 [--seed N] [--align N|auto] [--width RULE] [--theme NAME|FILE]\n"
	"                 [--themes-dir DIR] [--config FILE] [--no-color] [--ascii]\n"
	"                 [--no-mouse] [--present]\n"
	"                 [--readonly] [--no-cache] [--record FILE]\n"
	"                 [--restore | --no-restore] [--keep-init] [--eval-steps N]\n"
	"                 [--max-iterations N]\n"
	"\n"
	"The explorer: an interactive screen with per-layer PaI densities, channel\n"
	"heatmaps, a plan editor for structured pruning and live projections of\n"
	"parameters, MACs, latency and quick-eval accuracy (docs/explorer.md).\n"
	"It needs a terminal; without one use the batch commands (reconvene --help).\n"
	"\n"
	"MODEL is a model name (lenet5 vgg11 vgg16 vgg19 resnet20 resnet32 resnet56\n"
	"resnet18 mobilenetv2), a .cfg path or a .onnx path (docs/onnx.md); default:\n"
	"the config file's model, else " DEFAULT_MODEL ".\n"
	"\n"
	"  --data DIR          dataset directory (default $RECONVENE_DATA, else the\n"
	"                      Fashion-MNIST directory; synthetic data if missing)\n"
	"  --method M          PaI method: random magnitude snip grasp synflow\n"
	"  --sparsity S        PaI sparsity in [0, 1) (default 0.9)\n"
	"  --tau T             resilient threshold in [0, 1] (default 0.2)\n"
	"  --align N|auto      the automatic plan ('a') keeps multiples of N\n"
	"                      channels per rectified group (default 1: off), or\n"
	"                      (auto) the widest width as fast on each group's\n"
	"                      measured staircase (timed first; not with --record)\n"
	"  --width RULE        how many channels a rectified group keeps in the\n"
	"                      automatic plan: sqrt (default: ceil(sqrt(d) x c) where\n"
	"                      its input is cut too, else ceil(d x c)), density\n"
	"                      (ceil(d x c), the rule before issue 18) or nnz\n"
	"  --seed N            initialisation and random-score seed (default 1)\n"
	"  --theme NAME|FILE   colour theme (themes/*.theme; c cycles them)\n"
	"  --themes-dir DIR    look for themes here first\n"
	"  --config FILE       settings file (/dev/null: built-in defaults)\n"
	"  --no-color          monochrome, no colour escape codes (also NO_COLOR)\n"
	"  --ascii             ASCII glyphs only\n"
	"  --present           presentation layout for a projector: no shape column,\n"
	"                      two rows per layer bar, big headline figures, the\n"
	"                      high-contrast theme (unless --theme); P toggles it\n"
	"  --no-mouse          ignore the mouse\n"
	"  --readonly          disable saving and exporting (teaching demos)\n"
	"  --no-cache          keep results in memory only (no ~/.cache/reconvene)\n"
	"  --record FILE       log every key, resize and click to FILE, to replay\n"
	"                      the session in batch: reconvene replay FILE\n"
	"  --restore           restore the model's saved session without asking\n"
	"  --no-restore        start afresh without asking (the saved session is\n"
	"                      dropped at the first event); the default asks\n"
	"                      \"restore the session from <time>? y/n\" when the\n"
	"                      model has one ($XDG_STATE_HOME/reconvene, saved\n"
	"                      after every edit and on SIGHUP/SIGTERM)\n"
	"  --keep-init         the plan's model keeps its shrunk layers' initial\n"
	"                      weights instead of re-initialising them (as\n"
	"                      prune --keep-init)\n"
	"  --eval-steps N      quick-eval budget: N SGD steps of 32 images (default\n"
	"                      100; fewer is faster and a rougher estimate)\n"
	"  --max-iterations N  leave after N main-loop iterations (smoke tests)\n"
	"\n"
	"Keys: F1 or ? inside the explorer.  Exit status: 0 success, 1 runtime\n"
	"failure, 2 usage error or no terminal.\n";

struct explore_opts {
	const char *model;
	const char *data;
	const char *method;
	const char *sparsity;
	const char *tau;
	const char *seed;
	const char *align;
	const char *width;
	const char *theme;
	const char *themes_dir;
	const char *config;
	const char *max_iterations;
	const char *eval_steps;
	const char *record;
	bool no_color, ascii, no_mouse, readonly, no_cache, present, keep_init;
	int restore;   /* 1 --restore, -1 --no-restore, 0 ask */
};

/* ---- terminal life cycle ------------------------------------------------ */

static volatile sig_atomic_t explore_curses_on;
static int explore_err_fd = -1;   /* where stderr goes while curses runs */
static int explore_err_saved = -1; /* the real stderr */

/* Park stderr in a memfd (or a temp file) so that OpenBLAS or engine
 * output never tears the screen (htop's redirectStderr). */
static void explore_stderr_park(void)
{
	int fd = -1;
#ifdef MFD_CLOEXEC
	fd = memfd_create("reconvene-stderr", MFD_CLOEXEC);
#endif
	if (fd < 0) {
		FILE *f = tmpfile();
		if (f)
			fd = dup(fileno(f));
		if (f)
			fclose(f);
	}
	if (fd < 0)
		return;
	fflush(stderr);
	explore_err_saved = dup(STDERR_FILENO);
	if (explore_err_saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
		close(fd);
		return;
	}
	explore_err_fd = fd;
}

/* Put stderr back and replay what was written meanwhile.  Only
 * async-signal-safe calls: also used from the crash handler. */
static void explore_stderr_restore(void)
{
	if (explore_err_fd < 0)
		return;
	dup2(explore_err_saved, STDERR_FILENO);
	close(explore_err_saved);
	explore_err_saved = -1;
	char buf[4096];
	ssize_t n;
	lseek(explore_err_fd, 0, SEEK_SET);
	while ((n = read(explore_err_fd, buf, sizeof buf)) > 0)
		if (write(STDERR_FILENO, buf, (size_t)n) < 0)
			break;
	close(explore_err_fd);
	explore_err_fd = -1;
}

static void explore_terminal_restore(void)
{
	if (explore_curses_on) {
		explore_curses_on = 0;
		endwin();
	}
	explore_stderr_restore();
}

/* A crash must not leave the terminal in raw mode (htop's
 * CRT_handleSIGSEGV): restore, then die of the same signal. */
static void explore_on_crash(int sig)
{
	explore_terminal_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void explore_crash_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGILL };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = explore_on_crash;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = (int)SA_RESETHAND;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ---- themes ------------------------------------------------------------- */

struct explore_theme {
	struct theme_paths paths;
	char names[THEME_LIST_MAX * 4][THEME_NAME_MAX];
	int n;
	char current[SETTINGS_VALUE_MAX];
	enum theme_tier tier;
	struct app *app;
	char warn[ENG_ERR_MAX];
	int n_warn;
};

static void explore_theme_warn(void *user, const char *msg)
{
	struct explore_theme *t = user;
	if (t->n_warn++ == 0)
		snprintf(t->warn, sizeof t->warn, "%s", msg);
}

/* Load name, resolve it for the tier and hand it to curses. */
static bool explore_theme_apply(struct explore_theme *t, const char *name,
				char *why, size_t why_len)
{
	struct theme th;
	theme_init_default(&th);
	struct theme_load_opts o = { .paths = &t->paths,
				     .warn = { explore_theme_warn, t } };
	struct eng_err err = { { 0 } };
	if (theme_load(&th, name, &o, &err) != ENG_STATUS_OK) {
		snprintf(why, why_len, "%s", err.msg);
		return false;
	}
	struct theme_resolved r;
	theme_resolve(&th, t->tier, 16, &r);
	colors_theme_set(&r);
	snprintf(t->current, sizeof t->current, "%s", name);
	return true;
}

static const char *explore_theme_next(void *user)
{
	struct explore_theme *t = user;
	if (t->n <= 0)
		return t->current;
	int i = 0;
	for (int k = 0; k < t->n; k++)
		if (strcmp(t->names[k], t->current) == 0)
			i = k + 1;
	char why[ENG_ERR_MAX];
	for (int tries = 0; tries < t->n; tries++, i++) {
		const char *name = t->names[i % t->n];
		t->n_warn = 0;
		if (explore_theme_apply(t, name, why, sizeof why)) {
			if (t->n_warn)
				app_log(t->app, APP_LOG_WARN, "%s", t->warn);
			else
				app_log(t->app, APP_LOG_INFO, "theme %s%s", name,
					t->tier == THEME_TIER_MONO ? " (monochrome terminal)" : "");
			return t->current;
		}
		app_log(t->app, APP_LOG_WARN, "%s", why);
	}
	return t->current;
}

/* ---- options ------------------------------------------------------------ */

static int explore_parse(int argc, char **argv, struct explore_opts *o)
{
	static const struct cli_valued valued[] = {
		{ "--data", offsetof(struct explore_opts, data) },
		{ "--method", offsetof(struct explore_opts, method) },
		{ "--sparsity", offsetof(struct explore_opts, sparsity) },
		{ "--tau", offsetof(struct explore_opts, tau) },
		{ "--seed", offsetof(struct explore_opts, seed) },
		{ "--align", offsetof(struct explore_opts, align) },
		{ "--width", offsetof(struct explore_opts, width) },
		{ "--theme", offsetof(struct explore_opts, theme) },
		{ "--themes-dir", offsetof(struct explore_opts, themes_dir) },
		{ "--config", offsetof(struct explore_opts, config) },
		{ "--max-iterations", offsetof(struct explore_opts, max_iterations) },
		{ "--eval-steps", offsetof(struct explore_opts, eval_steps) },
		{ "--record", offsetof(struct explore_opts, record) },
	};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			fputs(explore_usage, stdout);
			return -1;
		}
		if (!strcmp(arg, "--no-color") || !strcmp(arg, "--no-colour")) {
			o->no_color = true;
			continue;
		}
		if (!strcmp(arg, "--ascii")) {
			o->ascii = true;
			continue;
		}
		if (!strcmp(arg, "--no-mouse")) {
			o->no_mouse = true;
			continue;
		}
		if (!strcmp(arg, "--present")) {
			o->present = true;
			continue;
		}
		if (!strcmp(arg, "--keep-init")) {
			o->keep_init = true;
			continue;
		}
		if (!strcmp(arg, "--readonly")) {
			o->readonly = true;
			continue;
		}
		if (!strcmp(arg, "--no-cache")) {
			o->no_cache = true;
			continue;
		}
		if (!strcmp(arg, "--restore") || !strcmp(arg, "--no-restore")) {
			int r = arg[2] == 'r' ? 1 : -1;
			if (o->restore && o->restore != r)
				return cli_usage_error(NULL, "--restore and --no-restore "
						       "contradict each other");
			o->restore = r;
			continue;
		}
		int took = cli_valued_take(NULL, valued, sizeof valued / sizeof valued[0],
					   o, argc, argv, &i);
		if (took == 1)
			continue;
		if (took != 0)
			return took;
		if (arg[0] == '-' && arg[1])
			return cli_usage_error(NULL, "unknown option '%s'", arg);
		if (o->model)
			return cli_usage_error(NULL, "more than one model ('%s', '%s')",
					       o->model, arg);
		o->model = arg;
	}
	return 0;
}

/* ---- saved sessions ----------------------------------------------------- */

/* The model's saved session: set up, and what to do with one found on
 * disk (restore > 0: restore it; < 0: start afresh; 0: ask).  Problems go
 * to the log line; NULL when sessions cannot be saved at all. */
static struct session_file *explore_session_open(struct session_file *sf,
						 const char *model, struct app *a,
						 int restore)
{
	char dir[1024];
	struct eng_err err = { { 0 } };
	if (state_dir_resolve(dir, sizeof dir, &err) != ENG_STATUS_OK ||
	    session_file_init(sf, dir, model, a, &err) != ENG_STATUS_OK) {
		app_log(a, APP_LOG_WARN, "%s; the session is not saved", err.msg);
		return NULL;
	}
	if (restore < 0)
		return sf;
	struct session_state *st = NULL;
	char when[32];
	enum eng_status rc = session_file_load(sf, a, &st, when, sizeof when, &err);
	if (rc == ENG_STATUS_OK && restore > 0) {
		app_session_restore(a, st);
		session_state_done(st);
		free(st);
	} else if (rc == ENG_STATUS_OK) {
		app_session_offer(a, st, when);
	} else if (rc != ENG_STATUS_ENOENT) {
		app_log(a, APP_LOG_WARN, "session ignored: %s", err.msg);
	}
	return sf;
}

/* ---- entry -------------------------------------------------------------- */

int cmd_explore(int argc, char **argv)
{
	return explore_run(argc, argv, NULL);
}

int explore_run(int argc, char **argv, struct tour *tour)
{
	struct explore_opts o;
	memset(&o, 0, sizeof o);
	int rc = explore_parse(argc, argv, &o);
	if (rc < 0)
		return CLI_EXIT_OK;
	if (rc > 0)
		return rc;
	/* A tour starts from the fresh model its captions describe. */
	if (tour && o.restore > 0)
		return cli_usage_error("tour", "--restore: a tour starts from a fresh explorer");
	if (tour)
		o.restore = -1;
	/* A recording must replay from its header alone. */
	if (o.record && o.restore > 0)
		return cli_usage_error(NULL, "--restore and --record: a recording starts "
				       "from a fresh explorer (docs/replay.md)");

	setlocale(LC_ALL, "");
	/* Settings: file first, then the command line on top. */
	struct settings cfg, cfg_loaded;
	struct settings_warnings sw = { 0 };
	settings_defaults(&cfg);
	char cfg_path[SETTINGS_PATH_MAX];
	bool have_cfg_path = settings_path_resolve(o.config, cfg_path,
						   sizeof cfg_path) == 0;
	if (have_cfg_path)
		settings_load(cfg_path, &cfg, &sw);
	cfg_loaded = cfg;

	struct worker_settings ws;
	worker_settings_default(&ws);
	ws.method = cfg.method;
	ws.sparsity = cfg.sparsity;
	ws.tau = cfg.tau;
	ws.seed = cfg.seed;
	bool align_auto = false;
	if ((rc = cli_settings_apply(NULL, o.method, o.sparsity, o.tau, o.seed, o.align, o.width, &ws,
				     &align_auto)) != CLI_EXIT_OK ||
	    (rc = cli_eval_steps_apply(NULL, o.eval_steps, &ws)) != CLI_EXIT_OK)
		return rc;
	ws.keep_init = o.keep_init;
	/* A recording replays without measuring; aligned plans need it. */
	if (align_auto && o.record)
		return cli_usage_error(NULL, "--align auto cannot be recorded (a replay must not "
				       "depend on measured latencies); give --align N");
	long max_iter = 0;
	if (o.max_iterations &&
	    cli_parse_long(o.max_iterations, 1, 1L << 40, &max_iter) != 0)
		return cli_usage_error(NULL, "--max-iterations: a whole number >= 1");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr,
			"reconvene: the explorer needs a terminal (stdin and stdout are not "
			"both a tty).\n"
			"reconvene: for scripts use the batch commands: reconvene info | score "
			"| prune | eval | bench | replay ... (reconvene --help)\n");
		return CLI_EXIT_USAGE;
	}

	/* Which jobs the worker runs on its own.  For golden-screen tests,
	 * RECONVENE_TUI_JOBS=scores leaves out the measured (timing-dependent)
	 * ones. */
	unsigned auto_jobs = WORKER_JOB_BIT(WORKER_JOB_SCORES) |
			     WORKER_JOB_BIT(WORKER_JOB_LATENCY) |
			     WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL);
	const char *jobs = getenv("RECONVENE_TUI_JOBS");
	if (jobs && *jobs) {
		auto_jobs = 0;
		for (int j = 0; j < WORKER_JOB_COUNT; j++)
			if (strstr(jobs, worker_job_name((enum worker_job)j)))
				auto_jobs |= WORKER_JOB_BIT(j);
	}
	/* Dataset, model, worker and app, before curses: failures print
	 * plainly.  From here on every exit goes through `out`. */
	const char *model_name = o.model ? o.model : (cfg.model[0] ? cfg.model
								   : DEFAULT_MODEL);
	struct session ses;
	struct app *app = &ses.app;
	struct session_file sfile_store;
	memset(&sfile_store, 0, sizeof sfile_store);
	sfile_store.fd = sfile_store.lock_fd = -1;
	FILE *record = NULL;
	char why[ENG_ERR_MAX];
	rc = session_open(&ses, model_name, o.data, auto_jobs, !o.no_cache, &ws);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = CLI_EXIT_FAILURE;
	app->readonly = o.readonly;
	app->align_auto = align_auto;
	app->present = o.present;
	if (ses.ds.synthetic)
		app_log(app, APP_LOG_WARN,
			"dataset: SYNTHETIC (no Fashion-MNIST found; --data DIR): "
			"accuracies say nothing about real images");
	for (int i = 0; i < sw.n; i++)
		app_log(app, APP_LOG_WARN, "%s", sw.msg[i]);
	struct session_file *sfile = explore_session_open(&sfile_store, model_name, app,
							  o.record ? -1 : o.restore);

	/* Glyphs, theme, terminal. */
	const char *term = getenv("TERM");
	bool ascii = o.ascii || cfg.ascii;
	glyphs_use_utf8(glyphs_want_utf8(nl_langinfo(CODESET), ascii, term));
	app->ascii = !glyphs_utf8();

	static struct explore_theme th;
	memset(&th, 0, sizeof th);
	th.app = app;
	theme_paths_init(&th.paths, o.themes_dir);
	th.n = theme_list(&th.paths, th.names, (int)(sizeof th.names / sizeof th.names[0]));
	const char *theme_name = o.theme ? o.theme
			       : o.present ? "high-contrast"
			       : (strcmp(cfg.theme, "default") != 0 ? cfg.theme
								    : theme_default_name(term));

	/* The key log, before curses: a failure prints plainly. */
	if (o.record && !(record = fopen(o.record, "w"))) {
		cli_error("--record %s: %s", o.record, strerror(errno));
		goto out;
	}

	loop_signals_install();
	explore_crash_handlers();
	atexit(explore_terminal_restore);
	explore_stderr_park();
	if (!initscr()) {
		explore_stderr_restore();
		cli_error("cannot initialise the terminal (TERM=%s)", term ? term : "");
		goto out;
	}
	explore_curses_on = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	/* tmux and screen send Home/End as ESC[1~ / ESC[4~ whatever TERM says;
	 * without these an xterm terminfo would read them as a lone Esc. */
	define_key("\033[1~", KEY_HOME);
	define_key("\033[4~", KEY_END);
	curs_set(0);
	bool mouse = !o.no_mouse && cfg.mouse;
	if (mouse) {
		mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
			  | BUTTON5_PRESSED
#endif
			  , NULL);
		mouseinterval(0);
	}
	/* COLORS is only set by start_color(), which mono must not call: ask
	 * terminfo directly. */
	int ncolors = tigetnum("colors");
	th.tier = theme_tier_detect(getenv("NO_COLOR"), o.no_color, has_colors(),
				    ncolors > 0 ? ncolors : 0, tigetflag("RGB"));
	colors_setup(th.tier);
	th.tier = colors_tier();
	if (!explore_theme_apply(&th, theme_name, why, sizeof why)) {
		app_log(app, APP_LOG_WARN, "%s (using the default theme)", why);
		explore_theme_apply(&th, "default", why, sizeof why);
	} else if (th.n_warn) {
		app_log(app, APP_LOG_WARN, "%s%s", th.warn,
			th.n_warn > 1 ? " (and more)" : "");
	}

	FILE *timing = NULL;
	const char *tpath = getenv("RECONVENE_TUI_TIMING");
	if (tpath && *tpath)
		timing = fopen(tpath, "a");

	struct loop l;
	memset(&l, 0, sizeof l);
	if (record) {
		struct keylog_header *h = &l.record_head;
		h->has_model = h->has_settings = h->has_size = true;
		snprintf(h->model, sizeof h->model, "%s", model_name);
		snprintf(h->method, sizeof h->method, "%s", score_method_name(ws.method));
		h->sparsity = ws.sparsity;
		h->tau = ws.tau;
		h->seed = (unsigned long long)ws.seed;
		h->align = ws.align;
		h->width = (int)ws.width;
		h->cols = COLS;
		h->rows = LINES;
		if (o.data && strlen(o.data) < sizeof h->data) {
			h->has_data = true;
			snprintf(h->data, sizeof h->data, "%s", o.data);
		}
		l.record = record;
	}
	/* The export's heatmap.png in the colours `reconvene prune` uses. */
	struct render_style export_style;
	if (cli_render_style(NULL, &export_style) == CLI_EXIT_OK)
		app->export_style = &export_style;
	l.app = app;
	l.w = ses.w;
	l.dataset_name = ses.ds.synthetic ? "synthetic" : ses.ds.name;
	l.ascii = app->ascii;
	l.mouse = mouse;
	l.max_iterations = max_iter;
	l.timing = timing;
	l.theme_next = explore_theme_next;
	l.user = &th;
	l.theme_name = th.current;
	l.session = sfile;
	l.tour = tour;
	loop_run(&l);

	/* Before the terminal: after a hang-up it is gone, and the session
	 * is what the user will want back. */
	if (sfile) {
		struct eng_err serr = { { 0 } };
		if (l.end == LOOP_END_QUIT)
			session_file_discard(sfile);
		else if (session_file_save(sfile, app, &serr) != ENG_STATUS_OK)
			fprintf(stderr, "reconvene: warning: %s; the session is not saved\n",
				serr.msg);
	}
	explore_terminal_restore();
	if (timing)
		fclose(timing);
	if (record && fclose(record) != 0)
		fprintf(stderr, "reconvene: warning: --record %s: %s\n", o.record,
			strerror(errno));
	record = NULL;

	/* Settings changed in the explorer are remembered; command-line
	 * overrides are not. */
	struct settings out = cfg_loaded;
	if (strcmp(th.current, theme_name) != 0)
		snprintf(out.theme, sizeof out.theme, "%s", th.current);
	if (app->settings.method != ws.method)
		out.method = app->settings.method;
	if (app->settings.sparsity != ws.sparsity)
		out.sparsity = app->settings.sparsity;
	if (app->settings.tau != ws.tau)
		out.tau = app->settings.tau;
	if (app->settings.seed != ws.seed)
		out.seed = app->settings.seed;
	char t1[8192], t2[8192];
	int n1 = settings_format(&cfg_loaded, t1, sizeof t1);
	int n2 = settings_format(&out, t2, sizeof t2);
	if (have_cfg_path && n1 >= 0 && n2 >= 0 && strcmp(t1, t2) != 0) {
		struct eng_err serr = { { 0 } };
		if (settings_save(cfg_path, &out, &serr) != ENG_STATUS_OK)
			fprintf(stderr, "reconvene: warning: %s\n", serr.msg);
	}
	if (l.end == LOOP_END_HANGUP)
		fprintf(stderr, "reconvene: the terminal hung up%s\n",
			sfile ? "; the session is saved" : "");
	else if (loop_sig_quit)
		fprintf(stderr, "reconvene: interrupted%s\n",
			sfile ? "; the session is saved" : "");
	rc = CLI_EXIT_OK;
out:
	if (record)
		fclose(record);
	session_file_done(&sfile_store);
	session_close(&ses);
	draw_free();
	return rc;
}
