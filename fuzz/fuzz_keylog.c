/* fuzz_keylog: libFuzzer target for the key-log parser (tui/keylog.c).
 *
 * Every input either fails cleanly (EINVAL or ENOMEM with a "name:line: "
 * message of one line) or parses; a parsed log, written back with
 * keylog_header_write / keylog_event_write and parsed again, gives the
 * same header and events.  Anything else aborts.
 *
 *   make fuzz                  # every target, FUZZ_SECONDS each
 *   ./fuzz/fuzz_keylog -max_total_time=600 fuzz/corpus/keylog tests/fuzz/corpus/keylog
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/keylog.h"
#include "fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keylog log;
	struct eng_err err = { { 0 } };
	enum eng_status st = keylog_parse((const char *)data, size, "f", &log, &err);
	if (st != ENG_STATUS_OK) {
		fuzz_err_check(st, &err, "f:", FUZZ_ST_EINVAL | FUZZ_ST_ENOMEM);
		keylog_done(&log);
		return 0;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fuzz_check(f != NULL, "open_memstream");
	keylog_header_write(f, &log.head);
	for (int i = 0; i < log.n; i++)
		keylog_event_write(f, &log.ev[i]);
	fclose(f);
	struct keylog again;
	st = keylog_parse(text, len, "w", &again, &err);
	fuzz_check(st == ENG_STATUS_OK, "written log parses");
	fuzz_check(again.n == log.n, "same number of events");
	fuzz_check(log.n == 0 || memcmp(again.ev, log.ev, (size_t)log.n * sizeof *log.ev) == 0,
		   "same events");
	const struct keylog_header *a = &log.head, *b = &again.head;
	fuzz_check(a->has_model == b->has_model && a->has_settings == b->has_settings &&
		   a->has_size == b->has_size && a->has_data == b->has_data, "same header");
	fuzz_check(!a->has_model || strcmp(a->model, b->model) == 0, "same model");
	fuzz_check(!a->has_data || strcmp(a->data, b->data) == 0, "same data");
	fuzz_check(!a->has_size || (a->cols == b->cols && a->rows == b->rows), "same size");
	fuzz_check(!a->has_settings || (strcmp(a->method, b->method) == 0 &&
					a->sparsity == b->sparsity && a->tau == b->tau &&
					a->seed == b->seed), "same settings");
	keylog_done(&again);
	keylog_done(&log);
	free(text);
	return 0;
}
