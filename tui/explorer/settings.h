/* settings.h: the explorer's settings file (the "config file" of the
 * docs; the module is not called config because a tui/config.h would
 * shadow autoconf's config.h for every .c file in tui/).
 *
 * Where (first that applies): --config FILE; $RECONVENE_CONFIG;
 * $XDG_CONFIG_HOME/reconvene/config (XDG_CONFIG_HOME must be absolute);
 * $HOME/.config/reconvene/config.  "/dev/null" (any path that is not a
 * regular file) means the built-in defaults and is never written: every
 * test uses --config /dev/null.
 *
 * Format (engine/ini.h tokenizer; docs/keys.md lists the keys):
 *   # comment
 *   version = 1
 *   min_reader_version = 1
 *   theme = default
 *   model = resnet20
 *   mouse = yes
 *   ascii = no
 *   method = synflow
 *   sparsity = 0.9
 *   tau = 0.2
 *   seed = 1
 * Problems never stop the program: an unknown key, a bad value or a
 * malformed line adds one warning "FILE:LINE: ..." and that setting keeps
 * its default; a file whose min_reader_version is newer than this reader
 * is ignored as a whole (one warning).
 *
 * Owns: struct settings is plain data; struct settings_warnings holds copies
 * of the messages.  Nothing on the heap survives a call.
 * Thread rules: no global state (the environment is read, not written).
 *
 *   struct settings c; struct settings_warnings w;
 *   char path[SETTINGS_PATH_MAX];
 *   settings_defaults(&c);
 *   if (settings_path_resolve(opt_config, path, sizeof(path)) == 0)
 *       settings_load(path, &c, &w);           // then show w.msg[0..n)
 *   snprintf(c.theme, sizeof(c.theme), "nord");
 *   if (settings_save(path, &c, &err) != ENG_STATUS_OK) log_warn(err.msg);
 */
#ifndef RECONVENE_SETTINGS_H
#define RECONVENE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "score/score.h"
#include "base/status.h"

/* This reader understands files with min_reader_version <= 1; it writes
 * version 1. */
#define SETTINGS_VERSION 1
#define SETTINGS_VALUE_MAX 256
#define SETTINGS_PATH_MAX 4096
#define SETTINGS_WARN_MAX 8
/* Larger files are not settings files; refuse rather than parse. */
#define SETTINGS_FILE_MAX (64 * 1024)

struct settings {
	char theme[SETTINGS_VALUE_MAX]; /* theme name or file, default "default" */
	char model[SETTINGS_VALUE_MAX]; /* default model name or path */
	bool mouse;                   /* default yes */
	bool ascii;                   /* force ASCII glyphs; default no (the
				       * locale still decides) */
	enum score_method method;     /* default synflow */
	double sparsity;              /* [0, 1), default 0.9 */
	double tau;                   /* [0, 1], default 0.2 */
	uint64_t seed;                /* default 1 */
};

struct settings_warnings {
	int n;                                /* messages in msg[] */
	int dropped;                          /* more that did not fit */
	char msg[SETTINGS_WARN_MAX][ENG_ERR_MAX]; /* "path:line: problem" */
};

/* The built-in defaults (those of `reconvene prune`). */
void settings_defaults(struct settings *c);

/* The config file's path per the order above; explicit is --config (or
 * NULL).  Returns 0, or -1 when no location can be formed (no HOME): run
 * without persistence. */
int settings_path_resolve(const char *explicit_path, char *path, size_t len);

/* Read path into c (which should hold the defaults).  Every problem adds
 * to w (cleared first).  Returns ENG_STATUS_OK when the file was read
 * (maybe with warnings); ENG_STATUS_ENOENT when it does not exist or is
 * not a regular file (no warning: defaults); ENG_STATUS_EIO when it could
 * not be read and ENG_STATUS_EINVAL when it was refused as too new or too
 * large (one warning each, c keeps the defaults). */
enum eng_status settings_load(const char *path, struct settings *c,
			    struct settings_warnings *w);

/* Parse len bytes of text; path names it in warnings.  Same results as
 * settings_load for text that was read. */
enum eng_status settings_parse(const char *text, size_t len, const char *path,
			     struct settings *c, struct settings_warnings *w);

/* The file's text for c (version lines first).  Returns the length that
 * the full text needs, like snprintf; -1 when a value cannot be written
 * (a newline, or both '"' and '#', in theme or model). */
int settings_format(const struct settings *c, char *buf, size_t size);

/* Write c to path atomically (fileio_write_atomic), creating missing
 * directories (mode 0700).  A path that exists but is not a regular file
 * (/dev/null) is left alone: ENG_STATUS_OK, nothing written.  On failure
 * returns ENG_STATUS_EIO (or EINVAL, ENOENT) with a one-line warning in
 * err; nothing is half-written. */
enum eng_status settings_save(const char *path, const struct settings *c,
			    struct eng_err *err);

/* The directory holding the default config and user themes:
 * $XDG_CONFIG_HOME/reconvene or $HOME/.config/reconvene.  Returns 0 or -1. */
int settings_dir_resolve(char *dir, size_t len);

#endif
