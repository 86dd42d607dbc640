/* offset_token.c - encode and decode Flow's offsetToken (offset_token.h has the layout). */
#include "offset_token.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

#include "../common/mem.h"
#include "../flow/mapping.h"

#define CHECK_LEN 8 /* checksum bytes after the version byte */
#define HEAD_LEN (1 + CHECK_LEN)
#define UV_MAX_BYTES 10 /* 64 bits in 7-bit groups */

/* ---- the list filter's hash ----------------------------------------------------------- */

/* Left out of the hash: offset, limit, offsetToken, and members that say "nothing" (null,
 * false, "", [], {}: Flow's empty listFilter spells every default out, and means the same
 * list as a null one). */
static int skipped_member(const cJSON *e)
{
  if(cJSON_IsNull(e) || cJSON_IsFalse(e) || (cJSON_IsString(e) && !e->valuestring[0]) ||
     ((cJSON_IsArray(e) || cJSON_IsObject(e)) && !e->child))
    return 1;
  const char *k = e->string;
  return k &&
         (!strcasecmp(k, "offset") || !strcasecmp(k, "limit") || !strcasecmp(k, "offsetToken"));
}

enum oac_result offset_token_filter_hash(const cJSON *list_filter,
                                         unsigned char out[SHA256_DIGEST_LEN])
{
  /* A shallow copy of the object's kept members (their values are the caller's nodes,
   * only read), canonicalised by the same RFC 8785 writer as external IDs. */
  size_t n = 0;
  if(cJSON_IsObject(list_filter))
    for(const cJSON *e = list_filter->child; e; e = e->next)
      n += !skipped_member(e);
  cJSON small[16];
  cJSON *m = small;
  if(n > sizeof(small) / sizeof(small[0])) {
    m = oac_malloc(n * sizeof(*m));
    if(!m)
      return OAC_ENOMEM;
  }
  size_t i = 0;
  if(n)
    for(const cJSON *e = list_filter->child; e; e = e->next) {
      if(skipped_member(e))
        continue;
      m[i] = *e;
      m[i].prev = i ? &m[i - 1] : &m[n - 1];
      m[i].next = i + 1 < n ? &m[i + 1] : NULL;
      i++;
    }
  cJSON root;
  memset(&root, 0, sizeof(root));
  root.type = cJSON_Object;
  root.child = n ? m : NULL;
  struct buf b;
  buf_init(&b);
  enum oac_result r = map_jcs_id(&root, &b);
  if(!r)
    sha256(b.data, b.len, out);
  buf_free(&b);
  if(m != small)
    oac_free(m);
  return r;
}

/* ---- base64url without padding (RFC 4648 §5) ------------------------------------------ */

static const char b64[65] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64_value(unsigned char c)
{
  if(c >= 'A' && c <= 'Z')
    return c - 'A';
  if(c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if(c >= '0' && c <= '9')
    return c - '0' + 52;
  if(c == '-')
    return 62;
  if(c == '_')
    return 63;
  return -1;
}

static size_t b64_len(size_t n)
{
  return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

static void b64_encode(const unsigned char *p, size_t n, char *out)
{
  size_t o = 0, i = 0;
  for(; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    out[o++] = b64[v >> 18];
    out[o++] = b64[v >> 12 & 63];
    out[o++] = b64[v >> 6 & 63];
    out[o++] = b64[v & 63];
  }
  if(n - i == 1) {
    out[o++] = b64[p[i] >> 2];
    out[o++] = b64[(p[i] & 3) << 4];
  }
  else if(n - i == 2) {
    uint32_t v = (uint32_t)p[i] << 8 | p[i + 1];
    out[o++] = b64[v >> 10];
    out[o++] = b64[v >> 4 & 63];
    out[o++] = b64[(v & 15) << 2];
  }
}

/* Decodes S[0..len) into OUT (room for len * 3 / 4 bytes); its length, or -1 when S is not
 * canonical unpadded base64url (a character outside the alphabet, a length of 1 mod 4,
 * unused bits that are not zero). */
static long b64_decode(const char *s, size_t len, unsigned char *out)
{
  if(len % 4 == 1)
    return -1;
  size_t o = 0;
  uint32_t acc = 0;
  unsigned bits = 0;
  for(size_t i = 0; i < len; i++) {
    int v = b64_value((unsigned char)s[i]);
    if(v < 0)
      return -1;
    acc = (acc << 6 | (uint32_t)v) & 0xFFFFFFu;
    bits += 6;
    if(bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)(acc >> bits);
    }
  }
  if(acc & ((1u << bits) - 1)) /* the unused low bits of the last character */
    return -1;
  return (long)o;
}

/* ---- the record ----------------------------------------------------------------------- */

static void put_uv(struct buf *b, uint64_t v)
{
  do {
    unsigned char c = v & 0x7F;
    v >>= 7;
    if(v)
      c |= 0x80;
    buf_putc(b, (char)c);
  } while(v);
}

static void put_str(struct buf *b, const char *s)
{
  size_t n = strlen(s);
  put_uv(b, n);
  buf_append(b, s, n);
}

static int kind_has_str(enum offset_token_pos k)
{
  return k == OT_POS_CURSOR || k == OT_POS_NEXT_URL;
}

static int kind_has_num(enum offset_token_pos k)
{
  return k == OT_POS_PAGE || k == OT_POS_OFFSET || k == OT_POS_EXAMPLE;
}

static void put_check(unsigned char *rec, size_t n)
{
  struct sha256_ctx ctx;
  unsigned char d[SHA256_DIGEST_LEN];
  sha256_init(&ctx);
  sha256_update(&ctx, rec, 1);
  sha256_update(&ctx, rec + HEAD_LEN, n - HEAD_LEN);
  sha256_final(&ctx, d);
  memcpy(rec + 1, d, CHECK_LEN);
}

enum oac_result offset_token_encode(const struct offset_token *t, struct buf *out)
{
  if(!t->list.registration || !t->list.binding || (unsigned)t->kind >= OT_POS_MAX ||
     (kind_has_str(t->kind) && !t->pos_str))
    return OAC_EINTERNAL;
  struct buf rec;
  buf_init(&rec);
  buf_putc(&rec, OFFSET_TOKEN_VERSION);
  buf_zero(&rec, CHECK_LEN);
  put_str(&rec, t->list.registration);
  put_str(&rec, t->list.binding);
  put_uv(&rec, t->list.op);
  put_uv(&rec, t->list.server);
  buf_append(&rec, t->list.filter_hash, SHA256_DIGEST_LEN);
  buf_putc(&rec, (char)t->kind);
  if(kind_has_str(t->kind))
    put_str(&rec, t->pos_str);
  else if(kind_has_num(t->kind))
    put_uv(&rec, t->pos_num);
  put_uv(&rec, t->consumed);
  put_uv(&rec, t->offset);
  enum oac_result r = OAC_OK;
  if(buf_failed(&rec))
    r = OAC_ENOMEM;
  else if(b64_len(rec.len) > OFFSET_TOKEN_MAX_LEN)
    r = OAC_ELIMIT;
  else {
    put_check((unsigned char *)rec.data, rec.len);
    size_t n = b64_len(rec.len);
    r = buf_reserve(out, n);
    if(!r) {
      b64_encode((const unsigned char *)rec.data, rec.len, out->data + out->len);
      out->len += n;
      out->data[out->len] = '\0';
    }
  }
  buf_free(&rec);
  return r;
}

/* A reader over the decoded record: any read past the end, overlong or oversized integer,
 * or NUL inside a string sets BAD. */
struct rd {
  const unsigned char *p, *end;
  int bad;
};

static uint64_t get_uv(struct rd *r)
{
  uint64_t v = 0;
  for(int i = 0; i < UV_MAX_BYTES; i++) {
    if(r->p >= r->end) {
      r->bad = 1;
      return 0;
    }
    unsigned c = *r->p++;
    if(i == UV_MAX_BYTES - 1 && c > 1) { /* more than 64 bits */
      r->bad = 1;
      return 0;
    }
    v |= (uint64_t)(c & 0x7F) << (7 * i);
    if(!(c & 0x80)) {
      if(i && !c) /* not the shortest form */
        r->bad = 1;
      return v;
    }
  }
  r->bad = 1;
  return 0;
}

static const char *get_str(struct rd *r, struct arena *a, int *oom)
{
  uint64_t n = get_uv(r);
  if(r->bad || n > (uint64_t)(r->end - r->p) || memchr(r->p, 0, (size_t)n)) {
    r->bad = 1;
    return NULL;
  }
  char *s = arena_strndup(a, (const char *)r->p, (size_t)n);
  if(!s)
    *oom = 1;
  r->p += n;
  return s;
}

static int same_list(const struct offset_token_list *x, const struct offset_token_list *y)
{
  return !strcmp(x->registration, y->registration) && !strcmp(x->binding, y->binding) &&
         x->op == y->op && x->server == y->server &&
         !memcmp(x->filter_hash, y->filter_hash, SHA256_DIGEST_LEN);
}

enum oac_result offset_token_decode(const char *text, size_t len,
                                    const struct offset_token_list *expect, struct arena *a,
                                    struct offset_token *out, enum offset_token_why *why)
{
  *why = OT_MALFORMED;
  if(!text || !len || len > OFFSET_TOKEN_MAX_LEN)
    return OAC_EDOC;
  unsigned char rec[OFFSET_TOKEN_MAX_LEN / 4 * 3];
  long n = b64_decode(text, len, rec);
  if(n < HEAD_LEN + 1)
    return OAC_EDOC;
  unsigned char check[CHECK_LEN];
  memcpy(check, rec + 1, CHECK_LEN);
  put_check(rec, (size_t)n);
  if(memcmp(check, rec + 1, CHECK_LEN))
    return OAC_EDOC;
  if(rec[0] != OFFSET_TOKEN_VERSION) {
    *why = OT_WRONG_VERSION;
    return OAC_EDOC;
  }

  struct rd r = { rec + HEAD_LEN, rec + n, 0 };
  struct offset_token t;
  memset(&t, 0, sizeof(t));
  int oom = 0;
  t.list.registration = get_str(&r, a, &oom);
  t.list.binding = get_str(&r, a, &oom);
  uint64_t op = get_uv(&r), server = get_uv(&r);
  if(op > UINT_MAX || server > UINT_MAX)
    r.bad = 1;
  t.list.op = (unsigned)op;
  t.list.server = (unsigned)server;
  if(!r.bad && r.end - r.p >= SHA256_DIGEST_LEN + 1) {
    memcpy(t.list.filter_hash, r.p, SHA256_DIGEST_LEN);
    r.p += SHA256_DIGEST_LEN;
    unsigned k = *r.p++;
    if(k >= OT_POS_MAX)
      r.bad = 1;
    t.kind = (enum offset_token_pos)k;
  }
  else
    r.bad = 1;
  if(!r.bad && kind_has_str(t.kind))
    t.pos_str = get_str(&r, a, &oom);
  else if(!r.bad && kind_has_num(t.kind))
    t.pos_num = get_uv(&r);
  t.consumed = get_uv(&r);
  t.offset = get_uv(&r);
  if(r.bad || r.p != r.end)
    return OAC_EDOC;
  if(oom)
    return OAC_ENOMEM;
  *out = t;
  if(expect && !same_list(&t.list, expect)) {
    *why = OT_ANOTHER_LIST;
    return OAC_EDOC;
  }
  *why = OT_OK;
  return OAC_OK;
}

const char *offset_token_why_str(enum offset_token_why why)
{
  switch(why) {
  case OT_OK:
    return "offsetToken accepted";
  case OT_MALFORMED:
    return "offsetToken does not decode";
  case OT_WRONG_VERSION:
    return "offsetToken is of a format version this connector does not read";
  case OT_ANOTHER_LIST:
    return "offsetToken belongs to another list";
  }
  return "offsetToken refused";
}

int offset_token_used(long offset, const struct offset_token *t)
{
  return offset == 0 || (offset > 0 && (uint64_t)offset == t->offset);
}
