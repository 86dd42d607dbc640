/* sha1.c - SHA-1 as FIPS 180-4 §6.1 describes it: 64-byte blocks, 80 rounds. */
#include <string.h>
#include "sha1.h"
#include "md.h"

static inline uint32_t rol(uint32_t x, unsigned n)
{
  return (x << n) | (x >> (32 - n));
}

static void compress(uint32_t *h, const unsigned char *p)
{
  uint32_t w[80];
  for(int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
           (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
  for(int i = 16; i < 80; i++)
    w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for(int i = 0; i < 80; i++) {
    uint32_t f, k;
    if(i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999u;
    }
    else if(i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1u;
    }
    else if(i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdcu;
    }
    else {
      f = b ^ c ^ d;
      k = 0xca62c1d6u;
    }
    uint32_t t = rol(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rol(b, 30);
    b = a;
    a = t;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

void sha1_init(struct sha1_ctx *ctx)
{
  static const uint32_t iv[5] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u,
                                  0xc3d2e1f0u };
  memcpy(ctx->h, iv, sizeof(iv));
  ctx->total = 0;
  ctx->used = 0;
}

void sha1_update(struct sha1_ctx *ctx, const void *data, size_t len)
{
  md_update(ctx->h, compress, &ctx->total, ctx->block, &ctx->used, data, len);
}

void sha1_final(struct sha1_ctx *ctx, unsigned char out[SHA1_DIGEST_LEN])
{
  md_final(ctx->h, compress, ctx->total, ctx->block, ctx->used, 5, out);
  memset(ctx, 0, sizeof(*ctx));
}

void sha1(const void *data, size_t len, unsigned char out[SHA1_DIGEST_LEN])
{
  struct sha1_ctx ctx;
  sha1_init(&ctx);
  sha1_update(&ctx, data, len);
  sha1_final(&ctx, out);
}
