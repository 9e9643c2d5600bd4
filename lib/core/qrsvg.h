/*
 * qrsvg.h - a QR code (libqrencode) drawn as a self-contained SVG image:
 * one path of the dark modules on a white square, with a quiet zone of
 * four modules, and no script, style element or external reference, so
 * that a page under a strict Content-Security-Policy can show it as an
 * image (a data: URL).
 */
#ifndef STRATA_CORE_QRSVG_H
#define STRATA_CORE_QRSVG_H

struct arena;

/* The SVG text of text's QR code (byte mode, error correction M), in the
 * arena.  NULL when text is empty, longer than 1024 bytes or cannot be
 * encoded. */
const char *qrsvg_render(struct arena *a, const char *text);

#endif
