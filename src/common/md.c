/* md.c - the block buffering and padding of SHA-1 and SHA-256 (see md.h). */
#include <string.h>
#include "md.h"

void md_update(uint32_t *h, md_compress_fn *compress, uint64_t *total, unsigned char *block,
               size_t *used, const void *data, size_t len)
{
  const unsigned char *p = data;
  *total += len;
  if(*used) {
    size_t take = 64 - *used < len ? 64 - *used : len;
    memcpy(block + *used, p, take);
    *used += take;
    p += take;
    len -= take;
    if(*used < 64)
      return;
    compress(h, block);
    *used = 0;
  }
  for(; len >= 64; p += 64, len -= 64)
    compress(h, p);
  if(len) {
    memcpy(block, p, len);
    *used = len;
  }
}

void md_final(uint32_t *h, md_compress_fn *compress, uint64_t total, unsigned char *block,
              size_t used, unsigned nwords, unsigned char *out)
{
  uint64_t bits = total * 8;
  block[used++] = 0x80;
  if(used > 56) {
    memset(block + used, 0, 64 - used);
    compress(h, block);
    used = 0;
  }
  memset(block + used, 0, 56 - used);
  for(int i = 0; i < 8; i++)
    block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
  compress(h, block);
  for(unsigned i = 0; i < nwords; i++) {
    out[4 * i] = (unsigned char)(h[i] >> 24);
    out[4 * i + 1] = (unsigned char)(h[i] >> 16);
    out[4 * i + 2] = (unsigned char)(h[i] >> 8);
    out[4 * i + 3] = (unsigned char)h[i];
  }
}
