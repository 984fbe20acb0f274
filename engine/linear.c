#include "config.h"

#include "layer.h"

/* PLACEHOLDER: being implemented. */
static enum eng_status linear_infer_stub(struct layer *l, const struct shape *in, int n_in, struct eng_err *err)
{
	(void)in; (void)n_in;
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s: not implemented", l->name);
}
static uint64_t linear_macs_stub(const struct layer *l) { (void)l; return 0; }
static void linear_run_stub(struct layer *l, const struct layer_io *io) { (void)l; (void)io; ENG_ASSERT(0); }
const struct layer_ops linear_ops = { .name = "linear", .infer = linear_infer_stub, .macs = linear_macs_stub,
	.forward = linear_run_stub, .backward = linear_run_stub };
