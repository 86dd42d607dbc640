/* hash.c - oac_hash64: 8 bytes per step, multiply-xorshift mixing.
 * Part of the cache format (see hash.h): do not change without a format version bump.
 * oac_hash_ci: FNV-1a, case-folded, for in-memory tables. */
#include <string.h>
#include "hash.h"

#define K1 0x9e3779b97f4a7c15ULL
#define K2 0xbf58476d1ce4e5b9ULL
#define K3 0x94d049bb133111ebULL

static inline uint64_t mix(uint64_t h)
{
  h ^= h >> 30;
  h *= K2;
  h ^= h >> 27;
  h *= K3;
  h ^= h >> 31;
  return h;
}

uint64_t oac_hash64(const void *data, size_t len, uint64_t seed)
{
  const unsigned char *p = data;
  uint64_t h = seed ^ (len * K1);
  uint64_t a = K1, b = K2;
  size_t i = 0;
  for(; i + 16 <= len; i += 16) {
    uint64_t w1, w2;
    memcpy(&w1, p + i, 8);
    memcpy(&w2, p + i + 8, 8);
    a = (a ^ w1) * K3;
    a = (a << 31) | (a >> 33);
    b = (b ^ w2) * K1;
    b = (b << 29) | (b >> 35);
  }
  h ^= mix(a) + mix(b);
  uint64_t tail = 0;
  unsigned shift = 0;
  for(; i < len; i++, shift += 8) {
    if(shift == 64) {
      h = mix(h ^ tail);
      tail = 0;
      shift = 0;
    }
    tail |= (uint64_t)p[i] << shift;
  }
  return mix(h ^ tail ^ (uint64_t)len);
}

uint32_t oac_hash_ci(const char *s)
{
  uint32_t h = 2166136261u;
  for(; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    h = (h ^ (ch >= 'A' && ch <= 'Z' ? ch + 32u : ch)) * 16777619u;
  }
  return h;
}
