#include "config.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ft2build.h>
#include FT_FREETYPE_H

#include "base/fileio.h"
#include "output/render.h"

#define RENDER_FONT_REGULAR "DejaVuSans.ttf"
#define RENDER_FONT_BOLD "DejaVuSans-Bold.ttf"

/* Layout constants shared by the charts (pixels). */
#define MARGIN 24
#define HEADER_H 64
#define AXIS_LABEL_W 20
#define LABEL_SIZE 11
#define TICK_SIZE 10
#define TITLE_SIZE 18
#define SUB_SIZE 12
/* Estimated advance per character as a fraction of the pixel size: DejaVu
 * Sans averages ~0.55 em over names like "layer1.0.conv1"; a little more
 * keeps estimated columns from clipping real text. */
#define EST_ADVANCE 0.64

void render_style_default(struct render_style *s)
{
	memset(s, 0, sizeof *s);
	s->bg = 0x161a21;
	s->fg = 0xe4e8ee;
	s->muted = 0x7f8791;
	s->accent = 0x5c9ad6;
	s->panel = 0x1e232c;
	s->series[0] = 0x7f8791;
	s->series[1] = 0xd9a441;
	s->series[2] = 0x63b26a;
	s->series[3] = 0x5c9ad6;
	s->series[4] = 0xb08ad8;
	s->series[5] = 0xe05a5e;
	s->heat.n = 3;
	s->heat.rgb[0] = 0x22406b;
	s->heat.rgb[1] = 0xd9a441;
	s->heat.rgb[2] = 0xe05a5e;
}

static unsigned rgb_r(uint32_t c) { return (c >> 16) & 0xff; }
static unsigned rgb_g(uint32_t c) { return (c >> 8) & 0xff; }
static unsigned rgb_b(uint32_t c) { return c & 0xff; }

static uint32_t rgb_mix(uint32_t a, uint32_t b, double t)
{
	double r = rgb_r(a) + (rgb_r(b) - (double)rgb_r(a)) * t;
	double g = rgb_g(a) + (rgb_g(b) - (double)rgb_g(a)) * t;
	double bl = rgb_b(a) + (rgb_b(b) - (double)rgb_b(a)) * t;
	return ((uint32_t)lround(r) << 16) | ((uint32_t)lround(g) << 8) |
	       (uint32_t)lround(bl);
}

static double rgb_luma(uint32_t c)
{
	return (0.2126 * rgb_r(c) + 0.7152 * rgb_g(c) + 0.0722 * rgb_b(c)) / 255.0;
}

uint32_t render_gradient_at(const struct render_gradient *g, double t)
{
	if (g->n <= 0)
		return 0;
	if (g->n == 1)
		return g->rgb[0] & 0xffffff;
	if (!(t > 0.0))
		t = 0.0;
	if (t > 1.0)
		t = 1.0;
	double pos = t * (g->n - 1);
	int i = (int)floor(pos);
	if (i >= g->n - 1)
		return g->rgb[g->n - 1] & 0xffffff;
	return rgb_mix(g->rgb[i] & 0xffffff, g->rgb[i + 1] & 0xffffff, pos - i);
}

double render_sens_sparsity(int k)
{
	return score_sens_sparsity[k];
}

double render_density_t(double density)
{
	if (!(density > 0.001))
		return 0.0;
	if (density >= 1.0)
		return 1.0;
	return (log10(density) + 3.0) / 3.0;
}

/* --- canvas ----------------------------------------------------------- */

struct canvas {
	int w, h;
	uint8_t *px;            /* RGB, row-major */
	FT_Library lib;
	FT_Face face[2];        /* regular, bold */
	bool text;              /* a font is loaded */
	const struct eng_warn *warn; /* the caller's; may be NULL */
};

static void cv_warn(struct canvas *c, const char *msg)
{
	eng_warn_line(c->warn, msg);
}

static bool cv_face_open(struct canvas *c, const char *path, int which)
{
	if (access(path, R_OK) != 0)
		return false;
	return FT_New_Face(c->lib, path, 0, &c->face[which]) == 0;
}

/* See the top of render.h for the search order. */
static void cv_fonts_open(struct canvas *c, const struct render_style *s)
{
	if (FT_Init_FreeType(&c->lib) != 0) {
		c->lib = NULL;
		cv_warn(c, "FreeType failed to start: the picture has no text");
		return;
	}
	const char *only = s->font;
	if (only) {
		if (cv_face_open(c, only, 0)) {
			c->text = true;
			c->face[1] = NULL;
		} else {
			char msg[RENDER_WARNING_MAX];
			snprintf(msg, sizeof msg, "cannot load the font '%.150s': the "
				 "picture has no text", only);
			cv_warn(c, msg);
		}
		return;
	}
	const char *dirs = s->font_dirs ? s->font_dirs : "";
	while (*dirs) {
		const char *end = strchr(dirs, ':');
		size_t n = end ? (size_t)(end - dirs) : strlen(dirs);
		char path[4096];
		if (n > 0 && n < sizeof path - 64) {
			snprintf(path, sizeof path, "%.*s/%s", (int)n, dirs,
				 RENDER_FONT_REGULAR);
			if (cv_face_open(c, path, 0)) {
				snprintf(path, sizeof path, "%.*s/%s", (int)n, dirs,
					 RENDER_FONT_BOLD);
				if (!cv_face_open(c, path, 1))
					c->face[1] = NULL;
				c->text = true;
				return;
			}
		}
		if (!end)
			break;
		dirs = end + 1;
	}
	char msg[RENDER_WARNING_MAX];
	snprintf(msg, sizeof msg, "no " RENDER_FONT_REGULAR " found in %.150s (set "
		 "RECONVENE_FONT to a .ttf file): the picture has no text",
		 s->font_dirs && *s->font_dirs ? s->font_dirs : "no font directory");
	cv_warn(c, msg);
}

static enum eng_status cv_open(struct canvas *c, int w, int h,
			       const struct render_style *s,
			       const struct eng_warn *warn, struct eng_err *err)
{
	memset(c, 0, sizeof *c);
	c->warn = warn;
	if (w < 1 || h < 1 || w > 16384 || h > 16384)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "render: image size %dx%d out of range", w, h);
	c->w = w;
	c->h = h;
	c->px = malloc((size_t)w * (size_t)h * 3);
	if (!c->px)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "render: out of memory");
	for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
		c->px[3 * i] = (uint8_t)rgb_r(s->bg);
		c->px[3 * i + 1] = (uint8_t)rgb_g(s->bg);
		c->px[3 * i + 2] = (uint8_t)rgb_b(s->bg);
	}
	cv_fonts_open(c, s);
	return ENG_STATUS_OK;
}

static void cv_close(struct canvas *c)
{
	for (int i = 0; i < 2; i++)
		if (c->face[i])
			FT_Done_Face(c->face[i]);
	if (c->lib)
		FT_Done_FreeType(c->lib);
	free(c->px);
	c->px = NULL;
}

static void cv_blend(struct canvas *c, int x, int y, uint32_t col, unsigned a)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h || a == 0)
		return;
	uint8_t *p = c->px + 3 * ((size_t)y * (size_t)c->w + (size_t)x);
	if (a >= 255) {
		p[0] = (uint8_t)rgb_r(col);
		p[1] = (uint8_t)rgb_g(col);
		p[2] = (uint8_t)rgb_b(col);
		return;
	}
	p[0] = (uint8_t)((p[0] * (255 - a) + rgb_r(col) * a + 127) / 255);
	p[1] = (uint8_t)((p[1] * (255 - a) + rgb_g(col) * a + 127) / 255);
	p[2] = (uint8_t)((p[2] * (255 - a) + rgb_b(col) * a + 127) / 255);
}

static void cv_fill(struct canvas *c, int x, int y, int w, int h, uint32_t col)
{
	for (int j = y; j < y + h; j++)
		for (int i = x; i < x + w; i++)
			cv_blend(c, i, j, col, 255);
}

static void cv_rect(struct canvas *c, int x, int y, int w, int h, int t,
		    uint32_t col)
{
	cv_fill(c, x, y, w, t, col);
	cv_fill(c, x, y + h - t, w, t, col);
	cv_fill(c, x, y, t, h, col);
	cv_fill(c, x + w - t, y, t, h, col);
}

static void cv_disc(struct canvas *c, double cx, double cy, double r, uint32_t col)
{
	for (int y = (int)floor(cy - r - 1); y <= (int)ceil(cy + r + 1); y++)
		for (int x = (int)floor(cx - r - 1); x <= (int)ceil(cx + r + 1); x++) {
			double d = hypot(x + 0.5 - cx, y + 0.5 - cy);
			double a = r + 0.5 - d;
			if (a > 0)
				cv_blend(c, x, y, col, a >= 1 ? 255 : (unsigned)(a * 255));
		}
}

/* One UTF-8 code point (invalid bytes come back as '?'). */
static unsigned long utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	unsigned long cp;
	int n;
	if (p[0] < 0x80) {
		cp = p[0];
		n = 0;
	} else if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		n = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		n = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07;
		n = 3;
	} else {
		*s += 1;
		return '?';
	}
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s += i;
			return '?';
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	*s += n + 1;
	return cp;
}

static int est_width(const char *t, int size)
{
	int n = 0;
	while (*t) {
		utf8_next(&t);
		n++;
	}
	return (int)ceil(n * size * EST_ADVANCE);
}

static FT_Face cv_face(struct canvas *c, bool bold, int size)
{
	FT_Face f = bold && c->face[1] ? c->face[1] : c->face[0];
	FT_Set_Pixel_Sizes(f, 0, (FT_UInt)size);
	return f;
}

/* Text width in pixels: measured with the font, estimated without. */
static int cv_text_width(struct canvas *c, const char *t, int size, bool bold)
{
	if (!c->text)
		return est_width(t, size);
	FT_Face f = cv_face(c, bold, size);
	long w = 0;
	while (*t) {
		unsigned long cp = utf8_next(&t);
		if (FT_Load_Char(f, cp, FT_LOAD_DEFAULT) == 0)
			w += f->glyph->advance.x;
	}
	return (int)((w + 63) >> 6);
}

enum align { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT };

/* Draw t with its baseline at y; x is the left edge, centre or right edge
 * per align.  vertical: rotated a quarter turn counter-clockwise, reading
 * bottom to top, (x, y) then being the baseline's point (x = baseline
 * column) and align acting along y. */
static void cv_text_at(struct canvas *c, int x, int y, const char *t, int size,
		       bool bold, uint32_t col, enum align align, bool vertical)
{
	if (!c->text || !*t)
		return;
	int w = cv_text_width(c, t, size, bold);
	int off = align == ALIGN_CENTER ? -w / 2 : align == ALIGN_RIGHT ? -w : 0;
	FT_Face f = cv_face(c, bold, size);
	long pen = (long)off * 64;
	while (*t) {
		unsigned long cp = utf8_next(&t);
		if (FT_Load_Char(f, cp, FT_LOAD_RENDER) != 0)
			continue;
		FT_GlyphSlot g = f->glyph;
		const FT_Bitmap *bm = &g->bitmap;
		int gx = (int)floor((double)pen / 64.0) + g->bitmap_left;
		int gy = -g->bitmap_top;
		for (unsigned r = 0; r < bm->rows; r++)
			for (unsigned q = 0; q < bm->width; q++) {
				unsigned a = bm->buffer[(long)r * bm->pitch + q];
				int u = gx + (int)q, v = gy + (int)r;
				if (vertical)
					cv_blend(c, x + v, y - u, col, a);
				else
					cv_blend(c, x + u, y + v, col, a);
			}
		pen += g->advance.x;
	}
}

static void cv_text(struct canvas *c, int x, int y, const char *t, int size,
		    bool bold, uint32_t col, enum align align)
{
	cv_text_at(c, x, y, t, size, bold, col, align, false);
}

static void cv_header(struct canvas *c, const struct render_style *s,
		      const char *title, const char *subtitle)
{
	if (title)
		cv_text(c, MARGIN, MARGIN + TITLE_SIZE, title, TITLE_SIZE, true,
			s->fg, ALIGN_LEFT);
	if (subtitle)
		cv_text(c, MARGIN, MARGIN + TITLE_SIZE + 8 + SUB_SIZE, subtitle,
			SUB_SIZE, false, s->muted, ALIGN_LEFT);
}

/* A horizontal gradient bar of w x h at (x, y), lowest on the left. */
static void cv_gradient_bar(struct canvas *c, const struct render_style *s,
			    int x, int y, int w, int h)
{
	for (int i = 0; i < w; i++) {
		uint32_t col = render_gradient_at(&s->heat, w > 1 ? (double)i / (w - 1) : 0);
		cv_fill(c, x + i, y, 1, h, col);
	}
	cv_rect(c, x - 1, y - 1, w + 2, h + 2, 1, s->muted);
}

/* A step of 1, 2 or 5 x 10^k giving about `target` intervals. */
static double nice_step(double range, int target)
{
	if (!(range > 0))
		return 1.0;
	double raw = range / target;
	double mag = pow(10.0, floor(log10(raw)));
	double f = raw / mag;
	double step = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
	return step * mag;
}

/* --- PNG -------------------------------------------------------------- */

struct png_mem {
	uint8_t *buf;
	size_t len, cap;
	bool oom;
};

static void png_mem_write(png_structp p, png_bytep data, png_size_t n)
{
	struct png_mem *m = png_get_io_ptr(p);
	if (m->oom)
		return;
	if (m->len + n > m->cap) {
		size_t cap = m->cap ? m->cap : 65536;
		while (cap < m->len + n)
			cap *= 2;
		uint8_t *b = realloc(m->buf, cap);
		if (!b) {
			m->oom = true;
			return;
		}
		m->buf = b;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, data, n);
	m->len += n;
}

static void png_mem_flush(png_structp p)
{
	(void)p;
}

static enum eng_status png_put(int fd, void *user, const char *path,
			       struct eng_err *err)
{
	const struct png_mem *m = user;
	return fileio_write_all(fd, m->buf, m->len, path, err);
}

static enum eng_status cv_save(struct canvas *c, const char *title,
			       const char *path, struct eng_err *err)
{
	struct png_mem m = { 0 };
	png_bytep *rows = malloc((size_t)c->h * sizeof *rows);
	if (!rows)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "render: out of memory");
	for (int y = 0; y < c->h; y++)
		rows[y] = c->px + (size_t)y * (size_t)c->w * 3;
	png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = p ? png_create_info_struct(p) : NULL;
	if (!info) {
		png_destroy_write_struct(&p, NULL);
		free(rows);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "render: out of memory");
	}
	if (setjmp(png_jmpbuf(p))) {
		png_destroy_write_struct(&p, &info);
		free(rows);
		free(m.buf);
		return eng_err_set(err, ENG_STATUS_EIO, "%s: cannot encode the PNG", path);
	}
	png_set_write_fn(p, &m, png_mem_write, png_mem_flush);
	png_set_IHDR(p, info, (png_uint_32)c->w, (png_uint_32)c->h, 8,
		     PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_text txt[2];
	memset(txt, 0, sizeof txt);
	txt[0].compression = PNG_TEXT_COMPRESSION_NONE;
	txt[0].key = (png_charp)"Software";
	txt[0].text = (png_charp)"reconvene " PACKAGE_VERSION;
	txt[1].compression = PNG_TEXT_COMPRESSION_NONE;
	txt[1].key = (png_charp)"Title";
	txt[1].text = (png_charp)(title ? title : "");
	png_set_text(p, info, txt, title ? 2 : 1);
	png_write_info(p, info);
	png_write_image(p, rows);
	png_write_end(p, NULL);
	png_destroy_write_struct(&p, &info);
	free(rows);
	enum eng_status st;
	if (m.oom)
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "render: out of memory");
	else
		st = fileio_write_atomic(path, png_put, &m, err);
	free(m.buf);
	return st;
}

/* --- the channel heatmap ------------------------------------------------ */

#define HEAT_ROW_PITCH 18
#define HEAT_CELL_H 15
#define HEAT_RIGHT_W 96
#define HEAT_AXIS_H 48
#define LEGEND_H 72

struct heat_geom {
	int label_x, label_w;   /* layer-name column */
	int x0, pw, maxch;      /* plot */
	int y0;
	int w, h;
};

static int heat_label_w(const char *const *names, int n)
{
	int w = est_width("layer", LABEL_SIZE);
	for (int i = 0; i < n; i++)
		if (names[i] && est_width(names[i], LABEL_SIZE) > w)
			w = est_width(names[i], LABEL_SIZE);
	return w + 12;
}

static void heat_geom(const struct render_heatmap *h, struct heat_geom *g)
{
	int lw = est_width("layer", LABEL_SIZE);
	g->maxch = 1;
	for (int i = 0; i < h->n_rows; i++) {
		if (h->rows[i].name && est_width(h->rows[i].name, LABEL_SIZE) > lw)
			lw = est_width(h->rows[i].name, LABEL_SIZE);
		if (h->rows[i].channels > g->maxch)
			g->maxch = h->rows[i].channels;
	}
	g->label_x = MARGIN + AXIS_LABEL_W;
	g->label_w = lw + 12;
	g->x0 = g->label_x + g->label_w;
	int per = 960 / g->maxch;
	if (per > 24)
		per = 24;
	g->pw = per >= 1 ? per * g->maxch : 960;
	if (g->pw < 360)
		g->pw = 360 / g->maxch * g->maxch;
	g->y0 = HEADER_H + 8;
	g->w = g->x0 + g->pw + HEAT_RIGHT_W + MARGIN;
	if (g->w < 720)
		g->w = 720;
	g->h = g->y0 + h->n_rows * HEAT_ROW_PITCH + HEAT_AXIS_H + LEGEND_H + MARGIN;
}

static int heat_cx(const struct heat_geom *g, int c)
{
	return g->x0 + (int)((long)c * g->pw / g->maxch);
}

void render_heatmap_size(const struct render_heatmap *h, int *w, int *hgt)
{
	struct heat_geom g;
	heat_geom(h, &g);
	*w = g.w;
	*hgt = g.h;
}

void render_heatmap_cell(const struct render_heatmap *h, int row, int channel,
			 int *x, int *y)
{
	struct heat_geom g;
	heat_geom(h, &g);
	*x = (heat_cx(&g, channel) + heat_cx(&g, channel + 1) - 1) / 2;
	*y = g.y0 + row * HEAT_ROW_PITCH + HEAT_CELL_H / 2;
}

/* Axis ticks along a channel axis [0, maxch]. */
static void heat_axis(struct canvas *c, const struct render_style *s,
		      const struct heat_geom *g, int y)
{
	cv_fill(c, g->x0, y, g->pw, 1, s->muted);
	double step = nice_step(g->maxch, 8);
	if (step < 1)
		step = 1;
	for (double v = 0; v <= g->maxch + 1e-9; v += step) {
		int x = heat_cx(g, (int)v);
		cv_fill(c, x, y, 1, 5, s->muted);
		char buf[32];
		snprintf(buf, sizeof buf, "%d", (int)v);
		cv_text(c, x, y + 17, buf, TICK_SIZE, false, s->fg, ALIGN_CENTER);
	}
}

static void legend_caption(struct canvas *c, const struct render_style *s,
			   int x, int y, const char *t)
{
	cv_text(c, x, y, t, LABEL_SIZE, false, s->fg, ALIGN_LEFT);
}

enum eng_status render_heatmap_write(const struct render_heatmap *h,
				     const struct render_style *s, const char *path,
				     const struct eng_warn *warn, struct eng_err *err)
{
	if (h->n_rows < 1 || !(h->hi > h->lo))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "render: a heatmap needs rows and a range lo < hi");
	for (int i = 0; i < h->n_rows; i++)
		if (h->rows[i].channels < 1 || !h->rows[i].value)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "render: heatmap row %d has no channels", i);
	struct heat_geom g;
	heat_geom(h, &g);
	struct canvas cv;
	enum eng_status st = cv_open(&cv, g.w, g.h, s, warn, err);
	if (st != ENG_STATUS_OK)
		return st;
	cv_header(&cv, s, h->title, h->subtitle);
	int plot_h = h->n_rows * HEAT_ROW_PITCH;
	cv_fill(&cv, g.x0 - 2, g.y0 - 2, g.pw + 4, plot_h + 2, s->panel);
	cv_text(&cv, g.x0 + g.pw + 10, g.y0 - 6, "channels", TICK_SIZE, false,
		s->muted, ALIGN_LEFT);
	bool any_removed = false;
	for (int r = 0; r < h->n_rows; r++) {
		const struct render_heat_row *row = &h->rows[r];
		int y = g.y0 + r * HEAT_ROW_PITCH;
		int kept = 0;
		for (int ch = 0; ch < row->channels; ch++) {
			double t = (row->value[ch] - h->lo) / (h->hi - h->lo);
			uint32_t col = render_gradient_at(&s->heat, t);
			int x = heat_cx(&g, ch), w = heat_cx(&g, ch + 1) - x;
			bool keep = !row->kept || row->kept[ch];
			kept += keep;
			if (keep) {
				cv_fill(&cv, x, y, w, HEAT_CELL_H, col);
				continue;
			}
			/* Removed: the value stays faintly visible under a
			 * hatch so the plan's choice can be checked. */
			any_removed = true;
			uint32_t dark = rgb_mix(col, s->bg, 0.72);
			for (int j = 0; j < HEAT_CELL_H; j++)
				for (int i = 0; i < w; i++)
					cv_blend(&cv, x + i, y + j,
						 ((x + i + y + j) % 4 == 0) ? s->muted : dark,
						 255);
		}
		if (row->name)
			cv_text(&cv, g.x0 - 8, y + HEAT_CELL_H - 3, row->name,
				LABEL_SIZE, false, s->fg, ALIGN_RIGHT);
		char buf[64];
		if (kept != row->channels)
			snprintf(buf, sizeof buf, "%d \xe2\x86\x92 %d", row->channels, kept);
		else
			snprintf(buf, sizeof buf, "%d", row->channels);
		cv_text(&cv, g.x0 + g.pw + 10, y + HEAT_CELL_H - 3, buf, LABEL_SIZE,
			kept != row->channels, kept != row->channels ? s->accent : s->muted,
			ALIGN_LEFT);
	}
	int ay = g.y0 + plot_h + 2;
	heat_axis(&cv, s, &g, ay);
	cv_text(&cv, g.x0 + g.pw / 2, ay + 38, "output channel", LABEL_SIZE, true,
		s->fg, ALIGN_CENTER);
	cv_text_at(&cv, MARGIN + 12, g.y0 + plot_h / 2, "layer", LABEL_SIZE, true,
		   s->fg, ALIGN_CENTER, true);

	/* Legend: the colour bar, then the kept / removed swatches. */
	int ly = ay + HEAT_AXIS_H + 8;
	int lx = g.label_x;
	legend_caption(&cv, s, lx, ly + 10, h->legend ? h->legend : "value");
	cv_gradient_bar(&cv, s, lx, ly + 18, 280, 14);
	char lo[32], mid[32], hi[32];
	snprintf(lo, sizeof lo, "%g", h->lo);
	snprintf(mid, sizeof mid, "%g", (h->lo + h->hi) / 2);
	snprintf(hi, sizeof hi, "%g", h->hi);
	cv_text(&cv, lx, ly + 48, lo, TICK_SIZE, false, s->fg, ALIGN_LEFT);
	cv_text(&cv, lx + 140, ly + 48, mid, TICK_SIZE, false, s->fg, ALIGN_CENTER);
	cv_text(&cv, lx + 280, ly + 48, hi, TICK_SIZE, false, s->fg, ALIGN_RIGHT);
	int sx = lx + 320;
	cv_fill(&cv, sx, ly + 18, 28, 14, render_gradient_at(&s->heat, 0.75));
	cv_text(&cv, sx + 36, ly + 30, "kept", LABEL_SIZE, false, s->fg, ALIGN_LEFT);
	if (any_removed) {
		int rx = sx + 90;
		uint32_t dark = rgb_mix(render_gradient_at(&s->heat, 0.75), s->bg, 0.72);
		for (int j = 0; j < 14; j++)
			for (int i = 0; i < 28; i++)
				cv_blend(&cv, rx + i, ly + 18 + j,
					 ((rx + i + ly + 18 + j) % 4 == 0) ? s->muted : dark,
					 255);
		cv_text(&cv, rx + 36, ly + 30, "removed by the plan", LABEL_SIZE,
			false, s->fg, ALIGN_LEFT);
	}
	st = cv_save(&cv, h->title, path, err);
	cv_close(&cv);
	return st;
}

enum eng_status render_heatmap_png(const struct render_heatmap *h,
				   const struct render_style *s, const char *path,
				   char *warning, size_t warning_len,
				   struct eng_err *err)
{
	if (warning && warning_len)
		warning[0] = '\0';
	struct eng_warn_last last = { warning, warning_len };
	struct eng_warn sink = { eng_warn_last_keep, &last };
	return render_heatmap_write(h, s, path, &sink, err);
}

/* --- sensitivity: layers x sparsity ------------------------------------ */

#define SENS_COL_W 84
#define SENS_ROW_PITCH 20
#define SENS_CELL_H 18

struct sens_geom {
	int label_x, label_w, x0, pw, y0, w, h;
};

static void sens_geom(const struct render_sensitivity *sv, struct sens_geom *g)
{
	g->label_x = MARGIN + AXIS_LABEL_W;
	g->label_w = heat_label_w(sv->names, sv->n_rows);
	g->x0 = g->label_x + g->label_w;
	g->pw = RENDER_SENS_COLUMNS * SENS_COL_W;
	g->y0 = HEADER_H + 8;
	g->w = g->x0 + g->pw + MARGIN + 16;
	if (g->w < 720)
		g->w = 720;
	g->h = g->y0 + sv->n_rows * SENS_ROW_PITCH + HEAT_AXIS_H + LEGEND_H + MARGIN;
}

void render_sensitivity_size(const struct render_sensitivity *sv, int *w, int *hgt)
{
	struct sens_geom g;
	sens_geom(sv, &g);
	*w = g.w;
	*hgt = g.h;
}

void render_sensitivity_cell(const struct render_sensitivity *sv, int row, int col,
			     int *x, int *y)
{
	struct sens_geom g;
	sens_geom(sv, &g);
	/* Left of the centred figure and inside the tau outline. */
	*x = g.x0 + col * SENS_COL_W + 6;
	*y = g.y0 + row * SENS_ROW_PITCH + SENS_CELL_H / 2;
}

enum eng_status render_sensitivity_write(const struct render_sensitivity *sv,
					 const struct render_style *s,
					 const char *path, const struct eng_warn *warn,
					 struct eng_err *err)
{
	if (sv->n_rows < 1 || !sv->density || !sv->names)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "render: a sensitivity chart needs rows");
	struct sens_geom g;
	sens_geom(sv, &g);
	struct canvas cv;
	enum eng_status st = cv_open(&cv, g.w, g.h, s, warn, err);
	if (st != ENG_STATUS_OK)
		return st;
	cv_header(&cv, s, sv->title, sv->subtitle);
	int plot_h = sv->n_rows * SENS_ROW_PITCH;
	bool any_tau = false;
	for (int r = 0; r < sv->n_rows; r++) {
		int y = g.y0 + r * SENS_ROW_PITCH;
		for (int k = 0; k < RENDER_SENS_COLUMNS; k++) {
			double d = sv->density[(size_t)r * RENDER_SENS_COLUMNS + (size_t)k];
			int x = g.x0 + k * SENS_COL_W;
			if (d < 0) {
				cv_fill(&cv, x, y, SENS_COL_W - 2, SENS_CELL_H, s->panel);
				continue;
			}
			uint32_t col = render_gradient_at(&s->heat, render_density_t(d));
			cv_fill(&cv, x, y, SENS_COL_W - 2, SENS_CELL_H, col);
			if (sv->tau >= 0 && d <= sv->tau) {
				cv_rect(&cv, x, y, SENS_COL_W - 2, SENS_CELL_H, 2, s->fg);
				any_tau = true;
			}
			char buf[32];
			if (d >= 0.0995)
				snprintf(buf, sizeof buf, "%.2f", d);
			else
				snprintf(buf, sizeof buf, "%.3f", d);
			uint32_t ink = rgb_luma(col) > 0.5 ? 0x111111 : 0xf2f2f2;
			cv_text(&cv, x + (SENS_COL_W - 2) / 2, y + SENS_CELL_H - 5, buf,
				TICK_SIZE, false, ink, ALIGN_CENTER);
		}
		cv_text(&cv, g.x0 - 8, y + SENS_CELL_H - 4, sv->names[r], LABEL_SIZE,
			false, s->fg, ALIGN_RIGHT);
	}
	int ay = g.y0 + plot_h + 2;
	cv_fill(&cv, g.x0, ay, g.pw, 1, s->muted);
	for (int k = 0; k < RENDER_SENS_COLUMNS; k++) {
		char buf[32];
		snprintf(buf, sizeof buf, "%.8g", render_sens_sparsity(k));
		int x = g.x0 + k * SENS_COL_W + (SENS_COL_W - 2) / 2;
		cv_fill(&cv, x, ay, 1, 5, s->muted);
		cv_text(&cv, x, ay + 17, buf, TICK_SIZE, false, s->fg, ALIGN_CENTER);
	}
	cv_text(&cv, g.x0 + g.pw / 2, ay + 38,
		"global sparsity s (fraction of weights removed)", LABEL_SIZE, true,
		s->fg, ALIGN_CENTER);
	cv_text_at(&cv, MARGIN + 12, g.y0 + plot_h / 2, "layer", LABEL_SIZE, true,
		   s->fg, ALIGN_CENTER, true);

	int ly = ay + HEAT_AXIS_H + 8;
	int lx = g.label_x;
	legend_caption(&cv, s, lx, ly + 10,
		       "layer density (kept fraction, log scale)");
	cv_gradient_bar(&cv, s, lx, ly + 18, 300, 14);
	static const double ticks[] = { 0.001, 0.01, 0.1, 1.0 };
	for (int i = 0; i < 4; i++) {
		int x = lx + (int)lround(render_density_t(ticks[i]) * 299);
		char buf[16];
		snprintf(buf, sizeof buf, "%g", ticks[i]);
		cv_fill(&cv, x, ly + 33, 1, 4, s->fg);
		cv_text(&cv, x, ly + 48, buf, TICK_SIZE, false, s->fg,
			i == 0 ? ALIGN_LEFT : i == 3 ? ALIGN_RIGHT : ALIGN_CENTER);
	}
	if (any_tau) {
		int sx = lx + 340;
		cv_fill(&cv, sx, ly + 18, 28, 14, render_gradient_at(&s->heat, 0.2));
		cv_rect(&cv, sx, ly + 18, 28, 14, 2, s->fg);
		char buf[96];
		snprintf(buf, sizeof buf, "density \xe2\x89\xa4 \xcf\x84 = %g", sv->tau);
		cv_text(&cv, sx + 36, ly + 30, buf, LABEL_SIZE, false, s->fg, ALIGN_LEFT);
	}
	st = cv_save(&cv, sv->title, path, err);
	cv_close(&cv);
	return st;
}

/* --- trade-off ------------------------------------------------------------ */

#define TR_PLOT_W 440
#define TR_PLOT_H 320
#define TR_LEFT 64
#define TR_GAP 40
#define TR_BOTTOM 52
#define TR_LEGEND_ROW 22

static int tr_legend_rows(const struct render_tradeoff *t)
{
	return (t->n + 3) / 4;
}

void render_tradeoff_size(const struct render_tradeoff *t, int *w, int *hgt)
{
	*w = MARGIN + 2 * (TR_LEFT + TR_PLOT_W) + TR_GAP + MARGIN;
	*hgt = HEADER_H + 16 + TR_PLOT_H + TR_BOTTOM + 12 +
	       tr_legend_rows(t) * TR_LEGEND_ROW + MARGIN;
}

static void fmt_count(double v, char *buf, size_t len)
{
	if (fabs(v) >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (fabs(v) >= 1e3)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", v);
}

struct tr_axis {
	double lo, hi;
};

/* One panel: x from field 0 (latency) or 1 (params), y accuracy in %. */
static void tr_panel(struct canvas *c, const struct render_style *s,
		     const struct render_tradeoff *t, int which, int px, int py,
		     struct tr_axis ya)
{
	cv_fill(c, px, py, TR_PLOT_W, TR_PLOT_H, s->panel);
	double xmax = 0;
	int have = 0;
	for (int i = 0; i < t->n; i++) {
		const struct render_point *p = &t->points[i];
		double x = which == 0 ? p->latency_ms : p->params;
		double xh = which == 0 && isfinite(p->latency_hi) ? p->latency_hi : x;
		if (!isfinite(x) || !isfinite(p->accuracy))
			continue;
		have++;
		if (xh > xmax)
			xmax = xh;
		if (x > xmax)
			xmax = x;
	}
	const char *xlabel = which == 0 ? "latency, batch 1 (ms, median; bars p10-p90)"
					: "parameters (non-zero)";
	cv_text(c, px + TR_PLOT_W / 2, py + TR_PLOT_H + 42, xlabel, LABEL_SIZE, true,
		s->fg, ALIGN_CENTER);
	/* y grid and ticks (shared range) */
	double ystep = nice_step(ya.hi - ya.lo, 6);
	for (double v = ceil(ya.lo / ystep) * ystep; v <= ya.hi + 1e-9; v += ystep) {
		int y = py + TR_PLOT_H - (int)lround((v - ya.lo) / (ya.hi - ya.lo) * TR_PLOT_H);
		cv_fill(c, px, y, TR_PLOT_W, 1, rgb_mix(s->panel, s->muted, 0.35));
		char buf[32];
		snprintf(buf, sizeof buf, "%g", v);
		cv_text(c, px - 6, y + 4, buf, TICK_SIZE, false, s->fg, ALIGN_RIGHT);
	}
	cv_text_at(c, px - 44, py + TR_PLOT_H / 2, "quick-eval accuracy (%)",
		   LABEL_SIZE, true, s->fg, ALIGN_CENTER, true);
	cv_fill(c, px, py + TR_PLOT_H, TR_PLOT_W, 1, s->muted);
	cv_fill(c, px, py, 1, TR_PLOT_H, s->muted);
	if (!have) {
		cv_text(c, px + TR_PLOT_W / 2, py + TR_PLOT_H / 2,
			which == 0 ? "latency not measured" : "no points", LABEL_SIZE,
			false, s->muted, ALIGN_CENTER);
		return;
	}
	if (!(xmax > 0))
		xmax = 1;
	double xstep = nice_step(xmax, 6);
	double xhi = ceil(xmax * 1.08 / xstep) * xstep;
	for (double v = 0; v <= xhi + 1e-9 * xhi; v += xstep) {
		int x = px + (int)lround(v / xhi * TR_PLOT_W);
		cv_fill(c, x, py, 1, TR_PLOT_H, rgb_mix(s->panel, s->muted, 0.35));
		cv_fill(c, x, py + TR_PLOT_H, 1, 5, s->muted);
		char buf[32];
		if (which == 1)
			fmt_count(v, buf, sizeof buf);
		else
			snprintf(buf, sizeof buf, "%g", v);
		cv_text(c, x, py + TR_PLOT_H + 18, buf, TICK_SIZE, false, s->fg,
			ALIGN_CENTER);
	}
	for (int i = 0; i < t->n; i++) {
		const struct render_point *p = &t->points[i];
		double xv = which == 0 ? p->latency_ms : p->params;
		if (!isfinite(xv) || !isfinite(p->accuracy))
			continue;
		uint32_t col = s->series[i % 6];
		double fx = px + xv / xhi * TR_PLOT_W;
		double fy = py + TR_PLOT_H - (100 * p->accuracy - ya.lo) / (ya.hi - ya.lo) * TR_PLOT_H;
		if (isfinite(p->acc_lo) && isfinite(p->acc_hi)) {
			int y1 = py + TR_PLOT_H - (int)lround((100 * p->acc_hi - ya.lo) / (ya.hi - ya.lo) * TR_PLOT_H);
			int y2 = py + TR_PLOT_H - (int)lround((100 * p->acc_lo - ya.lo) / (ya.hi - ya.lo) * TR_PLOT_H);
			cv_fill(c, (int)fx, y1, 1, y2 - y1 + 1, col);
			cv_fill(c, (int)fx - 4, y1, 9, 1, col);
			cv_fill(c, (int)fx - 4, y2, 9, 1, col);
		}
		if (which == 0 && isfinite(p->latency_lo) && isfinite(p->latency_hi)) {
			int x1 = px + (int)lround(p->latency_lo / xhi * TR_PLOT_W);
			int x2 = px + (int)lround(p->latency_hi / xhi * TR_PLOT_W);
			cv_fill(c, x1, (int)fy, x2 - x1 + 1, 1, col);
			cv_fill(c, x1, (int)fy - 4, 1, 9, col);
			cv_fill(c, x2, (int)fy - 4, 1, 9, col);
		}
		cv_disc(c, fx, fy, 5.5, s->bg);
		cv_disc(c, fx, fy, 4.5, col);
		if (p->label) {
			bool left = fx > px + TR_PLOT_W * 0.7;
			cv_text(c, (int)fx + (left ? -9 : 9), (int)fy - 7, p->label,
				LABEL_SIZE, false, col, left ? ALIGN_RIGHT : ALIGN_LEFT);
		}
	}
}

enum eng_status render_tradeoff_write(const struct render_tradeoff *t,
				      const struct render_style *s, const char *path,
				      const struct eng_warn *warn, struct eng_err *err)
{
	if (t->n < 1 || !t->points)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "render: a trade-off chart needs points");
	int w, h;
	render_tradeoff_size(t, &w, &h);
	struct canvas cv;
	enum eng_status st = cv_open(&cv, w, h, s, warn, err);
	if (st != ENG_STATUS_OK)
		return st;
	cv_header(&cv, s, t->title, t->subtitle);
	struct tr_axis ya = { 100, 0 };
	for (int i = 0; i < t->n; i++) {
		const struct render_point *p = &t->points[i];
		if (!isfinite(p->accuracy))
			continue;
		double lo = isfinite(p->acc_lo) ? p->acc_lo : p->accuracy;
		double hi = isfinite(p->acc_hi) ? p->acc_hi : p->accuracy;
		if (100 * lo < ya.lo)
			ya.lo = 100 * lo;
		if (100 * hi > ya.hi)
			ya.hi = 100 * hi;
	}
	if (!(ya.hi > ya.lo)) {
		ya.lo = ya.hi > ya.lo ? ya.lo : (ya.hi < 100 ? ya.hi : 0) - 5;
		ya.hi = ya.lo + 10;
	}
	double ystep = nice_step(ya.hi - ya.lo, 6);
	ya.lo = floor((ya.lo - ystep * 0.3) / ystep) * ystep;
	ya.hi = ceil((ya.hi + ystep * 0.3) / ystep) * ystep;
	if (ya.lo < 0)
		ya.lo = 0;
	if (ya.hi > 100)
		ya.hi = 100;
	int py = HEADER_H + 16;
	int px0 = MARGIN + TR_LEFT;
	tr_panel(&cv, s, t, 0, px0, py, ya);
	tr_panel(&cv, s, t, 1, px0 + TR_PLOT_W + TR_GAP + TR_LEFT, py, ya);
	int ly = py + TR_PLOT_H + TR_BOTTOM + 12;
	for (int i = 0; i < t->n; i++) {
		int x = px0 + (i % 4) * 240;
		int y = ly + (i / 4) * TR_LEGEND_ROW;
		cv_disc(&cv, x + 6, y + 6, 5, s->series[i % 6]);
		char buf[160];
		const struct render_point *p = &t->points[i];
		if (isfinite(p->accuracy))
			snprintf(buf, sizeof buf, "%s  %.1f%%", p->label ? p->label : "?",
				 100 * p->accuracy);
		else
			snprintf(buf, sizeof buf, "%s", p->label ? p->label : "?");
		cv_text(&cv, x + 18, y + 10, buf, LABEL_SIZE, false, s->fg, ALIGN_LEFT);
	}
	st = cv_save(&cv, t->title, path, err);
	cv_close(&cv);
	return st;
}
