/*
 * The PNG writer. libpng reports errors by longjmp; the jump lands in one
 * function that owns no state of its own, so nothing needs to be volatile,
 * and the reason (libpng's, or strerror of a failed write) travels back in
 * the sink that also carries the FILE.
 */
#include "io/png_file.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/h5util.h"

typedef struct {
    FILE *f;
    char why[256]; /* the first reason the encoding failed */
} png_sink;

static void on_error(png_structp png, png_const_charp msg)
{
    png_sink *s = png_get_error_ptr(png);
    if (!s->why[0])
        snprintf(s->why, sizeof s->why, "%s", msg);
    png_longjmp(png, 1);
}

/* libpng warns about ancillary details only; the image is still valid. */
static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* Our own write callback, so that a full disk is reported with errno. */
static void sink_write(png_structp png, png_bytep data, size_t n)
{
    png_sink *s = png_get_io_ptr(png);
    if (fwrite(data, 1, n, s->f) != n)
        png_error(png, strerror(errno));
}

static void sink_flush(png_structp png)
{
    png_sink *s = png_get_io_ptr(png);
    fflush(s->f);
}

/* 0 when the whole image went to s->f; -1 with s->why set otherwise. */
static int encode(png_sink *s, const mm_image *img)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, s, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        snprintf(s->why, sizeof s->why, "out of memory for the PNG encoder");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }

    /* Header, then the rows top to bottom. */
    int color = img->channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY;
    png_set_write_fn(png, s, sink_write, sink_flush);
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8, color,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)img->width * (size_t)img->channels;
    for (int y = 0; y < img->height; y++)
        png_write_row(png, img->pixels + (size_t)y * stride);
    png_write_end(png, NULL);

    png_destroy_write_struct(&png, &info);
    return 0;
}

mm_status mm_png_write(const char *path, const mm_image *img)
{
    if (img->channels != 1 && img->channels != 3)
        return mm_fail(MM_ERR_INTERNAL, "%s: %d channels per pixel; PNG output takes 1 or 3",
                       path, img->channels);

    /* Encode into the temporary file. */
    char tmp[4200];
    mm_tmp_name(tmp, sizeof tmp, path);
    png_sink s = {.f = fopen(tmp, "wb")};
    if (!s.f)
        return mm_fail(MM_ERR_IO, "%s: cannot create %s (%s)", path, tmp, strerror(errno));
    int rc = encode(&s, img);

    /* A close that fails loses buffered bytes: that too is a failed write. */
    if (fclose(s.f) != 0 && rc == 0) {
        snprintf(s.why, sizeof s.why, "%s", strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        unlink(tmp);
        return mm_fail(MM_ERR_IO, "%s: cannot write the PNG image (%s)", path, s.why);
    }
    return mm_commit_file(tmp, path);
}
