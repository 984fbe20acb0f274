#include "config.h"

#include "base/topk.h"
#include "explorer/heat.h"

float heat_kept(const float *v, int n, int keep, float *scratch,
		unsigned char *kept)
{
	(void)scratch;
	if (n <= 0)
		return 0.0f;
	if (keep < 1)
		keep = 1;
	if (keep > n)
		keep = n;
	float top = v[0];
	for (int i = 0; i < n; i++)
		if (v[i] > top)
			top = v[i];
	topk_mark_f32(v, (size_t)n, (size_t)keep, kept);
	return top;
}
