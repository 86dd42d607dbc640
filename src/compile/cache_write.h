/* cache_write.h - serialize a compiled model into a cache image and write it atomically
 * (temporary file in the same directory + fsync + rename), so a worker never sees a
 * half-written cache. */
#ifndef OAC_CACHE_WRITE_H
#define OAC_CACHE_WRITE_H

#include "../common/buf.h"
#include "../common/result.h"
#include "model.h"

/* The whole file image; m->describe must be built. */
enum oac_result cache_build_image(const struct model *m, struct buf *out);
/* Build + write to PATH atomically. On OAC_EIO, errno is kept for the message. */
enum oac_result cache_write_file(const struct model *m, const char *path);

#endif
