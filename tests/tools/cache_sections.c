/* cache_sections.c - print a cache file's section checksums, or its describe body
 * (issue 17: --emit-overlay round trips compare the describe, plans and examples sections
 * of two caches; the header differs: overlays, compile time).
 *
 * Usage: cache_sections FILE             one line per section: KIND-NAME CHECKSUM SIZE
 *        cache_sections FILE describe    the describe JSON
 *        cache_sections --compare A B [KIND...]
 *            compare sections of two caches (default: describe plans params u32 secalts
 *            examples): one line "KIND same" or "KIND differs" each, exit 1 when one
 *            differs. String references in a cache are file offsets, and the header's size
 *            depends on the overlays it names, so every offset of B may be A's plus the
 *            difference D of the header sizes: sections are compared as 32-bit words, equal
 *            when they are equal or when B's is A's + D and A's lies past A's header.
 * Exit 0, or 1 with a message when FILE is not a valid cache. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "../../src/cache/cache.h"

static const char *const names[CS_KIND_MAX] = {
  "?", "strings", "describe", "types", "props", "index", "plans", "params", "u32",
  "secalts", "schemes", "examples", "servers", "actions", "inputs", "outcomes"
};

static int kind_of(const char *name)
{
  for(int k = 1; k < CS_KIND_MAX; k++)
    if(!strcmp(names[k], name))
      return k;
  return 0;
}

static const struct cache_section *find(const struct cache *c, int kind)
{
  for(uint32_t i = 0; i < c->hdr->nsections && i < CACHE_MAX_SECTIONS; i++)
    if((int)c->hdr->sections[i].kind == kind)
      return &c->hdr->sections[i];
  return NULL;
}

static int compare(int argc, char **argv)
{
  static const char *const dflt[] = { "describe", "plans", "params", "u32", "secalts",
                                      "examples" };
  struct cache a, b;
  struct cache_error err;
  if(argc < 4) {
    fprintf(stderr, "usage: cache_sections --compare A B [KIND...]\n");
    return 2;
  }
  if(cache_open(&a, argv[2], CACHE_VERIFY_ALL, &err)) {
    fprintf(stderr, "cache_sections: %s: %s\n", argv[2], err.msg);
    return 1;
  }
  if(cache_open(&b, argv[3], CACHE_VERIFY_ALL, &err)) {
    fprintf(stderr, "cache_sections: %s: %s\n", argv[3], err.msg);
    cache_close(&a);
    return 1;
  }
  uint32_t ha = a.hdr->header_size, delta = b.hdr->header_size - ha;
  int n = argc > 4 ? argc - 4 : (int)(sizeof(dflt) / sizeof(dflt[0])), bad = 0;
  for(int i = 0; i < n; i++) {
    const char *name = argc > 4 ? argv[4 + i] : dflt[i];
    int k = kind_of(name);
    const struct cache_section *sa = k ? find(&a, k) : NULL, *sb = k ? find(&b, k) : NULL;
    int same = k && (!sa) == (!sb);
    if(sa && sb) {
      same = sa->size == sb->size;
      const unsigned char *pa = a.base + sa->offset, *pb = b.base + sb->offset;
      uint64_t words = sa->size / 4 * 4;
      same = same && !memcmp(pa + words, pb + words, sa->size - words);
      if(k == CS_DESCRIBE || k == CS_STRINGS)   /* text: no offsets in it */
        same = same && !memcmp(pa, pb, words);
      for(uint64_t j = 0; same && k != CS_DESCRIBE && k != CS_STRINGS && j < words; j += 4) {
        uint32_t wa, wb;
        memcpy(&wa, pa + j, 4);
        memcpy(&wb, pb + j, 4);
        same = wa == wb || (wa >= ha && wb - wa == delta);
      }
    }
    printf("%s %s\n", name, same ? "same" : "differs");
    bad |= !same;
  }
  cache_close(&a);
  cache_close(&b);
  return bad;
}

int main(int argc, char **argv)
{
  if(argc > 1 && !strcmp(argv[1], "--compare"))
    return compare(argc, argv);
  struct cache c;
  struct cache_error err;
  if(argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "describe"))) {
    fprintf(stderr, "usage: cache_sections FILE [describe]\n");
    return 2;
  }
  if(cache_open(&c, argv[1], CACHE_VERIFY_ALL, &err)) {
    fprintf(stderr, "cache_sections: %s: %s\n", argv[1], err.msg);
    return 1;
  }
  if(argc == 3) {
    size_t len = 0;
    const char *d = cache_describe(&c, &len, &err);
    if(!d) {
      fprintf(stderr, "cache_sections: %s: %s\n", argv[1], err.msg);
      cache_close(&c);
      return 1;
    }
    fwrite(d, 1, len, stdout);
    putchar('\n');
  }
  else
    for(uint32_t i = 0; i < c.hdr->nsections && i < CACHE_MAX_SECTIONS; i++) {
      const struct cache_section *s = &c.hdr->sections[i];
      printf("%s %016" PRIx64 " %" PRIu64 "\n", s->kind < CS_KIND_MAX ? names[s->kind] : "?",
             s->checksum, s->size);
    }
  cache_close(&c);
  return 0;
}
