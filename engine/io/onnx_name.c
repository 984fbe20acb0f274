/* onnx_name.c: layer names from ONNX node names (see onnx_name.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "io/onnx_name.h"

#define ONNX_NAME_WORK 1024

static bool onnx_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* Join the scope segments of a "/a/a.0/b/Op" name into "a.0.b" (see the
 * header); the op segment is the last one when it starts with op_type. */
static void onnx_name_join(char *dst, size_t cap, const char *name,
			   const char *op_type)
{
	const char *seg[64];
	size_t len[64];
	int n = 0;
	for (const char *p = name; *p && n < 64;) {
		while (*p == '/')
			p++;
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l) {
			seg[n] = p;
			len[n++] = l;
		}
		p += l;
	}
	size_t op = strlen(op_type);
	if (n > 0 && op && len[n - 1] >= op && strncmp(seg[n - 1], op_type, op) == 0)
		n--;
	size_t used = 0;
	size_t prev = 0; /* length of the previous segment at the end of dst */
	dst[0] = '\0';
	for (int i = 0; i < n; i++) {
		bool extends = i > 0 && len[i] > prev && seg[i][prev] == '.' &&
			       strncmp(seg[i], dst + used - prev, prev) == 0;
		if (extends) {
			used -= prev;
		} else if (used && used + 1 < cap) {
			dst[used++] = '.';
		}
		size_t l = len[i] < cap - 1 - used ? len[i] : cap - 1 - used;
		memcpy(dst + used, seg[i], l);
		used += l;
		dst[used] = '\0';
		prev = l;
	}
}

/* Keep the last dotted components that fit in LAYER_NAME_MAX - 1. */
static void onnx_name_fit(char out[LAYER_NAME_MAX], const char *s)
{
	size_t n = strlen(s);
	const char *p = s;
	while (n >= LAYER_NAME_MAX) {
		const char *dot = strchr(p, '.');
		if (!dot || (size_t)(s + strlen(s) - (dot + 1)) == 0)
			break;
		p = dot + 1;
		n = strlen(p);
	}
	if (n >= LAYER_NAME_MAX)
		p += n - (LAYER_NAME_MAX - 1);
	memcpy(out, p, n + 1 < LAYER_NAME_MAX ? n + 1 : LAYER_NAME_MAX);
	out[LAYER_NAME_MAX - 1] = '\0';
}

void onnx_name_layer(char out[LAYER_NAME_MAX], const char *node_name,
		     const char *op_type, const char *suffix,
		     enum layer_kind kind, int index)
{
	char work[ONNX_NAME_WORK];
	if (strchr(node_name, '/'))
		onnx_name_join(work, sizeof work, node_name, op_type);
	else
		snprintf(work, sizeof work, "%s", node_name);
	if (suffix) {
		size_t n = strlen(work);
		snprintf(work + n, sizeof work - n, "%s%s", n ? "." : "", suffix);
	}
	for (char *c = work; *c; c++) {
		if (!onnx_name_char(*c))
			*c = '_';
	}
	if (!work[0])
		snprintf(work, sizeof work, "%s%d", layer_kind_name(kind), index);
	if (work[0] == '-')
		work[0] = '_';
	if (strcmp(work, "data") == 0)
		snprintf(work, sizeof work, "data_");
	onnx_name_fit(out, work);
	if (out[0] == '-')
		out[0] = '_';
}

void onnx_name_numbered(char out[LAYER_NAME_MAX], const char *base, int n)
{
	char tail[16];
	int t = snprintf(tail, sizeof tail, "_%d", n);
	int keep = (int)strlen(base);
	if (keep > LAYER_NAME_MAX - 1 - t)
		keep = LAYER_NAME_MAX - 1 - t;
	snprintf(out, LAYER_NAME_MAX, "%.*s%s", keep, base, tail);
}
