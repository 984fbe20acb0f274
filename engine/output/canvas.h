/* canvas.h: an RGB raster for the PNG charts (output/render.h): filled
 * rectangles, outlines, anti-aliased discs and lines, UTF-8 text rasterised with
 * FreeType (DejaVu Sans), 0xRRGGBB colour helpers, and the PNG encoding
 * (libpng, written atomically through base/fileio.h).
 *
 * Coordinates are pixels, (0, 0) top left; anything drawn outside the
 * canvas is clipped.  Text is drawn only when a font was loaded (c->text);
 * without one, canvas_open has reported a warning and every text call draws
 * nothing, while canvas_text_width estimates widths from character counts
 * (canvas_text_estimate), so layouts need no font.  Fonts: font, when not
 * NULL, is the only file tried; else DejaVuSans.ttf in the first of the
 * colon-separated font_dirs that has it, with DejaVuSans-Bold.ttf beside
 * it for bold (or the regular face).
 *
 * Owns: the pixels and the FreeType library and faces, from canvas_open
 * until canvas_close frees them (a failed canvas_open holds nothing, and
 * canvas_close on it is harmless).  The struct is the caller's; the
 * warning sink is borrowed for the canvas's life.
 * Thread rules: one thread per canvas; each canvas has its own FreeType
 * library, so canvases on different threads are independent.
 *
 *   struct canvas cv;
 *   if (canvas_open(&cv, 640, 480, 0x161a21, NULL, dirs, warn, &err)) ...;
 *   canvas_fill(&cv, 10, 10, 100, 20, 0x5c9ad6);
 *   canvas_text(&cv, 10, 50, "title", 18, true, 0xe4e8ee, CANVAS_ALIGN_LEFT);
 *   enum eng_status st = canvas_save_png(&cv, "title", "out.png", &err);
 *   canvas_close(&cv);
 */
#ifndef RECONVENE_CANVAS_H
#define RECONVENE_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "base/warn.h"

/* FreeType's handle types (FT_Library, FT_Face) without its headers. */
struct FT_LibraryRec_;
struct FT_FaceRec_;

struct canvas {
	int w, h;
	uint8_t *px;                  /* RGB, row-major; owned */
	struct FT_LibraryRec_ *lib;   /* owned; NULL if FreeType failed */
	struct FT_FaceRec_ *face[2];  /* regular, bold; owned, may be NULL */
	bool text;                    /* a font is loaded */
	const struct eng_warn *warn;  /* the caller's; may be NULL */
};

enum canvas_align {
	CANVAS_ALIGN_LEFT,
	CANVAS_ALIGN_CENTER,
	CANVAS_ALIGN_RIGHT
};

/* A w x h canvas filled with bg, and the fonts (see the top of this file;
 * a font that cannot be loaded is a warning, not an error).  EINVAL for a
 * size outside 1..16384, ENOMEM. */
enum eng_status canvas_open(struct canvas *c, int w, int h, uint32_t bg,
			    const char *font, const char *font_dirs,
			    const struct eng_warn *warn, struct eng_err *err);
void canvas_close(struct canvas *c);

/* Blend col over pixel (x, y) with alpha a (0..255, 255 = replace). */
void canvas_blend(struct canvas *c, int x, int y, uint32_t col, unsigned a);
void canvas_fill(struct canvas *c, int x, int y, int w, int h, uint32_t col);
/* The outline of a w x h rectangle, t pixels thick, inside it. */
void canvas_rect(struct canvas *c, int x, int y, int w, int h, int t,
		 uint32_t col);
/* An anti-aliased disc of radius r centred at (cx, cy). */
void canvas_disc(struct canvas *c, double cx, double cy, double r,
		 uint32_t col);

/* An anti-aliased segment from (x0, y0) to (x1, y1), width pixels wide,
 * with round ends. */
void canvas_line(struct canvas *c, double x0, double y0, double x1, double y1,
		 double width, uint32_t col);

/* Estimated width of t at pixel size `size`, from its character count
 * (no font needed; a little wider than DejaVu Sans usually is). */
int canvas_text_estimate(const char *t, int size);
/* Text width in pixels: measured with the font, estimated without. */
int canvas_text_width(struct canvas *c, const char *t, int size, bool bold);
/* Draw t with its baseline at y; x is the left edge, centre or right edge
 * per align.  vertical: rotated a quarter turn counter-clockwise, reading
 * bottom to top, (x, y) then being the baseline's point (x = baseline
 * column) and align acting along y. */
void canvas_text_at(struct canvas *c, int x, int y, const char *t, int size,
		    bool bold, uint32_t col, enum canvas_align align, bool vertical);
/* canvas_text_at, horizontal. */
void canvas_text(struct canvas *c, int x, int y, const char *t, int size,
		 bool bold, uint32_t col, enum canvas_align align);

/* Encode the canvas as an 8-bit RGB PNG with the text chunks Software
 * ("reconvene VERSION") and, if title is not NULL, Title, and write it to
 * path atomically.  ENOMEM, EIO (with the path). */
enum eng_status canvas_save_png(struct canvas *c, const char *title,
				const char *path, struct eng_err *err);

/* a + (b - a) t per channel, rounded to the nearest integer. */
uint32_t canvas_rgb_mix(uint32_t a, uint32_t b, double t);
/* Relative luminance in [0, 1] (Rec. 709 weights on the raw channels). */
double canvas_rgb_luma(uint32_t c);

#endif
