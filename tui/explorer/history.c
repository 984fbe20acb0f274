#include "config.h"

#include "explorer/history.h"

#include <stdlib.h>
#include <string.h>

enum eng_status history_init(struct history *h, int width)
{
	memset(h, 0, sizeof *h);
	h->width = width;
	h->v = calloc(HISTORY_MAX, sizeof *h->v);
	return h->v ? ENG_STATUS_OK : ENG_STATUS_ENOMEM;
}

void history_done(struct history *h)
{
	if (h->v) {
		for (int i = 0; i < h->n; i++)
			free(h->v[i]);
		free(h->v);
	}
	memset(h, 0, sizeof *h);
}

bool history_push(struct history *h, const int *keep)
{
	int *v = malloc(sizeof(int) * (size_t)(h->width > 0 ? h->width : 1));
	if (!v)
		return false;
	memcpy(v, keep, sizeof(int) * (size_t)h->width);
	for (int i = h->pos + 1; i < h->n; i++)
		free(h->v[i]);
	h->n = h->n > 0 ? h->pos + 1 : 0;
	if (h->n == HISTORY_MAX) {
		free(h->v[0]);
		memmove(h->v, h->v + 1, sizeof(int *) * (size_t)(HISTORY_MAX - 1));
		h->n--;
	}
	h->v[h->n++] = v;
	h->pos = h->n - 1;
	h->pushes++;
	return true;
}

enum eng_status history_copy(struct history *dst, const struct history *src)
{
	if (history_init(dst, src->width) != ENG_STATUS_OK)
		return ENG_STATUS_ENOMEM;
	for (int i = 0; i < src->n; i++) {
		dst->v[i] = malloc(sizeof(int) * (size_t)(src->width > 0 ? src->width : 1));
		if (!dst->v[i]) {
			history_done(dst);
			return ENG_STATUS_ENOMEM;
		}
		memcpy(dst->v[i], src->v[i], sizeof(int) * (size_t)src->width);
		dst->n = i + 1;
	}
	dst->pos = src->pos;
	dst->pushes = src->pushes;
	return ENG_STATUS_OK;
}
