/* ini.h: the one INI tokenizer shared by model cfgs, colour themes and the
 * config file.
 *
 * Syntax (docs/cfg-format.md has the full description):
 *   - lines end in "\n" or "\r\n"; at most INI_LINE_MAX bytes each, not
 *     counting the line end; a UTF-8 byte order mark at the start is skipped;
 *   - blank lines and lines whose first non-blank character is '#' are
 *     comments;
 *   - "[section]" starts a section (blanks inside the brackets are trimmed);
 *   - "key = value": keys are [A-Za-z0-9_.@-]+, blanks around '=' are free;
 *   - a value is either plain text, trimmed, or one double-quoted string
 *     taken verbatim (no escapes) with the quotes removed;
 *   - after a value, " # text" is a comment.  In a plain value '#' starts a
 *     comment only when blank (or the '=') precedes it and a blank or the
 *     line end follows it, so colour values such as "#7aa2f7" and
 *     "$sky #3b3f51" stay values.  Any '#' after a closing quote or a ']'
 *     starts a comment.
 * Malformed lines (no '=', an unterminated '[' or quote, a stray quote, an
 * empty or invalid key or section name, a NUL byte, a line over
 * INI_LINE_MAX) are reported as INI_EVENT_ERROR with a one-line message.
 *
 * Owns: nothing on the heap.  The text need not be NUL-terminated and is
 * never read past len.  The strings in an event point into the parser's
 * bounded buffers and are valid only during the callback.
 *
 * Thread rules: reentrant; no global state.
 *
 *   static enum eng_status on_event(void *user, const struct ini_event *ev,
 *                                   struct eng_err *err) { ...; return ENG_STATUS_OK; }
 *   st = ini_parse(text, len, "themes/x.theme", on_event, &state, &err);
 */
#ifndef RECONVENE_INI_H
#define RECONVENE_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

/* Longest accepted line in bytes, without the line end. */
#define INI_LINE_MAX 4096

enum ini_event_kind {
	INI_EVENT_SECTION, /* "[name]": section is the new name */
	INI_EVENT_KEY,     /* "key = value" inside section ("" before any) */
	INI_EVENT_ERROR,   /* a malformed line; message says why */
	INI_EVENT_END,     /* end of text; line is the last line's number */
};

struct ini_event {
	enum ini_event_kind kind;
	int line;            /* 1-based line number */
	const char *section; /* current section name, "" before the first */
	const char *key;     /* INI_EVENT_KEY only, else NULL */
	const char *value;   /* INI_EVENT_KEY only (may be ""), else NULL */
	const char *message; /* INI_EVENT_ERROR only, e.g. "missing '='" */
};

/* Called once per event.  Returning ENG_STATUS_OK continues (for an error
 * event: skips the bad line, for consumers that only warn).  Any other
 * status stops the parse and ini_parse returns it; for a key, section or
 * end event the callback fills err itself, for an error event ini_parse
 * fills err with "path:line: message". */
typedef enum eng_status (*ini_event_fn)(void *user, const struct ini_event *ev,
					struct eng_err *err);

/* Tokenise len bytes of text; path only names the source in messages.
 * Returns ENG_STATUS_OK after INI_EVENT_END was delivered and accepted. */
enum eng_status ini_parse(const char *text, size_t len, const char *path,
			  ini_event_fn fn, void *user, struct eng_err *err);

/* The blanks ini_parse trims around keys and unquoted values (space, tab,
 * CR, VT, FF): a writer must quote a value that starts or ends with one. */
bool ini_char_blank(char c);

#endif
