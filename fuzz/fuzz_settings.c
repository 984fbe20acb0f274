/* fuzz_settings: libFuzzer target for the explorer's config file
 * (tui/explorer/settings.c, on io/ini.c).
 *
 * Every input either is refused (EINVAL: too new; the defaults stay) or
 * read, with warnings of one line each naming the file; the values read
 * are in their documented ranges, and when settings_format can write them
 * the text parses back, without warnings, to the same settings and
 * formats to the same text.  Anything else aborts.
 *
 *   ./fuzz/fuzz_settings -max_total_time=600 fuzz/corpus/settings \
 *       tests/fuzz/corpus/settings
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/settings.h"
#include "fuzz/fuzz_util.h"

static void fuzz_warnings_check(const struct settings_warnings *w, const char *path)
{
	fuzz_check(w->n >= 0 && w->n <= SETTINGS_WARN_MAX && w->dropped >= 0, "warning count");
	for (int i = 0; i < w->n; i++)
		fuzz_check(strncmp(w->msg[i], path, strlen(path)) == 0 &&
			   !strchr(w->msg[i], '\n'), "warning not one line naming the file");
}

static int fuzz_settings_equal(const struct settings *a, const struct settings *b)
{
	return strcmp(a->theme, b->theme) == 0 && strcmp(a->model, b->model) == 0 &&
	       a->mouse == b->mouse && a->ascii == b->ascii && a->method == b->method &&
	       a->sparsity == b->sparsity && a->tau == b->tau && a->seed == b->seed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings c, defaults, back;
	struct settings_warnings w;
	settings_defaults(&c);
	defaults = c;
	enum eng_status st = settings_parse((const char *)data, size, "f", &c, &w);
	fuzz_warnings_check(&w, "f:");
	if (st != ENG_STATUS_OK) {
		fuzz_check(st == ENG_STATUS_EINVAL && w.n >= 1, "refusal without a warning");
		fuzz_check(fuzz_settings_equal(&c, &defaults), "refused file changed the settings");
		return 0;
	}
	fuzz_check(memchr(c.theme, 0, sizeof c.theme) && memchr(c.model, 0, sizeof c.model),
		   "text not terminated");
	fuzz_check(c.sparsity >= 0.0 && c.sparsity < 1.0, "sparsity out of range");
	fuzz_check(c.tau >= 0.0 && c.tau <= 1.0, "tau out of range");
	fuzz_check(score_method_name(c.method) != NULL, "unknown method");

	int need = settings_format(&c, NULL, 0);
	if (need < 0)
		return 0; /* a value the format cannot hold (documented) */
	char *t1 = malloc((size_t)need + 1), *t2 = malloc((size_t)need + 1);
	fuzz_check(t1 && t2, "out of memory");
	fuzz_check(settings_format(&c, t1, (size_t)need + 1) == need, "format length");
	settings_defaults(&back);
	st = settings_parse(t1, (size_t)need, "w", &back, &w);
	if (st != ENG_STATUS_OK || w.n != 0) {
		fprintf(stderr, "fuzz: written config does not read back cleanly: %s\n%s",
			w.n ? w.msg[0] : "refused", t1);
		abort();
	}
	fuzz_check(fuzz_settings_equal(&c, &back), "round trip changed the settings");
	fuzz_check(settings_format(&back, t2, (size_t)need + 1) == need &&
		   strcmp(t1, t2) == 0, "written text not a fixed point");
	free(t1);
	free(t2);
	return 0;
}
