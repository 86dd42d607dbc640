/* check_mapping.c - unit tests for src/flow/mapping.c, jcs.c and src/common/sha1.c.
 *
 * The types come from a small OpenAPI document compiled in memory (test_cache.h), so the
 * tests see the same helper types, oneOf splits and plan body lists the worker sees.
 * Expected values are derived independently: SHA-1 from FIPS 180 and Python's hashlib,
 * UUIDs from Python's uuid.uuid5 (the commands are quoted beside them), ECMAScript number
 * forms from RFC 8785 Appendix B (also checked with node), and Flow objects from
 * flow-protocol.md §4.7 and product.md §7.
 */
#include <check.h>
#include "check_main.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/mem.h"
#include "common/sha1.h"
#include "test_cache.h"
#include "flow/json.h"
#include "flow/mapping.h"
#include "flow/ext_id.h"
#include "flow/problem.h"

static const char *const spec_yaml =
  "openapi: 3.0.3\n"
  "info: {title: mapping tests, version: '1'}\n"
  "servers: [{url: 'http://127.0.0.1:3000'}]\n"
  "paths: {}\n"
  "components:\n"
  "  schemas:\n"
  "    Pet:\n"
  "      x-flow-type:\n"
  "        name: Pet\n"
  "        customProperties: {rank: integer}\n"
  "      x-flow-save: {path: /pets, operation: post}\n"
  "      x-flow-update:\n"
  "        path: /pets/{id}\n"
  "        operation: put\n"
  "        parameters: {id: externalId}\n"
  "        exclude: {name: true}\n"
  "      type: object\n"
  "      properties:\n"
  "        id: {type: integer, format: int64}\n"
  "        name: {type: string}\n"
  "        price: {type: number}\n"
  "        born: {type: string, format: date}\n"
  "        updated: {type: string, format: date-time}\n"
  "        active: {type: boolean}\n"
  "        secret: {type: string, format: password}\n"
  "        created: {type: string, readOnly: true}\n"
  "        category: {$ref: '#/components/schemas/Category'}\n"
  "        extra:\n"
  "          type: object\n"
  "          properties:\n"
  "            note: {type: string}\n"
  "            score: {type: integer}\n"
  "            stamp: {type: string, readOnly: true}\n"
  "        tags: {type: array, items: {type: string}}\n"
  "        counts: {type: array, items: {type: number}}\n"
  "        flags: {type: array, items: {type: boolean}}\n"
  "        photos:\n"
  "          type: array\n"
  "          items:\n"
  "            type: object\n"
  "            properties:\n"
  "              url: {type: string}\n"
  "              w: {type: integer}\n"
  "        meta: {type: object, additionalProperties: true}\n"
  "        blobs: {type: array, items: {type: object, additionalProperties: true}}\n"
  "        owner:\n"
  "          oneOf:\n"
  "            - $ref: '#/components/schemas/Person'\n"
  "            - $ref: '#/components/schemas/Company'\n"
  "        value:\n"
  "          oneOf:\n"
  "            - type: string\n"
  "            - type: number\n"
  "            - type: boolean\n"
  "        when:\n"
  "          oneOf:\n"
  "            - {type: string, format: date-time}\n"
  "            - {type: string}\n"
  "        mixed:\n"
  "          anyOf:\n"
  "            - {type: array, items: {type: string}}\n"
  "            - {type: array, items: {$ref: '#/components/schemas/Category'}}\n"
  "    Category:\n"
  "      x-flow-type: {name: Category}\n"
  "      type: object\n"
  "      properties:\n"
  "        id: {type: integer}\n"
  "        name: {type: string}\n"
  "    Person:\n"
  "      type: object\n"
  "      properties:\n"
  "        first: {type: string}\n"
  "        last: {type: string}\n"
  "    Company:\n"
  "      type: object\n"
  "      properties:\n"
  "        name: {type: string}\n"
  "        vat: {type: string}\n"
  "    Blob:\n"
  "      x-flow-type: {name: Blob}\n"
  "      type: object\n"
  "      properties:\n"
  "        a: {type: string}\n"
  "        b: {type: number}\n"
  "    Note:\n"
  "      x-flow-type: {name: Note, externalId: code}\n"
  "      type: object\n"
  "      properties:\n"
  "        id: {type: string}\n"
  "        code: {type: string}\n"
  "    Repo:\n"
  "      x-flow-type: {name: Repo, externalId: [owner, name]}\n"
  "      type: object\n"
  "      properties:\n"
  "        id: {type: integer}\n"
  "        owner: {type: string}\n"
  "        name: {type: string}\n"
  "        n: {type: integer}\n";

/* The order in which Pet's properties are declared (product.md §6.1: oneOf alternatives in
 * place, customProperties last). */
static const char *const pet_props[] = {
  "id", "name", "price", "born", "updated", "active", "secret", "created", "category",
  "extra", "tags", "counts", "flags", "photos", "meta", "blobs", "owner-Person",
  "owner-Company", "value-1", "value-2", "value-3", "when-1", "when-2", "mixed-1", "mixed-2",
  "rank"
};
#define NPET (sizeof(pet_props) / sizeof(pet_props[0]))

static struct cache *C;

static void setup(void)
{
  oac_mem_fail_at(0);
  C = test_cache_compile(spec_yaml, NULL);
}

static void teardown(void)
{
  oac_mem_fail_at(0);
  test_cache_free(C);
  C = NULL;
}

/* ---- helpers ------------------------------------------------------------------------ */

static cJSON *parse(const char *text)
{
  cJSON *v = NULL;
  struct json_error err;
  enum oac_result r = json_parse(text, strlen(text), &v, &err);
  ck_assert_msg(r == OAC_OK, "test JSON does not parse (%s): %s", err.msg, text);
  return v;
}

/* map_object_to_flow on JSON text, the answer parsed back (so it is checked to be JSON). */
static cJSON *to_flow_w(const char *type, const char *json, const char *want_json)
{
  struct arena a;
  struct problem p = { 0 };
  struct buf out;
  arena_init(&a, 0);
  buf_init(&out);
  uint32_t t = test_cache_type(C, type);
  cJSON *v = parse(json), *wj = want_json ? parse(want_json) : NULL;
  const struct map_want *w = want_json ? map_want_build(C, t, wj, &a) : NULL;
  if(want_json)
    ck_assert_ptr_nonnull(w);
  ck_assert_int_eq(map_object_to_flow(C, t, v, w, NULL, 0, &out, &p), 0);
  cJSON *m = cJSON_Parse(out.data);
  ck_assert_msg(m != NULL, "not JSON: %s", out.data);
  cJSON_Delete(v);
  cJSON_Delete(wj);
  buf_free(&out);
  arena_free(&a);
  return m;
}

static cJSON *to_flow(const char *type, const char *json)
{
  return to_flow_w(type, json, NULL);
}

/* Property NAME of MObject M (exact developerName), failing when absent. */
static const cJSON *fprop(const cJSON *m, const char *name)
{
  const cJSON *props = cJSON_GetObjectItemCaseSensitive(m, "properties");
  ck_assert(cJSON_IsArray(props));
  for(const cJSON *e = props->child; e; e = e->next) {
    const cJSON *dn = cJSON_GetObjectItemCaseSensitive(e, "developerName");
    if(cJSON_IsString(dn) && !strcmp(dn->valuestring, name))
      return e;
  }
  ck_abort_msg("no property '%s' in the MObject", name);
  return NULL;
}

static int has_prop(const cJSON *m, const char *name)
{
  const cJSON *props = cJSON_GetObjectItemCaseSensitive(m, "properties");
  for(const cJSON *e = props ? props->child : NULL; e; e = e->next) {
    const cJSON *dn = cJSON_GetObjectItemCaseSensitive(e, "developerName");
    if(cJSON_IsString(dn) && !strcmp(dn->valuestring, name))
      return 1;
  }
  return 0;
}

/* contentValue of property NAME: its string, or NULL for JSON null. */
static const char *fval(const cJSON *m, const char *name)
{
  const cJSON *cv = cJSON_GetObjectItemCaseSensitive(fprop(m, name), "contentValue");
  ck_assert_msg(cJSON_IsString(cv) || cJSON_IsNull(cv), "contentValue of '%s'", name);
  return cJSON_IsString(cv) ? cv->valuestring : NULL;
}

static const cJSON *fdata(const cJSON *m, const char *name)
{
  return cJSON_GetObjectItemCaseSensitive(fprop(m, name), "objectData");
}

static const char *sfield(const cJSON *m, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Flow property entries, written as Flow sends them. */
#define SP(n, v) "{\"typeElementPropertyId\":null,\"developerName\":\"" n "\"," \
                 "\"contentType\":\"ContentString\",\"contentValue\":" v ","   \
                 "\"contentFormat\":\"\",\"objectData\":null}"
#define OP(n, od) "{\"developerName\":\"" n "\",\"contentValue\":null,\"objectData\":" od "}"
#define MOBJ(type, props) "{\"internalId\":null,\"externalId\":null,\"developerName\":\"" \
                          type "\",\"typeElementId\":null,\"order\":0,"                  \
                          "\"isSelected\":false,\"properties\":[" props "]}"

/* map_flow_to_json on Flow JSON text. Returns the body (free()) or NULL with *P set. */
static char *to_json_l(const char *type, const char *mobj, const uint32_t *props, size_t n,
                       struct problem *p)
{
  struct buf out;
  buf_init(&out);
  memset(p, 0, sizeof(*p));
  cJSON *o = parse(mobj);
  int r = map_flow_to_json(C, test_cache_type(C, type), o, props, n, &out, p);
  cJSON_Delete(o);
  if(r) {
    ck_assert_int_ne(p->status, 0);
    buf_free(&out);
    return NULL;
  }
  ck_assert_int_eq(p->status, 0);
  /* the body must be JSON */
  cJSON *chk = parse(out.data);
  cJSON_Delete(chk);
  char *s = strdup(out.data);
  buf_free(&out);
  return s;
}

static char *to_json(const char *type, const char *mobj)
{
  struct problem p;
  char *s = to_json_l(type, mobj, NULL, 0, &p);
  ck_assert_msg(s != NULL, "refused: %s", p.msg);
  return s;
}

/* The body property list of TYPE's plan OP (CS_U32 indices). */
static const uint32_t *body_list(const char *type, enum cache_op op, size_t *n)
{
  struct cache_error err;
  const struct cache_type *t = cache_type_at(C, test_cache_type(C, type), &err);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_ne(t->plans[op], 0);
  uint32_t np, nu;
  const struct cache_plan *plans = cache_section(C, CS_PLANS, &np, &err);
  const uint32_t *u = cache_section(C, CS_U32, &nu, &err);
  ck_assert_ptr_nonnull(plans);
  ck_assert_ptr_nonnull(u);
  const struct cache_plan *pl = &plans[t->plans[op] - 1];
  ck_assert(pl->flags & PLAN_F_BODY);
  *n = pl->nbody;
  return u + pl->first_body;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
  for(size_t i = 0; i < n; i++)
    snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- SHA-1 -------------------------------------------------------------------------- */

START_TEST(sha1_fips_vectors)
{
  /* FIPS 180 example messages */
  static const struct { const char *msg; const char *digest; } v[] = {
    { "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
    { "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
  };
  unsigned char d[SHA1_DIGEST_LEN];
  char h[41];
  for(size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    sha1(v[i].msg, strlen(v[i].msg), d);
    hex(d, sizeof(d), h);
    ck_assert_str_eq(h, v[i].digest);
    /* the same fed one byte at a time */
    struct sha1_ctx ctx;
    sha1_init(&ctx);
    for(size_t k = 0; v[i].msg[k]; k++)
      sha1_update(&ctx, v[i].msg + k, 1);
    sha1_final(&ctx, d);
    hex(d, sizeof(d), h);
    ck_assert_str_eq(h, v[i].digest);
  }
}
END_TEST

START_TEST(sha1_million_a)
{
  /* FIPS 180: one million 'a', fed in uneven pieces across block boundaries */
  static char chunk[1000];
  memset(chunk, 'a', sizeof(chunk));
  struct sha1_ctx ctx;
  unsigned char d[SHA1_DIGEST_LEN];
  char h[41];
  sha1_init(&ctx);
  size_t left = 1000000, step = 1;
  while(left) {
    size_t n = step < left ? step : left;
    sha1_update(&ctx, chunk, n);
    left -= n;
    step = step % 990 + 7;      /* 7..996 bytes */
  }
  sha1_final(&ctx, d);
  hex(d, sizeof(d), h);
  ck_assert_str_eq(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}
END_TEST

START_TEST(sha1_padding_boundaries)
{
  /* python3 -c 'import hashlib; print(hashlib.sha1(b"a"*N).hexdigest())': the lengths where
   * the length field does or does not fit in the last block */
  static const struct { size_t n; const char *digest; } v[] = {
    { 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a" },
    { 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699" },
    { 63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5" },
    { 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d" },
    { 65, "11655326c708d70319be2610e8a57d9a5b959d3b" },
    { 119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56" },
    { 120, "f34c1488385346a55709ba056ddd08280dd4c6d6" },
    { 128, "ad5b3fdbcb526778c2839d2f151ea753995e26a0" },
  };
  char a[128];
  memset(a, 'a', sizeof(a));
  for(size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    unsigned char d[SHA1_DIGEST_LEN];
    char h[41];
    sha1(a, v[i].n, d);
    hex(d, sizeof(d), h);
    ck_assert_str_eq(h, v[i].digest);
    /* split at every position: same digest */
    for(size_t cut = 0; cut <= v[i].n; cut += 5) {
      struct sha1_ctx ctx;
      sha1_init(&ctx);
      sha1_update(&ctx, a, cut);
      sha1_update(&ctx, a + cut, v[i].n - cut);
      sha1_final(&ctx, d);
      hex(d, sizeof(d), h);
      ck_assert_str_eq(h, v[i].digest);
    }
  }
}
END_TEST

/* ---- UUID v5 ------------------------------------------------------------------------ */

START_TEST(uuid5_matches_python)
{
  /* python3 -c 'import uuid; print(uuid.uuid5(uuid.UUID(
   *   "914dc1ca-e5cc-4744-9f41-927adbf68794"), NAME))' */
  char u[37];
  map_uuid5("Pet\0{\"a\":1}", 11, u);
  ck_assert_str_eq(u, "0f95cd53-4275-547d-bcd1-2bffc2680073");
  map_uuid5("", 0, u);
  ck_assert_str_eq(u, "f601b0c7-676a-5555-b357-6eb88e777c89");
  /* version 5, RFC 4122 variant */
  ck_assert_uint_eq(strlen(u), 36);
  ck_assert_int_eq(u[14], '5');
  ck_assert_ptr_nonnull(strchr("89ab", u[19]));
}
END_TEST

START_TEST(uuid_random_is_v4)
{
  char a[37], b[37];
  map_uuid_random(a);
  map_uuid_random(b);
  ck_assert_uint_eq(strlen(a), 36);
  ck_assert_str_ne(a, b);
  ck_assert_int_eq(a[8], '-');
  ck_assert_int_eq(a[23], '-');
  ck_assert_int_eq(a[14], '4');                   /* version 4 (or 5 without entropy) */
  ck_assert_ptr_nonnull(strchr("89ab", a[19]));
}
END_TEST

/* JSON number grammar (RFC 8259 §6): the one copy, which the compiler uses too. */
START_TEST(json_number_grammar)
{
  static const char *const yes[] = {
    "0", "-0", "1", "-1", "10", "0.5", "-0.0", "1e3", "1E3", "1e+3", "1e-3", "1.5E-02",
    "123456789012345678901234567890", "0e0"
  };
  static const char *const no[] = {
    "", "-", "+1", "01", "-01", "00", ".5", "5.", "1.e3", "1e", "1e+", "1e-", "--1", "1-",
    "0x10", "1 ", " 1", "Infinity", "NaN", "1.5.2", "1e3e3", "e3"
  };
  for(size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
    ck_assert_msg(json_is_number(yes[i], strlen(yes[i])), "'%s' is a number", yes[i]);
  for(size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
    ck_assert_msg(!json_is_number(no[i], strlen(no[i])), "'%s' is not a number", no[i]);
  ck_assert(json_is_number("12x", 2));             /* the length counts, not the NUL */
  ck_assert(!json_is_number("1\0" "2", 3));
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(json_number_plain(&b, "1.5E-2", 6), OAC_OK);
  ck_assert_str_eq(b.data, "0.015");
  ck_assert_int_eq(json_number_plain(&b, "+1", 2), OAC_EDOC);   /* nothing appended */
  ck_assert_int_eq(json_number_plain(&b, "", 0), OAC_EDOC);
  ck_assert_uint_eq(b.len, 5);
  buf_free(&b);
}
END_TEST

/* ---- RFC 8785 ----------------------------------------------------------------------- */

START_TEST(jcs_numbers_rfc8785_appendix_b)
{
  /* RFC 8785 Appendix B: IEEE 754 bit pattern -> ECMAScript text */
  static const struct { uint64_t bits; const char *text; } v[] = {
    { 0x0000000000000000ULL, "0" },
    { 0x8000000000000000ULL, "0" },
    { 0x0000000000000001ULL, "5e-324" },
    { 0x8000000000000001ULL, "-5e-324" },
    { 0x7fefffffffffffffULL, "1.7976931348623157e+308" },
    { 0xffefffffffffffffULL, "-1.7976931348623157e+308" },
    { 0x4340000000000000ULL, "9007199254740992" },
    { 0xc340000000000000ULL, "-9007199254740992" },
    { 0x4430000000000000ULL, "295147905179352830000" },
    { 0x44b52d02c7e14af5ULL, "9.999999999999997e+22" },
    { 0x44b52d02c7e14af6ULL, "1e+23" },
    { 0x44b52d02c7e14af7ULL, "1.0000000000000001e+23" },
    { 0x444b1ae4d6e2ef4eULL, "999999999999999700000" },
    { 0x444b1ae4d6e2ef4fULL, "999999999999999900000" },
    { 0x444b1ae4d6e2ef50ULL, "1e+21" },
    { 0x3eb0c6f7a0b5ed8cULL, "9.999999999999997e-7" },
    { 0x3eb0c6f7a0b5ed8dULL, "0.000001" },
    { 0x41b3de4355555553ULL, "333333333.3333332" },
    { 0x41b3de4355555554ULL, "333333333.33333325" },
    { 0x41b3de4355555555ULL, "333333333.3333333" },
    { 0x41b3de4355555556ULL, "333333333.3333334" },
    { 0x41b3de4355555557ULL, "333333333.33333343" },
    { 0xbecbf647612f3696ULL, "-0.0000033333333333333333" },
    { 0x43143ff3c1cb0959ULL, "1424953923781206.2" },
  };
  for(size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    double d;
    struct buf b;
    memcpy(&d, &v[i].bits, sizeof(d));
    buf_init(&b);
    ck_assert_int_eq(map_number_es(d, &b), 0);
    ck_assert_str_eq(b.data, v[i].text);
    buf_free(&b);
  }
}
END_TEST

START_TEST(jcs_numbers_more_forms)
{
  /* ECMA-262 Number::toString: the switch to exponent form at 1e21 and 1e-7 */
  static const struct { double d; const char *text; } v[] = {
    { 1e21, "1e+21" }, { 1e20, "100000000000000000000" }, { 1e-7, "1e-7" },
    { 1.5e-7, "1.5e-7" }, { 1e-6, "0.000001" }, { 123e-20, "1.23e-18" }, { 0.1, "0.1" },
    { 4.5, "4.5" }, { 2e-3, "0.002" }, { 1e30, "1e+30" }, { -1.5, "-1.5" }, { 1000, "1000" },
    { 123456789012345678.99, "123456789012345680" },
  };
  for(size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(map_number_es(v[i].d, &b), 0);
    ck_assert_str_eq(b.data, v[i].text);
    buf_free(&b);
  }
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(map_number_es(NAN, &b), OAC_EDOC);
  ck_assert_int_eq(map_number_es(INFINITY, &b), OAC_EDOC);
  ck_assert_int_eq(map_number_es(-INFINITY, &b), OAC_EDOC);
  ck_assert_uint_eq(b.len, 0);
  buf_free(&b);
}
END_TEST

static void check_jcs(const char *in, const char *expect)
{
  cJSON *v = parse(in);
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(map_jcs(v, &b), 0);
  ck_assert_str_eq(b.data, expect);
  buf_free(&b);
  cJSON_Delete(v);
}

START_TEST(jcs_rfc8785_example)
{
  /* RFC 8785 §3.2.2 (input) and §3.2.3 (its canonical form) */
  check_jcs("{\n"
            "  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
            "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
            "  \"literals\": [null, true, false]\n"
            "}",
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,"
            "1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}
END_TEST

START_TEST(jcs_key_order_utf16)
{
  /* RFC 8785 §3.2.3 sorting example: by UTF-16 code units, so the emoji (a surrogate pair
   * starting 0xD83D) sorts before U+FB33 although its code point is larger */
  check_jcs("{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\","
            "\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\","
            "\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\","
            "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}",
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
            "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
            "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
            "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}
END_TEST

START_TEST(jcs_key_order_surrogate_pairs)
{
  /* U+1F600 and U+1F601 share the high surrogate: the low one decides; a key that is a
   * prefix of another sorts first */
  check_jcs("{\"\\ud83d\\ude01\":1,\"\\ud83d\\ude00x\":2,\"\\ud83d\\ude00\":3,"
            "\"\\uffff\":4}",
            "{\"\xf0\x9f\x98\x80\":3,\"\xf0\x9f\x98\x80x\":2,\"\xf0\x9f\x98\x81\":1,"
            "\"\xef\xbf\xbf\":4}");
  /* bytes that are not UTF-8 count as units of their own value: still a total order;
   * written out, each becomes U+FFFD (buf_json_escape: the text stays valid UTF-8) */
  check_jcs("{\"\xff\":1,\"\xc3\xa9\":2,\"\xc3\":3}",
            "{\"\xef\xbf\xbd\":3,\"\xc3\xa9\":2,\"\xef\xbf\xbd\":1}");
}
END_TEST

START_TEST(jcs_nested_and_numbers)
{
  /* nested objects sorted, arrays in order, -0 -> 0, shortest digits */
  check_jcs("{\"b\":[{\"z\":1,\"y\":-0},3],\"a\":{\"d\":1e21,\"c\":1e-7,\"e\":5e-324,"
            "\"f\":333333333.3333333}, \"ab\": \"\", \"A\": null}",
            "{\"A\":null,\"a\":{\"c\":1e-7,\"d\":1e+21,\"e\":5e-324,\"f\":333333333.3333333},"
            "\"ab\":\"\",\"b\":[{\"y\":0,\"z\":1},3]}");
  /* more than the small-object limit of members: sorted all the same */
  struct buf in;
  buf_init(&in);
  buf_putc(&in, '{');
  for(int i = 39; i >= 0; i--)
    buf_printf(&in, "%s\"k%02d\":%d", i == 39 ? "" : ",", i, i);
  buf_putc(&in, '}');
  struct buf ex;
  buf_init(&ex);
  buf_putc(&ex, '{');
  for(int i = 0; i < 40; i++)
    buf_printf(&ex, "%s\"k%02d\":%d", i ? "," : "", i, i);
  buf_putc(&ex, '}');
  check_jcs(in.data, ex.data);
  buf_free(&in);
  buf_free(&ex);
  check_jcs("[]", "[]");
  check_jcs("{}", "{}");
  check_jcs("\"x\"", "\"x\"");
}
END_TEST

START_TEST(jcs_refuses_infinity)
{
  /* json_parse reads 1e999 as infinity: RFC 8785 has no form for it; the ID variant keeps
   * the text */
  cJSON *v = parse("{\"a\":1e999}");
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(map_jcs(v, &b), OAC_EDOC);
  buf_reset(&b);
  ck_assert_int_eq(map_jcs_id(v, &b), 0);
  ck_assert_str_eq(b.data, "{\"a\":1e999}");
  buf_free(&b);
  cJSON_Delete(v);
}
END_TEST

/* ---- JSON -> Flow ------------------------------------------------------------------- */

START_TEST(read_shape_exact)
{
  /* flow-protocol.md §4.7: the whole MObject, byte for byte */
  struct problem p = { 0 };
  struct buf out;
  buf_init(&out);
  cJSON *v = parse("{\"name\":\"Dogs\",\"id\":7,\"extra\":1}");
  ck_assert_int_eq(map_object_to_flow(C, test_cache_type(C, "Category"), v, NULL, "iid-1", 3,
                                      &out, &p), 0);
  ck_assert_str_eq(out.data,
    "{\"internalId\":\"iid-1\",\"externalId\":\"7\",\"developerName\":\"Category\","
    "\"typeElementId\":null,\"order\":3,\"isSelected\":false,\"properties\":["
    "{\"typeElementPropertyId\":null,\"developerName\":\"id\",\"contentType\":"
    "\"ContentNumber\",\"contentValue\":\"7\",\"contentFormat\":null,\"objectData\":[]},"
    "{\"typeElementPropertyId\":null,\"developerName\":\"name\",\"contentType\":"
    "\"ContentString\",\"contentValue\":\"Dogs\",\"contentFormat\":null,\"objectData\":[]}]}");
  cJSON_Delete(v);
  buf_free(&out);
}
END_TEST

START_TEST(read_property_order_and_types)
{
  cJSON *m = to_flow("Pet", "{\"value\":1,\"name\":\"x\",\"id\":1}");
  const cJSON *props = cJSON_GetObjectItemCaseSensitive(m, "properties");
  ck_assert_int_eq(cJSON_GetArraySize(props), (int)NPET);
  size_t i = 0;
  for(const cJSON *e = props->child; e; e = e->next, i++)
    ck_assert_str_eq(sfield(e, "developerName"), pet_props[i]);
  ck_assert_str_eq(sfield(fprop(m, "price"), "contentType"), "ContentNumber");
  ck_assert_str_eq(sfield(fprop(m, "born"), "contentType"), "ContentDateTime");
  ck_assert_str_eq(sfield(fprop(m, "active"), "contentType"), "ContentBoolean");
  ck_assert_str_eq(sfield(fprop(m, "secret"), "contentType"), "ContentPassword");
  ck_assert_str_eq(sfield(fprop(m, "category"), "contentType"), "ContentObject");
  ck_assert_str_eq(sfield(fprop(m, "tags"), "contentType"), "ContentList");
  ck_assert_str_eq(sfield(fprop(m, "meta"), "contentType"), "ContentString");
  ck_assert_str_eq(sfield(m, "developerName"), "Pet");
  ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(m, "internalId")));
  ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(m, "isSelected")));
  /* scalars carry "objectData":[] */
  const cJSON *od = fdata(m, "name");
  ck_assert(cJSON_IsArray(od) && cJSON_GetArraySize(od) == 0);
  cJSON_Delete(m);
}
END_TEST

START_TEST(read_numbers_keep_digits)
{
  cJSON *m = to_flow("Pet", "{\"id\":1,\"price\":123456789012345678.99}");
  ck_assert_str_eq(fval(m, "price"), "123456789012345678.99");
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"id\":1e3,\"price\":1.5E-2}");
  ck_assert_str_eq(fval(m, "id"), "1000");          /* exponent forms written out */
  ck_assert_str_eq(fval(m, "price"), "0.015");
  ck_assert_str_eq(sfield(m, "externalId"), "1000");
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"price\":-0,\"rank\":42}");
  ck_assert_str_eq(fval(m, "price"), "-0");
  ck_assert_str_eq(fval(m, "rank"), "42");
  cJSON_Delete(m);
  /* a number sent as a string passes through as that string */
  m = to_flow("Pet", "{\"price\":\"12.50\"}");
  ck_assert_str_eq(fval(m, "price"), "12.50");
  cJSON_Delete(m);
}
END_TEST

START_TEST(read_tree_without_number_texts)
{
  /* a tree built with cJSON (no number texts): numbers in their shortest form */
  cJSON *v = cJSON_CreateObject();
  cJSON_AddNumberToObject(v, "id", 3);
  cJSON_AddNumberToObject(v, "price", 0.1);
  cJSON *meta = cJSON_AddObjectToObject(v, "meta");
  cJSON_AddNumberToObject(meta, "x", 1e21);
  cJSON_AddFalseToObject(meta, "f");
  struct problem p = { 0 };
  struct buf out;
  buf_init(&out);
  ck_assert_int_eq(map_object_to_flow(C, test_cache_type(C, "Pet"), v, NULL, NULL, 0, &out,
                                      &p), 0);
  cJSON *m = cJSON_Parse(out.data);
  ck_assert_str_eq(fval(m, "price"), "0.1");
  ck_assert_str_eq(fval(m, "id"), "3");
  ck_assert_str_eq(sfield(m, "externalId"), "3");
  ck_assert_str_eq(fval(m, "meta"), "{\"x\":1e+21,\"f\":false}");
  cJSON_Delete(m);
  cJSON_Delete(v);
  buf_free(&out);
}
END_TEST

START_TEST(read_scalars)
{
  cJSON *m = to_flow("Pet", "{\"id\":1,\"name\":\"Rex \\\"the\\\" dog\",\"born\":\"2021-01-01\","
                            "\"updated\":\"2016-06-27T09:23:01Z\",\"active\":true,"
                            "\"secret\":\"hunter2\",\"created\":\"yesterday\","
                            "\"zzz\":\"undeclared\"}");
  ck_assert_str_eq(fval(m, "name"), "Rex \"the\" dog");
  ck_assert_str_eq(fval(m, "born"), "2021-01-01");
  ck_assert_str_eq(fval(m, "updated"), "2016-06-27T09:23:01Z");
  ck_assert_str_eq(fval(m, "active"), "true");
  ck_assert_ptr_null(fval(m, "secret"));             /* passwords are never returned */
  ck_assert_str_eq(fval(m, "created"), "yesterday"); /* readOnly is read */
  ck_assert(!has_prop(m, "zzz"));
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"active\":false}");
  ck_assert_str_eq(fval(m, "active"), "false");
  cJSON_Delete(m);
}
END_TEST

START_TEST(read_null_and_missing)
{
  cJSON *m = to_flow("Pet", "{\"id\":2,\"name\":null,\"category\":null,\"tags\":null}");
  ck_assert_ptr_null(fval(m, "name"));
  ck_assert_ptr_null(fval(m, "price"));              /* missing */
  ck_assert(cJSON_IsNull(fdata(m, "category")));
  ck_assert(cJSON_IsNull(fdata(m, "extra")));        /* missing object */
  ck_assert(cJSON_IsNull(fdata(m, "tags")));
  ck_assert(cJSON_IsNull(fdata(m, "photos")));       /* missing list */
  ck_assert_ptr_null(fval(m, "category"));           /* objects have no contentValue */
  cJSON_Delete(m);
}
END_TEST

START_TEST(read_wrong_kind_as_json_text)
{
  cJSON *m = to_flow("Pet", "{\"name\":{\"x\":1.50},\"price\":[1,2],\"category\":\"c\","
                            "\"tags\":\"t\"}");
  ck_assert_str_eq(fval(m, "name"), "{\"x\":1.50}");
  ck_assert_str_eq(fval(m, "price"), "[1,2]");
  ck_assert(cJSON_IsNull(fdata(m, "category")));     /* not an object: nothing to show */
  ck_assert(cJSON_IsNull(fdata(m, "tags")));
  cJSON_Delete(m);
}
END_TEST

START_TEST(read_free_form_json_text)
{
  cJSON *m = to_flow("Pet", "{\"meta\":{\"a\":[1,2.50,{\"b\":null,\"c\":\"\\u00e9\\n\"}],"
                            "\"t\":true}}");
  ck_assert_str_eq(fval(m, "meta"), "{\"a\":[1,2.50,{\"b\":null,\"c\":\"\xc3\xa9\\n\"}],"
                                    "\"t\":true}");
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"meta\":\"plain\"}");
  ck_assert_str_eq(fval(m, "meta"), "\"plain\"");    /* JSON text of a string */
  cJSON_Delete(m);
}
END_TEST

START_TEST(read_nested_objects)
{
  cJSON *m = to_flow("Pet", "{\"id\":1,\"category\":{\"id\":4,\"name\":\"Dogs\"},"
                            "\"extra\":{\"score\":5,\"note\":\"n\"}}");
  const cJSON *od = fdata(m, "category");
  ck_assert_int_eq(cJSON_GetArraySize(od), 1);
  const cJSON *cat = od->child;
  ck_assert_str_eq(sfield(cat, "developerName"), "Category");
  ck_assert_str_eq(sfield(cat, "externalId"), "4");
  ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(cat, "internalId")));
  ck_assert_str_eq(fval(cat, "name"), "Dogs");
  od = fdata(m, "extra");
  ck_assert_int_eq(cJSON_GetArraySize(od), 1);
  const cJSON *ex = od->child;
  ck_assert_str_eq(sfield(ex, "developerName"), "Pet:extra");
  ck_assert_str_eq(fval(ex, "score"), "5");
  ck_assert_str_eq(fval(ex, "note"), "n");
  ck_assert_ptr_null(fval(ex, "stamp"));
  /* no ID property: uuid5(ns, 'Pet:extra\0{"note":"n","score":5}') */
  ck_assert_str_eq(sfield(ex, "externalId"), "f67bd965-e022-5ac4-a11a-a55e85f38402");
  cJSON_Delete(m);
}
END_TEST

START_TEST(read_lists)
{
  cJSON *m = to_flow("Pet", "{\"photos\":[{\"url\":\"u1\",\"w\":10},null,{\"url\":\"u2\"}]}");
  const cJSON *od = fdata(m, "photos");
  ck_assert_int_eq(cJSON_GetArraySize(od), 2);       /* the null is no object */
  const cJSON *a = od->child, *b = od->child->next;
  ck_assert_str_eq(sfield(a, "developerName"), "Pet:photos");
  ck_assert_str_eq(fval(a, "url"), "u1");
  ck_assert_str_eq(fval(a, "w"), "10");
  ck_assert_str_eq(fval(b, "url"), "u2");
  ck_assert_ptr_null(fval(b, "w"));
  /* python: uuid5(ns, 'Pet:photos\0{"url":"u1","w":10}') and '...{"url":"u2"}' */
  ck_assert_str_eq(sfield(a, "externalId"), "3d3d852d-b66e-53ee-a4a5-068d1a08c3b1");
  ck_assert_str_eq(sfield(b, "externalId"), "d81cd213-aef7-5dc8-8f8b-caf471f41b69");
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"photos\":[]}");
  od = fdata(m, "photos");
  ck_assert(cJSON_IsArray(od) && cJSON_GetArraySize(od) == 0);
  cJSON_Delete(m);
}
END_TEST

START_TEST(read_scalar_lists)
{
  cJSON *m = to_flow("Pet", "{\"tags\":[\"c\",\"a\",\"b\"],\"counts\":[1e3,2.50,null],"
                            "\"flags\":[true,false],\"blobs\":[{\"k\":1},[2]]}");
  static const char *const tags[] = { "c", "a", "b" };
  const cJSON *od = fdata(m, "tags");
  ck_assert_int_eq(cJSON_GetArraySize(od), 3);
  int i = 0;
  for(const cJSON *e = od->child; e; e = e->next, i++) {
    char idx[8];
    snprintf(idx, sizeof(idx), "%d", i);
    ck_assert_str_eq(sfield(e, "developerName"), "Pet:tags");
    ck_assert_str_eq(sfield(e, "externalId"), idx);  /* helper items: their index */
    ck_assert_str_eq(fval(e, "ID"), idx);
    ck_assert_str_eq(fval(e, "Value"), tags[i]);
    ck_assert_str_eq(sfield(fprop(e, "Value"), "contentType"), "ContentString");
  }
  od = fdata(m, "counts");
  ck_assert_int_eq(cJSON_GetArraySize(od), 3);
  ck_assert_str_eq(fval(od->child, "Value"), "1000");
  ck_assert_str_eq(fval(od->child->next, "Value"), "2.50");
  ck_assert_ptr_null(fval(od->child->next->next, "Value"));
  ck_assert_str_eq(fval(od->child->next->next, "ID"), "2");
  ck_assert_str_eq(sfield(fprop(od->child, "Value"), "contentType"), "ContentNumber");
  od = fdata(m, "flags");
  ck_assert_str_eq(fval(od->child, "Value"), "true");
  ck_assert_str_eq(fval(od->child->next, "Value"), "false");
  od = fdata(m, "blobs");
  ck_assert_str_eq(fval(od->child, "Value"), "{\"k\":1}");
  ck_assert_str_eq(fval(od->child->next, "Value"), "[2]");
  cJSON_Delete(m);
}
END_TEST

START_TEST(read_one_of)
{
  /* the alternative whose type declares the most keys gets the value; others stay empty */
  cJSON *m = to_flow("Pet", "{\"owner\":{\"first\":\"Ann\",\"last\":\"Lee\"}}");
  ck_assert_int_eq(cJSON_GetArraySize(fdata(m, "owner-Person")), 1);
  ck_assert_str_eq(fval(fdata(m, "owner-Person")->child, "first"), "Ann");
  ck_assert(cJSON_IsNull(fdata(m, "owner-Company")));
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"owner\":{\"name\":\"ACME\",\"vat\":\"X1\"}}");
  ck_assert(cJSON_IsNull(fdata(m, "owner-Person")));
  ck_assert_str_eq(sfield(fdata(m, "owner-Company")->child, "developerName"),
                   "Pet:owner-Company");
  ck_assert_str_eq(fval(fdata(m, "owner-Company")->child, "vat"), "X1");
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"owner\":{\"name\":\"n\",\"first\":\"f\",\"last\":\"l\"}}");
  ck_assert_int_eq(cJSON_GetArraySize(fdata(m, "owner-Person")), 1);   /* 2 keys beat 1 */
  ck_assert(cJSON_IsNull(fdata(m, "owner-Company")));
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"owner\":{}}");                                  /* tie: the first */
  ck_assert_int_eq(cJSON_GetArraySize(fdata(m, "owner-Person")), 1);
  ck_assert(cJSON_IsNull(fdata(m, "owner-Company")));
  cJSON_Delete(m);
  /* scalar alternatives: the one of the value's kind */
  m = to_flow("Pet", "{\"value\":\"abc\"}");
  ck_assert_str_eq(fval(m, "value-1"), "abc");
  ck_assert_ptr_null(fval(m, "value-2"));
  ck_assert_ptr_null(fval(m, "value-3"));
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"value\":4.20}");
  ck_assert_ptr_null(fval(m, "value-1"));
  ck_assert_str_eq(fval(m, "value-2"), "4.20");
  ck_assert_ptr_null(fval(m, "value-3"));
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"value\":true}");
  ck_assert_ptr_null(fval(m, "value-1"));
  ck_assert_ptr_null(fval(m, "value-2"));
  ck_assert_str_eq(fval(m, "value-3"), "true");
  cJSON_Delete(m);
  /* a date-looking string goes to the date-time alternative, another to the string */
  m = to_flow("Pet", "{\"when\":\"2021-01-01T10:00:00Z\"}");
  ck_assert_str_eq(fval(m, "when-1"), "2021-01-01T10:00:00Z");
  ck_assert_ptr_null(fval(m, "when-2"));
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"when\":\"soon\"}");
  ck_assert_ptr_null(fval(m, "when-1"));
  ck_assert_str_eq(fval(m, "when-2"), "soon");
  cJSON_Delete(m);
  /* list alternatives: by what the elements are */
  m = to_flow("Pet", "{\"mixed\":[\"a\",\"b\"]}");
  ck_assert_int_eq(cJSON_GetArraySize(fdata(m, "mixed-1")), 2);
  ck_assert_str_eq(fval(fdata(m, "mixed-1")->child, "Value"), "a");
  ck_assert(cJSON_IsNull(fdata(m, "mixed-2")));
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"mixed\":[{\"id\":3,\"name\":\"c\"}]}");
  ck_assert(cJSON_IsNull(fdata(m, "mixed-1")));
  ck_assert_int_eq(cJSON_GetArraySize(fdata(m, "mixed-2")), 1);
  ck_assert_str_eq(sfield(fdata(m, "mixed-2")->child, "externalId"), "3");
  cJSON_Delete(m);
  m = to_flow("Pet", "{\"value\":null}");
  ck_assert_ptr_null(fval(m, "value-1"));
  ck_assert_ptr_null(fval(m, "value-2"));
  ck_assert_ptr_null(fval(m, "value-3"));
  cJSON_Delete(m);
}
END_TEST

START_TEST(read_requested_properties)
{
  /* objectDataType.properties: names case-insensitive, unknown ones ignored, the type's
   * order kept, nested `list` as ObjectDataTypes */
  cJSON *m = to_flow_w("Pet", "{\"id\":1,\"name\":\"Rex\",\"category\":{\"id\":2,\"name\":\"D\"},"
                              "\"photos\":[{\"url\":\"u\",\"w\":1}],\"tags\":[\"t\"]}",
                       "[{\"developerName\":\"photos\",\"list\":null},"
                       "{\"developerName\":\"CATEGORY\",\"list\":[{\"developerName\":\"Category\","
                       "\"properties\":[{\"developerName\":\"name\",\"list\":null}]}]},"
                       "{\"developerName\":\"nope\",\"list\":null},"
                       "{\"developerName\":\"NAME\",\"list\":null},"
                       "{\"developerName\":\"tags\",\"list\":[{\"developerName\":\"Value\"}]}]");
  const cJSON *props = cJSON_GetObjectItemCaseSensitive(m, "properties");
  ck_assert_int_eq(cJSON_GetArraySize(props), 4);
  ck_assert_str_eq(sfield(props->child, "developerName"), "name");
  ck_assert_str_eq(sfield(props->child->next, "developerName"), "category");
  ck_assert_str_eq(sfield(props->child->next->next, "developerName"), "tags");
  ck_assert_str_eq(sfield(props->child->next->next->next, "developerName"), "photos");
  ck_assert_str_eq(sfield(m, "externalId"), "1");   /* the ID is there even if not asked */
  const cJSON *cat = fdata(m, "category")->child;
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cat, "properties")), 1);
  ck_assert_str_eq(fval(cat, "name"), "D");
  ck_assert_str_eq(sfield(cat, "externalId"), "2");
  /* list: null -> every property of the nested type */
  const cJSON *ph = fdata(m, "photos")->child;
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ph, "properties")), 2);
  /* a `list` of property entries is understood too */
  const cJSON *tg = fdata(m, "tags")->child;
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(tg, "properties")), 1);
  ck_assert_str_eq(fval(tg, "Value"), "t");
  cJSON_Delete(m);
  /* an empty or absent properties array means everything */
  m = to_flow_w("Pet", "{\"id\":1}", "[]");
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "properties")),
                   (int)NPET);
  cJSON_Delete(m);
  m = to_flow_w("Pet", "{\"id\":1}", "null");
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "properties")),
                   (int)NPET);
  cJSON_Delete(m);
  /* oneOf alternatives are asked for by their own names */
  m = to_flow_w("Pet", "{\"value\":5}", "[{\"developerName\":\"value-2\"}]");
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "properties")), 1);
  ck_assert_str_eq(fval(m, "value-2"), "5");
  cJSON_Delete(m);
}
END_TEST

START_TEST(read_want_of_other_type_ignored)
{
  /* a selection built for another type is not applied to this one */
  struct arena a;
  arena_init(&a, 0);
  cJSON *wj = parse("[{\"developerName\":\"name\"}]");
  const struct map_want *w = map_want_build(C, test_cache_type(C, "Category"), wj, &a);
  ck_assert_ptr_nonnull(w);
  cJSON *v = parse("{\"id\":1}");
  struct buf out;
  struct problem p = { 0 };
  buf_init(&out);
  ck_assert_int_eq(map_object_to_flow(C, test_cache_type(C, "Pet"), v, w, NULL, 0, &out, &p),
                   0);
  cJSON *m = cJSON_Parse(out.data);
  ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "properties")),
                   (int)NPET);
  cJSON_Delete(m);
  cJSON_Delete(v);
  cJSON_Delete(wj);
  buf_free(&out);
  arena_free(&a);
}
END_TEST

/* ---- external IDs ------------------------------------------------------------------- */

static void check_ext_id(const char *type, const char *json, const char *expect)
{
  cJSON *v = parse(json);
  struct buf b;
  buf_init(&b);
  ck_assert_int_eq(map_external_id(C, test_cache_type(C, type), v, &b), 0);
  ck_assert_str_eq(b.data, expect);
  buf_free(&b);
  cJSON_Delete(v);
}

START_TEST(external_ids)
{
  check_ext_id("Pet", "{\"id\":7,\"name\":\"x\"}", "7");
  check_ext_id("Pet", "{\"id\":1e2}", "100");
  check_ext_id("Pet", "{\"id\":123456789012345678901234567890}",
               "123456789012345678901234567890");
  check_ext_id("Category", "{\"id\":\"abc\"}", "abc");
  check_ext_id("Note", "{\"id\":\"n1\",\"code\":\"C-9\"}", "C-9");    /* x-flow-type.externalId */
  /* no ID value: uuid5(ns, type + '\0' + canonical JSON) */
  check_ext_id("Note", "{\"id\":\"n1\"}", "db190ea7-9bf1-5d11-a679-78d3ea96259d");
  check_ext_id("Note", "{\"id\":\"n1\",\"code\":\"\"}",
               "7f9cf1f0-8715-5344-85af-dae41bc81bfe");
  check_ext_id("Pet", "{\"name\":\"Rex\",\"tags\":[\"a\",\"b\"]}",
               "4fe8205d-9bd8-5e04-9e46-a2cdc7ab28ab");
  check_ext_id("Pet", "{\"name\":\"Rex\",\"id\":null,\"tags\":[\"a\",\"b\"]}",
               "fb32bad1-6629-5d4d-8215-2c16a43b3772");
  /* stable whatever the key order and number spelling: python3 -c 'import uuid;
   * print(uuid.uuid5(uuid.UUID("914dc1ca-e5cc-4744-9f41-927adbf68794"),
   * "Blob\0{\"a\":\"x\",\"b\":1}"))' */
  check_ext_id("Blob", "{\"a\":\"x\",\"b\":1}", "302b2035-18b1-53b2-b99e-982d1c8d72ef");
  check_ext_id("Blob", "{\"b\":1.0,\"a\":\"x\"}", "302b2035-18b1-53b2-b99e-982d1c8d72ef");
  check_ext_id("Blob", "{ \"b\" : 10e-1 , \"a\" : \"x\" }",
               "302b2035-18b1-53b2-b99e-982d1c8d72ef");
  check_ext_id("Blob", "{\"b\":1e3,\"a\":\"x\"}", "bbd5619d-39aa-5c0e-af56-b4a4f6085c22");
  check_ext_id("Blob", "{\"b\":-0,\"a\":\"\\u00e9\\u20ac\\ud83d\\ude00\"}",
               "e7943ffb-406b-5f40-8ad5-04d782d6f04a");
}
END_TEST

/* product.md §13.9: a composite ID joins its parts, each with exactly % -> %25 and
 * / -> %2F; a missing part makes it the content UUID. */
START_TEST(composite_external_ids)
{
  check_ext_id("Repo", "{\"id\":1,\"owner\":\"octocat\",\"name\":\"hello-world\"}",
               "octocat/hello-world");
  check_ext_id("Repo", "{\"owner\":\"a/b%c\",\"name\":\"%2F x?&\u00e9\"}",
               "a%2Fb%25c/%252F x?&\u00e9");
  check_ext_id("Repo", "{\"owner\":\"o\",\"name\":7}", "o/7");
  /* no name: uuid5(ns, "Repo\0{\"id\":1,\"owner\":\"o\"}") */
  check_ext_id("Repo", "{\"id\":1,\"owner\":\"o\"}", "1a55333f-34da-533e-accd-2da5dd3b2c58");
  check_ext_id("Repo", "{\"id\":1,\"owner\":\"o\",\"name\":\"\"}",
               "df0f30cd-e51b-5c89-9e1d-f1d223543a4d");
}
END_TEST

/* split(join(parts)) == parts, for parts with '/', '%', "%2F" and "%25" in them */
START_TEST(composite_split_join_round_trip)
{
  static const char *const cases[][3] = {
    { "octocat", "hello-world", "" }, { "a/b", "c", "" }, { "%", "/", "" },
    { "%2F", "%25", "" }, { "a%2fb", "%%//", "" }, { "", "x", "" }, { "x", "", "" },
    { "/", "%", "/%2F%25" }, { "\xc3\xa9\xe2\x82\xac", "%41 +", "?#" },
  };
  for(size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    size_t n = cases[c][2][0] ? 3 : 2;
    struct buf id, part;
    buf_init(&id);
    buf_init(&part);
    for(size_t k = 0; k < n; k++)
      ext_id_put_part(&id, cases[c][k], strlen(cases[c][k]), k == 0);
    ck_assert(!buf_failed(&id));
    ck_assert_uint_eq(ext_id_count(id.data ? id.data : ""), n);
    /* only '%' and '/' are encoded: nothing but "%25", "%2F" and the separators */
    for(size_t k = 0; k < n; k++) {
      buf_reset(&part);
      ck_assert_int_eq(ext_id_part(id.data, k, &part), 1);
      ck_assert_uint_eq(part.len, strlen(cases[c][k]));
      ck_assert_msg(!part.len || !memcmp(part.data, cases[c][k], part.len),
                    "case %zu part %zu: %s", c, k, id.data);
    }
    buf_reset(&part);
    ck_assert_int_eq(ext_id_part(id.data, n, &part), 0);
    buf_free(&id);
    buf_free(&part);
  }
  /* the exact bytes */
  struct buf id;
  buf_init(&id);
  ext_id_put_part(&id, "a/b%c", 5, 1);
  ext_id_put_part(&id, "d e+f", 5, 0);
  ck_assert_str_eq(id.data, "a%2Fb%25c/d e+f");
  buf_free(&id);
  /* decoding: %2f in lower case too; any other % sequence is kept as it is */
  struct buf p;
  buf_init(&p);
  ck_assert_int_eq(ext_id_part("x/a%2fb%41%2", 1, &p), 1);
  ck_assert_str_eq(p.data, "a/b%41%2");
  buf_free(&p);
}
END_TEST

/* ---- Flow -> JSON ------------------------------------------------------------------- */

START_TEST(write_numbers_exact)
{
  char *s = to_json("Pet", MOBJ("Pet", SP("price", "\"123456789012345678.99\"") ","
                                       SP("id", "\" 42 \"") "," SP("rank", "\"1e3\"")));
  ck_assert_str_eq(s, "{\"id\":42,\"price\":123456789012345678.99,\"rank\":1e3}");
  /* json_parse keeps the digits: the same text comes back */
  cJSON *v = parse(s);
  ck_assert_str_eq(json_num_text(cJSON_GetObjectItem(v, "price")), "123456789012345678.99");
  cJSON_Delete(v);
  free(s);
  /* unset: omitted */
  s = to_json("Pet", MOBJ("Pet", SP("price", "\"\"") "," SP("id", "null")));
  ck_assert_str_eq(s, "{}");
  free(s);
}
END_TEST

/* emptyAs (product.md §13.2): a "" ContentString at every nesting level - top, nested
 * object, scalar list element - becomes "", nothing or null; a password's "" and an unset
 * number keep their rules (§7). */
static char *to_json_empty(const char *mobj, unsigned empty_as)
{
  struct buf out;
  struct problem p;
  buf_init(&out);
  memset(&p, 0, sizeof(p));
  cJSON *o = parse(mobj);
  ck_assert_int_eq(map_flow_to_json_empty(C, test_cache_type(C, "Pet"), o, NULL, 0, empty_as,
                                          &out, &p), OAC_OK);
  cJSON_Delete(o);
  char *s = strdup(out.data);
  buf_free(&out);
  return s;
}

START_TEST(write_empty_as)
{
  const char *obj = MOBJ("Pet", SP("name", "\"\"") "," SP("price", "\"\"") ","
                                SP("secret", "\"\"") ","
                                OP("extra", "[" MOBJ("Pet:extra", SP("note", "\"\"")) "]") ","
                                OP("tags", "[" MOBJ("Pet:tags", SP("ID", "\"0\"") ","
                                                               SP("Value", "\"\"")) ","
                                               MOBJ("Pet:tags", SP("ID", "\"1\"") ","
                                                               SP("Value", "\"a\"")) "]"));
  char *s = to_json_empty(obj, CEA_EMPTY);
  ck_assert_str_eq(s, "{\"name\":\"\",\"secret\":\"\",\"extra\":{\"note\":\"\"},"
                      "\"tags\":[\"\",\"a\"]}");
  free(s);
  s = to_json_empty(obj, CEA_OMIT);
  ck_assert_str_eq(s, "{\"secret\":\"\",\"extra\":{},\"tags\":[null,\"a\"]}");
  free(s);
  s = to_json_empty(obj, CEA_NULL);
  ck_assert_str_eq(s, "{\"name\":null,\"secret\":\"\",\"extra\":{\"note\":null},"
                      "\"tags\":[null,\"a\"]}");
  free(s);
  /* a blank that is not empty is a value */
  s = to_json_empty(MOBJ("Pet", SP("name", "\" \"")), CEA_OMIT);
  ck_assert_str_eq(s, "{\"name\":\" \"}");
  free(s);
  /* map_flow_to_json is emptyAs empty */
  s = to_json("Pet", obj);
  ck_assert_str_eq(s, "{\"name\":\"\",\"secret\":\"\",\"extra\":{\"note\":\"\"},"
                      "\"tags\":[\"\",\"a\"]}");
  free(s);
}
END_TEST

START_TEST(write_bad_values_are_400)
{
  struct problem p;
  static const struct { const char *obj, *prop, *type; } v[] = {
    { MOBJ("Pet", SP("price", "\"abc\"")), "price", "Pet" },
    { MOBJ("Pet", SP("price", "\"1,5\"")), "price", "Pet" },
    { MOBJ("Pet", SP("price", "\"+1\"")), "price", "Pet" },
    { MOBJ("Pet", SP("price", "\"0x10\"")), "price", "Pet" },
    { MOBJ("Pet", SP("active", "\"yes\"")), "active", "Pet" },
    { MOBJ("Pet", SP("active", "\"1\"")), "active", "Pet" },
    { MOBJ("Pet", SP("meta", "\"{not json\"")), "meta", "Pet" },
    { MOBJ("Pet", OP("extra", "[" MOBJ("Pet:extra", SP("score", "\"many\"")) "]")), "score",
      "Pet:extra" },
    { MOBJ("Pet", OP("counts", "[" MOBJ("Pet:counts", SP("ID", "\"0\"") ","
                                                    SP("Value", "\"x1\"")) "]")), "Value",
      "Pet:counts" },
  };
  for(size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    char *s = to_json_l("Pet", v[i].obj, NULL, 0, &p);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(p.status, 400);
    char want[128];
    snprintf(want, sizeof(want), "property '%s' of %s", v[i].prop, v[i].type);
    ck_assert_msg(strstr(p.msg, want) != NULL, "message '%s' lacks \"%s\"", p.msg, want);
  }
}
END_TEST

START_TEST(write_booleans_any_case)
{
  char *s = to_json("Pet", MOBJ("Pet", SP("active", "\"TRUE\"")));
  ck_assert_str_eq(s, "{\"active\":true}");
  free(s);
  s = to_json("Pet", MOBJ("Pet", SP("active", "\"False\"")));
  ck_assert_str_eq(s, "{\"active\":false}");
  free(s);
  s = to_json("Pet", MOBJ("Pet", SP("active", "\"fAlSe\"")));
  ck_assert_str_eq(s, "{\"active\":false}");
  free(s);
  s = to_json("Pet", MOBJ("Pet", SP("active", "\"\"")));
  ck_assert_str_eq(s, "{}");
  free(s);
}
END_TEST

START_TEST(write_dates)
{
  char *s = to_json("Pet", MOBJ("Pet", SP("born", "\"2021-03-04T00:00:00+00:00\"") ","
                                       SP("updated", "\"2016-06-27T09:23:01+00:00\"")));
  ck_assert_str_eq(s, "{\"born\":\"2021-03-04\",\"updated\":\"2016-06-27T09:23:01+00:00\"}");
  free(s);
  s = to_json("Pet", MOBJ("Pet", SP("born", "\"2021-03-04\"") "," SP("updated", "\"\"")));
  ck_assert_str_eq(s, "{\"born\":\"2021-03-04\"}");
  free(s);
}
END_TEST

START_TEST(write_strings_and_nulls)
{
  /* "" is a value for a string; null and absent properties are left out; names match
   * case-insensitively; unknown Flow properties are ignored */
  char *s = to_json("Pet", MOBJ("Pet", SP("NAME", "\"\"") "," SP("secret", "\"pw\\\"1\"") ","
                                       SP("created", "null") "," SP("bogus", "\"x\"")));
  ck_assert_str_eq(s, "{\"name\":\"\",\"secret\":\"pw\\\"1\"}");
  free(s);
  ck_assert_ptr_eq(map_flow_value(NULL, "name"), NULL);
}
END_TEST

START_TEST(write_json_text_inlined)
{
  char *s = to_json("Pet", MOBJ("Pet", SP("meta", "\" {\\\"k\\\":[1,2.50,null]} \"")));
  ck_assert_str_eq(s, "{\"meta\":{\"k\":[1,2.50,null]}}");
  free(s);
  s = to_json("Pet", MOBJ("Pet", SP("meta", "\"\"")));
  ck_assert_str_eq(s, "{}");
  free(s);
  s = to_json("Pet", MOBJ("Pet", SP("meta", "\"\\\"str\\\"\"")));
  ck_assert_str_eq(s, "{\"meta\":\"str\"}");
  free(s);
}
END_TEST

START_TEST(write_nested_objects_and_lists)
{
  char *s = to_json("Pet", MOBJ("Pet",
    OP("category", "[" MOBJ("Category", SP("id", "\"3\"") "," SP("name", "\"Cats\"")) "]") ","
    OP("extra", "[" MOBJ("Pet:extra", SP("note", "\"n\"") "," SP("score", "\"2\"") ","
                                      SP("stamp", "\"s\"")) "]") ","
    OP("photos", "[" MOBJ("Pet:photos", SP("url", "\"u1\"")) ","
                     MOBJ("Pet:photos", SP("url", "\"u2\"") "," SP("w", "\"5\"")) "]")));
  /* props NULL: everything, readOnly included (the saved object rebuilt) */
  ck_assert_str_eq(s, "{\"category\":{\"id\":3,\"name\":\"Cats\"},"
                      "\"extra\":{\"note\":\"n\",\"score\":2,\"stamp\":\"s\"},"
                      "\"photos\":[{\"url\":\"u1\"},{\"url\":\"u2\",\"w\":5}]}");
  free(s);
  /* objectData null or [] for an object: left out; [] for a list: an empty list */
  s = to_json("Pet", MOBJ("Pet", OP("category", "null") "," OP("extra", "[]") ","
                                 OP("photos", "[]") "," OP("tags", "null")));
  ck_assert_str_eq(s, "{\"photos\":[]}");
  free(s);
}
END_TEST

START_TEST(write_scalar_lists_in_order)
{
  /* objectData order, not the ID order; an unset element keeps its place as null */
  char *s = to_json("Pet", MOBJ("Pet",
    OP("tags", "[" MOBJ("Pet:tags", SP("ID", "\"1\"") "," SP("Value", "\"b\"")) ","
                   MOBJ("Pet:tags", SP("ID", "\"0\"") "," SP("Value", "\"a\"")) ","
                   MOBJ("Pet:tags", SP("value", "\"\"")) "]") ","
    OP("counts", "[" MOBJ("Pet:counts", SP("Value", "\"1.50\"")) ","
                     MOBJ("Pet:counts", SP("Value", "\"\"")) ","
                     MOBJ("Pet:counts", SP("Value", "\"-7e2\"")) "]") ","
    OP("flags", "[" MOBJ("Pet:flags", SP("Value", "\"True\"")) "]") ","
    OP("blobs", "[" MOBJ("Pet:blobs", SP("Value", "\"{\\\"q\\\":1}\"")) "]")));
  ck_assert_str_eq(s, "{\"tags\":[\"b\",\"a\",\"\"],\"counts\":[1.50,null,-7e2],"
                      "\"flags\":[true],\"blobs\":[{\"q\":1}]}");
  free(s);
}
END_TEST

START_TEST(write_one_of_first_non_empty)
{
  char *s = to_json("Pet", MOBJ("Pet",
    OP("owner-Person", "null") ","
    OP("owner-Company", "[" MOBJ("Pet:owner-Company", SP("name", "\"ACME\"")) "]") ","
    SP("value-1", "\"\"") "," SP("value-2", "\"5\"") "," SP("value-3", "\"true\"")));
  ck_assert_str_eq(s, "{\"owner\":{\"name\":\"ACME\"},\"value\":5}");
  free(s);
  s = to_json("Pet", MOBJ("Pet",
    OP("owner-Person", "[" MOBJ("Pet:owner-Person", SP("first", "\"A\"")) "]") ","
    OP("owner-Company", "[" MOBJ("Pet:owner-Company", SP("name", "\"ACME\"")) "]") ","
    SP("value-3", "\"FALSE\"")));
  ck_assert_str_eq(s, "{\"owner\":{\"first\":\"A\"},\"value\":false}");
  free(s);
  s = to_json("Pet", MOBJ("Pet",
    OP("mixed-1", "[]") ","
    OP("mixed-2", "[" MOBJ("Category", SP("id", "\"4\"")) "]") ","
    SP("when-1", "\"\"") "," SP("when-2", "\"later\"")));
  ck_assert_str_eq(s, "{\"when\":\"later\",\"mixed\":[{\"id\":4}]}");
  free(s);
  s = to_json("Pet", MOBJ("Pet", OP("owner-Person", "[]") "," SP("value-1", "null")));
  ck_assert_str_eq(s, "{}");
  free(s);
}
END_TEST

START_TEST(write_plan_body_lists)
{
  /* save: readOnly (created) and custom (rank) are not in the body, also when Flow sends
   * them; nested readOnly (extra.stamp) neither. update also excludes name. */
  const char *obj = MOBJ("Pet", SP("id", "\"9\"") "," SP("name", "\"Rex\"") ","
                                SP("created", "\"c\"") "," SP("rank", "\"3\"") ","
                                OP("extra", "[" MOBJ("Pet:extra", SP("note", "\"n\"") ","
                                                     SP("stamp", "\"s\"")) "]"));
  struct problem p;
  size_t n;
  const uint32_t *b = body_list("Pet", OP_SAVE, &n);
  ck_assert_uint_eq(n, NPET - 2);
  char *s = to_json_l("Pet", obj, b, n, &p);
  ck_assert_ptr_nonnull(s);
  ck_assert_str_eq(s, "{\"id\":9,\"name\":\"Rex\",\"extra\":{\"note\":\"n\"}}");
  free(s);
  b = body_list("Pet", OP_UPDATE, &n);
  ck_assert_uint_eq(n, NPET - 3);
  s = to_json_l("Pet", obj, b, n, &p);
  ck_assert_ptr_nonnull(s);
  ck_assert_str_eq(s, "{\"id\":9,\"extra\":{\"note\":\"n\"}}");
  free(s);
  /* a hand-made list: only those, in list order */
  static const uint32_t only[] = { 7, 0 };
  s = to_json_l("Pet", obj, only, 2, &p);
  ck_assert_ptr_nonnull(s);
  ck_assert_str_eq(s, "{\"created\":\"c\",\"id\":9}");
  free(s);
  /* everything (props NULL) */
  s = to_json("Pet", obj);
  ck_assert_str_eq(s, "{\"id\":9,\"name\":\"Rex\",\"created\":\"c\","
                      "\"extra\":{\"note\":\"n\",\"stamp\":\"s\"},\"rank\":3}");
  free(s);
  /* a property index the type does not have: the cache is wrong (500) */
  static const uint32_t bad[] = { 999 };
  ck_assert_ptr_null(to_json_l("Pet", obj, bad, 1, &p));
  ck_assert_int_eq(p.status, 500);
}
END_TEST

START_TEST(flow_value_lookup)
{
  cJSON *o = parse(MOBJ("Pet", SP("Name", "\"Rex\"") "," SP("price", "null") ","
                               "{\"developerName\":\"id\",\"contentValue\":12}"));
  ck_assert_str_eq(map_flow_value(o, "name"), "Rex");
  ck_assert_str_eq(map_flow_value(o, "NAME"), "Rex");
  ck_assert_ptr_null(map_flow_value(o, "price"));
  ck_assert_ptr_null(map_flow_value(o, "missing"));
  ck_assert_str_eq(map_flow_value(o, "id"), "12");    /* a number tolerated */
  cJSON_Delete(o);
}
END_TEST

START_TEST(round_trip)
{
  /* API JSON -> Flow -> JSON gives the same text back (keys in the type's order) */
  static const char *const docs[] = {
    "{\"id\":5,\"name\":\"Rex\",\"price\":123456789012345678.99,\"born\":\"2020-02-29\","
    "\"updated\":\"2020-02-29T10:00:00Z\",\"active\":false,\"category\":{\"id\":1,"
    "\"name\":\"Dogs\"},\"extra\":{\"note\":\"\",\"score\":-3},\"tags\":[\"x\",\"y\",\"\"],"
    "\"counts\":[1.5,2,0.000001],\"flags\":[false],\"photos\":[{\"url\":\"a\",\"w\":1},"
    "{\"url\":\"b\"}],\"meta\":{\"z\":[true,null,{\"q\":1.10}]},\"blobs\":[{\"k\":[]},7],"
    "\"owner\":{\"name\":\"ACME\",\"vat\":\"v\"},\"value\":7}",
    "{\"name\":\"only\",\"value\":\"text\"}",
    "{\"tags\":[],\"owner\":{\"first\":\"a\"},\"value\":true}",
  };
  for(size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
    struct problem p = { 0 };
    struct buf flow;
    buf_init(&flow);
    cJSON *v = parse(docs[i]);
    ck_assert_int_eq(map_object_to_flow(C, test_cache_type(C, "Pet"), v, NULL, NULL, 0, &flow,
                                        &p), 0);
    char *s = to_json("Pet", flow.data);
    ck_assert_str_eq(s, docs[i]);
    free(s);
    cJSON_Delete(v);
    buf_free(&flow);
  }
}
END_TEST

/* ---- where the list is -------------------------------------------------------------- */

static int unwrap_case(const char *json, const char *items, const char *expect_first_id)
{
  cJSON *root = parse(json);
  const cJSON *arr = NULL, *one = NULL;
  map_unwrap(C, test_cache_type(C, "Pet"), root, items, &arr, &one);
  int r = arr ? 'a' : one ? 's' : 'n';
  ck_assert(!(arr && one));
  if(expect_first_id) {
    const cJSON *o = arr ? arr->child : one;
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(json_num_text(cJSON_GetObjectItem(o, "id")), expect_first_id);
  }
  cJSON_Delete(root);
  return r;
}

START_TEST(unwrap_items_path)
{
  ck_assert_int_eq(unwrap_case("{\"data\":{\"items\":[{\"id\":1},{\"id\":2}]}}", "data.items",
                               "1"), 'a');
  ck_assert_int_eq(unwrap_case("{\"data\":{\"first\":{\"id\":3}}}", "data.first", "3"), 's');
  ck_assert_int_eq(unwrap_case("{\"Data\":{\"Items\":[{\"id\":4}]}}", "data.items", "4"), 'a');
  ck_assert_int_eq(unwrap_case("{\"pages\":[{\"x\":[]},{\"rows\":[{\"id\":5}]}]}",
                               "pages.1.rows", "5"), 'a');
  ck_assert_int_eq(unwrap_case("{\"data\":{}}", "data.items", NULL), 'n');
  ck_assert_int_eq(unwrap_case("{\"data\":{\"items\":7}}", "data.items", NULL), 'n');
  ck_assert_int_eq(unwrap_case("[{\"id\":1}]", "data", NULL), 'n');
}
END_TEST

START_TEST(unwrap_automatic)
{
  ck_assert_int_eq(unwrap_case("[{\"id\":1},{\"id\":2}]", NULL, "1"), 'a');
  ck_assert_int_eq(unwrap_case("[]", "", NULL), 'a');
  /* an object with a property of the type is one object */
  ck_assert_int_eq(unwrap_case("{\"id\":8,\"results\":[{\"id\":1}]}", NULL, "8"), 's');
  ck_assert_int_eq(unwrap_case("{\"owner\":{}}", NULL, NULL), 's');
  /* else the first array of objects, depth 1 before depth 2 */
  ck_assert_int_eq(unwrap_case("{\"info\":{\"links\":[{\"id\":9}]},\"total\":2,"
                               "\"results\":[{\"id\":1}]}", NULL, "1"), 'a');
  ck_assert_int_eq(unwrap_case("{\"page\":{\"n\":1,\"rows\":[{\"id\":6}]}}", NULL, "6"), 'a');
  ck_assert_int_eq(unwrap_case("{\"words\":[\"a\"],\"rows\":[{\"id\":2}]}", NULL, "2"), 'a');
  /* nothing: deeper than 2, arrays of scalars, scalars */
  ck_assert_int_eq(unwrap_case("{\"a\":{\"b\":{\"c\":[{\"id\":1}]}}}", NULL, NULL), 'n');
  ck_assert_int_eq(unwrap_case("{\"words\":[\"a\"],\"empty\":[]}", NULL, NULL), 'n');
  ck_assert_int_eq(unwrap_case("\"text\"", NULL, NULL), 'n');
  ck_assert_int_eq(unwrap_case("null", NULL, NULL), 'n');
}
END_TEST

/* ---- the filter's view -------------------------------------------------------------- */

START_TEST(items_get_values)
{
  cJSON *a = parse("{\"id\":1e3,\"name\":\"Rex\",\"active\":true,\"secret\":\"pw\","
                   "\"category\":{\"id\":1},\"tags\":[],\"meta\":{},\"value\":12,"
                   "\"price\":null}");
  cJSON *b = parse("{\"photos\":[{\"url\":\"u\"}],\"meta\":{\"k\":1},\"value\":\"s\","
                   "\"category\":\"str\",\"name\":[1]}");
  const cJSON *items[] = { a, b };
  struct cache_error err;
  uint32_t np;
  const struct cache_type *t = cache_type_at(C, test_cache_type(C, "Pet"), &err);
  const struct cache_prop *all = cache_section(C, CS_PROPS, &np, &err);
  struct map_items mi = { items, 2, C, all + t->first_prop };
  const char *s;
  size_t len;
#define IDX(name) ({ uint32_t k_ = 0; while(strcmp(pet_props[k_], name)) k_++; k_; })
  ck_assert_int_eq(map_items_get(&mi, 0, IDX("id"), &s, &len), 1);
  ck_assert_str_eq(s, "1e3");                               /* numbers as written */
  ck_assert_int_eq(map_items_get(&mi, 0, IDX("name"), &s, &len), 1);
  ck_assert(len == 3 && !memcmp(s, "Rex", 3));
  ck_assert_int_eq(map_items_get(&mi, 0, IDX("active"), &s, &len), 1);
  ck_assert_str_eq(s, "true");
  ck_assert_int_eq(map_items_get(&mi, 0, IDX("secret"), &s, &len), 0);   /* as Flow sees */
  ck_assert_int_eq(map_items_get(&mi, 0, IDX("price"), &s, &len), 0);    /* null */
  ck_assert_int_eq(map_items_get(&mi, 0, IDX("born"), &s, &len), 0);     /* missing */
  ck_assert_int_eq(map_items_get(&mi, 0, IDX("category"), &s, &len), 1);
  ck_assert_uint_gt(len, 0);
  ck_assert_int_eq(map_items_get(&mi, 0, IDX("tags"), &s, &len), 1);
  ck_assert_uint_eq(len, 0);                                 /* empty list */
  ck_assert_int_eq(map_items_get(&mi, 1, IDX("photos"), &s, &len), 1);
  ck_assert_uint_gt(len, 0);
  ck_assert_int_eq(map_items_get(&mi, 1, IDX("tags"), &s, &len), 0);
  /* oneOf: only the alternative that holds the value answers */
  ck_assert_int_eq(map_items_get(&mi, 0, IDX("value-2"), &s, &len), 1);
  ck_assert_str_eq(s, "12");
  ck_assert_int_eq(map_items_get(&mi, 0, IDX("value-1"), &s, &len), 0);
  ck_assert_int_eq(map_items_get(&mi, 1, IDX("value-1"), &s, &len), 1);
  ck_assert_str_eq(s, "s");
  ck_assert_int_eq(map_items_get(&mi, 1, IDX("value-2"), &s, &len), 0);
  /* free-form: empty and non-empty differ */
  ck_assert_int_eq(map_items_get(&mi, 0, IDX("meta"), &s, &len), 1);
  ck_assert_str_eq(s, "{}");
  ck_assert_int_eq(map_items_get(&mi, 1, IDX("meta"), &s, &len), 1);
  ck_assert_str_ne(s, "{}");
  ck_assert_int_eq(map_items_get(&mi, 1, IDX("category"), &s, &len), 0); /* not an object */
  ck_assert_int_eq(map_items_get(&mi, 1, IDX("name"), &s, &len), 1);     /* JSON text */
  ck_assert_uint_gt(len, 0);
  ck_assert_int_eq(map_items_get(&mi, 2, IDX("name"), &s, &len), 0);     /* no such item */
#undef IDX
  /* with the oneOf choices remembered (map_items_memo): the same answers, read twice, in
   * any order, with and without memory for the memo */
  struct arena ar;
  arena_init(&ar, 0);
  for(int with = 0; with < 2; with++) {
    struct map_items_memo m;
    map_items_memo_init(&m, &mi, t->nprops, with ? &ar : NULL);
    ck_assert(with ? m.pick != NULL : m.pick == NULL);   /* Pet has oneOf groups */
    for(int pass = 0; pass < 2; pass++)
      for(uint32_t k = t->nprops; k-- > 0;)
        for(size_t i = 0; i < 3; i++) {
          const char *s1 = NULL, *s2 = NULL;
          size_t l1 = 0, l2 = 0;
          int r1 = map_items_get(&mi, i, k, &s1, &l1);
          int r2 = map_items_memo_get(&m, i, k, &s2, &l2);
          ck_assert_int_eq(r1, r2);
          if(r1)
            ck_assert(l1 == l2 && !memcmp(s1, s2, l1));
        }
  }
  arena_free(&ar);
  cJSON_Delete(a);
  cJSON_Delete(b);
}
END_TEST

/* ---- allocation failures ------------------------------------------------------------ */

START_TEST(chaos_no_leaks)
{
  /* fail the Nth allocation of each call: an error (500 / NULL / -1) or success, never a
   * leak or a crash (the sanitizer build checks) */
  cJSON *v = parse("{\"id\":1,\"name\":\"Rex\",\"extra\":{\"note\":\"n\"},\"photos\":"
                   "[{\"url\":\"u\"}],\"tags\":[\"a\"],\"meta\":{\"x\":[1]},"
                   "\"owner\":{\"first\":\"f\"}}");
  cJSON *wj = parse("[{\"developerName\":\"name\"},{\"developerName\":\"extra\",\"list\":"
                    "[{\"developerName\":\"Pet:extra\",\"properties\":[{\"developerName\":"
                    "\"note\"}]}]},{\"developerName\":\"photos\"}]");
  cJSON *fo = parse(MOBJ("Pet", SP("name", "\"Rex\"") "," SP("price", "\"1.5\"") ","
                                OP("extra", "[" MOBJ("Pet:extra", SP("note", "\"n\"")) "]") ","
                                SP("meta", "\"[1]\"")));
  uint32_t t = test_cache_type(C, "Pet");
  int ok = 0;
  for(unsigned long n = 1; n < 200; n++) {
    struct arena a;
    struct buf out;
    struct problem p = { 0 };
    arena_init(&a, 256);
    buf_init(&out);
    oac_mem_fail_at(n);
    const struct map_want *w = map_want_build(C, t, wj, &a);
    int r1 = w ? (int)map_object_to_flow(C, t, v, w, NULL, 0, &out, &p) : OAC_ENOMEM;
    if(r1)
      ck_assert(!w || p.status == 500);
    buf_reset(&out);
    memset(&p, 0, sizeof(p));
    oac_mem_fail_at(n);
    int r2 = map_flow_to_json(C, t, fo, NULL, 0, &out, &p);
    if(r2)
      ck_assert_int_eq(p.status, 500);
    buf_reset(&out);
    oac_mem_fail_at(n);
    int r3 = map_external_id(C, test_cache_type(C, "Blob"), v, &out);
    oac_mem_fail_at(0);
    buf_free(&out);
    arena_free(&a);
    if(!r1 && !r2 && !r3)
      ok++;
  }
  ck_assert_int_gt(ok, 0);
  cJSON_Delete(v);
  cJSON_Delete(wj);
  cJSON_Delete(fo);
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("mapping");
  TCase *tc;

  tc = tcase_create("sha1");
  tcase_add_test(tc, sha1_fips_vectors);
  tcase_add_test(tc, sha1_million_a);
  tcase_add_test(tc, sha1_padding_boundaries);
  tcase_add_test(tc, uuid5_matches_python);
  tcase_add_test(tc, uuid_random_is_v4);
  tcase_add_test(tc, json_number_grammar);
  suite_add_tcase(s, tc);

  tc = tcase_create("jcs");
  tcase_add_test(tc, jcs_numbers_rfc8785_appendix_b);
  tcase_add_test(tc, jcs_numbers_more_forms);
  tcase_add_test(tc, jcs_rfc8785_example);
  tcase_add_test(tc, jcs_key_order_utf16);
  tcase_add_test(tc, jcs_key_order_surrogate_pairs);
  tcase_add_test(tc, jcs_nested_and_numbers);
  tcase_add_test(tc, jcs_refuses_infinity);
  suite_add_tcase(s, tc);

  tc = tcase_create("read");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, read_shape_exact);
  tcase_add_test(tc, read_property_order_and_types);
  tcase_add_test(tc, read_numbers_keep_digits);
  tcase_add_test(tc, read_scalars);
  tcase_add_test(tc, read_tree_without_number_texts);
  tcase_add_test(tc, read_null_and_missing);
  tcase_add_test(tc, read_wrong_kind_as_json_text);
  tcase_add_test(tc, read_free_form_json_text);
  tcase_add_test(tc, read_nested_objects);
  tcase_add_test(tc, read_lists);
  tcase_add_test(tc, read_scalar_lists);
  tcase_add_test(tc, read_one_of);
  tcase_add_test(tc, read_requested_properties);
  tcase_add_test(tc, read_want_of_other_type_ignored);
  tcase_add_test(tc, external_ids);
  tcase_add_test(tc, composite_external_ids);
  tcase_add_test(tc, composite_split_join_round_trip);
  suite_add_tcase(s, tc);

  tc = tcase_create("write");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, write_numbers_exact);
  tcase_add_test(tc, write_bad_values_are_400);
  tcase_add_test(tc, write_booleans_any_case);
  tcase_add_test(tc, write_dates);
  tcase_add_test(tc, write_strings_and_nulls);
  tcase_add_test(tc, write_json_text_inlined);
  tcase_add_test(tc, write_nested_objects_and_lists);
  tcase_add_test(tc, write_scalar_lists_in_order);
  tcase_add_test(tc, write_one_of_first_non_empty);
  tcase_add_test(tc, write_plan_body_lists);
  tcase_add_test(tc, flow_value_lookup);
  tcase_add_test(tc, round_trip);
  suite_add_tcase(s, tc);

  tc = tcase_create("unwrap");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, unwrap_items_path);
  tcase_add_test(tc, unwrap_automatic);
  tcase_add_test(tc, items_get_values);
  tcase_add_test(tc, chaos_no_leaks);
  tcase_add_test(tc, write_empty_as);
  suite_add_tcase(s, tc);
  return s;
}
