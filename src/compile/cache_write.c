/* cache_write.c - serialize a compiled model into the binary spec cache (format.h) and
 * write it atomically (temporary file in the same directory, fsync, rename).
 *
 * Called by the compiler's main after compile_document() + describe_build(), and by the
 * tests. Every section is built in its own buffer, then laid out 16-aligned after the
 * header; padding is zero and the reader checks that, so every byte of the file is covered
 * by a checksum or a structural check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/hash.h"
#include "../common/mem.h"
#include "cache_write.h"
#include "paging.h"

#ifdef PACKAGE_VERSION
#define WRITER_VERSION PACKAGE_VERSION
#else
#define WRITER_VERSION "unknown"
#endif

/* ---- string pool with de-duplication ---- */

struct pool_ent {
  uint64_t hash;
  uint32_t off;        /* in the pool */
  uint32_t len;
  int used;
};

struct pool {
  struct buf b;
  struct pool_ent *tab;
  size_t cap, n;       /* cap: power of two */
  uint64_t base;       /* file offset of the pool */
  enum oac_result err;
};

static void pool_init(struct pool *p, uint64_t base)
{
  buf_init(&p->b);
  p->tab = NULL;
  p->cap = p->n = 0;
  p->base = base;
  p->err = OAC_OK;
}

static void pool_free(struct pool *p)
{
  buf_free(&p->b);
  oac_free(p->tab);
  p->tab = NULL;
}

static enum oac_result pool_rehash(struct pool *p)
{
  size_t ncap = p->cap ? p->cap * 2 : 256;
  struct pool_ent *t = oac_calloc(ncap, sizeof(*t));
  if(!t)
    return OAC_ENOMEM;
  for(size_t i = 0; i < p->cap; i++) {
    if(!p->tab[i].used)
      continue;
    size_t j = (size_t)p->tab[i].hash & (ncap - 1);
    while(t[j].used)
      j = (j + 1) & (ncap - 1);
    t[j] = p->tab[i];
  }
  oac_free(p->tab);
  p->tab = t;
  p->cap = ncap;
  return OAC_OK;
}

/* The cache_str of S (n bytes); {0,0} for NULL/empty. Errors are kept in p->err. */
static struct cache_str pool_strn(struct pool *p, const char *s, size_t n)
{
  struct cache_str r = {0, 0};
  if(!s || !n || p->err)
    return r;
  if(n >= UINT32_MAX) {
    p->err = OAC_ELIMIT;
    return r;
  }
  if((p->n + 1) * 2 > p->cap && pool_rehash(p)) {
    p->err = OAC_ENOMEM;
    return r;
  }
  uint64_t h = oac_hash64(s, n, 0);
  size_t j = (size_t)h & (p->cap - 1);
  for(; p->tab[j].used; j = (j + 1) & (p->cap - 1)) {
    struct pool_ent *e = &p->tab[j];
    if(e->hash == h && e->len == n && !memcmp(p->b.data + e->off, s, n)) {
      r.off = (uint32_t)(p->base + e->off);
      r.len = (uint32_t)n;
      return r;
    }
  }
  uint64_t off = p->b.len;
  if(p->base + off + n + 1 > UINT32_MAX) {
    p->err = OAC_ELIMIT;
    return r;
  }
  buf_append(&p->b, s, n);
  buf_zero(&p->b, 1);
  if(buf_failed(&p->b)) {
    p->err = OAC_ENOMEM;
    return r;
  }
  p->tab[j].used = 1;
  p->tab[j].hash = h;
  p->tab[j].off = (uint32_t)off;
  p->tab[j].len = (uint32_t)n;
  p->n++;
  r.off = (uint32_t)(p->base + off);
  r.len = (uint32_t)n;
  return r;
}

static struct cache_str pool_str(struct pool *p, const char *s)
{
  return pool_strn(p, s, s ? strlen(s) : 0);
}

/* ---- image ---- */

/* Section buffers, indexed by kind. */
struct sections {
  struct buf s[CS_KIND_MAX];
  uint32_t count[CS_KIND_MAX];
};

static uint64_t align16(uint64_t x) { return (x + CACHE_ALIGN - 1) & ~(uint64_t)(CACHE_ALIGN - 1); }

/* Header strings are appended after the struct; returns {0,0} for NULL/empty. */
static struct cache_str header_str(struct buf *h, const char *s)
{
  struct cache_str r = {0, 0};
  size_t n = s ? strlen(s) : 0;
  if(!n || n >= UINT32_MAX || h->len + n + 1 > UINT32_MAX) {
    if(n)
      h->oom = 1;   /* reported as out of memory/limit by the caller */
    return r;
  }
  r.off = (uint32_t)h->len;
  r.len = (uint32_t)n;
  buf_append(h, s, n);
  buf_zero(h, 1);
  return r;
}

static enum oac_result check_model(const struct model *m)
{
  if(!m->describe)
    return OAC_EINTERNAL;   /* describe_build() first */
  if(m->ntypes >= INT32_MAX || m->nschemes >= UINT32_MAX)
    return OAC_ELIMIT;
  for(size_t t = 0; t < m->ntypes; t++) {
    const struct model_type *ty = &m->types[t];
    if(!ty->name || !*ty->name)
      return OAC_EINTERNAL;
    if(ty->nprops >= INT32_MAX)
      return OAC_ELIMIT;
    if(ty->external_id_prop < -1 || (ty->external_id_prop >= 0 &&
                                     (size_t)ty->external_id_prop >= ty->nprops))
      return OAC_EINTERNAL;
    for(size_t i = 0; i < ty->neid; i++)          /* composite keys (§13.9) */
      if(ty->eid_props[i] >= ty->nprops || ty->neid < 2 || ty->external_id_prop < 0)
        return OAC_EINTERNAL;
    for(size_t i = 0; i < ty->nprops; i++) {
      const struct model_prop *p = &ty->props[i];
      if(p->ref_type < -1 || (p->ref_type >= 0 && (size_t)p->ref_type >= m->ntypes))
        return OAC_EINTERNAL;
      if((p->flags & CP_ALTERNATIVE) &&
         (!p->alt_count || p->alt_group > i || i - p->alt_group >= p->alt_count ||
          p->alt_group + (size_t)p->alt_count > ty->nprops))
        return OAC_EINTERNAL;
    }
    for(int op = 0; op < OP_MAX; op++) {
      const struct model_plan *pl = &ty->plans[op];
      if(!pl->present)
        continue;
      if(pl->nparams && !pl->params)
        return OAC_EINTERNAL;
      if(pl->example_len && !pl->example)
        return OAC_EINTERNAL;
      for(size_t i = 0; i < pl->nbody; i++)
        if(pl->body[i] >= ty->nprops)
          return OAC_EINTERNAL;
      for(size_t a = 0; a < pl->nsecalts; a++)
        for(size_t k = 0; k < pl->secalt_len[a]; k++)
          if(pl->secalt[a][k] >= m->nschemes)
            return OAC_EINTERNAL;
    }
  }
  /* message actions (§14): sorted by slug, types and schemes in range */
  for(size_t i = 0; i < m->nactions; i++) {
    const struct model_action *a = &m->actions[i];
    if(!a->slug || !*a->slug || !a->name || (i && strcmp(m->actions[i - 1].slug, a->slug) >= 0))
      return OAC_EINTERNAL;
    if(a->response_type >= 0 && (size_t)a->response_type >= m->ntypes)
      return OAC_EINTERNAL;
    for(size_t k = 0; k < a->ninputs; k++)
      if(a->inputs[k].type >= 0 && (size_t)a->inputs[k].type >= m->ntypes)
        return OAC_EINTERNAL;
    for(size_t x = 0; x < a->plan.nsecalts; x++)
      for(size_t k = 0; k < a->plan.secalt_len[x]; k++)
        if(a->plan.secalt[x][k] >= m->nschemes)
          return OAC_EINTERNAL;
    if(a->plan.example_len && !a->plan.example)
      return OAC_EINTERNAL;
  }
  return OAC_OK;
}

/* Appends one record to section KIND. */
static void put_rec(struct sections *S, enum cache_section_kind kind, const void *rec,
                    size_t size)
{
  buf_append(&S->s[kind], rec, size);
  S->count[kind]++;
}

static uint32_t u32(size_t x) { return x > UINT32_MAX ? UINT32_MAX : (uint32_t)x; }

static void build_plan(const struct model_plan *pl, int op, struct pool *P,
                       struct sections *S, struct cache_plan *r)
{
  memset(r, 0, sizeof(*r));
  r->op = (uint16_t)op;
  r->method = (uint16_t)pl->method;
  r->flags = pl->flags;
  r->path = pool_str(P, pl->path);
  r->items = pool_str(P, pl->items);
  r->body_type = pool_str(P, pl->body_type);
  r->idempotency_key = pool_str(P, pl->idempotency_key);   /* retries (§13.4) */
  const struct model_paging *pg = pl->paging;
  if(pg && pg->style != PAGING_NONE) {
    struct cache_paging *cp = &r->paging;
    cp->style = (uint16_t)pg->style;
    cp->flags = (uint16_t)((pg->next_path_any ? CPG_F_NEXT_PATH_ANY : 0) |
                           (pg->next_cursor_in_items ? CPG_F_CURSOR_IN_ITEMS : 0) |
                           (pg->inferred ? CPG_F_INFERRED : 0));
    cp->max_limit = pg->max_limit > 0 ? (uint64_t)pg->max_limit : 0;
    cp->page_size = pg->page_size > 0 ? (uint64_t)pg->page_size : 0;
    cp->first_page = pg->first_page;
    cp->limit = pool_str(P, pg->limit);
    cp->offset = pool_str(P, pg->offset);
    cp->page = pool_str(P, pg->page);
    cp->cursor = pool_str(P, pg->cursor);
    cp->next_cursor = pool_str(P, pg->next_cursor);
    cp->next = pool_str(P, pg->next);
    cp->has_more = pool_str(P, pg->has_more);
    cp->total = pool_str(P, pg->total);
    cp->total_header = pool_str(P, pg->total_header);
    cp->description = pool_str(P, pg->description);
  }

  r->first_param = S->count[CS_PARAMS];
  r->nparams = u32(pl->nparams);
  for(size_t i = 0; i < pl->nparams; i++) {
    struct cache_param q;
    memset(&q, 0, sizeof(q));
    q.name = pool_str(P, pl->params[i].name);
    q.arg = pool_str(P, pl->params[i].arg);
    q.in = (uint16_t)pl->params[i].in;
    q.src = (uint16_t)pl->params[i].src;
    q.flags = pl->params[i].flags;              /* CPA_F_SECRET (issue 16) */
    put_rec(S, CS_PARAMS, &q, sizeof(q));
  }

  r->first_secalt = S->count[CS_SECALTS];
  r->nsecalts = u32(pl->nsecalts);
  for(size_t a = 0; a < pl->nsecalts; a++) {
    struct cache_secalt sa;
    memset(&sa, 0, sizeof(sa));
    sa.first = S->count[CS_U32];
    sa.count = u32(pl->secalt_len[a]);
    for(size_t k = 0; k < pl->secalt_len[a]; k++) {
      uint32_t v = (uint32_t)pl->secalt[a][k];
      put_rec(S, CS_U32, &v, sizeof(v));
    }
    /* OAuth 2.0 client credentials (§13.6): each scheme's scopes, (offset, length) */
    sa.first_scope = S->count[CS_U32];
    for(size_t k = 0; k < pl->secalt_len[a]; k++) {
      struct cache_str sc = pool_str(P, pl->secalt_scope ? pl->secalt_scope[a][k] : NULL);
      put_rec(S, CS_U32, &sc.off, sizeof(sc.off));
      put_rec(S, CS_U32, &sc.len, sizeof(sc.len));
    }
    put_rec(S, CS_SECALTS, &sa, sizeof(sa));
  }

  r->first_body = S->count[CS_U32];
  r->nbody = u32(pl->nbody);
  for(size_t i = 0; i < pl->nbody; i++) {
    uint32_t v = pl->body[i];
    put_rec(S, CS_U32, &v, sizeof(v));
  }
  /* body encodings and emptyAs (product.md §13.1, §13.2; issue 15) */
  r->empty_as = (uint32_t)pl->empty_as;
  if(pl->body_enc) {
    r->body_enc = S->count[CS_U32] + 1;
    for(size_t i = 0; i < pl->nbody; i++) {
      uint32_t v = pl->body_enc[i];
      put_rec(S, CS_U32, &v, sizeof(v));
    }
  }

  /* Relative to the EXAMPLES section for now; made absolute once the layout is known. */
  if(pl->example_len) {
    struct buf *ex = &S->s[CS_EXAMPLES];
    buf_align(ex, 8);                           /* records are read in place */
    r->example_off = u32(ex->len);
    r->example_len = u32(pl->example_len);
    buf_append(ex, pl->example, pl->example_len);
  }
  r->example_status = pl->example_status;
}

/* servers (§13.7): plan R's own list SL (0 = the document's) as a range of CS_SERVERS */
static void plan_servers(const struct model *m, size_t sl, struct cache_plan *r)
{
  if(sl && sl < m->nserver_lists) {
    for(size_t l = 0; l < sl; l++)
      r->server_first += (uint32_t)m->server_lists[l].n;
    r->server_count = (uint32_t)m->server_lists[sl].n;
  }
}

/* message actions (product.md §14; issue 16): CS_ACTIONS (the model's order: by slug),
 * CS_INPUTS, CS_OUTCOMES and each action's OP_ACTION plan */
static void build_actions(const struct model *m, struct pool *P, struct sections *S)
{
  for(size_t i = 0; i < m->nactions; i++) {
    const struct model_action *a = &m->actions[i];
    struct cache_action r;
    struct cache_plan pr;
    memset(&r, 0, sizeof(r));
    r.slug = pool_str(P, a->slug);
    r.name = pool_str(P, a->name);
    r.flags = a->flags;
    build_plan(&a->plan, OP_ACTION, P, S, &pr);
    plan_servers(m, a->plan.server_list, &pr);
    r.plan = S->count[CS_PLANS];
    put_rec(S, CS_PLANS, &pr, sizeof(pr));
    r.first_input = S->count[CS_INPUTS];
    r.ninputs = u32(a->ninputs);
    for(size_t k = 0; k < a->ninputs; k++) {
      const struct model_input *in = &a->inputs[k];
      struct cache_input q;
      memset(&q, 0, sizeof(q));
      q.name = pool_str(P, in->name);
      q.param = pool_str(P, in->param);
      q.in = (uint16_t)in->in;
      q.ctype = (uint16_t)in->ctype;
      q.flags = in->flags;
      q.type = in->type;
      q.def = pool_str(P, in->def);
      put_rec(S, CS_INPUTS, &q, sizeof(q));
    }
    r.first_outcome = S->count[CS_OUTCOMES];
    r.noutcomes = u32(a->noutcomes);
    for(size_t k = 0; k < a->noutcomes; k++) {
      struct cache_outcome q;
      memset(&q, 0, sizeof(q));
      q.status = a->outcomes[k].status;
      q.description = pool_str(P, a->outcomes[k].description);
      put_rec(S, CS_OUTCOMES, &q, sizeof(q));
    }
    r.response_type = a->response_type;
    r.response_ctype = (uint16_t)a->response_ctype;
    r.response_flags = (uint16_t)a->response_flags;
    put_rec(S, CS_ACTIONS, &r, sizeof(r));
  }
}

static void build_scheme(const struct model_scheme *s, struct pool *P, struct cache_scheme *r)
{
  memset(r, 0, sizeof(*r));
  r->name = pool_str(P, s->name);
  r->type = (uint16_t)s->type;
  r->in = (uint16_t)s->in;
  r->flags = s->flags;
  r->param_name = pool_str(P, s->param_name);
  r->authorization_url = pool_str(P, s->authorization_url);
  r->token_url = pool_str(P, s->token_url);
  r->userinfo_url = pool_str(P, s->userinfo_url);
  r->default_url = pool_str(P, s->default_url);
  r->scope = pool_str(P, s->scope);
  r->map_first_name = pool_str(P, s->map_first_name);
  r->map_last_name = pool_str(P, s->map_last_name);
  r->map_email = pool_str(P, s->map_email);
  r->map_username = pool_str(P, s->map_username);
  r->map_user_id = pool_str(P, s->map_user_id);
  r->cc_token_url = pool_str(P, s->cc_token_url);         /* client credentials (§13.6) */
  r->cc_token_params = pool_str(P, s->cc_token_params);
}

static void build_index(const struct model *m, struct buf *out)
{
  size_t nb = 8;
  while(nb < 2 * m->ntypes)
    nb *= 2;
  struct cache_index_head head = {(uint32_t)nb, 0};
  buf_append(out, &head, sizeof(head));
  size_t at = out->len;
  buf_zero(out, nb * sizeof(struct cache_bucket));
  if(buf_failed(out))
    return;
  for(size_t t = 0; t < m->ntypes; t++) {
    const char *name = m->types[t].name;
    uint32_t h = (uint32_t)oac_name_hash(name, strlen(name));
    size_t j = h & (nb - 1);
    struct cache_bucket bk;
    for(;;) {
      memcpy(&bk, out->data + at + j * sizeof(bk), sizeof(bk));
      if(!bk.type)
        break;
      j = (j + 1) & (nb - 1);
    }
    bk.hash = h;
    bk.type = (uint32_t)t + 1;
    memcpy(out->data + at + j * sizeof(bk), &bk, sizeof(bk));
  }
}

enum oac_result cache_build_image(const struct model *m, struct buf *out)
{
  enum oac_result result = check_model(m);
  if(result)
    return result;

  struct cache_header hdr;
  struct buf head;
  struct sections S;
  struct pool P;
  memset(&hdr, 0, sizeof(hdr));
  memset(&S, 0, sizeof(S));
  buf_init(&head);
  for(int k = 0; k < CS_KIND_MAX; k++)
    buf_init(&S.s[k]);

  /* header + header strings */
  buf_zero(&head, sizeof(hdr));
  hdr.registration = header_str(&head, m->registration);
  hdr.source = header_str(&head, m->source);
  hdr.compiler_version = header_str(&head, WRITER_VERSION);
  hdr.server_url = header_str(&head, m->server_url);
  hdr.title = header_str(&head, m->title);
  hdr.api_version = header_str(&head, m->api_version);
  hdr.overlays = header_str(&head, m->overlays);   /* §15.1 */
  buf_align(&head, CACHE_ALIGN);
  pool_init(&P, head.len);

  /* servers (§13.7): list 0 (the document's, the default first), then the others; a model
   * without lists has server_url alone */
  if(!m->nserver_lists) {
    struct cache_server sv;
    memset(&sv, 0, sizeof(sv));
    sv.url = pool_str(&P, m->server_url);
    put_rec(&S, CS_SERVERS, &sv, sizeof(sv));
  }
  for(size_t l = 0; l < m->nserver_lists; l++)
    for(size_t i = 0; i < m->server_lists[l].n; i++) {
      struct cache_server sv;
      memset(&sv, 0, sizeof(sv));
      sv.url = pool_str(&P, m->server_lists[l].urls[i]);
      sv.list = (uint32_t)l;
      put_rec(&S, CS_SERVERS, &sv, sizeof(sv));
    }

  /* types, props, plans and what plans refer to */
  for(size_t t = 0; t < m->ntypes; t++) {
    const struct model_type *ty = &m->types[t];
    struct cache_type r;
    memset(&r, 0, sizeof(r));
    r.name = pool_str(&P, ty->name);
    r.first_prop = S.count[CS_PROPS];
    r.nprops = (uint32_t)ty->nprops;
    r.external_id_prop = ty->external_id_prop;
    r.flags = ty->flags;
    /* composite keys (§13.9): the external ID's properties, in CS_U32 */
    r.first_eid = S.count[CS_U32];
    r.neid = u32(ty->neid);
    for(size_t i = 0; i < ty->neid; i++) {
      uint32_t v = ty->eid_props[i];
      put_rec(&S, CS_U32, &v, sizeof(v));
    }
    if(!ty->neid)
      r.first_eid = 0;
    for(size_t i = 0; i < ty->nprops; i++) {
      const struct model_prop *p = &ty->props[i];
      struct cache_prop q;
      memset(&q, 0, sizeof(q));
      q.name = pool_str(&P, p->name);
      q.json_name = pool_str(&P, p->json_name);
      q.db_type = pool_str(&P, p->db_type);
      q.ctype = (uint16_t)p->ctype;
      q.flags = (uint16_t)p->flags;
      q.ref_type = p->ref_type;
      q.alt_group = p->alt_group;
      q.alt_count = p->alt_count;
      put_rec(&S, CS_PROPS, &q, sizeof(q));
    }
    for(int op = 0; op < OP_MAX; op++) {
      if(!ty->plans[op].present)
        continue;
      struct cache_plan pr;
      build_plan(&ty->plans[op], op, &P, &S, &pr);
      /* servers (§13.7): the plan's own list */
      plan_servers(m, ty->plans[op].server_list, &pr);
      put_rec(&S, CS_PLANS, &pr, sizeof(pr));
      r.plans[op] = S.count[CS_PLANS];
    }
    put_rec(&S, CS_TYPES, &r, sizeof(r));
  }
  build_actions(m, &P, &S);     /* message actions (issue 16) */
  for(size_t i = 0; i < m->nschemes; i++) {
    struct cache_scheme r;
    build_scheme(&m->schemes[i], &P, &r);
    put_rec(&S, CS_SCHEMES, &r, sizeof(r));
  }
  build_index(m, &S.s[CS_INDEX]);
  S.count[CS_INDEX] = (uint32_t)((S.s[CS_INDEX].len - sizeof(struct cache_index_head)) /
                                 sizeof(struct cache_bucket));
  /* the describe text is written from the model as it is (no copy into a section buffer:
   * it is most of the file) */
  const char *sec_data[CS_KIND_MAX];
  size_t sec_len[CS_KIND_MAX];

  if(P.err) {
    result = P.err;
    goto done;
  }
  /* the pool is moved into its section (no copy of the table needed any more) */
  S.s[CS_STRINGS] = P.b;
  buf_init(&P.b);
  result = OAC_ENOMEM;
  if(buf_failed(&head))
    goto done;
  for(int k = 1; k < CS_KIND_MAX; k++)
    if(buf_failed(&S.s[k]))
      goto done;
  for(int k = 0; k < CS_KIND_MAX; k++) {
    sec_data[k] = S.s[k].data ? S.s[k].data : "";
    sec_len[k] = S.s[k].len;
  }
  sec_data[CS_DESCRIBE] = m->describe;
  sec_len[CS_DESCRIBE] = m->describe_len;
  S.count[CS_STRINGS] = u32(S.s[CS_STRINGS].len);
  S.count[CS_DESCRIBE] = u32(m->describe_len);
  S.count[CS_EXAMPLES] = u32(S.s[CS_EXAMPLES].len);

  /* layout */
  result = OAC_ELIMIT;
  uint64_t pos = head.len;
  hdr.header_size = (uint32_t)head.len;
  hdr.nsections = 0;
  for(int k = 1; k < CS_KIND_MAX; k++) {
    struct cache_section *sec = &hdr.sections[hdr.nsections++];
    pos = align16(pos);
    sec->kind = (uint32_t)k;
    sec->count = S.count[k];
    sec->offset = pos;
    sec->size = sec_len[k];
    if(sec_len[k] >= UINT32_MAX)
      goto done;
    pos += sec_len[k];
  }
  const struct cache_section *exsec = &hdr.sections[CS_EXAMPLES - 1];
  if(exsec->offset + exsec->size > UINT32_MAX && exsec->size)
    goto done;
  /* example offsets become file offsets */
  struct cache_plan *plans = (struct cache_plan *)(void *)S.s[CS_PLANS].data;
  for(uint32_t i = 0; i < S.count[CS_PLANS]; i++)
    if(plans[i].example_len)
      plans[i].example_off += (uint32_t)exsec->offset;
  for(int k = 1; k < CS_KIND_MAX; k++) {
    struct cache_section *sec = &hdr.sections[k - 1];
    sec->checksum = oac_hash64(sec_data[k], sec_len[k], CACHE_FORMAT_VERSION);
  }

  memcpy(hdr.magic, CACHE_MAGIC, sizeof(hdr.magic));
  hdr.format_version = CACHE_FORMAT_VERSION;
  hdr.byte_order = CACHE_BYTE_ORDER;
  hdr.file_size = pos;
  hdr.compile_time = m->compile_time ? m->compile_time : (uint64_t)time(NULL);
  hdr.source_checksum = m->source_checksum;
  hdr.flags = m->flags;
  hdr.ntypes = (uint32_t)m->ntypes;
  hdr.header_checksum = 0;
  memcpy(head.data, &hdr, sizeof(hdr));
  hdr.header_checksum = oac_hash64(head.data, head.len, 0);
  memcpy(head.data, &hdr, sizeof(hdr));

  /* assemble */
  result = OAC_ENOMEM;
  buf_reset(out);
  if(buf_reserve(out, (size_t)pos))
    goto done;
  buf_append(out, head.data, head.len);
  for(int k = 1; k < CS_KIND_MAX; k++) {
    buf_align(out, CACHE_ALIGN);
    buf_append(out, sec_data[k], sec_len[k]);
  }
  if(buf_failed(out) || out->len != pos)
    goto done;
  result = OAC_OK;

done:
  pool_free(&P);
  buf_free(&head);
  for(int k = 0; k < CS_KIND_MAX; k++)
    buf_free(&S.s[k]);
  return result;
}

/* ---- atomic write ---- */

/* OAC_EIO with errno set. */
static enum oac_result write_all(int fd, const char *p, size_t n)
{
  while(n) {
    ssize_t w = write(fd, p, n);
    if(w < 0) {
      if(errno == EINTR)
        continue;
      return OAC_EIO;
    }
    p += w;
    n -= (size_t)w;
  }
  return OAC_OK;
}

/* Best effort: make the rename itself durable. */
static void sync_dir(const char *path)
{
  const char *slash = strrchr(path, '/');
  char dir[4096];
  if(!slash) {
    dir[0] = '.';
    dir[1] = '\0';
  }
  else {
    size_t n = (size_t)(slash - path);
    if(!n)
      n = 1;   /* "/file" */
    if(n >= sizeof(dir))
      return;
    memcpy(dir, path, n);
    dir[n] = '\0';
  }
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if(fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}

enum oac_result cache_write_file(const struct model *m, const char *path)
{
  struct buf img;
  buf_init(&img);
  enum oac_result result = cache_build_image(m, &img);
  if(result) {
    buf_free(&img);
    return result;
  }
  size_t tlen = strlen(path) + 32;
  char *tmp = oac_malloc(tlen);
  if(!tmp) {
    buf_free(&img);
    return OAC_ENOMEM;
  }
  snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());

  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if(fd < 0 && errno == EEXIST) {
    /* left over by a crashed process that had our pid */
    if(!unlink(tmp))
      fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  }
  int saved = 0;
  if(fd < 0) {
    saved = errno;
    goto fail_noent;
  }
  /* §16.4 (issue 18): readable by the worker's user whatever the umask */
  if(fchmod(fd, 0644)) {
    saved = errno;
    close(fd);
    goto fail;
  }
  if(write_all(fd, img.data, img.len) || fsync(fd)) {
    saved = errno;
    close(fd);
    goto fail;
  }
  if(close(fd)) {
    saved = errno;
    goto fail;
  }
  if(rename(tmp, path)) {
    saved = errno;
    goto fail;
  }
  sync_dir(path);
  oac_free(tmp);
  buf_free(&img);
  return OAC_OK;

fail:
  unlink(tmp);
fail_noent:
  oac_free(tmp);
  buf_free(&img);
  errno = saved;
  return OAC_EIO;
}
