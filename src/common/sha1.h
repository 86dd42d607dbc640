/* sha1.h - SHA-1 (FIPS 180-4), for name-based UUIDs (RFC 4122 version 5).
 *
 * Not used for anything security-related: the worker hashes an object's canonical JSON to
 * give objects without an ID property a stable external ID. Streaming (init / update /
 * final) so a name can be hashed in pieces without building it in memory first.
 */
#ifndef OAC_SHA1_H
#define OAC_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_LEN 20

struct sha1_ctx {
  uint32_t h[5];
  uint64_t total;               /* bytes hashed so far */
  unsigned char block[64];      /* pending input, `used` bytes */
  size_t used;
};

void sha1_init(struct sha1_ctx *ctx);
void sha1_update(struct sha1_ctx *ctx, const void *data, size_t len);
/* Writes the digest; CTX must be initialised again before reuse. */
void sha1_final(struct sha1_ctx *ctx, unsigned char out[SHA1_DIGEST_LEN]);
/* One-shot: the digest of DATA[0..len). */
void sha1(const void *data, size_t len, unsigned char out[SHA1_DIGEST_LEN]);

#endif
