#include "config.h"

#include "layer.h"

/* PLACEHOLDER: being implemented. */
static enum eng_status flatten_infer_stub(struct layer *l, const struct shape *in, int n_in, struct eng_err *err)
{
	(void)in; (void)n_in;
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s: not implemented", l->name);
}
static uint64_t flatten_macs_stub(const struct layer *l) { (void)l; return 0; }
static void flatten_run_stub(struct layer *l, const struct layer_io *io) { (void)l; (void)io; ENG_ASSERT(0); }
const struct layer_ops flatten_ops = { .name = "flatten", .infer = flatten_infer_stub, .macs = flatten_macs_stub,
	.forward = flatten_run_stub, .backward = flatten_run_stub };
