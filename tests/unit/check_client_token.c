/* check_client_token.c - OAuth 2.0 client credentials (src/worker/client_token.h,
 * product.md §13.6): the cache key (every input counts, no two splits alike), the on-disk
 * format (round trip, every damage refused), the process's store (used until 30 s before
 * expiry, at most 64 keys with the least recently used dropped first), the shared
 * directory (mode 0700, files 0600 named by the key, another process finds a token there,
 * expired and damaged files removed when read, a directory others may enter refused), and
 * what the compile step stores (token URL, client authentication defaults per flow, the
 * requirement's scopes or x-flow-identity.scope, tokenParameters, no providesIdentity). */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "worker/client_token.h"
#include "test_cache.h"

static void hex_of(const char *url, const char *id, const char *secret, const char *scopes,
                   const char *params, char out[65])
{
  unsigned char k[SHA256_DIGEST_LEN];
  client_token_key(url, id, secret, scopes, params, k);
  client_token_key_hex(k, out);
}

START_TEST(key_every_input_counts)
{
  char a[65], b[65];
  hex_of("https://t/token", "id", "secret", "read write", "audience=x", a);
  ck_assert_uint_eq(strlen(a), 64);
  ck_assert_uint_eq(strspn(a, "0123456789abcdef"), 64);
  hex_of("https://t/token", "id", "secret", "read write", "audience=x", b);
  ck_assert_str_eq(a, b);
  const char *v[5] = { "https://t/token", "id", "secret", "read write", "audience=x" };
  for(int i = 0; i < 5; i++) {
    const char *w[5] = { v[0], v[1], v[2], v[3], v[4] };
    w[i] = "other";
    hex_of(w[0], w[1], w[2], w[3], w[4], b);
    ck_assert_str_ne(a, b);
  }
  /* moving a byte from one field to the next is another key */
  hex_of("https://t/token", "idx", "ecret", "read write", "audience=x", a);
  hex_of("https://t/token", "id", "xsecret", "read write", "audience=x", b);
  ck_assert_str_ne(a, b);
  /* NULL is the empty field */
  hex_of("u", NULL, NULL, NULL, NULL, a);
  hex_of("u", "", "", "", "", b);
  ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(key_is_sha256_of_the_fields)
{
  /* each field followed by its NUL: 8 bytes */
  char a[65];
  hex_of("u", "i", "s", "", "", a);
  unsigned char k[SHA256_DIGEST_LEN];
  sha256("u\0i\0s\0\0\0", 8, k);
  char b[65];
  client_token_key_hex(k, b);
  ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(file_format_round_trip)
{
  struct buf b;
  buf_init(&b);
  client_token_file_format(&b, 1767000000LL, "eyJ.abc-_~+/=");
  ck_assert_str_eq(b.data, "openapi-connector token 1\nexpires 1767000000\neyJ.abc-_~+/=\n");
  long long exp = 0;
  const char *tok;
  size_t tl;
  ck_assert_int_eq(client_token_file_parse(b.data, b.len, &exp, &tok, &tl), 1);
  ck_assert(exp == 1767000000LL);
  ck_assert_uint_eq(tl, strlen("eyJ.abc-_~+/="));
  ck_assert(!memcmp(tok, "eyJ.abc-_~+/=", tl));
  /* every truncation is refused */
  for(size_t n = 0; n < b.len; n++)
    ck_assert_msg(!client_token_file_parse(b.data, n, &exp, &tok, &tl), "length %zu", n);
  buf_free(&b);
  static const char *const bad[] = {
    "openapi-connector token 2\nexpires 1\nabc\n",
    "openapi-connector token 1\nexpires \nabc\n",
    "openapi-connector token 1\nexpires -1\nabc\n",
    "openapi-connector token 1\nexpires 1x\nabc\n",
    "openapi-connector token 1\nexpires 1\n\n",
    "openapi-connector token 1\nexpires 1\nab c\n",
    "openapi-connector token 1\nexpires 1\nabc\nmore\n",
    "openapi-connector token 1\nexpires 1\nabc",
    "openapi-connector token 1\nexpires 1\nab\x7f\n",
    "openapi-connector token 1\nexpires 99999999999999999999\nabc\n",
  };
  for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    ck_assert_msg(!client_token_file_parse(bad[i], strlen(bad[i]), &exp, &tok, &tl),
                  "accepted: %s", bad[i]);
}
END_TEST

static void key_n(int n, unsigned char k[SHA256_DIGEST_LEN])
{
  char id[32];
  snprintf(id, sizeof(id), "client-%d", n);
  client_token_key("https://t/token", id, "s", NULL, NULL, k);
}

START_TEST(store_expiry)
{
  client_token_reset();
  unsigned char k[SHA256_DIGEST_LEN];
  key_n(1, k);
  long long now = 1000000;
  ck_assert_ptr_null(client_token_lookup(k, now));
  ck_assert_int_eq(client_token_store(k, "tok-1", now + 100, now), OAC_OK);
  ck_assert_str_eq(client_token_lookup(k, now), "tok-1");
  /* used until 30 s before expiry */
  ck_assert_str_eq(client_token_lookup(k, now + 69), "tok-1");
  ck_assert_ptr_null(client_token_lookup(k, now + 70));
  ck_assert_uint_eq(client_token_count(), 0);           /* the expired one is gone */
  /* a token that expires within 30 s is not kept at all */
  ck_assert_int_eq(client_token_store(k, "short", now + 30, now), OAC_OK);
  ck_assert_ptr_null(client_token_lookup(k, now));
  /* store replaces; drop forgets */
  client_token_store(k, "a", now + 3600, now);
  client_token_store(k, "b", now + 3600, now);
  ck_assert_uint_eq(client_token_count(), 1);
  ck_assert_str_eq(client_token_lookup(k, now), "b");
  client_token_drop(k);
  ck_assert_ptr_null(client_token_lookup(k, now));
  client_token_reset();
}
END_TEST

START_TEST(store_lru_64_keys)
{
  client_token_reset();
  long long now = 5000;
  unsigned char k[SHA256_DIGEST_LEN];
  for(int i = 0; i < CLIENT_TOKEN_MAX_KEYS; i++) {
    char t[16];
    snprintf(t, sizeof(t), "t%d", i);
    key_n(i, k);
    ck_assert_int_eq(client_token_store(k, t, now + 3600, now), OAC_OK);
  }
  ck_assert_uint_eq(client_token_count(), 64);
  key_n(0, k);                                  /* 0 used again: 1 is now the oldest */
  ck_assert_str_eq(client_token_lookup(k, now), "t0");
  key_n(64, k);
  client_token_store(k, "t64", now + 3600, now);
  ck_assert_uint_eq(client_token_count(), 64);
  key_n(1, k);
  ck_assert_ptr_null(client_token_lookup(k, now));
  key_n(0, k);
  ck_assert_str_eq(client_token_lookup(k, now), "t0");
  key_n(64, k);
  ck_assert_str_eq(client_token_lookup(k, now), "t64");
  key_n(2, k);
  ck_assert_str_eq(client_token_lookup(k, now), "t2");
  client_token_reset();
}
END_TEST

static char tmpdir[256];

static void make_tmp(void)
{
  snprintf(tmpdir, sizeof(tmpdir), "%s/oac-token-XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

START_TEST(disk_shared_between_processes)
{
  client_token_reset();
  make_tmp();
  char dir[300], err[512];
  snprintf(dir, sizeof(dir), "%s/tokens", tmpdir);
  ck_assert_int_eq(client_token_set_dir(dir, err, sizeof(err)), OAC_OK);
  struct stat st;
  ck_assert_int_eq(stat(dir, &st), 0);
  ck_assert_uint_eq(st.st_mode & 07777, 0700);
  unsigned char k[SHA256_DIGEST_LEN];
  char hex[65], path[400];
  key_n(7, k);
  client_token_key_hex(k, hex);
  snprintf(path, sizeof(path), "%s/%s", dir, hex);
  long long now = 2000000;
  ck_assert_int_eq(client_token_store(k, "disk-token", now + 600, now), OAC_OK);
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_uint_eq(st.st_mode & 07777, 0600);
  size_t len;
  char *text = test_read_file(path, &len);
  ck_assert_str_eq(text, "openapi-connector token 1\nexpires 2000600\ndisk-token\n");
  free(text);
  /* another process: nothing in memory, the file gives the token */
  client_token_reset();
  ck_assert_int_eq(client_token_set_dir(dir, err, sizeof(err)), OAC_OK);
  ck_assert_str_eq(client_token_lookup(k, now + 10), "disk-token");
  ck_assert_uint_eq(client_token_count(), 1);
  /* expired when read: removed */
  client_token_reset();
  ck_assert_int_eq(client_token_set_dir(dir, err, sizeof(err)), OAC_OK);
  ck_assert_ptr_null(client_token_lookup(k, now + 570));
  ck_assert_int_ne(stat(path, &st), 0);
  /* damaged: removed */
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs("openapi-connector token 1\nexpires 9999999999\nbad token\n", f);
  fclose(f);
  chmod(path, 0600);
  ck_assert_ptr_null(client_token_lookup(k, now));
  ck_assert_int_ne(stat(path, &st), 0);
  /* readable by others: not trusted, removed */
  client_token_store(k, "x", now + 600, now);
  client_token_reset();
  ck_assert_int_eq(client_token_set_dir(dir, err, sizeof(err)), OAC_OK);
  chmod(path, 0644);
  ck_assert_ptr_null(client_token_lookup(k, now));
  ck_assert_int_ne(stat(path, &st), 0);
  /* drop removes the file */
  client_token_store(k, "y", now + 600, now);
  ck_assert_int_eq(stat(path, &st), 0);
  client_token_drop(k);
  ck_assert_int_ne(stat(path, &st), 0);
  /* no temporary file is left behind */
  char cmd[400];
  snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", dir);
  ck_assert_int_eq(system(cmd), 0);
  /* a directory others may enter is refused */
  chmod(dir, 0755);
  ck_assert_int_eq(client_token_set_dir(dir, err, sizeof(err)), OAC_EIO);
  ck_assert_ptr_nonnull(strstr(err, "0700"));
  snprintf(path, sizeof(path), "%s/file", tmpdir);
  f = fopen(path, "w");
  fclose(f);
  ck_assert_int_eq(client_token_set_dir(path, err, sizeof(err)), OAC_EIO);
  ck_assert_ptr_nonnull(strstr(err, "not a directory"));
  client_token_reset();
  test_rm_dir(dir);
  unlink(path);
  rmdir(tmpdir);
}
END_TEST

/* ---- what the compile step stores ---------------------------------------------------- */

static const char *doc_head =
  "openapi: 3.0.3\n"
  "info: {title: cc, version: '1'}\n"
  "servers: [{url: 'http://127.0.0.1:9'}]\n"
  "paths:\n"
  "  /pets/{id}:\n"
  "    get:\n"
  "      security: [{m2m: [read, write]}]\n"
  "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"
  "      responses: {'200': {description: ok}}\n"
  "components:\n"
  "  schemas:\n"
  "    Pet:\n"
  "      x-flow-type: {name: Pet}\n"
  "      x-flow-load: {path: '/pets/{id}', operation: get, parameters: {id: id}}\n"
  "      type: object\n"
  "      properties: {id: {type: string}}\n"
  "  securitySchemes:\n"
  "    m2m:\n"
  "      type: oauth2\n"
  "      flows:\n";

static struct cache *compile_cc(const char *tail)
{
  char *yaml = malloc(strlen(doc_head) + strlen(tail) + 1);
  ck_assert_ptr_nonnull(yaml);
  strcpy(yaml, doc_head);
  strcat(yaml, tail);
  struct cache *c = test_cache_compile(yaml, NULL);
  free(yaml);
  return c;
}

static const struct cache_scheme *scheme0(struct cache *c)
{
  struct cache_error err;
  uint32_t n;
  const struct cache_scheme *s = cache_section(c, CS_SCHEMES, &n, &err);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(n, 1);
  return s;
}

static const char *plan_scope(struct cache *c)
{
  struct cache_error err;
  uint32_t n;
  const struct cache_secalt *a = cache_section(c, CS_SECALTS, &n, &err);
  const uint32_t *u = cache_section(c, CS_U32, &n, &err);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(u);
  struct cache_str s = { u[a[0].first_scope], u[a[0].first_scope + 1] };
  return cache_str(c, s);
}

START_TEST(compile_cc_only)
{
  struct cache *c = compile_cc(
    "        clientCredentials:\n"
    "          tokenUrl: 'https://auth.example.com/oauth/token'\n"
    "          scopes: {read: r, write: w}\n");
  const struct cache_scheme *s = scheme0(c);
  ck_assert_uint_eq(s->flags & (SCH_F_CC | SCH_F_CC_BASIC | SCH_F_IDENTITY | SCH_F_SIGN_IN),
                    SCH_F_CC | SCH_F_CC_BASIC);
  ck_assert_str_eq(cache_str(c, s->cc_token_url), "https://auth.example.com/oauth/token");
  ck_assert_str_eq(plan_scope(c), "read write");
  ck_assert_uint_eq(c->hdr->flags & CACHE_F_IDENTITY, 0);
  size_t len;
  struct cache_error err;
  const char *d = cache_describe(c, &len, &err);
  ck_assert_ptr_nonnull(strstr(d, "\"providesIdentity\":false"));
  test_cache_free(c);
  /* x-flow-identity: post, scope instead of the requirement's, tokenParameters */
  c = compile_cc(
    "        clientCredentials:\n"
    "          tokenUrl: 'https://auth.example.com/oauth/token'\n"
    "          scopes: {read: r, write: w}\n"
    "      x-flow-identity:\n"
    "        clientAuthentication: client_secret_post\n"
    "        scope: 'api:all'\n"
    "        tokenParameters: {audience: 'https://api.example.com/', resource: 'a b&c'}\n");
  s = scheme0(c);
  ck_assert_uint_eq(s->flags & (SCH_F_CC | SCH_F_CC_BASIC | SCH_F_IDENTITY), SCH_F_CC);
  ck_assert_str_eq(plan_scope(c), "api:all");
  ck_assert_str_eq(cache_str(c, s->cc_token_params),
                   "audience=https%3A%2F%2Fapi.example.com%2F&resource=a%20b%26c");
  ck_assert_uint_eq(c->hdr->flags & CACHE_F_IDENTITY, 0);
  test_cache_free(c);
}
END_TEST

START_TEST(compile_both_flows)
{
  static const char *const flows =
    "        clientCredentials:\n"
    "          tokenUrl: 'https://auth.example.com/cc-token'\n"
    "          scopes: {read: r}\n"
    "        authorizationCode:\n"
    "          authorizationUrl: 'https://auth.example.com/authorize'\n"
    "          tokenUrl: 'https://auth.example.com/token'\n"
    "          scopes: {read: r}\n"
    "      x-flow-identity:\n"
    "        me: {userInfoUrl: 'https://auth.example.com/me'}\n";
  /* the defaults per flow: basic for client credentials, post for the code exchange */
  struct cache *c = compile_cc(flows);
  const struct cache_scheme *s = scheme0(c);
  ck_assert_uint_eq(s->flags & (SCH_F_CC | SCH_F_CC_BASIC | SCH_F_CLIENT_BASIC | SCH_F_SIGN_IN),
                    SCH_F_CC | SCH_F_CC_BASIC | SCH_F_SIGN_IN);
  ck_assert_str_eq(cache_str(c, s->cc_token_url), "https://auth.example.com/cc-token");
  ck_assert_str_eq(cache_str(c, s->token_url), "https://auth.example.com/token");
  ck_assert_str_eq(plan_scope(c), "read write");        /* the requirement's */
  ck_assert_uint_eq(c->hdr->flags & CACHE_F_IDENTITY, CACHE_F_IDENTITY);
  test_cache_free(c);
  /* a value set once applies to both */
  char *yaml = malloc(strlen(flows) + 100);
  ck_assert_ptr_nonnull(yaml);
  strcpy(yaml, flows);
  strcat(yaml, "        clientAuthentication: client_secret_post\n");
  c = compile_cc(yaml);
  s = scheme0(c);
  ck_assert_uint_eq(s->flags & (SCH_F_CC_BASIC | SCH_F_CLIENT_BASIC), 0);
  test_cache_free(c);
  strcpy(yaml, flows);
  strcat(yaml, "        clientAuthentication: client_secret_basic\n");
  c = compile_cc(yaml);
  s = scheme0(c);
  ck_assert_uint_eq(s->flags & (SCH_F_CC_BASIC | SCH_F_CLIENT_BASIC),
                    SCH_F_CC_BASIC | SCH_F_CLIENT_BASIC);
  test_cache_free(c);
  free(yaml);
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("client_token");
  TCase *tc = tcase_create("key");
  tcase_add_test(tc, key_every_input_counts);
  tcase_add_test(tc, key_is_sha256_of_the_fields);
  tcase_add_test(tc, file_format_round_trip);
  suite_add_tcase(s, tc);
  tc = tcase_create("store");
  tcase_add_test(tc, store_expiry);
  tcase_add_test(tc, store_lru_64_keys);
  tcase_add_test(tc, disk_shared_between_processes);
  suite_add_tcase(s, tc);
  tc = tcase_create("compile");
  tcase_add_test(tc, compile_cc_only);
  tcase_add_test(tc, compile_both_flows);
  suite_add_tcase(s, tc);
  return s;
}
