/* fuzz_tour: libFuzzer target for tour scripts (tui/explorer/tour_script.c)
 * and the caption wrapper (tui/explorer/tour.c).
 *
 * Every input either fails cleanly (EINVAL or ENOMEM with a "f:" message
 * of one line) or parses into 1..64 steps, each with a title, a text, at
 * most 16 keys and a known panel, whose every {value} is a known name;
 * wrapping each text at a few widths gives lines no wider than asked that
 * hold every non-blank byte of the text in order.  Anything else aborts.
 *
 *   ./fuzz/fuzz_tour -max_total_time=600 fuzz/corpus/tour tests/fuzz/corpus/tour
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/tour.h"
#include "explorer/tour_script.h"
#include "fuzz/fuzz_util.h"

static void fuzz_wrap(const char *text, int cols)
{
	static struct tour_span lines[4096];
	int n = tour_wrap(text, cols, lines, 4096);
	fuzz_check(n >= 0, "line count");
	if (n > 4096)
		return;
	size_t at = 0;
	for (int i = 0; i < n; i++) {
		int w = 0;
		fuzz_check(lines[i].start >= 0 && lines[i].len >= 0 &&
			   (size_t)(lines[i].start + lines[i].len) <= strlen(text), "span inside");
		for (int k = 0; k < lines[i].len; k++) {
			unsigned char c = (unsigned char)text[lines[i].start + k];
			w += (c & 0xC0) != 0x80;
			if (c == ' ')
				continue;
			while (text[at] == ' ' || text[at] == '\n')
				at++;
			fuzz_check(text[at] == (char)c, "bytes in order");
			at++;
		}
		fuzz_check(w <= cols, "line fits");
	}
	while (text[at] == ' ' || text[at] == '\n')
		at++;
	fuzz_check(text[at] == '\0', "every byte placed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tour_script ts;
	struct eng_err err = { { 0 } };
	enum eng_status st = tour_script_parse((const char *)data, size, "f", &ts, &err);
	if (st != ENG_STATUS_OK) {
		fuzz_err_check(st, &err, "f:", FUZZ_ST_EINVAL | FUZZ_ST_ENOMEM);
		tour_script_done(&ts);
		return 0;
	}
	fuzz_check(ts.n >= 1 && ts.n <= TOUR_STEPS_MAX, "step count");
	for (int i = 0; i < ts.n; i++) {
		const struct tour_step *s = &ts.step[i];
		fuzz_check(s->title[0] != '\0' && s->text && s->text[0] != '\0', "title, text");
		fuzz_check(s->n_keys >= 0 && s->n_keys <= TOUR_KEYS_MAX, "keys");
		fuzz_check(s->panel >= 0 && s->panel < TOUR_PANEL_COUNT, "panel");
		fuzz_check(strlen(s->text) <= TOUR_TEXT_MAX, "text length");
		for (const char *c = s->text; *c; c++) {
			if ((c[0] == '{' && c[1] == '{') || (c[0] == '}' && c[1] == '}')) {
				c++;
				continue;
			}
			fuzz_check(*c != '}', "a lone }");
			if (*c != '{')
				continue;
			const char *e = strchr(c, '}');
			enum tour_value v;
			fuzz_check(e && tour_value_lookup(c + 1, (size_t)(e - c - 1), &v),
				   "known value");
			c = e;
		}
		fuzz_wrap(s->text, 1);
		fuzz_wrap(s->text, 7);
		fuzz_wrap(s->text, 74);
	}
	tour_script_done(&ts);
	return 0;
}
