/* check_common.c - unit tests for src/common: arena, buf (JSON escaping included), hash
 * (fixed vectors: the hash is part of the cache format), allocation failure injection, the
 * result names, the text helpers (hex, UUID text, trim, the http(s) URL test) and SHA-256
 * (the NIST vectors of FIPS 180-2 appendix B). Every allocation-failure path is driven with oac_mem_fail_at() so the
 * sanitizer build proves it cleans up. */
#include <check.h>
#include "check_main.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/hash.h"
#include "common/mem.h"
#include "common/result.h"
#include "common/sha256.h"
#include "common/text.h"

static void reset_mem(void) { oac_mem_fail_at(0); }

/* arena -------------------------------------------------------------------------------- */

START_TEST(arena_alignment_and_zeroing)
{
  struct arena a;
  arena_init(&a, 0);
  ck_assert_uint_eq(a.block_size, 64 * 1024);
  for(size_t n = 1; n < 100; n += 7) {
    unsigned char *p = arena_alloc(&a, n);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq((uintptr_t)p % 16, 0);
    memset(p, 0xab, n);   /* must be writable in full (ASan checks the bounds) */
  }
  unsigned char *z = arena_calloc(&a, 333);
  ck_assert_ptr_nonnull(z);
  ck_assert_uint_eq((uintptr_t)z % 16, 0);
  for(size_t i = 0; i < 333; i++)
    ck_assert_uint_eq(z[i], 0);
  arena_free(&a);
  ck_assert_ptr_null(a.head);
}
END_TEST

START_TEST(arena_distinct_and_total)
{
  struct arena a;
  arena_init(&a, 128);
  char *p[64];
  for(int i = 0; i < 64; i++) {
    p[i] = arena_alloc(&a, 24);
    ck_assert_ptr_nonnull(p[i]);
    memset(p[i], i, 24);
  }
  /* blocks of 128 bytes force many new blocks; nothing may overlap */
  for(int i = 0; i < 64; i++)
    for(int j = 0; j < 24; j++)
      ck_assert_int_eq(p[i][j], i);
  ck_assert_uint_eq(a.total, 64 * 24);
  arena_free(&a);
}
END_TEST

START_TEST(arena_big_allocation_keeps_small_block)
{
  struct arena a;
  arena_init(&a, 1024);
  char *small1 = arena_alloc(&a, 16);
  ck_assert_ptr_nonnull(small1);
  void *head = a.head;
  /* more than a quarter of the block size: a block of its own, behind the current one */
  char *big = arena_alloc(&a, 100000);
  ck_assert_ptr_nonnull(big);
  memset(big, 1, 100000);
  ck_assert_ptr_eq(a.head, head);
  char *small2 = arena_alloc(&a, 16);
  ck_assert_ptr_nonnull(small2);
  ck_assert_ptr_eq(small2, small1 + 16);   /* same block, next slot */
  arena_free(&a);
}
END_TEST

START_TEST(arena_strings)
{
  struct arena a;
  arena_init(&a, 0);
  char *s = arena_strndup(&a, "hello world", 5);
  ck_assert_str_eq(s, "hello");
  ck_assert_str_eq(arena_strdup(&a, "x"), "x");
  ck_assert_ptr_null(arena_strdup(&a, NULL));
  char *e = arena_strndup(&a, NULL, 0);
  ck_assert_str_eq(e, "");
  ck_assert_str_eq(arena_printf(&a, "%s-%d", "type", 42), "type-42");
  /* longer than the 256-byte stack buffer of arena_printf */
  char want[1001];
  memset(want, 'q', 1000);
  want[1000] = '\0';
  char *l = arena_printf(&a, "%s", want);
  ck_assert_ptr_nonnull(l);
  ck_assert_uint_eq(strlen(l), 1000);
  ck_assert_str_eq(l, want);
  arena_free(&a);
}
END_TEST

START_TEST(arena_reset_reuses_first_block)
{
  struct arena a;
  arena_init(&a, 256);
  for(int round = 0; round < 3; round++) {
    for(int i = 0; i < 100; i++)
      ck_assert_ptr_nonnull(arena_alloc(&a, 40));
    ck_assert_uint_eq(a.total, 4000);
    arena_reset(&a);
    ck_assert_uint_eq(a.total, 0);
    ck_assert_ptr_nonnull(a.head);
  }
  arena_free(&a);
  arena_reset(&a);   /* on an empty arena: nothing to do */
  ck_assert_ptr_null(a.head);
}
END_TEST

START_TEST(arena_overflow_request)
{
  struct arena a;
  arena_init(&a, 0);
  ck_assert_ptr_null(arena_alloc(&a, SIZE_MAX - 3));
  ck_assert_ptr_nonnull(arena_alloc(&a, 8));
  arena_free(&a);
}
END_TEST

/* Fail each allocation in turn: every call either succeeds or returns NULL, nothing leaks
 * (checked by LeakSanitizer in the sanitizer build). */
START_TEST(arena_chaos)
{
  for(unsigned long n = 1; n < 40; n++) {
    struct arena a;
    arena_init(&a, 64);
    oac_mem_fail_at(n);
    int failures = 0;
    for(int i = 0; i < 30; i++) {
      char *p = arena_printf(&a, "item %d of a string long enough to need blocks", i);
      if(!p)
        failures++;
      else
        ck_assert_int_eq(strncmp(p, "item ", 5), 0);
    }
    ck_assert_int_le(failures, 1);
    oac_mem_fail_at(0);
    arena_free(&a);
  }
}
END_TEST

/* buf ---------------------------------------------------------------------------------- */

START_TEST(buf_basic)
{
  struct buf b;
  buf_init(&b);
  ck_assert_uint_eq(b.len, 0);
  buf_puts(&b, "abc");
  buf_putc(&b, '-');
  buf_append(&b, "xyz!", 3);
  buf_printf(&b, "[%d:%s]", 7, "seven");
  ck_assert_str_eq(b.data, "abc-xyz[7:seven]");
  ck_assert_uint_eq(b.len, strlen("abc-xyz[7:seven]"));
  ck_assert(!buf_failed(&b));
  buf_append(&b, "", 0);
  ck_assert_uint_eq(b.len, 16);
  buf_reset(&b);
  ck_assert_uint_eq(b.len, 0);
  ck_assert_str_eq(b.data, "");
  buf_puts(&b, "again");
  ck_assert_str_eq(b.data, "again");
  buf_free(&b);
  ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(buf_growth)
{
  struct buf b;
  buf_init(&b);
  for(int i = 0; i < 10000; i++)
    buf_printf(&b, "%04d,", i % 10000);
  ck_assert(!buf_failed(&b));
  ck_assert_uint_eq(b.len, 50000);
  ck_assert_uint_ge(b.cap, b.len + 1);
  ck_assert_int_eq(b.data[b.len], '\0');
  ck_assert_int_eq(strncmp(b.data + 5 * 1234, "1234,", 5), 0);
  /* one printf far longer than any internal stack buffer */
  buf_reset(&b);
  char big[5000];
  memset(big, 'z', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  buf_printf(&b, "<%s>", big);
  ck_assert_uint_eq(b.len, sizeof(big) + 1);
  ck_assert_int_eq(b.data[0], '<');
  ck_assert_int_eq(b.data[b.len - 1], '>');
  buf_free(&b);
}
END_TEST

START_TEST(buf_zero_and_align)
{
  struct buf b;
  buf_init(&b);
  buf_puts(&b, "abc");
  buf_align(&b, 16);
  ck_assert_uint_eq(b.len, 16);
  for(size_t i = 3; i < 16; i++)
    ck_assert_int_eq(b.data[i], 0);
  buf_align(&b, 16);          /* already aligned: unchanged */
  ck_assert_uint_eq(b.len, 16);
  buf_zero(&b, 5);
  ck_assert_uint_eq(b.len, 21);
  buf_align(&b, 8);
  ck_assert_uint_eq(b.len, 24);
  ck_assert_int_eq(b.data[b.len], '\0');
  buf_free(&b);
}
END_TEST

START_TEST(buf_steal_hands_over)
{
  struct buf b;
  buf_init(&b);
  buf_puts(&b, "owned");
  size_t len = 0;
  char *p = buf_steal(&b, &len);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_eq(len, 5);
  ck_assert_str_eq(p, "owned");
  ck_assert_ptr_null(b.data);
  ck_assert_uint_eq(b.len, 0);
  oac_free(p);
  /* an empty, never-grown buffer hands over NULL */
  p = buf_steal(&b, &len);
  ck_assert_ptr_null(p);
  ck_assert_uint_eq(len, 0);
}
END_TEST

/* Render S with buf_json_strn and compare with WANT. */
static void json_is(const char *s, size_t n, const char *want)
{
  struct buf b;
  buf_init(&b);
  buf_json_strn(&b, s, n);
  ck_assert(!buf_failed(&b));
  ck_assert_str_eq(b.data, want);
  ck_assert_uint_eq(b.len, strlen(want));
  buf_free(&b);
}
#define JSON_IS(lit, want) json_is(lit, sizeof(lit) - 1, want)

START_TEST(buf_json_escapes)
{
  JSON_IS("", "\"\"");
  JSON_IS("plain text", "\"plain text\"");
  JSON_IS("say \"hi\"", "\"say \\\"hi\\\"\"");
  JSON_IS("back\\slash", "\"back\\\\slash\"");
  JSON_IS("a\nb\rc\td", "\"a\\nb\\rc\\td\"");
  JSON_IS("\b\f", "\"\\b\\f\"");
  JSON_IS("\x01\x1f", "\"\\u0001\\u001f\"");
  JSON_IS("x\x7fy", "\"x\x7fy\"");          /* DEL is legal in JSON strings */
  JSON_IS("a/b", "\"a/b\"");                /* no need to escape the solidus */
  JSON_IS("caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\"");  /* UTF-8 as is */
  JSON_IS("nul\0inside", "\"nul\\u0000inside\"");
  JSON_IS("\"", "\"\\\"\"");
  JSON_IS("end\n", "\"end\\n\"");
}
END_TEST

/* Invalid UTF-8 becomes U+FFFD, one per maximal subpart (RFC 8259 wants valid UTF-8);
 * well-formed sequences, 4-byte ones included, are kept as they are. */
#define FFFD "\xef\xbf\xbd"
START_TEST(buf_json_invalid_utf8)
{
  JSON_IS("\xff\xfe", "\"" FFFD FFFD "\"");
  JSON_IS("a\x80" "b", "\"a" FFFD "b\"");                    /* lone continuation */
  JSON_IS("\xc0\xaf", "\"" FFFD FFFD "\"");                /* overlong: C0 never starts */
  JSON_IS("\xe2\x82", "\"" FFFD "\"");                     /* truncated at the end */
  JSON_IS("\xe2\x82x", "\"" FFFD "x\"");                   /* truncated: one U+FFFD */
  JSON_IS("\xe0\x80\x80", "\"" FFFD FFFD FFFD "\"");         /* E0 needs A0..BF */
  JSON_IS("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");         /* surrogate */
  JSON_IS("\xf0\x9f\x98\x80!", "\"\xf0\x9f\x98\x80!\"");    /* U+1F600 as is */
  JSON_IS("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");      /* U+10FFFF as is */
  JSON_IS("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");  /* above U+10FFFF */
  JSON_IS("\xf0\x9f\x98\"", "\"" FFFD "\\\"\"");              /* cut by a quote */
  JSON_IS("\xf5\xc3\xa9", "\"" FFFD "\xc3\xa9\"");
}
END_TEST

START_TEST(buf_json_null_and_append)
{
  struct buf b;
  buf_init(&b);
  buf_putc(&b, '[');
  buf_json_str(&b, NULL);
  buf_putc(&b, ',');
  buf_json_str(&b, "k\"v");
  buf_putc(&b, ',');
  buf_json_strn(&b, "abcdef", 3);
  buf_putc(&b, ']');
  ck_assert_str_eq(b.data, "[null,\"k\\\"v\",\"abc\"]");
  buf_free(&b);
}
END_TEST

START_TEST(buf_json_escape_without_quotes)
{
  struct buf b;
  buf_init(&b);
  buf_puts(&b, "{\"k\":\"");
  buf_json_escape(&b, "a\"b\\c\n\x02", 7);
  buf_puts(&b, "\"}");
  ck_assert_str_eq(b.data, "{\"k\":\"a\\\"b\\\\c\\n\\u0002\"}");
  buf_reset(&b);
  buf_json_escape(&b, "", 0);
  ck_assert_uint_eq(b.len, 0);
  buf_free(&b);
}
END_TEST

START_TEST(buf_json_all_control_chars)
{
  char in[32];
  for(int i = 0; i < 32; i++)
    in[i] = (char)i;
  struct buf b;
  buf_init(&b);
  buf_json_strn(&b, in, sizeof(in));
  ck_assert(!buf_failed(&b));
  /* every control character is escaped: the output has none left */
  for(size_t i = 0; i < b.len; i++)
    ck_assert_uint_ge((unsigned char)b.data[i], 0x20);
  ck_assert_ptr_nonnull(strstr(b.data, "\\u0000\\u0001"));
  ck_assert_ptr_nonnull(strstr(b.data, "\\u000b"));   /* \v has no short form in JSON */
  ck_assert_ptr_nonnull(strstr(b.data, "\\t\\n\\u000b\\f\\r"));
  buf_free(&b);
}
END_TEST

START_TEST(buf_oom_is_sticky)
{
  struct buf b;
  buf_init(&b);
  oac_mem_fail_at(1);   /* the first growth fails */
  buf_puts(&b, "lost");
  ck_assert(buf_failed(&b));
  buf_puts(&b, "also lost");       /* a no-op: the failure is remembered */
  buf_printf(&b, "%d", 5);
  buf_json_str(&b, "x");
  ck_assert(buf_failed(&b));
  ck_assert_uint_eq(b.len, 0);
  ck_assert_int_eq(buf_reserve(&b, 1), OAC_ENOMEM);
  size_t len = 99;
  ck_assert_ptr_null(buf_steal(&b, &len));
  ck_assert_uint_eq(len, 0);
  ck_assert(!buf_failed(&b));      /* buf_steal leaves a fresh buffer */
  buf_puts(&b, "ok");
  ck_assert_str_eq(b.data, "ok");
  buf_free(&b);
}
END_TEST

START_TEST(buf_oom_after_growth_keeps_data_freeable)
{
  struct buf b;
  buf_init(&b);
  buf_puts(&b, "first");           /* allocation 1 */
  oac_mem_fail_at(1);              /* next growth fails */
  char big[600];
  memset(big, 'b', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  buf_puts(&b, big);
  ck_assert(buf_failed(&b));
  ck_assert_str_eq(b.data, "first");   /* the old memory is intact */
  buf_reset(&b);                   /* reset clears the failure */
  ck_assert(!buf_failed(&b));
  buf_puts(&b, big);
  ck_assert(!buf_failed(&b));
  ck_assert_uint_eq(b.len, sizeof(big) - 1);
  buf_free(&b);                    /* LeakSanitizer: nothing left behind */
}
END_TEST

START_TEST(buf_chaos)
{
  for(unsigned long n = 1; n < 20; n++) {
    struct buf b;
    buf_init(&b);
    oac_mem_fail_at(n);
    for(int i = 0; i < 200; i++)
      buf_json_str(&b, "a \"quoted\" line\nthat grows the buffer");
    int failed = buf_failed(&b);
    oac_mem_fail_at(0);
    size_t len;
    char *p = buf_steal(&b, &len);
    ck_assert(failed ? p == NULL : p != NULL);
    oac_free(p);
  }
}
END_TEST

/* hash --------------------------------------------------------------------------------- */

/* Computed once from the implementation this format version ships with. If one of these
 * changes, the cache format changed: bump CACHE_FORMAT_VERSION (format.h). */
static const struct {
  const char *s;
  uint64_t seed0, seed1, name;
} vectors[] = {
  {"", 0x2feb96bda8765677ULL, 0x97d90ed217827a5dULL, 0x29c7a12bd8e6e85bULL},
  {"a", 0xe014ae777bac1bf7ULL, 0xd667de5e34fc4086ULL, 0x18c4bdf9bb3c38f6ULL},
  {"abc", 0x6bb86c78f2b54db5ULL, 0xc712f25382e9a4c2ULL, 0x0b42136a3ec9b7a5ULL},
  {"message digest", 0x8635bd8a734ee48cULL, 0xd37852c50dadf8dfULL, 0xcfce42c2ff9f38eeULL},
  {"0123456789abcdef", 0x02d68930f96148bdULL, 0xa3296367d90f215eULL, 0xc1f279ac7410beadULL},
  {"0123456789abcdefX", 0x104666d14d45af1bULL, 0xa620ee98e8b4f61eULL, 0x57a6f6668f07dc0eULL},
  {"The quick brown fox jumps over the lazy dog",
   0xa592737389763c10ULL, 0xe6d7ea69592f7697ULL, 0x98b1cc042944cb07ULL},
  {"Pet", 0xf3dcb7c2724f762cULL, 0x8d3c8c9660f43e5aULL, 0x426208c1c1ecf182ULL},
};

START_TEST(hash_known_vectors)
{
  const char *s = vectors[_i].s;
  size_t n = strlen(s);
  ck_assert_msg(oac_hash64(s, n, 0) == vectors[_i].seed0, "seed 0 of \"%s\"", s);
  ck_assert_msg(oac_hash64(s, n, 1) == vectors[_i].seed1, "seed 1 of \"%s\"", s);
  ck_assert_msg(oac_name_hash(s, n) == vectors[_i].name, "name hash of \"%s\"", s);
}
END_TEST

START_TEST(hash_long_input_vector)
{
  unsigned char big[1000];
  for(int i = 0; i < 1000; i++)
    big[i] = (unsigned char)(i * 7 + 3);
  ck_assert(oac_hash64(big, sizeof(big), 42) == 0x749d00655d27ede5ULL);
}
END_TEST

START_TEST(hash_alignment_independent)
{
  /* the same bytes at every misalignment hash the same (word reads go through memcpy) */
  char store[80];
  const char *text = "alignment does not change the hash of 37b";
  size_t n = strlen(text);
  uint64_t want = oac_hash64(text, n, 7);
  for(size_t off = 0; off < 16; off++) {
    memcpy(store + off, text, n);
    ck_assert(oac_hash64(store + off, n, 7) == want);
  }
}
END_TEST

START_TEST(hash_sensitivity)
{
  /* every prefix length, and a one-bit flip at every position, gives a new value */
  char s[64];
  for(int i = 0; i < 64; i++)
    s[i] = (char)('A' + i % 26);
  uint64_t seen[65];
  for(size_t n = 0; n <= 64; n++) {
    seen[n] = oac_hash64(s, n, 0);
    for(size_t m = 0; m < n; m++)
      ck_assert_msg(seen[m] != seen[n], "prefixes %zu and %zu collide", m, n);
  }
  uint64_t base = oac_hash64(s, 64, 0);
  for(size_t i = 0; i < 64; i++) {
    s[i] ^= 1;
    ck_assert_msg(oac_hash64(s, 64, 0) != base, "bit flip at %zu not seen", i);
    s[i] ^= 1;
  }
  ck_assert(oac_hash64(s, 64, 0) == base);
  ck_assert(oac_hash64(s, 64, 1) != base);
  /* zero bytes count: "" and "\0" and "\0\0" differ */
  ck_assert(oac_hash64("\0\0", 0, 0) != oac_hash64("\0\0", 1, 0));
  ck_assert(oac_hash64("\0\0", 1, 0) != oac_hash64("\0\0", 2, 0));
}
END_TEST

START_TEST(hash_name_case_sensitive)
{
  ck_assert(oac_name_hash("Pet", 3) != oac_name_hash("pet", 3));
  ck_assert(oac_name_hash("Pet", 3) == oac_name_hash("Pet!", 3));  /* length-bounded */
}
END_TEST

/* mem ---------------------------------------------------------------------------------- */

START_TEST(mem_fail_nth)
{
  oac_mem_fail_at(3);
  void *a = oac_malloc(10);
  void *b = oac_calloc(2, 8);
  void *c = oac_malloc(10);       /* the 3rd call fails */
  void *d = oac_malloc(10);       /* later ones succeed again */
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  ck_assert_ptr_null(c);
  ck_assert_ptr_nonnull(d);
  ck_assert_uint_eq(oac_mem_count(), 4);
  oac_free(a);
  oac_free(b);
  oac_free(d);
  oac_free(NULL);
}
END_TEST

START_TEST(mem_never_fails_by_default)
{
  oac_mem_fail_at(0);
  for(int i = 0; i < 1000; i++) {
    void *p = oac_malloc(16);
    ck_assert_ptr_nonnull(p);
    oac_free(p);
  }
  ck_assert_uint_eq(oac_mem_count(), 1000);
}
END_TEST

START_TEST(mem_zero_sizes)
{
  void *p = oac_malloc(0);
  void *q = oac_calloc(0, 0);
  ck_assert_ptr_nonnull(p);
  ck_assert_ptr_nonnull(q);
  p = oac_realloc(p, 0);
  ck_assert_ptr_nonnull(p);
  oac_free(p);
  oac_free(q);
  unsigned char *z = oac_calloc(16, 4);
  ck_assert_ptr_nonnull(z);
  for(int i = 0; i < 64; i++)
    ck_assert_uint_eq(z[i], 0);
  oac_free(z);
}
END_TEST

START_TEST(mem_realloc_failure_keeps_block)
{
  char *p = oac_malloc(8);
  ck_assert_ptr_nonnull(p);
  memcpy(p, "1234567", 8);
  oac_mem_fail_at(1);
  char *q = oac_realloc(p, 4096);
  ck_assert_ptr_null(q);
  ck_assert_str_eq(p, "1234567");   /* realloc failure leaves the block as it was */
  q = oac_realloc(p, 4096);
  ck_assert_ptr_nonnull(q);
  ck_assert_str_eq(q, "1234567");
  oac_free(q);
}
END_TEST

START_TEST(mem_calloc_failure)
{
  oac_mem_fail_at(1);
  ck_assert_ptr_null(oac_calloc(4, 4));
}
END_TEST

/* result ------------------------------------------------------------------------------- */

/* text --------------------------------------------------------------------------------- */

START_TEST(text_hex)
{
  ck_assert_str_eq(text_hex_lower, "0123456789abcdef");
  ck_assert_str_eq(text_hex_upper, "0123456789ABCDEF");
  ck_assert_int_eq(text_hex_value('0'), 0);
  ck_assert_int_eq(text_hex_value('9'), 9);
  ck_assert_int_eq(text_hex_value('a'), 10);
  ck_assert_int_eq(text_hex_value('F'), 15);
  ck_assert_int_eq(text_hex_value('g'), -1);
  ck_assert_int_eq(text_hex_value('/'), -1);
  ck_assert_int_eq(text_hex_value(':'), -1);
  ck_assert_int_eq(text_hex_value('@'), -1);
  ck_assert_int_eq(text_hex_value('`'), -1);
  ck_assert_int_eq(text_hex_value(0), -1);
  unsigned v = 7;
  ck_assert_int_ne(text_hex4("d83D", &v), 0);
  ck_assert_uint_eq(v, 0xd83d);
  ck_assert_int_ne(text_hex4("0000x", &v), 0);   /* only four are read */
  ck_assert_uint_eq(v, 0);
  v = 7;
  ck_assert_int_eq(text_hex4("12g4", &v), 0);
  ck_assert_int_eq(text_hex4("12", &v), 0);       /* the NUL stops it */
  ck_assert_int_eq(text_hex4("", &v), 0);
  ck_assert_uint_eq(v, 7);                        /* untouched on failure */
}
END_TEST

START_TEST(text_uuid)
{
  unsigned char b[16];
  for(int i = 0; i < 16; i++)
    b[i] = (unsigned char)(i * 17);
  char u[37];
  memset(u, 'x', sizeof(u));
  text_uuid_format(b, u);
  ck_assert_str_eq(u, "00112233-4455-6677-8899-aabbccddeeff");
  memset(b, 0xff, sizeof(b));
  text_uuid_format(b, u);
  ck_assert_str_eq(u, "ffffffff-ffff-ffff-ffff-ffffffffffff");
}
END_TEST

START_TEST(text_trim_cases)
{
  const char *s = " \t\n\v\f\rab c \r\n";
  size_t n = strlen(s);
  text_trim(&s, &n);
  ck_assert_uint_eq(n, 4);
  ck_assert(!memcmp(s, "ab c", 4));
  const char *blank = " \t ";
  n = strlen(blank);
  text_trim(&blank, &n);
  ck_assert_uint_eq(n, 0);
  const char *none = "x";
  n = 1;
  text_trim(&none, &n);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(*none, 'x');
  n = 0;
  text_trim(&none, &n);                            /* nothing to look at */
  ck_assert_uint_eq(n, 0);
  ck_assert(!text_is_space(0));
  ck_assert(!text_is_space('a'));
  ck_assert(!text_is_space(0xa0));                 /* NBSP (Latin-1) is not C white space */

  struct arena a;
  arena_init(&a, 0);
  ck_assert_str_eq(text_trim_dup("  Schema URL \t", &a), "Schema URL");
  ck_assert_ptr_null(text_trim_dup(" \n ", &a));
  ck_assert_ptr_null(text_trim_dup("", &a));
  ck_assert_ptr_null(text_trim_dup(NULL, &a));
  arena_free(&a);
  arena_init(&a, 0);
  oac_mem_fail_at(1);                              /* the arena's first block */
  ck_assert_ptr_null(text_trim_dup(" x ", &a));
  oac_mem_fail_at(0);
  arena_free(&a);
}
END_TEST

START_TEST(text_http_url)
{
  ck_assert(text_is_http_url("http://h"));
  ck_assert(text_is_http_url("HTTPS://h/x"));
  ck_assert(text_is_http_url("hTtP://"));
  ck_assert(!text_is_http_url("http:/h"));
  ck_assert(!text_is_http_url("https:h"));
  ck_assert(!text_is_http_url("ftp://h"));
  ck_assert(!text_is_http_url("file:///etc/passwd"));
  ck_assert(!text_is_http_url(" http://h"));
  ck_assert(!text_is_http_url("/relative/path"));
  ck_assert(!text_is_http_url(""));
  ck_assert(!text_is_http_url(NULL));
}
END_TEST

START_TEST(hash_ci_folds_case_only)
{
  ck_assert_uint_eq(oac_hash_ci(""), 2166136261u);          /* the FNV-1a offset basis */
  ck_assert_uint_eq(oac_hash_ci("a"), 0xe40c292cu);         /* FNV-1a("a") */
  ck_assert_uint_eq(oac_hash_ci("PetName"), oac_hash_ci("petname"));
  ck_assert_uint_eq(oac_hash_ci("ID"), oac_hash_ci("id"));
  ck_assert_uint_ne(oac_hash_ci("id"), oac_hash_ci("ie"));
  ck_assert_uint_ne(oac_hash_ci("@"), oac_hash_ci("`"));    /* only letters fold */
}
END_TEST

START_TEST(result_names)
{
  static const enum oac_result all[] = {
    OAC_OK, OAC_ENOMEM, OAC_EIO, OAC_EUSAGE, OAC_EDOC, OAC_ECACHE, OAC_ELIMIT, OAC_EINTERNAL,
    OAC_EREFUSED
  };
  size_t n = sizeof(all) / sizeof(all[0]);
  ck_assert_int_eq(OAC_OK, 0);
  ck_assert_str_eq(oac_result_str(OAC_OK), "ok");
  ck_assert_str_eq(oac_result_str(OAC_ENOMEM), "out of memory");
  for(size_t i = 0; i < n; i++) {
    const char *s = oac_result_str(all[i]);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_ne(s, "unknown error");
    for(size_t j = 0; j < i; j++)
      ck_assert_str_ne(s, oac_result_str(all[j]));
  }
  ck_assert_str_eq(oac_result_str((enum oac_result)999), "unknown error");
}
END_TEST

/* sha256 ------------------------------------------------------------------------------ */

static void hex_of(const unsigned char d[SHA256_DIGEST_LEN], char out[2 * SHA256_DIGEST_LEN + 1])
{
  for(int i = 0; i < SHA256_DIGEST_LEN; i++) {
    out[2 * i] = text_hex_lower[d[i] >> 4];
    out[2 * i + 1] = text_hex_lower[d[i] & 15];
  }
  out[2 * SHA256_DIGEST_LEN] = '\0';
}

static void sha256_expect(const void *data, size_t len, const char *want)
{
  unsigned char d[SHA256_DIGEST_LEN];
  char hex[2 * SHA256_DIGEST_LEN + 1];
  sha256(data, len, d);
  hex_of(d, hex);
  ck_assert_str_eq(hex, want);
}

/* FIPS 180-2 appendix B.1-B.3 (the NIST example vectors), the empty message, and the
 * 896-bit message of the NIST examples. */
START_TEST(sha256_nist_vectors)
{
  sha256_expect("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sha256_expect("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  ck_assert_uint_eq(strlen(m448) * 8, 448);
  sha256_expect(m448, strlen(m448),
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
  ck_assert_uint_eq(strlen(m896) * 8, 896);
  sha256_expect(m896, strlen(m896),
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}
END_TEST

/* One million 'a', fed in pieces of 1000 (B.3), and in one piece. */
START_TEST(sha256_million_a)
{
  static const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  char piece[1000];
  memset(piece, 'a', sizeof(piece));
  struct sha256_ctx ctx;
  unsigned char d[SHA256_DIGEST_LEN];
  char hex[2 * SHA256_DIGEST_LEN + 1];
  sha256_init(&ctx);
  for(int i = 0; i < 1000; i++)
    sha256_update(&ctx, piece, sizeof(piece));
  sha256_final(&ctx, d);
  hex_of(d, hex);
  ck_assert_str_eq(hex, want);
  char *all = oac_malloc(1000000);
  ck_assert_ptr_nonnull(all);
  memset(all, 'a', 1000000);
  sha256_expect(all, 1000000, want);
  oac_free(all);
}
END_TEST

/* The padding boundaries (55 bytes fit one block with the length, 56 need two, 64 is a
 * full block), against values from another implementation (Python's hashlib). */
START_TEST(sha256_padding_boundaries)
{
  static const struct { size_t n; const char *want; } v[] = {
    { 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
    { 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
    { 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
    { 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
    { 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
    { 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
    { 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
  };
  char a[128];
  memset(a, 'a', sizeof(a));
  for(size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    sha256_expect(a, v[i].n, v[i].want);
}
END_TEST

/* Any split of the input into update() calls gives the one-shot digest. */
START_TEST(sha256_incremental_any_split)
{
  unsigned char msg[300];
  for(size_t i = 0; i < sizeof(msg); i++)
    msg[i] = (unsigned char)(i * 7 + 3);
  unsigned char one[SHA256_DIGEST_LEN], inc[SHA256_DIGEST_LEN];
  sha256(msg, sizeof(msg), one);
  for(size_t step = 1; step <= 130; step++) {
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, msg, 0);
    for(size_t off = 0; off < sizeof(msg); off += step)
      sha256_update(&ctx, msg + off, sizeof(msg) - off < step ? sizeof(msg) - off : step);
    sha256_final(&ctx, inc);
    ck_assert_msg(memcmp(one, inc, sizeof(one)) == 0, "pieces of %zu differ", step);
  }
  /* and a one-bit change changes it */
  msg[150] ^= 1;
  sha256(msg, sizeof(msg), inc);
  ck_assert(memcmp(one, inc, sizeof(one)) != 0);
}
END_TEST

/* suite -------------------------------------------------------------------------------- */

Suite *suite(void)
{
  Suite *s = suite_create("common");
  TCase *tc;

  tc = tcase_create("arena");
  tcase_add_checked_fixture(tc, reset_mem, reset_mem);
  tcase_add_test(tc, arena_alignment_and_zeroing);
  tcase_add_test(tc, arena_distinct_and_total);
  tcase_add_test(tc, arena_big_allocation_keeps_small_block);
  tcase_add_test(tc, arena_strings);
  tcase_add_test(tc, arena_reset_reuses_first_block);
  tcase_add_test(tc, arena_overflow_request);
  tcase_add_test(tc, arena_chaos);
  suite_add_tcase(s, tc);

  tc = tcase_create("buf");
  tcase_add_checked_fixture(tc, reset_mem, reset_mem);
  tcase_add_test(tc, buf_basic);
  tcase_add_test(tc, buf_growth);
  tcase_add_test(tc, buf_zero_and_align);
  tcase_add_test(tc, buf_steal_hands_over);
  tcase_add_test(tc, buf_json_escapes);
  tcase_add_test(tc, buf_json_invalid_utf8);
  tcase_add_test(tc, buf_json_null_and_append);
  tcase_add_test(tc, buf_json_escape_without_quotes);
  tcase_add_test(tc, buf_json_all_control_chars);
  tcase_add_test(tc, buf_oom_is_sticky);
  tcase_add_test(tc, buf_oom_after_growth_keeps_data_freeable);
  tcase_add_test(tc, buf_chaos);
  suite_add_tcase(s, tc);

  tc = tcase_create("hash");
  tcase_add_loop_test(tc, hash_known_vectors, 0, (int)(sizeof(vectors) / sizeof(vectors[0])));
  tcase_add_test(tc, hash_long_input_vector);
  tcase_add_test(tc, hash_alignment_independent);
  tcase_add_test(tc, hash_sensitivity);
  tcase_add_test(tc, hash_name_case_sensitive);
  tcase_add_test(tc, hash_ci_folds_case_only);
  suite_add_tcase(s, tc);

  tc = tcase_create("text");
  tcase_add_checked_fixture(tc, reset_mem, reset_mem);
  tcase_add_test(tc, text_hex);
  tcase_add_test(tc, text_uuid);
  tcase_add_test(tc, text_trim_cases);
  tcase_add_test(tc, text_http_url);
  suite_add_tcase(s, tc);

  tc = tcase_create("mem");
  tcase_add_checked_fixture(tc, reset_mem, reset_mem);
  tcase_add_test(tc, mem_fail_nth);
  tcase_add_test(tc, mem_never_fails_by_default);
  tcase_add_test(tc, mem_zero_sizes);
  tcase_add_test(tc, mem_realloc_failure_keeps_block);
  tcase_add_test(tc, mem_calloc_failure);
  suite_add_tcase(s, tc);

  tc = tcase_create("sha256");
  tcase_add_test(tc, sha256_nist_vectors);
  tcase_add_test(tc, sha256_million_a);
  tcase_add_test(tc, sha256_padding_boundaries);
  tcase_add_test(tc, sha256_incremental_any_split);
  suite_add_tcase(s, tc);

  tc = tcase_create("result");
  tcase_add_test(tc, result_names);
  suite_add_tcase(s, tc);
  return s;
}
