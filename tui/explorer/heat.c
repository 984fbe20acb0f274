#include "config.h"

#include "explorer/heat.h"

/* The k-th largest (0-based) of a[0..n), reordering a (quickselect with a
 * median-of-three pivot). */
static float heat_select(float *a, int n, int k)
{
	int lo = 0, hi = n - 1;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		float x = a[lo], y = a[mid], z = a[hi];
		float p = (x > y) == (y > z) ? y : (y > x) == (x > z) ? x : z;
		int i = lo, j = hi;
		while (i <= j) {
			while (a[i] > p)
				i++;
			while (a[j] < p)
				j--;
			if (i <= j) {
				float t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return a[k];
	}
	return a[k];
}

float heat_kept(const float *v, int n, int keep, float *scratch,
		unsigned char *kept)
{
	if (n <= 0)
		return 0.0f;
	if (keep < 1)
		keep = 1;
	if (keep > n)
		keep = n;
	float top = v[0];
	for (int i = 0; i < n; i++) {
		scratch[i] = v[i];
		if (v[i] > top)
			top = v[i];
	}
	float thr = heat_select(scratch, n, keep - 1);
	int above = 0;
	for (int i = 0; i < n; i++)
		above += v[i] > thr;
	int ties = keep - above;
	for (int i = 0; i < n; i++)
		kept[i] = v[i] > thr || (v[i] == thr && ties-- > 0);
	return top;
}
