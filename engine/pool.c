#include "config.h"

#include "layer.h"

/* PLACEHOLDER: being implemented. */
static enum eng_status maxpool_infer_stub(struct layer *l, const struct shape *in, int n_in, struct eng_err *err)
{
	(void)in; (void)n_in;
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s: not implemented", l->name);
}
static uint64_t maxpool_macs_stub(const struct layer *l) { (void)l; return 0; }
static void maxpool_run_stub(struct layer *l, const struct layer_io *io) { (void)l; (void)io; ENG_ASSERT(0); }
const struct layer_ops maxpool_ops = { .name = "maxpool", .infer = maxpool_infer_stub, .macs = maxpool_macs_stub,
	.forward = maxpool_run_stub, .backward = maxpool_run_stub };
static enum eng_status avgpool_infer_stub(struct layer *l, const struct shape *in, int n_in, struct eng_err *err)
{
	(void)in; (void)n_in;
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s: not implemented", l->name);
}
static uint64_t avgpool_macs_stub(const struct layer *l) { (void)l; return 0; }
static void avgpool_run_stub(struct layer *l, const struct layer_io *io) { (void)l; (void)io; ENG_ASSERT(0); }
const struct layer_ops avgpool_ops = { .name = "avgpool", .infer = avgpool_infer_stub, .macs = avgpool_macs_stub,
	.forward = avgpool_run_stub, .backward = avgpool_run_stub };
static enum eng_status gap_infer_stub(struct layer *l, const struct shape *in, int n_in, struct eng_err *err)
{
	(void)in; (void)n_in;
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s: not implemented", l->name);
}
static uint64_t gap_macs_stub(const struct layer *l) { (void)l; return 0; }
static void gap_run_stub(struct layer *l, const struct layer_io *io) { (void)l; (void)io; ENG_ASSERT(0); }
const struct layer_ops gap_ops = { .name = "gap", .infer = gap_infer_stub, .macs = gap_macs_stub,
	.forward = gap_run_stub, .backward = gap_run_stub };
