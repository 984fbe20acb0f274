/* canvas.c: the RGB raster behind the PNG charts: drawing, FreeType
 * text, libpng encoding (see canvas.h).  The pixels are w x h RGB triples,
 * row-major, top row first, exactly what libpng's RGB rows want, so saving
 * needs no conversion.
 */
#include "config.h"

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
#include "output/canvas.h"

#define CANVAS_FONT_REGULAR "DejaVuSans.ttf"
#define CANVAS_FONT_BOLD "DejaVuSans-Bold.ttf"
#define CANVAS_WARNING_MAX 256  /* a font warning line */
/* Estimated advance per character as a fraction of the pixel size: DejaVu
 * Sans averages ~0.55 em over names like "layer1.0.conv1"; a little more
 * keeps estimated columns from clipping real text. */
#define CANVAS_EST_ADVANCE 0.64

/* --- colours -------------------------------------------------------------- */

static unsigned canvas_red(uint32_t c) { return (c >> 16) & 0xff; }
static unsigned canvas_green(uint32_t c) { return (c >> 8) & 0xff; }
static unsigned canvas_blue(uint32_t c) { return c & 0xff; }

uint32_t canvas_rgb_mix(uint32_t a, uint32_t b, double t)
{
	double r = canvas_red(a) + (canvas_red(b) - (double)canvas_red(a)) * t;
	double g = canvas_green(a) +
		   (canvas_green(b) - (double)canvas_green(a)) * t;
	double bl = canvas_blue(a) + (canvas_blue(b) - (double)canvas_blue(a)) * t;
	return ((uint32_t)lround(r) << 16) | ((uint32_t)lround(g) << 8) |
	       (uint32_t)lround(bl);
}

double canvas_rgb_luma(uint32_t c)
{
	return (0.2126 * canvas_red(c) + 0.7152 * canvas_green(c) +
		0.0722 * canvas_blue(c)) / 255.0;
}

/* --- open, close, fonts --------------------------------------------------- */

static void canvas_warn(struct canvas *c, const char *msg)
{
	eng_warn_line(c->warn, msg);
}

static bool canvas_face_open(struct canvas *c, const char *path, int which)
{
	if (access(path, R_OK) != 0)
		return false;
	return FT_New_Face(c->lib, path, 0, &c->face[which]) == 0;
}

/* See the top of canvas.h for the search order. */
static void canvas_fonts_open(struct canvas *c, const char *font,
			      const char *font_dirs)
{
	if (FT_Init_FreeType(&c->lib) != 0) {
		c->lib = NULL;
		canvas_warn(c, "FreeType failed to start: the picture has no text");
		return;
	}
	const char *only = font;
	if (only) {
		if (canvas_face_open(c, only, 0)) {
			c->text = true;
			c->face[1] = NULL;
		} else {
			char msg[CANVAS_WARNING_MAX];
			snprintf(msg, sizeof msg, "cannot load the font '%.150s': the "
				 "picture has no text", only);
			canvas_warn(c, msg);
		}
		return;
	}
	const char *dirs = font_dirs ? font_dirs : "";
	while (*dirs) {
		const char *end = strchr(dirs, ':');
		size_t n = end ? (size_t)(end - dirs) : strlen(dirs);
		char path[4096];
		if (n > 0 && n < sizeof path - 64) {
			snprintf(path, sizeof path, "%.*s/%s", (int)n, dirs,
				 CANVAS_FONT_REGULAR);
			if (canvas_face_open(c, path, 0)) {
				snprintf(path, sizeof path, "%.*s/%s", (int)n, dirs,
					 CANVAS_FONT_BOLD);
				if (!canvas_face_open(c, path, 1))
					c->face[1] = NULL;
				c->text = true;
				return;
			}
		}
		if (!end)
			break;
		dirs = end + 1;
	}
	char msg[CANVAS_WARNING_MAX];
	snprintf(msg, sizeof msg, "no " CANVAS_FONT_REGULAR " found in %.150s (set "
		 "RECONVENE_FONT to a .ttf file): the picture has no text",
		 font_dirs && *font_dirs ? font_dirs : "no font directory");
	canvas_warn(c, msg);
}

enum eng_status canvas_open(struct canvas *c, int w, int h, uint32_t bg,
			    const char *font, const char *font_dirs,
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
		c->px[3 * i] = (uint8_t)canvas_red(bg);
		c->px[3 * i + 1] = (uint8_t)canvas_green(bg);
		c->px[3 * i + 2] = (uint8_t)canvas_blue(bg);
	}
	canvas_fonts_open(c, font, font_dirs);
	return ENG_STATUS_OK;
}

void canvas_close(struct canvas *c)
{
	for (int i = 0; i < 2; i++)
		if (c->face[i])
			FT_Done_Face(c->face[i]);
	if (c->lib)
		FT_Done_FreeType(c->lib);
	free(c->px);
	c->px = NULL;
}

/* --- shapes --------------------------------------------------------------- */

void canvas_blend(struct canvas *c, int x, int y, uint32_t col, unsigned a)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h || a == 0)
		return;
	uint8_t *p = c->px + 3 * ((size_t)y * (size_t)c->w + (size_t)x);
	if (a >= 255) {
		p[0] = (uint8_t)canvas_red(col);
		p[1] = (uint8_t)canvas_green(col);
		p[2] = (uint8_t)canvas_blue(col);
		return;
	}
	p[0] = (uint8_t)((p[0] * (255 - a) + canvas_red(col) * a + 127) / 255);
	p[1] = (uint8_t)((p[1] * (255 - a) + canvas_green(col) * a + 127) / 255);
	p[2] = (uint8_t)((p[2] * (255 - a) + canvas_blue(col) * a + 127) / 255);
}

void canvas_fill(struct canvas *c, int x, int y, int w, int h, uint32_t col)
{
	for (int j = y; j < y + h; j++)
		for (int i = x; i < x + w; i++)
			canvas_blend(c, i, j, col, 255);
}

void canvas_rect(struct canvas *c, int x, int y, int w, int h, int t,
		 uint32_t col)
{
	canvas_fill(c, x, y, w, t, col);
	canvas_fill(c, x, y + h - t, w, t, col);
	canvas_fill(c, x, y, t, h, col);
	canvas_fill(c, x + w - t, y, t, h, col);
}

void canvas_disc(struct canvas *c, double cx, double cy, double r, uint32_t col)
{
	for (int y = (int)floor(cy - r - 1); y <= (int)ceil(cy + r + 1); y++)
		for (int x = (int)floor(cx - r - 1); x <= (int)ceil(cx + r + 1); x++) {
			double d = hypot(x + 0.5 - cx, y + 0.5 - cy);
			double a = r + 0.5 - d;
			if (a > 0)
				canvas_blend(c, x, y, col,
					     a >= 1 ? 255 : (unsigned)(a * 255));
		}
}

void canvas_line(struct canvas *c, double x0, double y0, double x1, double y1,
		 double width, uint32_t col)
{
	double r = width / 2, dx = x1 - x0, dy = y1 - y0;
	double len2 = dx * dx + dy * dy;
	int xa = (int)floor(fmin(x0, x1) - r - 1), xb = (int)ceil(fmax(x0, x1) + r + 1);
	int ya = (int)floor(fmin(y0, y1) - r - 1), yb = (int)ceil(fmax(y0, y1) + r + 1);
	for (int y = ya; y <= yb; y++)
		for (int x = xa; x <= xb; x++) {
			double px = x + 0.5, py = y + 0.5;
			double t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
			t = t < 0 ? 0 : t > 1 ? 1 : t;
			double d = hypot(px - (x0 + t * dx), py - (y0 + t * dy));
			double a = r + 0.5 - d;
			if (a > 0)
				canvas_blend(c, x, y, col, a >= 1 ? 255 : (unsigned)(a * 255));
		}
}

/* --- text ----------------------------------------------------------------- */

/* One UTF-8 code point (invalid bytes come back as '?'). */
static unsigned long canvas_utf8_next(const char **s)
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

int canvas_text_estimate(const char *t, int size)
{
	int n = 0;
	while (*t) {
		canvas_utf8_next(&t);
		n++;
	}
	return (int)ceil(n * size * CANVAS_EST_ADVANCE);
}

static FT_Face canvas_face(struct canvas *c, bool bold, int size)
{
	FT_Face f = bold && c->face[1] ? c->face[1] : c->face[0];
	FT_Set_Pixel_Sizes(f, 0, (FT_UInt)size);
	return f;
}

int canvas_text_width(struct canvas *c, const char *t, int size, bool bold)
{
	if (!c->text)
		return canvas_text_estimate(t, size);
	FT_Face f = canvas_face(c, bold, size);
	long w = 0;
	while (*t) {
		unsigned long cp = canvas_utf8_next(&t);
		if (FT_Load_Char(f, cp, FT_LOAD_DEFAULT) == 0)
			w += f->glyph->advance.x;
	}
	return (int)((w + 63) >> 6);
}

void canvas_text_at(struct canvas *c, int x, int y, const char *t, int size,
		    bool bold, uint32_t col, enum canvas_align align, bool vertical)
{
	if (!c->text || !*t)
		return;
	int w = canvas_text_width(c, t, size, bold);
	int off = align == CANVAS_ALIGN_CENTER ? -w / 2 :
		  align == CANVAS_ALIGN_RIGHT ? -w : 0;
	FT_Face f = canvas_face(c, bold, size);
	long pen = (long)off * 64;
	while (*t) {
		unsigned long cp = canvas_utf8_next(&t);
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
					canvas_blend(c, x + v, y - u, col, a);
				else
					canvas_blend(c, x + u, y + v, col, a);
			}
		pen += g->advance.x;
	}
}

void canvas_text(struct canvas *c, int x, int y, const char *t, int size,
		 bool bold, uint32_t col, enum canvas_align align)
{
	canvas_text_at(c, x, y, t, size, bold, col, align, false);
}

/* --- PNG ------------------------------------------------------------------ */

struct canvas_png {
	uint8_t *buf;
	size_t len, cap;
	bool oom;
};

static void canvas_png_write(png_structp p, png_bytep data, png_size_t n)
{
	struct canvas_png *m = png_get_io_ptr(p);
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

static void canvas_png_flush(png_structp p)
{
	(void)p;
}

static enum eng_status canvas_png_put(int fd, void *user, const char *path,
				      struct eng_err *err)
{
	const struct canvas_png *m = user;
	return fileio_write_all(fd, m->buf, m->len, path, err);
}

enum eng_status canvas_save_png(struct canvas *c, const char *title,
				const char *path, struct eng_err *err)
{
	struct canvas_png m = { 0 };
	png_bytep *rows = malloc((size_t)c->h * sizeof *rows);
	if (!rows)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "render: out of memory");
	for (int y = 0; y < c->h; y++)
		rows[y] = c->px + (size_t)y * (size_t)c->w * 3;
	png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL,
						  NULL);
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
	png_set_write_fn(p, &m, canvas_png_write, canvas_png_flush);
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
		st = fileio_write_atomic(path, canvas_png_put, &m, err);
	free(m.buf);
	return st;
}
