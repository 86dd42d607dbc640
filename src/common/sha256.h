/* sha256.h - SHA-256 (FIPS 180-4).
 *
 * Used where a digest must not be forgeable by accident: the worker's offsetToken holds the
 * SHA-256 of the list filter it belongs to and a checksum of its own bytes (product.md
 * §12.2), and a paging walk compares the SHA-256 of successive page bodies to detect a
 * loop. Streaming (init / update / final), like sha1.h, so a body can be hashed as it
 * arrives.
 */
#ifndef OAC_SHA256_H
#define OAC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

struct sha256_ctx {
  uint32_t h[8];
  uint64_t total;          /* bytes hashed so far */
  unsigned char block[64]; /* pending input, `used` bytes */
  size_t used;
};

void sha256_init(struct sha256_ctx *ctx);
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
/* Writes the digest; CTX must be initialised again before reuse. */
void sha256_final(struct sha256_ctx *ctx, unsigned char out[SHA256_DIGEST_LEN]);
/* One-shot: the digest of DATA[0..len). */
void sha256(const void *data, size_t len, unsigned char out[SHA256_DIGEST_LEN]);

#endif
