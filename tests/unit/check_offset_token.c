/* check_offset_token.c - Flow's offsetToken (src/worker/offset_token.h, product.md §12.2):
 * round trips of every position kind, tampering (every single-character change, deletion
 * and insertion is refused), tokens of another list, another format version, truncated,
 * empty and non-base64url texts, records forged with a valid checksum (the decoder must
 * still refuse a bad field: the token carries no key), the 4 KiB limit, the list filter's
 * hash, and the rule that decides between the token and the request's offset. */
#include <check.h>
#include "check_main.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/mem.h"
#include "common/sha256.h"
#include "flow/json.h"
#include "worker/offset_token.h"

static void reset_mem(void)
{
  oac_mem_fail_at(0);
}

static const char alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* ---- helpers: a second base64url and the record's checksum, to forge tokens ---------- */

/* Decodes unpadded base64url (test inputs are valid); the byte count. */
static size_t t_b64_decode(const char *s, unsigned char *out)
{
  size_t n = strlen(s), o = 0;
  uint32_t acc = 0;
  unsigned bits = 0;
  for(size_t i = 0; i < n; i++) {
    const char *p = strchr(alphabet, s[i]);
    ck_assert_msg(p && s[i], "test token has '%c'", s[i]);
    acc = acc << 6 | (uint32_t)(p - alphabet);
    bits += 6;
    if(bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)(acc >> bits);
    }
  }
  return o;
}

static void t_b64_encode(const unsigned char *p, size_t n, struct buf *out)
{
  uint32_t acc = 0;
  unsigned bits = 0;
  for(size_t i = 0; i < n; i++) {
    acc = acc << 8 | p[i];
    bits += 8;
    while(bits >= 6) {
      bits -= 6;
      buf_putc(out, alphabet[acc >> bits & 63]);
    }
  }
  if(bits)
    buf_putc(out, alphabet[acc << (6 - bits) & 63]);
}

/* The token text of record REC[0..n) with its checksum recomputed (bytes 1..8 = the first
 * 8 bytes of the SHA-256 of byte 0 and bytes 9..n). */
static void forge(unsigned char *rec, size_t n, struct buf *out)
{
  ck_assert_uint_ge(n, 9);
  struct sha256_ctx c;
  unsigned char d[SHA256_DIGEST_LEN];
  sha256_init(&c);
  sha256_update(&c, rec, 1);
  sha256_update(&c, rec + 9, n - 9);
  sha256_final(&c, d);
  memcpy(rec + 1, d, 8);
  buf_reset(out);
  t_b64_encode(rec, n, out);
}

/* ---- fixtures ------------------------------------------------------------------------- */

static struct offset_token_list list_of(void)
{
  struct offset_token_list l;
  memset(&l, 0, sizeof(l));
  l.registration = "https://example.com/openapi/petstore.yaml";
  l.binding = "Pet";
  l.op = 1; /* OP_QUERY */
  l.server = 2;
  for(int i = 0; i < SHA256_DIGEST_LEN; i++)
    l.filter_hash[i] = (unsigned char)(0xA0 + i);
  return l;
}

static struct offset_token token_of(enum offset_token_pos kind)
{
  struct offset_token t;
  memset(&t, 0, sizeof(t));
  t.list = list_of();
  t.kind = kind;
  switch(kind) {
  case OT_POS_CURSOR:
    t.pos_str = "cus_\xc3\xa9t\xe2\x82\xac=+/ \"quoted\"\\"; /* any text, UTF-8 included */
    break;
  case OT_POS_NEXT_URL:
    t.pos_str = "/v1/me/tracks?offset=40&limit=20&market=FR";
    break;
  case OT_POS_PAGE:
    t.pos_num = 7;
    break;
  case OT_POS_OFFSET:
    t.pos_num = UINT64_MAX; /* every bit of the widest value */
    break;
  case OT_POS_EXAMPLE:
    t.pos_num = 128; /* a two-byte LEB128 */
    break;
  default:
    break;
  }
  t.consumed = 3;
  t.offset = 1234567;
  return t;
}

static void encode_ok(const struct offset_token *t, struct buf *b)
{
  buf_reset(b);
  ck_assert_int_eq(offset_token_encode(t, b), OAC_OK);
  ck_assert_uint_gt(b->len, 0);
  ck_assert_uint_le(b->len, OFFSET_TOKEN_MAX_LEN);
  ck_assert_uint_eq(strspn(b->data, alphabet), b->len);
}

static void same_token(const struct offset_token *x, const struct offset_token *y)
{
  ck_assert_str_eq(x->list.registration, y->list.registration);
  ck_assert_str_eq(x->list.binding, y->list.binding);
  ck_assert_uint_eq(x->list.op, y->list.op);
  ck_assert_uint_eq(x->list.server, y->list.server);
  ck_assert_mem_eq(x->list.filter_hash, y->list.filter_hash, SHA256_DIGEST_LEN);
  ck_assert_int_eq(x->kind, y->kind);
  if(x->pos_str || y->pos_str) {
    ck_assert_ptr_nonnull(x->pos_str);
    ck_assert_ptr_nonnull(y->pos_str);
    ck_assert_str_eq(x->pos_str, y->pos_str);
  }
  ck_assert_uint_eq(x->pos_num, y->pos_num);
  ck_assert_uint_eq(x->consumed, y->consumed);
  ck_assert_uint_eq(x->offset, y->offset);
}

/* Decoding TEXT[0..len) is refused with WHY. */
static void refused(const char *text, size_t len, const struct offset_token_list *expect,
                    enum offset_token_why want, const char *what)
{
  struct arena a;
  arena_init(&a, 0);
  struct offset_token got;
  enum offset_token_why why = OT_OK;
  enum oac_result r = offset_token_decode(text, len, expect, &a, &got, &why);
  ck_assert_msg(r == OAC_EDOC && why == want, "%s: result %d, why %d (want %d)", what, r, why,
                want);
  arena_free(&a);
}

/* ---- round trips ---------------------------------------------------------------------- */

START_TEST(round_trip_every_kind)
{
  enum offset_token_pos kind = (enum offset_token_pos)_i;
  struct offset_token t = token_of(kind), got;
  struct offset_token_list expect = list_of();
  struct buf b;
  buf_init(&b);
  encode_ok(&t, &b);
  struct arena a;
  arena_init(&a, 0);
  enum offset_token_why why = OT_MALFORMED;
  ck_assert_int_eq(offset_token_decode(b.data, b.len, &expect, &a, &got, &why), OAC_OK);
  ck_assert_int_eq(why, OT_OK);
  same_token(&t, &got);
  if(kind != OT_POS_CURSOR && kind != OT_POS_NEXT_URL)
    ck_assert_ptr_null(got.pos_str);
  /* without an expected list: the same record */
  ck_assert_int_eq(offset_token_decode(b.data, b.len, NULL, &a, &got, &why), OAC_OK);
  same_token(&t, &got);
  /* the same token every time (no randomness, no key: any host reads any host's) */
  struct buf b2;
  buf_init(&b2);
  encode_ok(&t, &b2);
  ck_assert_str_eq(b.data, b2.data);
  /* a JSON string without any escape */
  buf_reset(&b2);
  buf_json_str(&b2, b.data);
  ck_assert_uint_eq(b2.len, b.len + 2);
  arena_free(&a);
  buf_free(&b2);
  buf_free(&b);
}
END_TEST

/* Zero and the extremes of every number; empty strings; the token is appended. */
START_TEST(round_trip_extremes)
{
  struct buf b;
  buf_init(&b);
  struct arena a;
  arena_init(&a, 0);
  static const uint64_t nums[] = {
    0, 1, 127, 128, 16383, 16384, UINT32_MAX, (uint64_t)1 << 63, UINT64_MAX,
  };
  for(size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
    struct offset_token t = token_of(OT_POS_PAGE), got;
    t.list.registration = "";
    t.list.binding = "";
    t.list.op = i % 2 ? UINT32_MAX : 0;
    t.list.server = i % 2 ? 0 : UINT32_MAX;
    t.pos_num = t.consumed = t.offset = nums[i];
    buf_reset(&b);
    buf_puts(&b, "{\"offsetToken\":\"");
    size_t pre = b.len;
    ck_assert_int_eq(offset_token_encode(&t, &b), OAC_OK);
    ck_assert_mem_eq(b.data, "{\"offsetToken\":\"", pre);
    enum offset_token_why why;
    ck_assert_int_eq(offset_token_decode(b.data + pre, b.len - pre, NULL, &a, &got, &why),
                     OAC_OK);
    same_token(&t, &got);
  }
  /* an empty cursor is a cursor */
  struct offset_token t = token_of(OT_POS_CURSOR), got;
  t.pos_str = "";
  encode_ok(&t, &b);
  enum offset_token_why why;
  ck_assert_int_eq(offset_token_decode(b.data, b.len, NULL, &a, &got, &why), OAC_OK);
  same_token(&t, &got);
  arena_free(&a);
  buf_free(&b);
}
END_TEST

/* ---- tampering ------------------------------------------------------------------------ */

/* Every single-character change of a token, to every character of the alphabet and to a
 * few outside it, is refused as malformed. (A decoder could also let a change decode to
 * the identical record; this one reads only canonical base64url - the unused bits of the
 * last character must be zero - so none does.) So is deleting any one character and
 * inserting one anywhere. */
START_TEST(tamper_every_position)
{
  enum offset_token_pos kind = (enum offset_token_pos)_i;
  struct offset_token t = token_of(kind);
  struct offset_token_list expect = list_of();
  struct buf b;
  buf_init(&b);
  encode_ok(&t, &b);
  size_t n = b.len;
  char *orig = oac_malloc(n + 2), *s = oac_malloc(n + 2);
  ck_assert_ptr_nonnull(orig);
  ck_assert_ptr_nonnull(s);
  memcpy(orig, b.data, n + 1);
  static const char others[] = "+/=.~ %\n\x80\xff";
  char subst[sizeof(alphabet) + sizeof(others) + 1];
  snprintf(subst, sizeof(subst), "%s%s", alphabet, others);
  size_t tried = 0;
  for(size_t i = 0; i < n; i++) {
    for(const char *c = subst; *c; c++) {
      if(*c == orig[i])
        continue;
      memcpy(s, orig, n + 1);
      s[i] = *c;
      char what[64];
      snprintf(what, sizeof(what), "position %zu to 0x%02x", i, (unsigned char)*c);
      refused(s, n, &expect, OT_MALFORMED, what);
      tried++;
    }
    /* NUL inside (the length says there is more) */
    memcpy(s, orig, n + 1);
    s[i] = '\0';
    refused(s, n, &expect, OT_MALFORMED, "NUL inside");
    /* deleted */
    memcpy(s, orig, i);
    memcpy(s + i, orig + i + 1, n - i);
    refused(s, n - 1, &expect, OT_MALFORMED, "character deleted");
  }
  /* inserted, at the end too ('A' adds only zero bits) */
  for(size_t i = 0; i <= n; i++)
    for(const char *c = "Ag_"; *c; c++) {
      memcpy(s, orig, i);
      s[i] = *c;
      memcpy(s + i + 1, orig + i, n - i + 1);
      refused(s, n + 1, &expect, OT_MALFORMED, "character inserted");
    }
  ck_assert_uint_ge(tried, n * 64);
  oac_free(orig);
  oac_free(s);
  buf_free(&b);
}
END_TEST

/* ---- another list ----------------------------------------------------------------------- */

START_TEST(another_list_each_field)
{
  struct offset_token t = token_of(OT_POS_CURSOR), got;
  struct buf b;
  buf_init(&b);
  encode_ok(&t, &b);
  struct arena a;
  arena_init(&a, 0);
  for(int field = 0; field < 7; field++) {
    struct offset_token_list e = list_of();
    switch(field) {
    case 0:
      e.registration = "https://example.com/openapi/other.yaml";
      break;
    case 1:
      e.registration = "HTTPS://example.com/openapi/petstore.yaml";
      break;
    case 2:
      e.binding = "Order";
      break;
    case 3:
      e.binding = "pet"; /* as the cache spells it: exact */
      break;
    case 4:
      e.op = 0; /* OP_LOAD */
      break;
    case 5:
      e.server = 0;
      break;
    default:
      e.filter_hash[SHA256_DIGEST_LEN - 1] ^= 1;
      break;
    }
    enum offset_token_why why = OT_OK;
    memset(&got, 0, sizeof(got));
    ck_assert_int_eq(offset_token_decode(b.data, b.len, &e, &a, &got, &why), OAC_EDOC);
    ck_assert_msg(why == OT_ANOTHER_LIST, "field %d: why %d", field, why);
    same_token(&t, &got); /* filled, for the log */
  }
  ck_assert_str_eq(offset_token_why_str(OT_ANOTHER_LIST),
                   "offsetToken belongs to another list");
  ck_assert_str_eq(offset_token_why_str(OT_MALFORMED), "offsetToken does not decode");
  ck_assert_str_ne(offset_token_why_str(OT_WRONG_VERSION), offset_token_why_str(OT_MALFORMED));
  ck_assert_str_ne(offset_token_why_str(OT_WRONG_VERSION),
                   offset_token_why_str(OT_ANOTHER_LIST));
  arena_free(&a);
  buf_free(&b);
}
END_TEST

/* ---- versions and forged records -------------------------------------------------------- */

START_TEST(wrong_version)
{
  struct offset_token t = token_of(OT_POS_PAGE);
  struct offset_token_list expect = list_of();
  struct buf b, f;
  buf_init(&b);
  buf_init(&f);
  encode_ok(&t, &b);
  unsigned char rec[OFFSET_TOKEN_MAX_LEN];
  size_t n = t_b64_decode(b.data, rec);
  ck_assert_uint_eq(rec[0], OFFSET_TOKEN_VERSION);
  /* the forge helper reproduces the real token */
  forge(rec, n, &f);
  ck_assert_str_eq(f.data, b.data);
  static const unsigned char versions[] = { 0, 2, 3, 0x80, 0xff };
  for(size_t i = 0; i < sizeof(versions); i++) {
    rec[0] = versions[i];
    forge(rec, n, &f);
    refused(f.data, f.len, &expect, OT_WRONG_VERSION, "another version");
    refused(f.data, f.len, NULL, OT_WRONG_VERSION, "another version, no list");
  }
  /* the version byte changed without the checksum: does not decode */
  n = t_b64_decode(b.data, rec);
  rec[0] = 2;
  buf_reset(&f);
  t_b64_encode(rec, n, &f);
  refused(f.data, f.len, &expect, OT_MALFORMED, "version changed, checksum not");
  buf_free(&f);
  buf_free(&b);
}
END_TEST

/* The token carries no key: anyone can write a record with a valid checksum. The decoder
 * still refuses every field it cannot read. */
START_TEST(forged_records_refused)
{
  struct offset_token t = token_of(OT_POS_CURSOR);
  t.pos_str = "abc";
  struct buf b, f;
  buf_init(&b);
  buf_init(&f);
  encode_ok(&t, &b);
  unsigned char rec[OFFSET_TOKEN_MAX_LEN], m[OFFSET_TOKEN_MAX_LEN + 16];
  size_t n = t_b64_decode(b.data, rec);
  /* layout: version, 8 check, reg (1 + 41), binding (1 + 3), op, server, hash 32, kind,
   * cursor (1 + 3), consumed, offset (3 bytes) */
  size_t reg = 9, bind = reg + 1 + strlen(t.list.registration), op = bind + 1 + 3,
         kind = op + 2 + SHA256_DIGEST_LEN, cur = kind + 1, tail = cur + 1 + 3;
  ck_assert_uint_eq(rec[reg], strlen(t.list.registration));
  ck_assert_uint_eq(rec[bind], 3);
  ck_assert_uint_eq(rec[kind], OT_POS_CURSOR);
  ck_assert_uint_eq(rec[cur], 3);
  ck_assert_uint_eq(n, tail + 1 + 3);

  /* every shorter record, checksum valid */
  for(size_t k = 9; k < n; k++) {
    memcpy(m, rec, k);
    forge(m, k, &f);
    refused(f.data, f.len, NULL, OT_MALFORMED, "short record");
  }
  /* a byte too many */
  memcpy(m, rec, n);
  m[n] = 0;
  forge(m, n + 1, &f);
  refused(f.data, f.len, NULL, OT_MALFORMED, "trailing byte");
  /* an unknown position kind */
  static const unsigned char kinds[] = { OT_POS_MAX, OT_POS_MAX + 1, 0x7f, 0xff };
  for(size_t i = 0; i < sizeof(kinds); i++) {
    memcpy(m, rec, n);
    m[kind] = kinds[i];
    forge(m, n, &f);
    refused(f.data, f.len, NULL, OT_MALFORMED, "unknown kind");
  }
  /* a NUL inside a string */
  memcpy(m, rec, n);
  m[cur + 2] = 0;
  forge(m, n, &f);
  refused(f.data, f.len, NULL, OT_MALFORMED, "NUL in the cursor");
  memcpy(m, rec, n);
  m[bind + 1] = 0;
  forge(m, n, &f);
  refused(f.data, f.len, NULL, OT_MALFORMED, "NUL in the binding");
  /* a string longer than the record */
  memcpy(m, rec, n);
  m[cur] = 0x7f;
  forge(m, n, &f);
  refused(f.data, f.len, NULL, OT_MALFORMED, "cursor length past the end");
  memcpy(m, rec, n);
  m[reg] = 0xff; /* a varint that goes on into the registration */
  forge(m, n, &f);
  refused(f.data, f.len, NULL, OT_MALFORMED, "registration length huge");
  /* a number not in its shortest form: consumed 3 written as 0x83 0x00 */
  memcpy(m, rec, tail);
  m[tail] = 0x83;
  m[tail + 1] = 0x00;
  memcpy(m + tail + 2, rec + tail + 1, n - tail - 1);
  forge(m, n + 1, &f);
  refused(f.data, f.len, NULL, OT_MALFORMED, "overlong number");
  /* a number of more than 64 bits: eleven bytes, and ten whose last has more than 1 bit */
  memcpy(m, rec, tail);
  memset(m + tail, 0xff, 10);
  m[tail + 10] = 0x01;
  memcpy(m + tail + 11, rec + tail + 1, n - tail - 1);
  forge(m, n + 10, &f);
  refused(f.data, f.len, NULL, OT_MALFORMED, "eleven-byte number");
  memcpy(m, rec, tail);
  memset(m + tail, 0xff, 9);
  m[tail + 9] = 0x02;
  memcpy(m + tail + 10, rec + tail + 1, n - tail - 1);
  forge(m, n + 9, &f);
  refused(f.data, f.len, NULL, OT_MALFORMED, "65-bit number");
  /* ... while 2^64 - 1 in ten bytes is read */
  memcpy(m, rec, tail);
  memset(m + tail, 0xff, 9);
  m[tail + 9] = 0x01;
  memcpy(m + tail + 10, rec + tail + 1, n - tail - 1);
  forge(m, n + 9, &f);
  struct arena a;
  arena_init(&a, 0);
  struct offset_token got;
  enum offset_token_why why;
  ck_assert_int_eq(offset_token_decode(f.data, f.len, NULL, &a, &got, &why), OAC_OK);
  ck_assert_uint_eq(got.consumed, UINT64_MAX);
  ck_assert_uint_eq(got.offset, t.offset);
  /* an operation or server wider than unsigned */
  memcpy(m, rec, op);
  static const unsigned char big[] = { 0x80, 0x80, 0x80, 0x80, 0x10 }; /* 2^32 */
  memcpy(m + op, big, sizeof(big));
  memcpy(m + op + sizeof(big), rec + op + 1, n - op - 1);
  forge(m, n + sizeof(big) - 1, &f);
  refused(f.data, f.len, NULL, OT_MALFORMED, "operation of 2^32");
  /* the smallest record: version and checksum only */
  memcpy(m, rec, 9);
  forge(m, 9, &f);
  refused(f.data, f.len, NULL, OT_MALFORMED, "no body");
  arena_free(&a);
  buf_free(&f);
  buf_free(&b);
}
END_TEST

/* Every prefix of a token: each is refused (most lengths are valid base64url). */
START_TEST(truncated)
{
  struct offset_token t = token_of(OT_POS_NEXT_URL);
  struct buf b;
  buf_init(&b);
  encode_ok(&t, &b);
  for(size_t k = 0; k < b.len; k++)
    refused(b.data, k, NULL, OT_MALFORMED, "prefix");
  buf_free(&b);
}
END_TEST

START_TEST(empty_and_not_base64url)
{
  refused("", 0, NULL, OT_MALFORMED, "empty");
  refused(NULL, 0, NULL, OT_MALFORMED, "NULL");
  refused("A", 1, NULL, OT_MALFORMED, "one character");
  struct offset_token t = token_of(OT_POS_FIRST);
  struct buf b, f;
  buf_init(&b);
  buf_init(&f);
  encode_ok(&t, &b);
  /* the same bytes in standard base64 (+ / and padding) */
  static const char *pads[] = { "=", "==", "===", " ", "\n", "." };
  for(size_t i = 0; i < sizeof(pads) / sizeof(pads[0]); i++) {
    buf_reset(&f);
    buf_puts(&f, b.data);
    buf_puts(&f, pads[i]);
    refused(f.data, f.len, NULL, OT_MALFORMED, pads[i]);
  }
  /* a token of a whole number of 4-character groups, and one character more: its 6 bits
   * make no byte (a length of 1 mod 4 is never base64) */
  int seen = 0;
  for(int k = 0; k < 3; k++) {
    struct offset_token c = token_of(OT_POS_CURSOR);
    static const char *const cursors[] = { "x", "xy", "xyz" };
    c.pos_str = cursors[k];
    encode_ok(&c, &f);
    if(f.len % 4)
      continue;
    seen = 1;
    for(const char *ch = alphabet; *ch; ch++) {
      buf_putc(&f, *ch);
      refused(f.data, f.len, NULL, OT_MALFORMED, "a 4n+1st character");
      f.len--;
      f.data[f.len] = '\0';
    }
  }
  ck_assert(seen);
  /* a token percent-encoded or JSON-quoted by mistake */
  buf_reset(&f);
  buf_json_str(&f, b.data);
  refused(f.data, f.len, NULL, OT_MALFORMED, "quoted");
  /* base64url of plain text that is not a record */
  refused("aGVsbG8gd29ybGQ", 15, NULL, OT_MALFORMED, "hello world");
  refused("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 36, NULL, OT_MALFORMED, "zeros");
  buf_free(&f);
  buf_free(&b);
}
END_TEST

/* ---- the 4 KiB limit -------------------------------------------------------------------- */

START_TEST(over_4k_refused)
{
  struct buf b;
  buf_init(&b);
  char *cursor = oac_malloc(OFFSET_TOKEN_MAX_LEN + 1);
  ck_assert_ptr_nonnull(cursor);
  struct offset_token t = token_of(OT_POS_CURSOR);
  t.pos_str = cursor;
  size_t longest = 0, exact = 0;
  for(size_t len = 2900; len <= 3100; len++) {
    memset(cursor, 'c', len);
    cursor[len] = '\0';
    buf_reset(&b);
    buf_puts(&b, "kept");
    enum oac_result r = offset_token_encode(&t, &b);
    if(r == OAC_OK) {
      ck_assert_uint_le(b.len - 4, OFFSET_TOKEN_MAX_LEN);
      ck_assert_msg(longest == len - 1 || longest == 0, "an OK after a refusal at %zu", len);
      longest = len;
      if(b.len - 4 == OFFSET_TOKEN_MAX_LEN) {
        exact = len;
        struct arena a;
        arena_init(&a, 0);
        struct offset_token got;
        enum offset_token_why why;
        struct offset_token_list e = list_of();
        ck_assert_int_eq(offset_token_decode(b.data + 4, b.len - 4, &e, &a, &got, &why),
                         OAC_OK);
        same_token(&t, &got);
        /* one character more is refused before anything is decoded */
        buf_putc(&b, 'A');
        refused(b.data + 4, b.len - 4, &e, OT_MALFORMED, "4097 characters");
        arena_free(&a);
      }
    }
    else {
      ck_assert_int_eq(r, OAC_ELIMIT);
      ck_assert_str_eq(b.data, "kept"); /* nothing appended */
    }
  }
  ck_assert_msg(exact > 0, "no cursor length gave a token of exactly 4096 characters");
  ck_assert_uint_eq(longest, exact); /* 4096 is a multiple of 4 */
  ck_assert_uint_lt(longest, 3100);
  /* an even longer one: still refused */
  memset(cursor, 'c', OFFSET_TOKEN_MAX_LEN);
  cursor[OFFSET_TOKEN_MAX_LEN] = '\0';
  buf_reset(&b);
  ck_assert_int_eq(offset_token_encode(&t, &b), OAC_ELIMIT);
  ck_assert_uint_eq(b.len, 0);
  oac_free(cursor);
  buf_free(&b);
}
END_TEST

START_TEST(encode_refuses_bad_input)
{
  struct buf b;
  buf_init(&b);
  struct offset_token t = token_of(OT_POS_CURSOR);
  t.pos_str = NULL;
  ck_assert_int_eq(offset_token_encode(&t, &b), OAC_EINTERNAL);
  t = token_of(OT_POS_NEXT_URL);
  t.pos_str = NULL;
  ck_assert_int_eq(offset_token_encode(&t, &b), OAC_EINTERNAL);
  t = token_of(OT_POS_PAGE);
  t.list.registration = NULL;
  ck_assert_int_eq(offset_token_encode(&t, &b), OAC_EINTERNAL);
  t = token_of(OT_POS_PAGE);
  t.list.binding = NULL;
  ck_assert_int_eq(offset_token_encode(&t, &b), OAC_EINTERNAL);
  t = token_of(OT_POS_PAGE);
  t.kind = OT_POS_MAX;
  ck_assert_int_eq(offset_token_encode(&t, &b), OAC_EINTERNAL);
  ck_assert_uint_eq(b.len, 0);
  buf_free(&b);
}
END_TEST

/* Allocation failures: encode, decode and the hash give OAC_ENOMEM and leak nothing, then
 * succeed with the same answer. */
START_TEST(allocation_failures)
{
  struct offset_token t = token_of(OT_POS_NEXT_URL), got;
  struct buf ref, b;
  buf_init(&ref);
  encode_ok(&t, &ref);
  int ok = 0;
  for(unsigned long k = 1; k < 50 && !ok; k++) {
    buf_init(&b);
    oac_mem_fail_at(k);
    enum oac_result r = offset_token_encode(&t, &b);
    oac_mem_fail_at(0);
    if(r == OAC_OK) {
      ck_assert_str_eq(b.data, ref.data);
      ok = 1;
    }
    else
      ck_assert_int_eq(r, OAC_ENOMEM);
    buf_free(&b);
  }
  ck_assert(ok);
  ok = 0;
  for(unsigned long k = 1; k < 50 && !ok; k++) {
    struct arena a;
    arena_init(&a, 0);
    enum offset_token_why why;
    oac_mem_fail_at(k);
    enum oac_result r = offset_token_decode(ref.data, ref.len, NULL, &a, &got, &why);
    oac_mem_fail_at(0);
    if(r == OAC_OK) {
      same_token(&t, &got);
      ok = 1;
    }
    else
      ck_assert_int_eq(r, OAC_ENOMEM);
    arena_free(&a);
  }
  ck_assert(ok);
  /* the hash of a filter with more members than the writer keeps on the stack */
  struct buf j;
  buf_init(&j);
  buf_putc(&j, '{');
  for(int i = 0; i < 40; i++)
    buf_printf(&j, "%s\"k%02d\":[%d,{\"z\":1,\"a\":2}]", i ? "," : "", 39 - i, i);
  buf_putc(&j, '}');
  cJSON *doc = NULL;
  struct json_error je;
  ck_assert_int_eq(json_parse(j.data, j.len, &doc, &je), OAC_OK);
  unsigned char h0[SHA256_DIGEST_LEN], h[SHA256_DIGEST_LEN];
  ck_assert_int_eq(offset_token_filter_hash(doc, h0), OAC_OK);
  ok = 0;
  for(unsigned long k = 1; k < 50 && !ok; k++) {
    oac_mem_fail_at(k);
    enum oac_result r = offset_token_filter_hash(doc, h);
    oac_mem_fail_at(0);
    if(r == OAC_OK) {
      ck_assert_mem_eq(h, h0, SHA256_DIGEST_LEN);
      ok = 1;
    }
    else
      ck_assert_int_eq(r, OAC_ENOMEM);
  }
  ck_assert(ok);
  cJSON_Delete(doc);
  buf_free(&j);
  buf_free(&ref);
}
END_TEST

/* ---- the list filter's hash --------------------------------------------------------------- */

static void hash_of(const char *json, unsigned char out[SHA256_DIGEST_LEN])
{
  cJSON *doc = NULL;
  struct json_error je;
  ck_assert_msg(json_parse(json, strlen(json), &doc, &je) == OAC_OK, "bad test JSON: %s", json);
  ck_assert_int_eq(offset_token_filter_hash(doc, out), OAC_OK);
  cJSON_Delete(doc);
}

static void hash_same(const char *x, const char *y)
{
  unsigned char hx[SHA256_DIGEST_LEN], hy[SHA256_DIGEST_LEN];
  hash_of(x, hx);
  hash_of(y, hy);
  ck_assert_msg(!memcmp(hx, hy, sizeof(hx)), "should hash the same:\n  %s\n  %s", x, y);
}

static void hash_differs(const char *x, const char *y)
{
  unsigned char hx[SHA256_DIGEST_LEN], hy[SHA256_DIGEST_LEN];
  hash_of(x, hx);
  hash_of(y, hy);
  ck_assert_msg(memcmp(hx, hy, sizeof(hx)), "should hash differently:\n  %s\n  %s", x, y);
}

#define BASE                                                                                   \
  "\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\","                            \
  "\"contentValue\":\"Rex\",\"value\":\"Rex\"}],\"comparisonType\":\"AND\","                   \
  "\"orderByPropertyDeveloperName\":\"id\",\"orderByDirectionType\":\"ASC\""

START_TEST(hash_is_sha256_of_the_canonical_form)
{
  unsigned char h[SHA256_DIGEST_LEN], want[SHA256_DIGEST_LEN];
  hash_of("{\"search\":\"x\",\"limit\":3,\"b\":[1.50,1e2],\"a\":{\"z\":null,\"y\":true}}", h);
  const char *canon = "{\"a\":{\"y\":true,\"z\":null},\"b\":[1.5,100],\"search\":\"x\"}";
  sha256(canon, strlen(canon), want);
  ck_assert_mem_eq(h, want, SHA256_DIGEST_LEN);
  /* null, an empty object and a non-object all hash as {} */
  sha256("{}", 2, want);
  ck_assert_int_eq(offset_token_filter_hash(NULL, h), OAC_OK);
  ck_assert_mem_eq(h, want, SHA256_DIGEST_LEN);
  hash_of("null", h);
  ck_assert_mem_eq(h, want, SHA256_DIGEST_LEN);
  hash_of("[]", h);
  ck_assert_mem_eq(h, want, SHA256_DIGEST_LEN);
}
END_TEST

START_TEST(hash_ignores_paging_and_key_order)
{
  /* offset, limit and offsetToken (any case, as the request reader matches them) */
  hash_same("{" BASE ",\"limit\":10,\"offset\":20,\"offsetToken\":\"abc\"}",
            "{" BASE ",\"limit\":50,\"offset\":0,\"offsetToken\":null}");
  hash_same("{" BASE ",\"limit\":10}",
            "{" BASE ",\"Limit\":7,\"OFFSET\":3,\"offsettoken\":\"x\"}");
  hash_same("{" BASE "}", "{" BASE ",\"limit\":0,\"offset\":0}");
  /* key order, at the top and inside; number spelling */
  hash_same("{" BASE ",\"limit\":10}",
            "{\"orderByDirectionType\":\"ASC\",\"comparisonType\":\"AND\",\"where\":"
            "[{\"value\":\"Rex\",\"contentValue\":\"Rex\",\"criteriaType\":\"EQUAL\","
            "\"columnName\":\"name\"}],\"orderByPropertyDeveloperName\":\"id\"}");
  hash_same("{\"x\":1.0,\"y\":[1e2]}", "{\"y\":[100],\"x\":1}");
  /* a null member is an absent one; a null filter is the whole list */
  hash_same("{" BASE ",\"search\":null,\"listFilters\":null}", "{" BASE "}");
  hash_same("null",
            "{\"id\":null,\"where\":null,\"limit\":0,\"offset\":0,\"offsetToken\":null}");
  /* Flow's empty listFilter spells the defaults out: the same list as a null one */
  hash_same("null",
            "{\"id\":\"\",\"comparisonType\":\"\",\"where\":[],\"listFilters\":[],"
            "\"orderByPropertyDeveloperName\":\"\",\"orderByDirectionType\":\"\","
            "\"orderBy\":[],\"filterByProvidedObjects\":false,\"search\":\"\","
            "\"searchCriteria\":{},\"limit\":20,\"offset\":0}");
  /* ... but a value that says something counts */
  hash_differs("null", "{\"filterByProvidedObjects\":true}");
  hash_differs("null", "{\"comparisonType\":\"AND\"}");
}
END_TEST

START_TEST(hash_sees_every_other_member)
{
  const char *base = "{" BASE ",\"limit\":10}";
  hash_differs(base, "{" BASE ",\"limit\":10,\"search\":\"rex\"}");
  hash_differs(base,
               "{\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\","
               "\"contentValue\":\"Max\",\"value\":\"Rex\"}],\"comparisonType\":\"AND\","
               "\"orderByPropertyDeveloperName\":\"id\",\"orderByDirectionType\":\"ASC\"}");
  hash_differs(base,
               "{\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\","
               "\"contentValue\":\"Rex\",\"value\":\"Rex\"}],\"comparisonType\":\"OR\","
               "\"orderByPropertyDeveloperName\":\"id\",\"orderByDirectionType\":\"ASC\"}");
  hash_differs(base,
               "{\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"EQUAL\","
               "\"contentValue\":\"Rex\",\"value\":\"Rex\"}],\"comparisonType\":\"AND\","
               "\"orderByPropertyDeveloperName\":\"id\",\"orderByDirectionType\":\"DESC\"}");
  /* keys and values as sent: case matters below the top level's paging members */
  hash_differs(base,
               "{\"where\":[{\"ColumnName\":\"name\",\"criteriaType\":\"EQUAL\","
               "\"contentValue\":\"Rex\",\"value\":\"Rex\"}],\"comparisonType\":\"AND\","
               "\"orderByPropertyDeveloperName\":\"id\",\"orderByDirectionType\":\"ASC\"}");
  hash_differs("{\"search\":\"rex\"}", "{\"search\":\"Rex\"}");
  hash_differs("{\"Search\":\"rex\"}", "{\"search\":\"rex\"}");
  /* array order, a member's type (an empty value is the same as null: hash_same above) */
  hash_differs("{\"orderBy\":[{\"columnName\":\"a\"},{\"columnName\":\"b\"}]}",
               "{\"orderBy\":[{\"columnName\":\"b\"},{\"columnName\":\"a\"}]}");
  hash_differs("{\"filterByProvidedObjects\":true}", "{\"filterByProvidedObjects\":\"true\"}");
  hash_same("{\"search\":\"\"}", "{\"search\":null}");
  hash_same("{\"where\":[]}", "{}");
  hash_differs("{\"where\":[{}]}", "{}");
  /* a member whose name only starts like a paging member */
  hash_differs("{\"offsets\":1}", "{}");
  hash_differs("{\"limitX\":1}", "{}");
}
END_TEST

/* ---- token or offset ----------------------------------------------------------------------- */

START_TEST(offset_versus_token)
{
  struct offset_token t = token_of(OT_POS_PAGE);
  t.offset = 40;
  ck_assert(offset_token_used(0, &t));   /* no offset: the token */
  ck_assert(offset_token_used(40, &t));  /* the same offset: the token */
  ck_assert(!offset_token_used(20, &t)); /* another offset: walk to it */
  ck_assert(!offset_token_used(41, &t));
  ck_assert(!offset_token_used(-40, &t)); /* negative: a 400 before this */
  t.offset = 0;
  ck_assert(offset_token_used(0, &t));
  ck_assert(!offset_token_used(5, &t));
  t.offset = (uint64_t)1 << 40;
  ck_assert(offset_token_used((long)1 << 40, &t));
  ck_assert(!offset_token_used(((long)1 << 40) + 1, &t));
}
END_TEST

/* ---- suite --------------------------------------------------------------------------------- */

Suite *suite(void)
{
  Suite *s = suite_create("offset_token");
  TCase *tc;

  tc = tcase_create("round trip");
  tcase_add_checked_fixture(tc, reset_mem, reset_mem);
  tcase_add_loop_test(tc, round_trip_every_kind, OT_POS_FIRST, OT_POS_MAX);
  tcase_add_test(tc, round_trip_extremes);
  tcase_add_test(tc, encode_refuses_bad_input);
  tcase_add_test(tc, allocation_failures);
  suite_add_tcase(s, tc);

  tc = tcase_create("refused");
  tcase_add_checked_fixture(tc, reset_mem, reset_mem);
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, tamper_every_position, OT_POS_FIRST, OT_POS_MAX);
  tcase_add_test(tc, another_list_each_field);
  tcase_add_test(tc, wrong_version);
  tcase_add_test(tc, forged_records_refused);
  tcase_add_test(tc, truncated);
  tcase_add_test(tc, empty_and_not_base64url);
  tcase_add_test(tc, over_4k_refused);
  suite_add_tcase(s, tc);

  tc = tcase_create("filter hash");
  tcase_add_test(tc, hash_is_sha256_of_the_canonical_form);
  tcase_add_test(tc, hash_ignores_paging_and_key_order);
  tcase_add_test(tc, hash_sees_every_other_member);
  suite_add_tcase(s, tc);

  tc = tcase_create("offset or token");
  tcase_add_test(tc, offset_versus_token);
  suite_add_tcase(s, tc);
  return s;
}
