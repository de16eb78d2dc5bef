/*
 * PNG images of 8-bit greyscale or RGB pixels, written through libpng. Knows
 * pixels only: what they show is the caller's business.
 */
#ifndef MIXMATE_PNG_FILE_H
#define MIXMATE_PNG_FILE_H

#include <mixmate/status.h>

#include <stdint.h>

typedef struct {
    int width, height;     /* pixels */
    int channels;          /* 1: grey, 3: RGB */
    const uint8_t *pixels; /* height x width x channels, row-major, top row first */
} mm_image;

/* Not collective: write img to path under a temporary name, then rename it
 * into place, so that a failure (named with path and the reason) leaves
 * neither a partial image nor the temporary file. */
mm_status mm_png_write(const char *path, const mm_image *img);

#endif
