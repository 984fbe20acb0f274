/* fuzz_session: libFuzzer target for the explorer's saved session
 * (tui/explorer/session_state.c), read back from a file on disk after a
 * dropped connection.
 *
 * The session is parsed against the fuzz net (fuzz_net.h: prunable,
 * residual and fixed groups).  Every input either fails cleanly (EINVAL or
 * ENOMEM with one "s.session:LINE: " line) or parses into a state inside
 * the model's ranges: at least one history entry, its position inside,
 * every keep count (history and measured plans) within [min_keep,
 * channels] of its group (all of them for a fixed group), locks only on
 * prunable groups, the cursor on a table row, measured accuracies in
 * [0, 1] or NaN.  A parsed state written back with session_state_format
 * and parsed again gives the same text.  Anything else aborts.
 *
 *   ./fuzz/fuzz_session -max_total_time=600 fuzz/corpus/session tests/fuzz/corpus/session
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/session_state.h"
#include "fuzz/fuzz_net.h"
#include "fuzz/fuzz_util.h"

#define FUZZ_ROWS 6
#define FUZZ_MIN_KEEP 1

static void fuzz_keep_check(const struct group_set *gs, const int *keep)
{
	for (int g = 0; g < gs->n_groups; g++) {
		const struct group *gr = &gs->groups[g];
		int lo = gr->prunable ? (FUZZ_MIN_KEEP < gr->channels ? FUZZ_MIN_KEEP
								    : gr->channels)
				      : gr->channels;
		fuzz_check(keep[g] >= lo && keep[g] <= gr->channels, "keep count out of range");
	}
}

static void fuzz_state_check(const struct group_set *gs, const struct session_state *st)
{
	fuzz_check(st->hist.n >= 1 && st->hist.pos >= 0 && st->hist.pos < st->hist.n,
		   "history position");
	for (int i = 0; i < st->hist.n; i++)
		fuzz_keep_check(gs, st->hist.v[i]);
	for (int g = 0; g < gs->n_groups; g++)
		fuzz_check(!st->locked[g] || gs->groups[g].prunable, "lock on a fixed group");
	fuzz_check(st->view.cursor >= 0 && st->view.cursor < FUZZ_ROWS &&
		   st->view.top >= 0 && st->view.top < FUZZ_ROWS, "cursor");
	for (int i = 0; i < st->log.n; i++) {
		const struct plan_log_entry *e = &st->log.e[i];
		fuzz_keep_check(gs, e->keep);
		fuzz_check(e->set.sparsity >= 0 && e->set.sparsity < 1 && e->set.tau >= 0 &&
			   e->set.tau <= 1, "measured setting");
		fuzz_check(isnan(e->fig.accuracy) ||
			   (e->fig.accuracy >= 0 && e->fig.accuracy <= 1), "measured accuracy");
		fuzz_check(isnan(e->fig.latency_ms) || e->fig.latency_ms >= 0, "measured latency");
		fuzz_check(plan_log_find(&st->log, e->keep, &e->set) == i, "duplicate plan");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct net *net = fuzz_net();
	const struct group_set *gs = fuzz_net_groups();
	struct session_state st;
	struct eng_err err = { { 0 } };
	enum eng_status rc = session_state_parse((const char *)data, size, "s.session",
						 net->name, gs, FUZZ_ROWS, FUZZ_MIN_KEEP,
						 &st, &err);
	if (rc != ENG_STATUS_OK) {
		fuzz_err_check(rc, &err, "s.session:", FUZZ_ST_EINVAL | FUZZ_ST_ENOMEM);
		session_state_done(&st);
		return 0;
	}
	fuzz_state_check(gs, &st);
	/* Written back and read again: the same text. */
	char *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0;
	snprintf(st.net, sizeof st.net, "%s", net->name);
	st.shape = session_state_shape(gs);
	if (session_state_format(&st, &text, &len) != ENG_STATUS_OK) {
		session_state_done(&st);
		return 0;
	}
	struct session_state st2;
	rc = session_state_parse(text, len, "s.session", net->name, gs, FUZZ_ROWS,
				 FUZZ_MIN_KEEP, &st2, &err);
	fuzz_check(rc == ENG_STATUS_OK, "the written session does not read back");
	fuzz_state_check(gs, &st2);
	if (session_state_format(&st2, &text2, &len2) == ENG_STATUS_OK)
		fuzz_check(len == len2 && memcmp(text, text2, len) == 0,
			   "the session changed on a round trip");
	free(text);
	free(text2);
	session_state_done(&st2);
	session_state_done(&st);
	return 0;
}
