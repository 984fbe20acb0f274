#include "config.h"

#include <math.h>
#include <stddef.h>

#include "nn/loss.h"
#include "base/status.h"

float loss_softmax_xent(const float *logits, const int32_t *labels, int batch,
			int classes, float *dlogits)
{
	double total = 0.0;
	for (int n = 0; n < batch; n++) {
		const float *z = logits + (size_t)n * classes;
		ENG_ASSERT(labels[n] >= 0 && labels[n] < classes);
		double zmax = z[0];
		for (int k = 1; k < classes; k++)
			if (z[k] > zmax)
				zmax = z[k];
		double sum = 0.0;
		for (int k = 0; k < classes; k++)
			sum += exp((double)z[k] - zmax);
		double logsum = log(sum) + zmax;
		total += logsum - z[labels[n]];
		if (dlogits) {
			float *d = dlogits + (size_t)n * classes;
			for (int k = 0; k < classes; k++) {
				double p = exp((double)z[k] - logsum);
				d[k] = (float)((p - (k == labels[n])) / batch);
			}
		}
	}
	return (float)(total / batch);
}

int loss_count_correct(const float *logits, const int32_t *labels, int batch,
		       int classes)
{
	int correct = 0;
	for (int n = 0; n < batch; n++) {
		const float *z = logits + (size_t)n * classes;
		int best = 0;
		for (int k = 1; k < classes; k++)
			if (z[k] > z[best])
				best = k;
		correct += best == labels[n];
	}
	return correct;
}
