#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/loss.h"
#include "nn/sgd.h"
#include "nn/net_fuse.h"
#include "train/train.h"

static const char *const train_schedule_names[] = {
	[TRAIN_SCHEDULE_CONSTANT] = "constant",
	[TRAIN_SCHEDULE_STEP] = "step",
	[TRAIN_SCHEDULE_COSINE] = "cosine",
};

const char *train_schedule_name(enum train_schedule s)
{
	return (unsigned)s <= TRAIN_SCHEDULE_COSINE ? train_schedule_names[s] : NULL;
}

bool train_schedule_from_name(const char *name, enum train_schedule *s)
{
	for (int i = 0; i <= TRAIN_SCHEDULE_COSINE; i++)
		if (strcmp(name, train_schedule_names[i]) == 0) {
			*s = (enum train_schedule)i;
			return true;
		}
	return false;
}

void train_config_default(struct train_config *c)
{
	memset(c, 0, sizeof *c);
	c->epochs = 1;
	c->batch = 64;
	c->lr = 0.1f;
	c->momentum = 0.9f;
	c->weight_decay = 5e-4f;
	c->schedule = TRAIN_SCHEDULE_COSINE;
	c->seed = 1;
	c->curve_every = 1;
}

struct data_augment train_augment_default(const struct data_split *ds)
{
	struct data_augment a = { false, false };
	/* Fashion-MNIST items are centred and upright: flips and shifts change
	 * what the image means more than they help, so only CIFAR gets them. */
	if (strcmp(ds->name, "cifar10") == 0)
		a.crop = a.flip = true;
	return a;
}

float train_lr_at(const struct train_lr *s, long step)
{
	if (step < 0)
		step = 0;
	if (s->warmup > 0 && step < s->warmup)
		return s->base * (float)(step + 1) / (float)s->warmup;
	switch (s->kind) {
	case TRAIN_SCHEDULE_STEP:
		/* Compare 4 * step with 2T and 3T so odd totals need no rounding. */
		if (4 * step >= 3 * s->total)
			return s->base * 0.01f;
		if (2 * step >= s->total)
			return s->base * 0.1f;
		return s->base;
	case TRAIN_SCHEDULE_COSINE: {
		long span = s->total - s->warmup;
		if (span <= 0)
			return s->base;
		double t = (double)(step - s->warmup) / (double)span;
		if (t > 1.0)
			t = 1.0;
		return (float)(s->base * 0.5 * (1.0 + cos(M_PI * t)));
	}
	case TRAIN_SCHEDULE_CONSTANT:
	default:
		return s->base;
	}
}

long train_steps_per_epoch(int n, int batch)
{
	if (n <= 0 || batch <= 0)
		return 0;
	return n < batch ? 1 : n / batch;
}

void train_shuffle(int32_t *idx, int n, struct rng *r)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)rng_below(r, (uint32_t)i + 1);
		int32_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
}

static int train_out_classes(const struct net *net)
{
	return (int)shape_size(net->layers[net->n_layers - 1].out);
}

static enum eng_status train_check_set(const struct net *net,
				       const struct dataset *set,
				       struct eng_err *err)
{
	int classes = train_out_classes(net);
	if (set->classes > classes)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: the dataset has %d classes but the net outputs %d",
				   net->name, set->classes, classes);
	/* A .npy dataset can have 2 channels, which no model input takes. */
	return data_adapt_check(set, net->input, err);
}

static enum eng_status train_prepare(struct net *net, int batch,
				     struct eng_err *err)
{
	if (net->max_batch >= batch)
		return ENG_STATUS_OK;
	return net_prepare(net, batch, err);
}

/* Batch buffers shared by the train and eval loops. */
struct train_bufs {
	float *x;        /* batch x net input */
	int32_t *labels; /* batch */
	float *dlogits;  /* batch x classes */
};

static void train_bufs_free(struct train_bufs *b)
{
	free(b->x);
	free(b->labels);
	free(b->dlogits);
}

static enum eng_status train_bufs_alloc(struct train_bufs *b,
					const struct net *net, int batch,
					bool grads, struct eng_err *err)
{
	memset(b, 0, sizeof *b);
	b->x = malloc((size_t)batch * shape_size(net->input) * sizeof(float));
	b->labels = malloc((size_t)batch * sizeof(int32_t));
	if (grads)
		b->dlogits = malloc((size_t)batch * (size_t)train_out_classes(net) *
				    sizeof(float));
	if (!b->x || !b->labels || (grads && !b->dlogits)) {
		train_bufs_free(b);
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "%s: no memory for a batch of %d", net->name, batch);
	}
	return ENG_STATUS_OK;
}

static void train_mask_apply(float *v, const uint8_t *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!mask[i])
			v[i] = 0.0f;
}

enum eng_status train_run(struct net *net, const struct data_split *ds,
			  const struct train_config *cfg,
			  struct train_result *res, struct eng_err *err)
{
	memset(res, 0, sizeof *res);
	const struct dataset *set = &ds->train;
	int n = cfg->subset ? cfg->subset_n : set->n;
	if (cfg->batch < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL, "batch size %d is not positive",
				   cfg->batch);
	if (n <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: no training samples",
				   ds->name);
	if (cfg->steps <= 0 && cfg->epochs <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "nothing to train: 0 epochs and 0 steps");
	enum eng_status st = train_check_set(net, set, err);
	if (st)
		return st;
	for (int i = 0; cfg->subset && i < n; i++)
		if (cfg->subset[i] < 0 || cfg->subset[i] >= set->n)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "training subset index %d is outside 0..%d",
					   (int)cfg->subset[i], set->n - 1);

	const int batch = n < cfg->batch ? n : cfg->batch;
	const long per_epoch = train_steps_per_epoch(n, cfg->batch);
	const long total = cfg->steps > 0 ? cfg->steps : (long)cfg->epochs * per_epoch;
	const int classes = train_out_classes(net);
	const int every = cfg->curve_every > 0 ? cfg->curve_every : 1;
	struct train_lr sched = { cfg->schedule, cfg->lr, cfg->warmup_steps, total };

	if ((st = train_prepare(net, batch, err)) != ENG_STATUS_OK)
		return st;
	struct train_bufs b;
	if ((st = train_bufs_alloc(&b, net, batch, true, err)) != ENG_STATUS_OK)
		return st;
	int32_t *perm = malloc((size_t)n * sizeof *perm);
	struct sgd opt;
	if (!perm || sgd_init(&opt, net->n_params, cfg->momentum,
			      cfg->weight_decay, cfg->nesterov) != ENG_STATUS_OK) {
		/* sgd_init's failure leaves nothing allocated. */
		free(perm);
		train_bufs_free(&b);
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "%s: no memory for the optimiser", net->name);
	}
	for (int i = 0; i < n; i++)
		perm[i] = cfg->subset ? cfg->subset[i] : i;

	struct rng shuf, aug;
	rng_seed(&shuf, rng_derive_seed(cfg->seed, "shuffle"));
	rng_seed(&aug, rng_derive_seed(cfg->seed, "augment"));
	const struct data_augment *augp =
		(cfg->augment.crop || cfg->augment.flip) ? &cfg->augment : NULL;
	if (cfg->mask)
		train_mask_apply(net->params, cfg->mask, net->n_params);

	double curve_sum = 0.0;
	int curve_n = 0;
	long step = 0;
	st = ENG_STATUS_OK;
	while (step < total && st == ENG_STATUS_OK) {
		train_shuffle(perm, n, &shuf);
		double pass_sum = 0.0;
		long k;
		for (k = 0; k < per_epoch && step < total; k++) {
			if (cancel_requested(cfg->abort)) {
				st = eng_err_set(err, ENG_STATUS_ABORTED,
						 "training stopped after %ld of %ld steps",
						 step, total);
				break;
			}
			const int32_t *bi = perm + (size_t)k * (size_t)batch;
			data_batch_fill(ds, set, bi, batch, net->input, augp, &aug, b.x);
			for (int i = 0; i < batch; i++)
				b.labels[i] = set->labels[bi[i]];
			const float *logits = net_forward(net, b.x, batch, true);
			float loss = loss_softmax_xent(logits, b.labels, batch, classes,
						       b.dlogits);
			if (!isfinite(loss)) {
				st = eng_err_set(err, ENG_STATUS_EINVAL,
						 "%s: training diverged at step %ld (loss %g); "
						 "try a lower learning rate",
						 net->name, step + 1, (double)loss);
				break;
			}
			net_zero_grad(net);
			net_backward(net, b.x, b.dlogits, batch);
			if (cfg->mask)
				train_mask_apply(net->grads, cfg->mask, net->n_params);
			float lr = train_lr_at(&sched, step);
			sgd_step(&opt, net->params, net->grads, lr);
			if (cfg->mask) /* already exact; guards against wd on a stray value */
				train_mask_apply(net->params, cfg->mask, net->n_params);

			step++;
			res->steps = step;
			res->last_loss = loss;
			pass_sum += loss;
			curve_sum += loss;
			if (++curve_n == every) {
				if (cfg->curve && res->curve_len < cfg->curve_cap)
					cfg->curve[res->curve_len++] = (float)(curve_sum / every);
				curve_sum = 0.0;
				curve_n = 0;
			}
			if (cfg->progress) {
				struct train_progress p = {
					TRAIN_PHASE_TRAIN, step, total, res->epochs + 1,
					loss, lr, batch };
				cfg->progress(&p, cfg->user);
			}
		}
		if (st == ENG_STATUS_OK && k == per_epoch) {
			res->epochs++;
			res->epoch_loss = (float)(pass_sum / (double)per_epoch);
			if (cfg->progress) {
				struct train_progress p = {
					TRAIN_PHASE_EPOCH, step, total, res->epochs,
					res->epoch_loss, train_lr_at(&sched, step - 1), batch };
				cfg->progress(&p, cfg->user);
			}
		}
	}
	/* A last partial group of the curve still tells where the loss ended. */
	if (curve_n > 0 && cfg->curve && res->curve_len < cfg->curve_cap)
		cfg->curve[res->curve_len++] = (float)(curve_sum / curve_n);

	sgd_done(&opt);
	free(perm);
	train_bufs_free(&b);
	return st;
}

enum eng_status train_evaluate(struct net *net, const struct data_split *ds,
			       const struct dataset *set, const int32_t *idx,
			       int n, int batch, train_progress_fn progress,
			       void *user, const struct cancel *abort_flag,
			       struct train_eval *out, struct eng_err *err)
{
	memset(out, 0, sizeof *out);
	if (n <= 0)
		n = set->n;
	if (!idx && n > set->n)
		n = set->n;
	if (batch < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL, "batch size %d is not positive",
				   batch);
	if (n <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: nothing to evaluate",
				   ds->name);
	enum eng_status st = train_check_set(net, set, err);
	if (st)
		return st;
	for (int i = 0; idx && i < n; i++)
		if (idx[i] < 0 || idx[i] >= set->n)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "evaluation index %d is outside 0..%d",
					   (int)idx[i], set->n - 1);
	if (batch > n)
		batch = n;
	/* The eval forwards run on the fused copy (BN folded, ReLUs fused:
	 * nn/net_fuse.h), the same logits in fewer passes over memory. */
	struct net *fused = NULL;
	if ((st = net_fuse(net, NULL, &fused, err)) != ENG_STATUS_OK)
		return st;
	if ((st = train_prepare(fused, batch, err)) != ENG_STATUS_OK) {
		net_free(fused);
		return st;
	}
	struct train_bufs b;
	if ((st = train_bufs_alloc(&b, net, batch, false, err)) != ENG_STATUS_OK) {
		net_free(fused);
		return st;
	}
	int32_t *seq = malloc((size_t)batch * sizeof *seq);
	if (!seq) {
		train_bufs_free(&b);
		net_free(fused);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "no memory for evaluation");
	}
	const int classes = train_out_classes(net);
	struct rng unused;
	rng_seed(&unused, 0);
	double loss_sum = 0.0;
	int correct = 0, done = 0;
	while (done < n) {
		if (cancel_requested(abort_flag)) {
			st = eng_err_set(err, ENG_STATUS_ABORTED,
					 "evaluation stopped after %d of %d samples", done, n);
			break;
		}
		int m = n - done < batch ? n - done : batch;
		const int32_t *bi = idx ? idx + done : seq;
		for (int i = 0; !idx && i < m; i++)
			seq[i] = done + i;
		data_batch_fill(ds, set, bi, m, net->input, NULL, &unused, b.x);
		for (int i = 0; i < m; i++)
			b.labels[i] = set->labels[bi[i]];
		const float *logits = net_forward(fused, b.x, m, false);
		loss_sum += (double)loss_softmax_xent(logits, b.labels, m, classes, NULL) * m;
		correct += loss_count_correct(logits, b.labels, m, classes);
		done += m;
		if (progress) {
			struct train_progress p = { TRAIN_PHASE_EVAL, done, n, 0,
						    (float)(loss_sum / done), 0.0f, m };
			progress(&p, user);
		}
	}
	out->n = done;
	out->correct = correct;
	out->accuracy = done ? (float)correct / (float)done : 0.0f;
	out->loss = done ? (float)(loss_sum / done) : 0.0f;
	free(seq);
	train_bufs_free(&b);
	net_free(fused);
	return st;
}
