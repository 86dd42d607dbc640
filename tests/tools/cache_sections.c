/* cache_sections.c - print a cache file's section checksums, or its describe body
 * (issue 17: --emit-overlay round trips compare the describe, plans and examples sections
 * of two caches; the header differs: overlays, compile time).
 *
 * Usage: cache_sections FILE             one line per section: KIND-NAME CHECKSUM SIZE
 *        cache_sections FILE describe    the describe JSON
 * Exit 0, or 1 with a message when FILE is not a valid cache. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "../../src/cache/cache.h"

static const char *const names[CS_KIND_MAX] = {
  "?", "strings", "describe", "types", "props", "index", "plans", "params", "u32",
  "secalts", "schemes", "examples", "servers", "actions", "inputs", "outcomes"
};

int main(int argc, char **argv)
{
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
