/*
 * qrsvg.c - QR codes as SVG.
 */
#include "core/qrsvg.h"

#include <string.h>

#include <qrencode.h>

#include "core/arena.h"
#include "core/buf.h"

#define QUIET 4
#define TEXT_MAX 1024

/* The dark modules of row y as horizontal runs: "M<x> <y>h<n>v1h-<n>z". */
static int
row(struct buf *b, const QRcode *q, int y)
{
	int w = q->width;

	for (int x = 0; x < w;) {
		int n = 0;

		while (x + n < w && (q->data[y * w + x + n] & 1))
			n++;
		if (n == 0) {
			x++;
			continue;
		}
		if (buf_printf(b, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, n,
		               n) < 0)
			return -1;
		x += n;
	}
	return 0;
}

const char *
qrsvg_render(struct arena *a, const char *text)
{
	struct buf b;
	QRcode *q;
	int size, bad;

	if (text == NULL || *text == '\0' || strlen(text) > TEXT_MAX)
		return NULL;
	q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (q == NULL)
		return NULL;
	size = q->width + 2 * QUIET;
	buf_init(&b, a, 8192, 256 * 1024);
	bad = buf_printf(
	    &b,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
	    "%d %d\" width=\"%d\" height=\"%d\" shape-rendering="
	    "\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\"/><path fill=\"#000\" d=\"",
	    size, size, size * 6, size * 6, size, size);
	for (int y = 0; y < q->width && bad == 0; y++)
		bad = row(&b, q, y);
	if (bad == 0)
		bad = buf_puts(&b, "\"/></svg>");
	QRcode_free(q);
	/* A cut image would be a wrong code: none rather than that. */
	return bad == 0 ? buf_cstr(&b) : NULL;
}
