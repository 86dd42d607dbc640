/* reader.c - map a spec cache file read-only, validate it, look things up (see cache.h).
 *
 * Linked by the worker, the compiler's self-check and the tests. Nothing in the file is
 * trusted: the header (sizes, offsets, strings, section table) is checked at open, and
 * each section's checksum and records the first time it is used (all at open with
 * CACHE_VERIFY_ALL). The layout is strict - sections follow each other in table order,
 * 16-aligned, with zero padding, and the file ends with the last one - so every byte of a
 * valid file is covered by a checksum or a check. Any failure is OAC_ECACHE plus a message
 * naming the file, the section and the record.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/hash.h"
#include "../common/mem.h"
#include "../common/text.h"
#include "cache.h"

static const char *const section_names[CS_KIND_MAX] = {
  [CS_STRINGS] = "STRINGS", [CS_DESCRIBE] = "DESCRIBE", [CS_TYPES] = "TYPES",
  [CS_PROPS] = "PROPS", [CS_INDEX] = "INDEX", [CS_PLANS] = "PLANS",
  [CS_PARAMS] = "PARAMS", [CS_U32] = "U32", [CS_SECALTS] = "SECALTS",
  [CS_SCHEMES] = "SCHEMES", [CS_EXAMPLES] = "EXAMPLES",
  [CS_SERVERS] = "SERVERS",  /* servers (§13.7) */
  [CS_ACTIONS] = "ACTIONS", [CS_INPUTS] = "INPUTS", [CS_OUTCOMES] = "OUTCOMES"  /* §14 */
};

/* Record size of each section kind; 1 for byte sections, 0 for INDEX (a head first). */
static const size_t record_size[CS_KIND_MAX] = {
  [CS_STRINGS] = 1, [CS_DESCRIBE] = 1, [CS_TYPES] = sizeof(struct cache_type),
  [CS_PROPS] = sizeof(struct cache_prop), [CS_INDEX] = 0,
  [CS_PLANS] = sizeof(struct cache_plan), [CS_PARAMS] = sizeof(struct cache_param),
  [CS_U32] = sizeof(uint32_t), [CS_SECALTS] = sizeof(struct cache_secalt),
  [CS_SCHEMES] = sizeof(struct cache_scheme), [CS_EXAMPLES] = 1,
  [CS_SERVERS] = sizeof(struct cache_server),  /* servers (§13.7) */
  [CS_ACTIONS] = sizeof(struct cache_action),  /* message actions (§14) */
  [CS_INPUTS] = sizeof(struct cache_input), [CS_OUTCOMES] = sizeof(struct cache_outcome)
};

static enum oac_result fail(const struct cache *c, struct cache_error *err, const char *fmt,
                            ...) __attribute__((format(printf, 3, 4)));

static enum oac_result fail(const struct cache *c, struct cache_error *err, const char *fmt,
                            ...)
{
  if(!err)
    return OAC_ECACHE;
  /* a very long path keeps its tail (the file name) and leaves room for the message */
  const char *p = c->path[0] ? c->path : "cache image";
  size_t pl = strlen(p);
  int n = pl > 300 ? snprintf(err->msg, sizeof(err->msg), "...%s: ", p + pl - 297)
                   : snprintf(err->msg, sizeof(err->msg), "%.300s: ", p);
  if(n < 0 || (size_t)n >= sizeof(err->msg))
    n = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
  va_end(ap);
  return OAC_ECACHE;
}

static uint64_t align16(uint64_t x) { return (x + CACHE_ALIGN - 1) & ~(uint64_t)(CACHE_ALIGN - 1); }

/* The section table entry of KIND; every kind is present once the header passed. */
static const struct cache_section *sec_of(const struct cache *c, unsigned kind)
{
  const struct cache_header *h = c->hdr;
  for(uint32_t i = 0; i < h->nsections; i++)
    if(h->sections[i].kind == kind)
      return &h->sections[i];
  return NULL;
}

static const void *sec_data(const struct cache *c, const struct cache_section *s)
{
  return c->base + s->offset;
}

/* ---- strings ---- */

/* What is wrong with a string reference; the region is [lo, hi). */
enum str_fault { STR_OK, STR_OUT_OF_RANGE, STR_NO_NUL };

static enum str_fault str_check(const struct cache *c, struct cache_str s, uint64_t lo,
                                uint64_t hi)
{
  if(!s.off && !s.len)
    return STR_OK;
  uint64_t end = (uint64_t)s.off + s.len;   /* where the NUL is */
  if(s.off < lo || end >= hi)
    return STR_OUT_OF_RANGE;
  return c->base[end] ? STR_NO_NUL : STR_OK;
}

static enum oac_result bad_str(const struct cache *c, struct cache_error *err,
                               enum str_fault why,
                               const char *where, uint32_t rec, const char *field,
                               struct cache_str s)
{
  if(why == STR_OUT_OF_RANGE)
    return fail(c, err, "section %s record %u: string %s (offset %u, length %u) out of range",
                where, rec, field, s.off, s.len);
  return fail(c, err, "section %s record %u: string %s (offset %u, length %u) is not "
              "NUL-terminated", where, rec, field, s.off, s.len);
}

/* Checks string S of record REC of section KIND against the string pool. */
#define CHECK_STR(kind, rec, field)                                                  \
  do {                                                                               \
    enum str_fault why_ = str_check(c, (field), lo, hi);                             \
    if(why_)                                                                         \
      return bad_str(c, err, why_, section_names[kind], (rec), #field, (field));     \
  } while(0)

/* ---- header ---- */

static enum oac_result check_header(struct cache *c, struct cache_error *err)
{
  const unsigned char *b = c->base;
  size_t size = c->size;
  if(!size)
    return fail(c, err, "empty file");
  if(memcmp(b, CACHE_MAGIC, size < 8 ? size : 8))
    return fail(c, err, "not an openapi-connector cache file (bad magic)");
  if(size < sizeof(struct cache_header))
    return fail(c, err, "truncated: %zu bytes, shorter than the cache header (%zu bytes)",
                size, sizeof(struct cache_header));
  if((uintptr_t)b % 8)
    return fail(c, err, "image is not 8-byte aligned in memory");
  const struct cache_header *h = (const struct cache_header *)(const void *)b;
  if(h->byte_order != CACHE_BYTE_ORDER) {
    if(h->byte_order == __builtin_bswap32(CACHE_BYTE_ORDER))
      return fail(c, err, "written for the other byte order: recompile on this machine");
    return fail(c, err, "bad byte order mark 0x%08x", h->byte_order);
  }
  if(h->format_version != CACHE_FORMAT_VERSION)
    return fail(c, err, "format version %u, this worker reads version %u: recompile with "
                "this version", h->format_version, CACHE_FORMAT_VERSION);
  if(h->file_size > size)
    return fail(c, err, "truncated: %zu bytes, the header says %llu", size,
                (unsigned long long)h->file_size);
  if(h->file_size < size)
    return fail(c, err, "has trailing bytes: %zu bytes, the header says %llu", size,
                (unsigned long long)h->file_size);
  if(h->header_size < sizeof(*h) || h->header_size > size || h->header_size % CACHE_ALIGN)
    return fail(c, err, "header size %u out of range (file %zu bytes)", h->header_size, size);

  /* checksum over the header with its checksum field zeroed */
  unsigned char small[4096];
  unsigned char *copy = h->header_size <= sizeof(small) ? small : oac_malloc(h->header_size);
  if(!copy) {
    fail(c, err, "out of memory checking the header");
    return OAC_ENOMEM;
  }
  memcpy(copy, b, h->header_size);
  memset(copy + offsetof(struct cache_header, header_checksum), 0, sizeof(uint64_t));
  uint64_t sum = oac_hash64(copy, h->header_size, 0);
  if(copy != small)
    oac_free(copy);
  if(sum != h->header_checksum)
    return fail(c, err, "header checksum mismatch (damaged file)");

  /* header strings live between the struct and header_size */
  struct { const char *name; struct cache_str s; } hs[] = {
    {"registration", h->registration}, {"source", h->source},
    {"compiler_version", h->compiler_version}, {"server_url", h->server_url},
    {"title", h->title}, {"api_version", h->api_version},
    {"overlays", h->overlays}   /* §15.1 */
  };
  for(size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
    enum str_fault why = str_check(c, hs[i].s, sizeof(*h), h->header_size);
    if(why)
      return fail(c, err, "header string %s (offset %u, length %u) %s", hs[i].name,
                  hs[i].s.off, hs[i].s.len, why == STR_OUT_OF_RANGE ? "out of range" : "is not NUL-terminated");
  }

  /* section table: strict layout, every kind once */
  if(h->nsections > CACHE_MAX_SECTIONS)
    return fail(c, err, "%u sections, at most %u allowed", h->nsections, CACHE_MAX_SECTIONS);
  static const struct cache_section zero;
  for(uint32_t i = h->nsections; i < CACHE_MAX_SECTIONS; i++)
    if(memcmp(&h->sections[i], &zero, sizeof(zero)))
      return fail(c, err, "unused section table entry %u is not zero", i);
  uint32_t seen = 0;
  uint64_t pos = h->header_size;
  for(uint32_t i = 0; i < h->nsections; i++) {
    const struct cache_section *s = &h->sections[i];
    if(!s->kind || s->kind >= CS_KIND_MAX)
      return fail(c, err, "section %u: unknown kind %u", i, s->kind);
    const char *nm = section_names[s->kind];
    if(seen & (1u << s->kind))
      return fail(c, err, "section %u: duplicate %s section", i, nm);
    seen |= 1u << s->kind;
    if(s->offset > h->file_size || s->size > h->file_size - s->offset)
      return fail(c, err, "section %s: offset %llu size %llu out of range (file %llu bytes)",
                  nm, (unsigned long long)s->offset, (unsigned long long)s->size,
                  (unsigned long long)h->file_size);
    if(s->offset % CACHE_ALIGN)
      return fail(c, err, "section %s: offset %llu not aligned", nm,
                  (unsigned long long)s->offset);
    uint64_t expect = align16(pos);
    if(s->offset != expect)
      return fail(c, err, "section %s: offset %llu out of range: sections follow each other "
                  "(expected %llu)", nm, (unsigned long long)s->offset,
                  (unsigned long long)expect);
    for(uint64_t p = pos; p < expect; p++)
      if(b[p])
        return fail(c, err, "nonzero padding byte at offset %llu before section %s",
                    (unsigned long long)p, nm);
    int ok;
    if(s->kind == CS_INDEX)
      ok = s->size == sizeof(struct cache_index_head) +
                      (uint64_t)s->count * sizeof(struct cache_bucket);
    else
      ok = s->size == (uint64_t)s->count * record_size[s->kind];
    if(!ok)
      return fail(c, err, "section %s: size %llu does not match its %u records", nm,
                  (unsigned long long)s->size, s->count);
    pos = s->offset + s->size;
  }
  if(pos != h->file_size)
    return fail(c, err, "%llu unaccounted bytes after the last section",
                (unsigned long long)(h->file_size - pos));
  for(unsigned k = 1; k < CS_KIND_MAX; k++)
    if(!(seen & (1u << k)))
      return fail(c, err, "missing section %s", section_names[k]);
  c->hdr = h;
  const struct cache_section *ts = sec_of(c, CS_TYPES);
  if(h->ntypes != ts->count) {
    c->hdr = NULL;
    return fail(c, err, "header says %u types, section TYPES has %u", h->ntypes, ts->count);
  }
  return OAC_OK;
}

/* ---- per-section structure ---- */

static enum oac_result check_types(struct cache *c, const struct cache_section *s,
                                   uint64_t lo, uint64_t hi, struct cache_error *err)
{
  const struct cache_section *ps = sec_of(c, CS_PROPS), *pls = sec_of(c, CS_PLANS);
  const struct cache_section *us = sec_of(c, CS_U32);
  const struct cache_type *t = sec_data(c, s);
  const struct cache_prop *props = sec_data(c, ps);
  const struct cache_plan *plans = sec_data(c, pls);
  const uint32_t *u = sec_data(c, us);
  for(uint32_t i = 0; i < s->count; i++, t++) {
    CHECK_STR(CS_TYPES, i, t->name);
    if(!t->name.len)
      return fail(c, err, "section TYPES record %u: empty name", i);
    if((uint64_t)t->first_prop + t->nprops > ps->count)
      return fail(c, err, "section TYPES record %u: properties %u+%u out of range (PROPS has "
                  "%u)", i, t->first_prop, t->nprops, ps->count);
    if(t->external_id_prop != -1 &&
       (t->external_id_prop < 0 || (uint32_t)t->external_id_prop >= t->nprops))
      return fail(c, err, "section TYPES record %u: external ID property %d out of range", i,
                  t->external_id_prop);
    /* composite keys (§13.9): the list of the external ID's properties */
    if(t->neid && (t->neid < 2 || (uint64_t)t->first_eid + t->neid > us->count ||
                   t->external_id_prop < 0))
      return fail(c, err, "section TYPES record %u: external ID list %u+%u out of range", i,
                  t->first_eid, t->neid);
    for(uint32_t j = 0; j < t->neid; j++)
      if(u[t->first_eid + j] >= t->nprops)
        return fail(c, err, "section TYPES record %u: external ID property %u out of range",
                    i, u[t->first_eid + j]);
    for(uint32_t j = 0; j < t->nprops; j++) {
      const struct cache_prop *p = &props[t->first_prop + j];
      if((p->flags & CP_ALTERNATIVE) &&
         (!p->alt_count || p->alt_group > j || j - p->alt_group >= p->alt_count ||
          (uint64_t)p->alt_group + p->alt_count > t->nprops))
        return fail(c, err, "section TYPES record %u: property %u: alternative group %u+%u "
                    "out of range", i, j, p->alt_group, p->alt_count);
    }
    for(int op = 0; op < OP_MAX; op++) {
      uint32_t k = t->plans[op];
      if(!k)
        continue;
      if(k > pls->count)
        return fail(c, err, "section TYPES record %u: plan %u out of range (PLANS has %u)", i,
                    k, pls->count);
      const struct cache_plan *pl = &plans[k - 1];
      /* a type's slot holds a plan of its own operation, never a message action's (§14),
       * whose example record names no type (CACHE_EXAMPLE_ACTION) */
      if(pl->op != (unsigned)op)
        return fail(c, err, "section TYPES record %u: plan %u is a plan of operation %u, "
                    "not %d", i, k, pl->op, op);
      if((uint64_t)pl->first_body + pl->nbody > us->count)
        return fail(c, err, "section TYPES record %u: plan %u: body list out of range", i, k);
      for(uint32_t b = 0; b < pl->nbody; b++)
        if(u[pl->first_body + b] >= t->nprops)
          return fail(c, err, "section TYPES record %u: plan %u: body property %u out of "
                      "range", i, k, u[pl->first_body + b]);
    }
  }
  return OAC_OK;
}

static enum oac_result check_props(struct cache *c, const struct cache_section *s,
                                   uint64_t lo, uint64_t hi, struct cache_error *err)
{
  const struct cache_prop *p = sec_data(c, s);
  uint32_t ntypes = c->hdr->ntypes;
  for(uint32_t i = 0; i < s->count; i++, p++) {
    CHECK_STR(CS_PROPS, i, p->name);
    CHECK_STR(CS_PROPS, i, p->json_name);
    CHECK_STR(CS_PROPS, i, p->db_type);
    if(p->ctype > CT_ENCRYPTED)
      return fail(c, err, "section PROPS record %u: unknown content type %u", i, p->ctype);
    if(p->ref_type != -1 && (p->ref_type < 0 || (uint32_t)p->ref_type >= ntypes))
      return fail(c, err, "section PROPS record %u: type reference %d out of range", i,
                  p->ref_type);
  }
  return OAC_OK;
}

static enum oac_result check_index(struct cache *c, const struct cache_section *s,
                                   struct cache_error *err)
{
  const struct cache_index_head *head = sec_data(c, s);
  const struct cache_bucket *bk = (const struct cache_bucket *)(head + 1);
  uint32_t nb = head->nbuckets, ntypes = c->hdr->ntypes;
  if(nb != s->count || !nb || (nb & (nb - 1)) || nb <= ntypes)
    return fail(c, err, "section INDEX: bad bucket count %u (%u records, %u types)", nb,
                s->count, ntypes);
  for(uint32_t i = 0; i < nb; i++)
    if(bk[i].type > ntypes)
      return fail(c, err, "section INDEX record %u: type %u out of range", i, bk[i].type);
  return OAC_OK;
}

static enum oac_result check_plans(struct cache *c, const struct cache_section *s,
                                   uint64_t lo, uint64_t hi, struct cache_error *err)
{
  const struct cache_plan *p = sec_data(c, s);
  const struct cache_section *pa = sec_of(c, CS_PARAMS), *sa = sec_of(c, CS_SECALTS);
  const struct cache_section *us = sec_of(c, CS_U32), *ex = sec_of(c, CS_EXAMPLES);
  for(uint32_t i = 0; i < s->count; i++, p++) {
    if(p->op > OP_ACTION)
      return fail(c, err, "section PLANS record %u: unknown operation %u", i, p->op);
    if(p->method > M_OPTIONS)
      return fail(c, err, "section PLANS record %u: unknown method %u", i, p->method);
    CHECK_STR(CS_PLANS, i, p->path);
    CHECK_STR(CS_PLANS, i, p->items);
    CHECK_STR(CS_PLANS, i, p->body_type);
    CHECK_STR(CS_PLANS, i, p->idempotency_key);     /* retries (§13.4) */
    const struct cache_paging *pg = &p->paging;
    if(pg->style >= CPG_MAX)
      return fail(c, err, "section PLANS record %u: unknown paging style %u", i, pg->style);
    CHECK_STR(CS_PLANS, i, pg->limit);
    CHECK_STR(CS_PLANS, i, pg->offset);
    CHECK_STR(CS_PLANS, i, pg->page);
    CHECK_STR(CS_PLANS, i, pg->cursor);
    CHECK_STR(CS_PLANS, i, pg->next_cursor);
    CHECK_STR(CS_PLANS, i, pg->next);
    CHECK_STR(CS_PLANS, i, pg->has_more);
    CHECK_STR(CS_PLANS, i, pg->total);
    CHECK_STR(CS_PLANS, i, pg->total_header);
    CHECK_STR(CS_PLANS, i, pg->description);
    if((uint64_t)p->first_param + p->nparams > pa->count)
      return fail(c, err, "section PLANS record %u: parameters %u+%u out of range (PARAMS has "
                  "%u)", i, p->first_param, p->nparams, pa->count);
    if((uint64_t)p->first_secalt + p->nsecalts > sa->count)
      return fail(c, err, "section PLANS record %u: security alternatives %u+%u out of range "
                  "(SECALTS has %u)", i, p->first_secalt, p->nsecalts, sa->count);
    if((uint64_t)p->first_body + p->nbody > us->count)
      return fail(c, err, "section PLANS record %u: body list %u+%u out of range (U32 has %u)",
                  i, p->first_body, p->nbody, us->count);
    /* body encodings and emptyAs (product.md §13.1, §13.2; issue 15) */
    if(p->body_enc && (uint64_t)p->body_enc - 1 + p->nbody > us->count)
      return fail(c, err, "section PLANS record %u: body encodings %u+%u out of range (U32 "
                  "has %u)", i, p->body_enc - 1, p->nbody, us->count);
    if(p->empty_as >= CEA_MAX)
      return fail(c, err, "section PLANS record %u: unknown emptyAs %u", i, p->empty_as);
    if(p->example_len ? p->example_off < ex->offset ||
                        (uint64_t)p->example_off + p->example_len > ex->offset + ex->size
                      : p->example_off != 0)
      return fail(c, err, "section PLANS record %u: example (offset %u, length %u) out of "
                  "range", i, p->example_off, p->example_len);
    /* servers (§13.7): the plan's own list lies within one list of CS_SERVERS */
    if(p->server_count) {
      const struct cache_section *sv = sec_of(c, CS_SERVERS);
      const struct cache_server *rec = sec_data(c, sv);
      if((uint64_t)p->server_first + p->server_count > sv->count ||
         rec[p->server_first].list == 0 ||
         rec[p->server_first + p->server_count - 1].list != rec[p->server_first].list)
        return fail(c, err, "section PLANS record %u: servers %u+%u out of range", i,
                    p->server_first, p->server_count);
    }
  }
  return OAC_OK;
}

/* servers (§13.7): lists in order, list 0 first and not empty, its first URL the header's
 * server_url. */
static enum oac_result check_servers(struct cache *c, const struct cache_section *s,
                                     uint64_t lo, uint64_t hi, struct cache_error *err)
{
  const struct cache_server *p = sec_data(c, s);
  if(!s->count || p[0].list != 0)
    return fail(c, err, "section SERVERS: no document-level server");
  for(uint32_t i = 0; i < s->count; i++) {
    CHECK_STR(CS_SERVERS, i, p[i].url);
    if(i && p[i].list != p[i - 1].list && p[i].list != p[i - 1].list + 1)
      return fail(c, err, "section SERVERS record %u: list %u out of order", i, p[i].list);
  }
  if(strcmp(cache_str(c, p[0].url), cache_str(c, c->hdr->server_url)))
    return fail(c, err, "section SERVERS: the first server is not the header's server_url");
  return OAC_OK;
}

static enum oac_result check_params(struct cache *c, const struct cache_section *s,
                                    uint64_t lo, uint64_t hi, struct cache_error *err)
{
  const struct cache_param *p = sec_data(c, s);
  for(uint32_t i = 0; i < s->count; i++, p++) {
    CHECK_STR(CS_PARAMS, i, p->name);
    CHECK_STR(CS_PARAMS, i, p->arg);
    if(p->in < PIN_QUERY || p->in > PIN_COOKIE)
      return fail(c, err, "section PARAMS record %u: unknown location %u", i, p->in);
    if(p->src < PSRC_EXTERNAL_ID || p->src > PSRC_INPUT)
      return fail(c, err, "section PARAMS record %u: unknown value source %u", i, p->src);
  }
  return OAC_OK;
}

static enum oac_result check_secalts(struct cache *c, const struct cache_section *s,
                                     uint64_t lo, uint64_t hi, struct cache_error *err)
{
  const struct cache_secalt *a = sec_data(c, s);
  const struct cache_section *us = sec_of(c, CS_U32), *ss = sec_of(c, CS_SCHEMES);
  const uint32_t *u = sec_data(c, us);
  for(uint32_t i = 0; i < s->count; i++, a++) {
    if((uint64_t)a->first + a->count > us->count)
      return fail(c, err, "section SECALTS record %u: schemes %u+%u out of range (U32 has %u)",
                  i, a->first, a->count, us->count);
    for(uint32_t k = 0; k < a->count; k++)
      if(u[a->first + k] >= ss->count)
        return fail(c, err, "section SECALTS record %u: scheme %u out of range (SCHEMES has "
                    "%u)", i, u[a->first + k], ss->count);
    /* client credentials (§13.6): COUNT (offset, length) scope strings */
    if((uint64_t)a->first_scope + 2 * (uint64_t)a->count > us->count)
      return fail(c, err, "section SECALTS record %u: scopes %u+2*%u out of range (U32 has "
                  "%u)", i, a->first_scope, a->count, us->count);
    for(uint32_t k = 0; k < a->count; k++) {
      struct cache_str scope = { u[a->first_scope + 2 * k], u[a->first_scope + 2 * k + 1] };
      CHECK_STR(CS_SECALTS, i, scope);
    }
  }
  return OAC_OK;
}

static enum oac_result check_schemes(struct cache *c, const struct cache_section *s,
                                     uint64_t lo, uint64_t hi, struct cache_error *err)
{
  const struct cache_scheme *p = sec_data(c, s);
  for(uint32_t i = 0; i < s->count; i++, p++) {
    CHECK_STR(CS_SCHEMES, i, p->name);
    CHECK_STR(CS_SCHEMES, i, p->param_name);
    CHECK_STR(CS_SCHEMES, i, p->authorization_url);
    CHECK_STR(CS_SCHEMES, i, p->token_url);
    CHECK_STR(CS_SCHEMES, i, p->userinfo_url);
    CHECK_STR(CS_SCHEMES, i, p->default_url);
    CHECK_STR(CS_SCHEMES, i, p->scope);
    CHECK_STR(CS_SCHEMES, i, p->map_first_name);
    CHECK_STR(CS_SCHEMES, i, p->map_last_name);
    CHECK_STR(CS_SCHEMES, i, p->map_email);
    CHECK_STR(CS_SCHEMES, i, p->map_username);
    CHECK_STR(CS_SCHEMES, i, p->map_user_id);
    CHECK_STR(CS_SCHEMES, i, p->cc_token_url);
    CHECK_STR(CS_SCHEMES, i, p->cc_token_params);
    if(p->type < SCH_APIKEY || p->type > SCH_OTHER)
      return fail(c, err, "section SCHEMES record %u: unknown type %u", i, p->type);
    if(p->in > PIN_COOKIE)
      return fail(c, err, "section SCHEMES record %u: unknown location %u", i, p->in);
  }
  return OAC_OK;
}

static enum oac_result verify(struct cache *c, unsigned kind, struct cache_error *err);

/* message actions (§14): strings, ranges into PLANS / INPUTS / OUTCOMES / TYPES, each
 * action's plan an OP_ACTION plan, slugs strictly ascending (cache_find_action searches) */
static int ctype_ok(uint32_t t)
{
  return t <= CT_ENCRYPTED;
}

static enum oac_result check_actions(struct cache *c, const struct cache_section *s,
                                     uint64_t lo, uint64_t hi, struct cache_error *err)
{
  enum oac_result r = verify(c, CS_PLANS, err);
  if(r)
    return r;
  const struct cache_action *a = sec_data(c, s);
  const struct cache_section *ps = sec_of(c, CS_PLANS), *is = sec_of(c, CS_INPUTS);
  const struct cache_section *os = sec_of(c, CS_OUTCOMES), *ts = sec_of(c, CS_TYPES);
  const struct cache_plan *plans = sec_data(c, ps);
  for(uint32_t i = 0; i < s->count; i++) {
    CHECK_STR(CS_ACTIONS, i, a[i].slug);
    CHECK_STR(CS_ACTIONS, i, a[i].name);
    if(!a[i].slug.len || (i && strcmp(cache_str(c, a[i - 1].slug), cache_str(c, a[i].slug)) >= 0))
      return fail(c, err, "section ACTIONS record %u: slug empty or out of order", i);
    if(a[i].plan >= ps->count || plans[a[i].plan].op != OP_ACTION)
      return fail(c, err, "section ACTIONS record %u: plan %u is no action plan", i, a[i].plan);
    if((uint64_t)a[i].first_input + a[i].ninputs > is->count)
      return fail(c, err, "section ACTIONS record %u: inputs %u+%u out of range (INPUTS has "
                  "%u)", i, a[i].first_input, a[i].ninputs, is->count);
    if((uint64_t)a[i].first_outcome + a[i].noutcomes > os->count)
      return fail(c, err, "section ACTIONS record %u: outcomes %u+%u out of range (OUTCOMES "
                  "has %u)", i, a[i].first_outcome, a[i].noutcomes, os->count);
    if(!ctype_ok(a[i].response_ctype) ||
       (a[i].response_type < -1 || a[i].response_type >= (int64_t)ts->count) ||
       ((a[i].response_ctype == CT_OBJECT || a[i].response_ctype == CT_LIST) !=
        (a[i].response_type >= 0)))
      return fail(c, err, "section ACTIONS record %u: bad Response output", i);
  }
  return OAC_OK;
}

static enum oac_result check_inputs(struct cache *c, const struct cache_section *s,
                                    uint64_t lo, uint64_t hi, struct cache_error *err)
{
  const struct cache_input *p = sec_data(c, s);
  const struct cache_section *ts = sec_of(c, CS_TYPES);
  for(uint32_t i = 0; i < s->count; i++, p++) {
    CHECK_STR(CS_INPUTS, i, p->name);
    CHECK_STR(CS_INPUTS, i, p->param);
    CHECK_STR(CS_INPUTS, i, p->def);
    if(p->in > PIN_COOKIE || !ctype_ok(p->ctype) || p->ctype == CT_NONE ||
       p->type < -1 || p->type >= (int64_t)ts->count ||
       ((p->ctype == CT_OBJECT || p->ctype == CT_LIST) != (p->type >= 0)))
      return fail(c, err, "section INPUTS record %u: bad location, type or content type", i);
  }
  return OAC_OK;
}

static enum oac_result check_outcomes(struct cache *c, const struct cache_section *s,
                                      uint64_t lo, uint64_t hi, struct cache_error *err)
{
  const struct cache_outcome *p = sec_data(c, s);
  for(uint32_t i = 0; i < s->count; i++, p++) {
    CHECK_STR(CS_OUTCOMES, i, p->description);
    if(p->status > 599 || (p->status > 5 && p->status < 100))
      return fail(c, err, "section OUTCOMES record %u: bad status %u", i, p->status);
  }
  return OAC_OK;
}

static int xstr_ok(const unsigned char *rec, uint32_t len, uint32_t hdr_end,
                   struct cache_xstr s)
{
  if(!s.off)
    return !s.len;
  return s.off >= hdr_end && (uint64_t)s.off + s.len < len && !rec[s.off + s.len];
}

/* The records of every plan with an example: sizes, offsets, texts. */
static enum oac_result check_examples(struct cache *c, struct cache_error *err)
{
  enum oac_result r = verify(c, CS_PLANS, err);
  if(!r)
    r = verify(c, CS_TYPES, err);
  if(r)
    return r;
  const struct cache_section *ps = sec_of(c, CS_PLANS), *ts = sec_of(c, CS_TYPES);
  const struct cache_plan *p = sec_data(c, ps);
  const struct cache_type *types = sec_data(c, ts);
  for(uint32_t i = 0; i < ps->count; i++, p++) {
    if(!p->example_len)
      continue;
    const unsigned char *rec = c->base + p->example_off;
    uint32_t len = p->example_len;
    const struct cache_example *e = (const struct cache_example *)(const void *)rec;
    if(p->example_off % 8 || len < sizeof(*e))
      return fail(c, err, "section EXAMPLES: record of plan %u misaligned or too short", i);
    if(e->type == CACHE_EXAMPLE_ACTION ? p->op != OP_ACTION || e->nprops || e->nobjects
                                       : e->type >= ts->count ||
                                         e->nprops != types[e->type].nprops)
      return fail(c, err, "section EXAMPLES: record of plan %u: type %u / %u properties do "
                  "not match", i, e->type, e->nprops);
    uint64_t objs_end = (uint64_t)e->objects + (uint64_t)e->nobjects * sizeof(struct
                        cache_example_object);
    uint64_t vals_end = (uint64_t)e->values + (uint64_t)e->nobjects * e->nprops *
                        sizeof(struct cache_xstr);
    if(e->objects % 4 || e->values % 4 || e->objects < sizeof(*e) || objs_end > len ||
       e->values < sizeof(*e) || vals_end > len)
      return fail(c, err, "section EXAMPLES: record of plan %u: arrays out of range", i);
    uint32_t hdr_end = (uint32_t)sizeof(*e);
    if(!xstr_ok(rec, len, hdr_end, e->body) || !xstr_ok(rec, len, hdr_end, e->response))
      return fail(c, err, "section EXAMPLES: record of plan %u: bad text", i);
    const struct cache_example_object *o =
      (const struct cache_example_object *)(const void *)(rec + e->objects);
    for(uint32_t k = 0; k < e->nobjects; k++)
      if(!o[k].mobject.off || !xstr_ok(rec, len, hdr_end, o[k].mobject) ||
         !o[k].external_id.off || !xstr_ok(rec, len, hdr_end, o[k].external_id))
        return fail(c, err, "section EXAMPLES: record of plan %u: object %u: bad text", i, k);
    const struct cache_xstr *v = (const struct cache_xstr *)(const void *)(rec + e->values);
    for(uint64_t k = 0; k < (uint64_t)e->nobjects * e->nprops; k++)
      if(!xstr_ok(rec, len, hdr_end, v[k]))
        return fail(c, err, "section EXAMPLES: record of plan %u: bad value text", i);
  }
  return OAC_OK;
}

static enum oac_result verify(struct cache *c, unsigned kind, struct cache_error *err)
{
  if(!c->hdr)
    return fail(c, err, "not open");
  if(!kind || kind >= CS_KIND_MAX)
    return fail(c, err, "unknown section kind %u", kind);
  uint32_t bit = 1u << kind;
  if(c->verified & bit)
    return OAC_OK;
  const struct cache_section *s = sec_of(c, kind);
  enum oac_result r;
  /* sections holding strings need the pool's contents to be right too */
  if(kind != CS_STRINGS && kind != CS_DESCRIBE && kind != CS_INDEX && kind != CS_U32 &&
     kind != CS_EXAMPLES) {
    r = verify(c, CS_STRINGS, err);
    if(r)
      return r;
  }
  if(oac_hash64(sec_data(c, s), (size_t)s->size, CACHE_FORMAT_VERSION) != s->checksum) {
    c->bad |= bit;
    return fail(c, err, "section %s: checksum mismatch (damaged file)", section_names[kind]);
  }
  const struct cache_section *pool = sec_of(c, CS_STRINGS);
  uint64_t lo = pool->offset, hi = pool->offset + pool->size;
  switch(kind) {
  case CS_STRINGS:
    r = s->size && c->base[s->offset + s->size - 1]
        ? fail(c, err, "section STRINGS does not end with a NUL") : OAC_OK;
    break;
  case CS_TYPES: r = check_types(c, s, lo, hi, err); break;
  case CS_PROPS: r = check_props(c, s, lo, hi, err); break;
  case CS_INDEX: r = check_index(c, s, err); break;
  case CS_PLANS: r = check_plans(c, s, lo, hi, err); break;
  case CS_PARAMS: r = check_params(c, s, lo, hi, err); break;
  case CS_SECALTS: r = check_secalts(c, s, lo, hi, err); break;
  case CS_SCHEMES: r = check_schemes(c, s, lo, hi, err); break;
  case CS_EXAMPLES: r = check_examples(c, err); break;
  case CS_SERVERS: r = check_servers(c, s, lo, hi, err); break;   /* §13.7 */
  case CS_ACTIONS: r = check_actions(c, s, lo, hi, err); break;   /* §14 */
  case CS_INPUTS: r = check_inputs(c, s, lo, hi, err); break;
  case CS_OUTCOMES: r = check_outcomes(c, s, lo, hi, err); break;
  default: r = OAC_OK; break;   /* DESCRIBE, U32: bytes the checksum covers */
  }
  if(r)
    c->bad |= bit;
  else
    c->verified |= bit;
  return r;
}

/* ---- open / close ---- */

static enum oac_result open_common(struct cache *c, enum cache_verify v, struct cache_error *err)
{
  enum oac_result r = check_header(c, err);
  for(unsigned k = 1; !r && v == CACHE_VERIFY_ALL && k < CS_KIND_MAX; k++)
    r = verify(c, k, err);
  return r;
}

enum oac_result cache_open_mem(struct cache *c, const void *data, size_t size,
                               enum cache_verify v, struct cache_error *err)
{
  memset(c, 0, sizeof(*c));
  if(err)
    err->msg[0] = '\0';
  if(!data && size)
    return fail(c, err, "no data");
  c->base = data;
  c->size = size;
  enum oac_result r = open_common(c, v, err);
  if(r)
    memset(c, 0, sizeof(*c));
  return r;
}

enum oac_result cache_open(struct cache *c, const char *path, enum cache_verify v,
                           struct cache_error *err)
{
  memset(c, 0, sizeof(*c));
  if(err)
    err->msg[0] = '\0';
  snprintf(c->path, sizeof(c->path), "%s", path);
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if(fd < 0) {
    int e = errno;
    struct stat ps;
    /* §16.4 (issue 18): a permissions problem named as such, with the owner needed */
    if((e == EACCES || e == EPERM) && !stat(path, &ps))
      fail(c, err, "permission denied: the file belongs to uid %ld (mode %04o) and this "
           "process runs as uid %ld; make it readable to that user (the compiler writes "
           "0644)", (long)ps.st_uid, (unsigned)(ps.st_mode & 07777), (long)geteuid());
    else if(e == EACCES || e == EPERM)
      fail(c, err, "permission denied (this process runs as uid %ld): the directory "
           "must be searchable by that user", (long)geteuid());
    else
      fail(c, err, "%s", strerror(e));
    errno = e;
    return OAC_EIO;
  }
  struct stat st;
  if(fstat(fd, &st)) {
    int e = errno;
    close(fd);
    fail(c, err, "%s", strerror(e));
    errno = e;
    return OAC_EIO;
  }
  if(!S_ISREG(st.st_mode)) {
    close(fd);
    return fail(c, err, "not a regular file");
  }
  if(st.st_size <= 0) {
    close(fd);
    return fail(c, err, "empty file");
  }
  if((unsigned long long)st.st_size > SIZE_MAX) {
    close(fd);
    return fail(c, err, "too large to map");
  }
  /* A long-running worker (CACHE_VERIFY_ALL) reads the file into memory of its own: a
   * file mapping would die with SIGBUS the moment someone truncates or rewrites the file
   * in place, and the verified old version could not keep serving. A CGI process, which
   * lives for one request, maps it: only the pages it reads are loaded. */
  size_t size = (size_t)st.st_size;
  void *p;
  int e = 0;
  if(v == CACHE_VERIFY_ALL) {
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if(p != MAP_FAILED) {
      size_t got = 0;
      while(got < size) {
        ssize_t k = pread(fd, (char *)p + got, size - got, (off_t)got);
        if(k < 0 && errno == EINTR)
          continue;
        if(k <= 0)
          break;
        got += (size_t)k;
      }
      e = errno;
      if(got < size || mprotect(p, size, PROT_READ)) {
        munmap(p, size);
        close(fd);
        return fail(c, err, got < size ? "the file shrank while it was read" :
                    "mprotect: %s", strerror(e));
      }
    }
    else
      e = errno;
  }
  else {
    p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    e = errno;
  }
  close(fd);
  if(p == MAP_FAILED) {
    fail(c, err, "mmap: %s", strerror(e));
    errno = e;
    return OAC_EIO;
  }
  c->base = p;
  c->size = size;
  c->mapped = 1;
  c->dev = st.st_dev;
  c->ino = st.st_ino;
  c->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  enum oac_result r = open_common(c, v, err);
  if(r)
    cache_close(c);
  return r;
}

void cache_close(struct cache *c)
{
  if(c->mapped && c->base)
    munmap((void *)c->base, c->size);
  memset(c, 0, sizeof(*c));
}

/* ---- access ---- */

const void *cache_section(struct cache *c, enum cache_section_kind kind, uint32_t *count,
                          struct cache_error *err)
{
  if(count)
    *count = 0;
  if(verify(c, (unsigned)kind, err))
    return NULL;
  const struct cache_section *s = sec_of(c, (unsigned)kind);
  if(count)
    *count = s->count;
  return sec_data(c, s);
}

enum oac_result cache_lookup_type(struct cache *c, const char *name, size_t len, int *index,
                                  struct cache_error *err)
{
  *index = -1;
  if(err)
    err->msg[0] = '\0';
  uint32_t nt, nb;
  const struct cache_type *types = cache_section(c, CS_TYPES, &nt, err);
  if(!types)
    return OAC_ECACHE;
  const struct cache_index_head *head = cache_section(c, CS_INDEX, &nb, err);
  if(!head)
    return OAC_ECACHE;
  if(!name && len)
    return OAC_OK;
  const struct cache_bucket *bk = (const struct cache_bucket *)(head + 1);
  uint32_t h = (uint32_t)oac_name_hash(name ? name : "", len);
  uint32_t mask = nb - 1;
  for(uint32_t i = h & mask, n = 0; n < nb; i = (i + 1) & mask, n++) {
    if(!bk[i].type)
      return OAC_OK;
    if(bk[i].hash != h)
      continue;
    const struct cache_type *t = &types[bk[i].type - 1];
    if(t->name.len == len && (!len || !memcmp(c->base + t->name.off, name, len))) {
      *index = (int)(bk[i].type - 1);
      return OAC_OK;
    }
  }
  return OAC_OK;
}

int cache_find_type(struct cache *c, const char *name, size_t len, struct cache_error *err)
{
  int t;
  return cache_lookup_type(c, name, len, &t, err) ? -1 : t;
}

const struct cache_type *cache_type_at(struct cache *c, uint32_t i, struct cache_error *err)
{
  uint32_t n;
  const struct cache_type *t = cache_section(c, CS_TYPES, &n, err);
  if(!t)
    return NULL;
  if(i >= n) {
    fail(c, err, "type %u out of range (%u types)", i, n);
    return NULL;
  }
  return &t[i];
}

/* message actions (§14): binary search by slug (the section is sorted) */
const struct cache_action *cache_find_action(struct cache *c, const char *slug, size_t len,
                                             struct cache_error *err)
{
  uint32_t n;
  const struct cache_action *a = cache_section(c, CS_ACTIONS, &n, err);
  if(!a)
    return NULL;
  uint32_t lo = 0, hi = n;
  while(lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const char *s = cache_str(c, a[mid].slug);
    int cmp = strncmp(s, slug, len);
    if(!cmp)
      cmp = s[len] ? 1 : 0;
    if(!cmp)
      return &a[mid];
    if(cmp < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if(err)
    err->msg[0] = '\0';
  return NULL;
}

const char *cache_describe(struct cache *c, size_t *len, struct cache_error *err)
{
  uint32_t n;
  const char *d = cache_section(c, CS_DESCRIBE, &n, err);
  if(len)
    *len = d ? n : 0;
  return d;
}

enum oac_result cache_example(struct cache *c, const struct cache_plan *p,
                              const struct cache_example **out, struct cache_error *err)
{
  *out = NULL;
  if(err)
    err->msg[0] = '\0';
  if(!p->example_len)
    return OAC_OK;
  uint32_t n;
  if(!cache_section(c, CS_EXAMPLES, &n, err))
    return OAC_ECACHE;
  /* check_plans put the record inside the section, check_examples checked its insides */
  *out = (const struct cache_example *)(const void *)(c->base + p->example_off);
  return OAC_OK;
}

const char *cache_registration(const struct cache *c)
{
  if(!c->hdr)
    return "";
  return cache_str(c, c->hdr->registration);
}

void cache_default_name(const char *registration, size_t len, char out[32])
{
  uint64_t h = oac_hash64(registration ? registration : "", registration ? len : 0, 0);
  for(int i = 0; i < 16; i++)
    out[i] = text_hex_lower[(h >> (60 - 4 * i)) & 15];
  memcpy(out + 16, ".cache", 7);
}

/* ---- names ---- */

static const char *const method_names[] = {
  NULL, "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"
};

const char *cache_method_name(unsigned method)
{
  return method < sizeof(method_names) / sizeof(method_names[0]) ? method_names[method] : NULL;
}

enum cache_method cache_method_parse(const char *name)
{
  for(unsigned m = M_GET; name && m < sizeof(method_names) / sizeof(method_names[0]); m++)
    if(!strcasecmp(name, method_names[m]))
      return (enum cache_method)m;
  return 0;
}
