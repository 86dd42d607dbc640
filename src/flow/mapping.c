/* mapping.c - JSON <-> Flow objects (mapping.h; product.md §6.1, §7).
 *
 * Both directions write straight into the caller's struct buf: no cJSON tree is built for
 * an answer, and numbers never pass through a double on their way (their digits come from
 * the JSON text json_parse kept, or from Flow's string).
 *
 * Lookups per object are linear but start where the previous one ended: APIs and Flow both
 * tend to send properties in the order the type declares them, so walking the type's
 * properties in order finds each key in about one step.
 */
#include "mapping.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "config.h"
#include "../common/hash.h"
#include "../common/text.h"
#include "ext_id.h"

#define BAD_VALUE_SHOWN 100     /* bytes of a refused value quoted in the message */

/* ---- the cache ---------------------------------------------------------------------- */

struct tview {
  const struct cache_type *t;
  const struct cache_prop *p;       /* t->nprops properties */
  const char *name;
};

static enum oac_result tview(struct cache *c, uint32_t type, struct tview *v)
{
  struct cache_error err;
  uint32_t np;
  v->t = cache_type_at(c, type, &err);
  const struct cache_prop *all = v->t ? cache_section(c, CS_PROPS, &np, &err) : NULL;
  if(!all || v->t->first_prop > np || v->t->nprops > np - v->t->first_prop)
    return OAC_ECACHE;
  v->p = all + v->t->first_prop;
  v->name = cache_str(c, v->t->name);
  return OAC_OK;
}

static int is_scalar_item(struct cache *c, const struct cache_prop *pr)
{
  struct cache_error err;
  const struct cache_type *rt = pr->ref_type >= 0 ?
                                cache_type_at(c, (uint32_t)pr->ref_type, &err) : NULL;
  return (pr->flags & CP_SCALAR_LIST) || (rt && (rt->flags & CT_F_SCALAR_ITEM));
}

/* ---- JSON helpers ------------------------------------------------------------------- */

/* Member KEY (exact) of object O, searching from *CURSOR on and wrapping around. */
static const cJSON *member(const cJSON *o, const char *key, const cJSON **cursor)
{
  if(!cJSON_IsObject(o))
    return NULL;
  const cJSON *start = *cursor ? *cursor : o->child;
  for(int pass = 0; pass < 2; pass++) {
    const cJSON *end = pass ? start : NULL;
    for(const cJSON *e = pass ? o->child : start; e != end; e = e->next)
      if(e->string && !strcmp(e->string, key)) {
        *cursor = e->next;
        return cJSON_IsNull(e) ? NULL : e;
      }
  }
  return NULL;
}

/* Compact JSON text of V, numbers with the digits they were written with. */
static void put_json_text(struct buf *b, const cJSON *v)
{
  if(cJSON_IsFalse(v))
    buf_puts(b, "false");
  else if(cJSON_IsTrue(v))
    buf_puts(b, "true");
  else if(cJSON_IsNumber(v)) {
    const char *t = json_num_text(v);
    if(t)
      buf_puts(b, t);
    else if(map_number_es(v->valuedouble, b))
      buf_puts(b, "null");
  }
  else if(cJSON_IsString(v))
    buf_json_str(b, v->valuestring ? v->valuestring : "");
  else if(cJSON_IsArray(v) || cJSON_IsObject(v)) {
    int obj = cJSON_IsObject(v);
    buf_putc(b, obj ? '{' : '[');
    for(const cJSON *e = v->child; e; e = e->next) {
      if(e != v->child)
        buf_putc(b, ',');
      if(obj) {
        buf_json_str(b, e->string ? e->string : "");
        buf_putc(b, ':');
      }
      put_json_text(b, e);
    }
    buf_putc(b, obj ? '}' : ']');
  }
  else
    buf_puts(b, "null");
}

/* ---- oneOf / anyOf: which alternative holds a value --------------------------------- */

/* How well alternative PR can hold V: 2 its natural kind, 1 it can carry it as text,
 * 0 a poor fit (still possible: a scalar property shows any value as JSON text). */
static int fit_level(const struct cache_prop *pr, const cJSON *v)
{
  if(pr->flags & CP_JSONTEXT)
    return 1;
  switch(pr->ctype) {
  case CT_OBJECT:
    return cJSON_IsObject(v) ? 2 : 0;
  case CT_LIST:
    return cJSON_IsArray(v) ? 2 : 0;
  case CT_NUMBER:
    return cJSON_IsNumber(v) ? 2 : cJSON_IsString(v) ? 1 : 0;
  case CT_BOOLEAN:
    return cJSON_IsBool(v) ? 2 : cJSON_IsString(v) ? 1 : 0;
  case CT_DATETIME:
    /* "YYYY-..." is a date; another string still fits as text */
    if(!cJSON_IsString(v))
      return 0;
    for(int i = 0; i < 4; i++)
      if(v->valuestring[i] < '0' || v->valuestring[i] > '9')
        return 1;
    return v->valuestring[4] == '-' ? 2 : 1;
  default:
    return cJSON_IsString(v) ? 2 : cJSON_IsNumber(v) || cJSON_IsBool(v) ? 1 : 0;
  }
}

/* Keys of object V that are properties of type TYPE. */
static int key_matches(struct cache *c, int32_t type, const cJSON *v)
{
  struct tview tv;
  int n = 0;
  if(type < 0 || !cJSON_IsObject(v) || tview(c, (uint32_t)type, &tv))
    return 0;
  for(const cJSON *e = v->child; e; e = e->next)
    for(uint32_t i = 0; i < tv.t->nprops; i++)
      if(e->string && !strcmp(e->string, cache_str(c, tv.p[i].json_name))) {
        n++;
        break;
      }
  return n;
}

/* The alternative (index within the type) of group FIRST..FIRST+COUNT that V goes into:
 * the best fit of kind, then the most keys declared by its type (for a list: of its first
 * element), ties to the first declared. */
static uint32_t alt_choose(struct cache *c, const struct cache_prop *props, uint32_t first,
                           uint32_t count, const cJSON *v)
{
  uint32_t best = first;
  int best_level = -1, best_keys = -1;
  for(uint32_t j = first; j < first + count; j++) {
    const struct cache_prop *pr = &props[j];
    int level = fit_level(pr, v), keys = 0;
    if(level == 2 && pr->ctype == CT_OBJECT)
      keys = key_matches(c, pr->ref_type, v);
    else if(level == 2 && pr->ctype == CT_LIST && v->child) {
      struct tview rt;
      if(is_scalar_item(c, pr)) {
        if(pr->ref_type >= 0 && !tview(c, (uint32_t)pr->ref_type, &rt))
          for(uint32_t k = 0; k < rt.t->nprops; k++)
            if(rt.p[k].flags & CP_VALUE)
              keys = fit_level(&rt.p[k], v->child) == 2;
      }
      else
        keys = key_matches(c, pr->ref_type, v->child);
    }
    if(level > best_level || (level == best_level && keys > best_keys)) {
      best = j;
      best_level = level;
      best_keys = keys;
    }
  }
  return best;
}

/* ---- requested properties ----------------------------------------------------------- */

struct map_want {
  uint32_t type;
  uint32_t nprops;
  unsigned char *sel;               /* per property: requested; NULL = all of them */
  const struct map_want **sub;      /* per property: nested selection; NULL = everything */
  uint32_t *slot;                   /* name table: property index + 1, 0 = empty */
  uint32_t mask;
};

static struct map_want *want_new(struct cache *c, uint32_t type, const struct tview *tv,
                                 int select, struct arena *a)
{
  struct map_want *w = arena_calloc(a, sizeof(*w));
  if(!w)
    return NULL;
  w->type = type;
  w->nprops = tv->t->nprops;
  if(!select)
    return w;
  uint32_t size = 8;
  while(size < 2 * w->nprops)
    size *= 2;
  w->mask = size - 1;
  w->sel = arena_calloc(a, w->nprops + 1);
  w->sub = arena_calloc(a, (w->nprops + 1) * sizeof(*w->sub));
  w->slot = arena_calloc(a, size * sizeof(*w->slot));
  if(!w->sel || !w->sub || !w->slot)
    return NULL;
  for(uint32_t i = 0; i < w->nprops; i++) {
    uint32_t j = oac_hash_ci(cache_str(c, tv->p[i].name)) & w->mask;
    while(w->slot[j])
      j = (j + 1) & w->mask;
    w->slot[j] = i + 1;
  }
  return w;
}

static int want_find(struct cache *c, const struct map_want *w, const struct tview *tv,
                     const char *name)
{
  for(uint32_t j = oac_hash_ci(name) & w->mask; w->slot[j]; j = (j + 1) & w->mask)
    if(!strcasecmp(cache_str(c, tv->p[w->slot[j] - 1].name), name))
      return (int)w->slot[j] - 1;
  return -1;
}

static enum oac_result want_entries(struct cache *c, struct map_want *w,
                                    const struct tview *tv, const cJSON *entries,
                                    struct arena *a, size_t *seen);

/* One {developerName, list} entry. OAC_ENOMEM on allocation failure. */
static enum oac_result want_entry(struct cache *c, struct map_want *w, const struct tview *tv,
                                  const cJSON *e, struct arena *a, size_t *seen)
{
  const char *name = json_get_str(e, "developerName");
  if(!name)
    return OAC_OK;
  (*seen)++;
  int i = want_find(c, w, tv, name);
  if(i < 0)
    return OAC_OK;                            /* unknown names are ignored */
  w->sel[i] = 1;
  const struct cache_prop *pr = &tv->p[i];
  const cJSON *list = json_get_array(e, "list");
  struct tview rt;
  if((pr->ctype != CT_OBJECT && pr->ctype != CT_LIST) || pr->ref_type < 0 || !list)
    return OAC_OK;
  if(tview(c, (uint32_t)pr->ref_type, &rt))
    return OAC_OK;                            /* a bad reference: no nested selection */
  struct map_want *sub = (struct map_want *)w->sub[i];
  int fresh = !sub;
  if(fresh && !(sub = want_new(c, (uint32_t)pr->ref_type, &rt, 1, a)))
    return OAC_ENOMEM;
  /* `list` holds ObjectDataTypes ({developerName, properties}); property entries written
   * directly in it are accepted too */
  size_t n = 0;
  for(const cJSON *el = list->child; el; el = el->next) {
    const cJSON *props = json_get_array(el, "properties");
    enum oac_result r = props ? want_entries(c, sub, &rt, props, a, &n)
                              : want_entry(c, sub, &rt, el, a, &n);
    if(r)
      return r;
  }
  if(fresh && n)
    w->sub[i] = sub;                          /* an empty `list` is like none: everything */
  return OAC_OK;
}

static enum oac_result want_entries(struct cache *c, struct map_want *w,
                                    const struct tview *tv, const cJSON *entries,
                                    struct arena *a, size_t *seen)
{
  for(const cJSON *e = entries->child; e; e = e->next) {
    enum oac_result r = want_entry(c, w, tv, e, a, seen);
    if(r)
      return r;
  }
  return OAC_OK;
}

struct map_want *map_want_build(struct cache *c, uint32_t type, const cJSON *want_props,
                                struct arena *a)
{
  struct tview tv;
  if(tview(c, type, &tv))
    return NULL;
  if(!cJSON_IsArray(want_props) || !want_props->child)
    return want_new(c, type, &tv, 0, a);
  struct map_want *w = want_new(c, type, &tv, 1, a);
  size_t seen = 0;
  if(!w || want_entries(c, w, &tv, want_props, a, &seen))
    return NULL;
  return w;
}

/* ---- external IDs ------------------------------------------------------------------- */

/* Appends the value of ID property PR of object V as text: 1, or 0 when V has no usable
 * value for it (absent, null, empty, an object). */
static int id_value(struct cache *c, const struct cache_prop *pr, const cJSON *v,
                    struct buf *id)
{
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, cache_str(c, pr->json_name));
  if(cJSON_IsString(x) && x->valuestring && x->valuestring[0]) {
    buf_puts(id, x->valuestring);
    return 1;
  }
  if(cJSON_IsNumber(x)) {
    const char *t = json_num_text(x);
    enum oac_result r = t ? json_number_plain(id, t, strlen(t))
                          : map_number_es(x->valuedouble, id);
    if(r == OAC_OK)
      return 1;
  }
  if(cJSON_IsBool(x)) {
    buf_puts(id, cJSON_IsTrue(x) ? "true" : "false");
    return 1;
  }
  return 0;
}

/* Appends the external ID of V (type TV) to ID; TMP is scratch. OAC_ENOMEM on allocation
 * failure. A composite ID (§13.9) joins its parts' values, each encoded (ext_id.h). */
static enum oac_result ext_id(struct cache *c, const struct tview *tv, const cJSON *v,
                              struct buf *id, struct buf *tmp)
{
  uint32_t one;
  size_t n = 0;
  const uint32_t *parts = cJSON_IsObject(v) ? ext_id_props(c, tv->t, &one, &n) : NULL;
  if(parts && n == 1) {
    if(id_value(c, &tv->p[parts[0]], v, id))
      return buf_failed(id) ? OAC_ENOMEM : OAC_OK;
  }
  else if(parts && n > 1) {
    size_t start = id->len, k = 0;
    for(; k < n; k++) {
      buf_reset(tmp);
      if(parts[k] >= tv->t->nprops || !id_value(c, &tv->p[parts[k]], v, tmp))
        break;
      ext_id_put_part(id, tmp->data, tmp->len, k == 0);
    }
    if(k == n)
      return buf_failed(id) || buf_failed(tmp) ? OAC_ENOMEM : OAC_OK;
    id->len = start;                          /* a part is missing: the content UUID */
    if(id->data)
      id->data[start] = '\0';
  }
  /* no usable ID value in this object: the name-based UUID still identifies it */
  char u[37];
  buf_reset(tmp);
  buf_puts(tmp, tv->name);
  buf_append(tmp, "", 1);                     /* the NUL between type name and JSON */
  if(map_jcs_id(v, tmp))
    return OAC_ENOMEM;
  map_uuid5(tmp->data, tmp->len, u);
  buf_puts(id, u);
  return buf_failed(id) ? OAC_ENOMEM : OAC_OK;
}

int map_has_external_id(struct cache *c, uint32_t type, const cJSON *v)
{
  struct tview tv;
  uint32_t one;
  size_t n = 0;
  const uint32_t *parts = cJSON_IsObject(v) && !tview(c, type, &tv) ?
                          ext_id_props(c, tv.t, &one, &n) : NULL;
  if(!parts || !n)
    return 0;
  struct buf tmp;
  buf_init(&tmp);
  size_t k = 0;
  for(; k < n; k++)
    if(parts[k] >= tv.t->nprops || !id_value(c, &tv.p[parts[k]], v, &tmp))
      break;
  buf_free(&tmp);
  return k == n;
}

enum oac_result map_external_id(struct cache *c, uint32_t type, const cJSON *v,
                                struct buf *out)
{
  struct tview tv;
  struct buf tmp;
  if(tview(c, type, &tv))
    return OAC_ECACHE;
  buf_init(&tmp);
  enum oac_result r = ext_id(c, &tv, v, out, &tmp);
  buf_free(&tmp);
  return r;
}

/* ---- JSON -> Flow ------------------------------------------------------------------- */

struct rctx {
  struct cache *c;
  struct buf *out;
  struct problem *p;
  struct buf tmp, id;               /* scratch, used and done with before any recursion */
};

/* contentValue of scalar property PR for the API's value V. */
static void put_scalar(struct rctx *r, const struct cache_prop *pr, const cJSON *v)
{
  struct buf *out = r->out;
  if(!v || cJSON_IsNull(v) || pr->ctype == CT_PASSWORD) {
    buf_puts(out, "null");                    /* passwords are never read back (§6.6) */
    return;
  }
  if(cJSON_IsString(v) && !(pr->flags & CP_JSONTEXT)) {
    buf_json_str(out, v->valuestring ? v->valuestring : "");
    return;
  }
  if(cJSON_IsBool(v) && !(pr->flags & CP_JSONTEXT)) {
    buf_puts(out, cJSON_IsTrue(v) ? "\"true\"" : "\"false\"");
    return;
  }
  const char *t = json_num_text(v);
  if(cJSON_IsNumber(v) && !(pr->flags & CP_JSONTEXT)) {
    if(!(t && json_is_number(t, strlen(t))) && !isfinite(v->valuedouble)) {
      buf_puts(out, "null");                  /* a tree not from json_parse: no text */
      return;
    }
    buf_putc(out, '"');                       /* digits need no escaping */
    if(t && json_is_number(t, strlen(t)))
      json_number_plain(out, t, strlen(t));
    else
      map_number_es(v->valuedouble, out);
    buf_putc(out, '"');
    return;
  }
  /* free-form values, and values of the wrong kind: their JSON text */
  buf_reset(&r->tmp);
  put_json_text(&r->tmp, v);
  buf_json_strn(out, r->tmp.data ? r->tmp.data : "", r->tmp.len);
}

static enum oac_result put_mobject(struct rctx *r, uint32_t type, const cJSON *v, long item,
                                   const struct map_want *w, const char *internal_id,
                                   int order, const char *external_id);

/* objectData of object/list property PR for value V. Returns what put_mobject returns
 * (R->p is set). */
static enum oac_result put_children(struct rctx *r, const struct cache_prop *pr,
                                    const cJSON *v, const struct map_want *sub)
{
  struct buf *out = r->out;
  if(pr->ref_type < 0 || (pr->ctype == CT_OBJECT ? !cJSON_IsObject(v) : !cJSON_IsArray(v))) {
    buf_puts(out, "null");
    return OAC_OK;
  }
  uint32_t rt = (uint32_t)pr->ref_type;
  buf_putc(out, '[');
  if(pr->ctype == CT_OBJECT) {
    enum oac_result res = put_mobject(r, rt, v, -1, sub, NULL, 0, NULL);
    if(res)
      return res;
  }
  else {
    int scalars = is_scalar_item(r->c, pr), k = 0, n = 0;
    for(const cJSON *e = v->child; e; e = e->next, k++) {
      if(!scalars && !cJSON_IsObject(e))
        continue;                             /* null or junk in a list of objects */
      if(n++)
        buf_putc(out, ',');
      enum oac_result res = put_mobject(r, rt, e, scalars ? k : -1, sub, NULL, k, NULL);
      if(res)
        return res;
    }
  }
  buf_putc(out, ']');
  return OAC_OK;
}

/* ITEM >= 0: V is element ITEM of a scalar array, TYPE its ID/Value helper. */
static enum oac_result put_mobject(struct rctx *r, uint32_t type, const cJSON *v, long item,
                                   const struct map_want *w, const char *internal_id,
                                   int order, const char *external_id)
{
  struct buf *out = r->out;
  struct tview tv;
  if(tview(r->c, type, &tv))
    return problem_set(r->p, 500, "the spec cache has no valid type %u", type);
  if(w && w->type != type)
    w = NULL;
  buf_puts(out, "{\"internalId\":");
  buf_json_str(out, internal_id);
  buf_puts(out, ",\"externalId\":");
  if(item >= 0)
    buf_printf(out, "\"%ld\"", item);
  else if(external_id)
    buf_json_str(out, external_id);
  else {
    buf_reset(&r->id);
    if(ext_id(r->c, &tv, v, &r->id, &r->tmp))
      return problem_nomem(r->p, "out of memory writing an object of type '%s'", tv.name);
    buf_json_strn(out, r->id.data, r->id.len);
  }
  buf_puts(out, ",\"developerName\":");
  buf_json_str(out, tv.name);
  buf_printf(out, ",\"typeElementId\":null,\"order\":%d,\"isSelected\":false,"
             "\"properties\":[", order);
  const cJSON *cursor = NULL, *group_val = NULL;
  uint32_t group = UINT32_MAX, pick = 0;
  int n = 0;
  for(uint32_t i = 0; i < tv.t->nprops; i++) {
    const struct cache_prop *pr = &tv.p[i];
    if(w && w->sel && !w->sel[i])
      continue;
    const cJSON *val;
    if(item >= 0)
      val = pr->flags & CP_VALUE ? v : NULL;
    else if(pr->flags & CP_ALTERNATIVE) {
      if(pr->alt_group != group) {            /* one look-up and one choice per group */
        group = pr->alt_group;
        group_val = member(v, cache_str(r->c, pr->json_name), &cursor);
        pick = group_val ? alt_choose(r->c, tv.p, pr->alt_group, pr->alt_count, group_val)
                         : 0;
      }
      val = group_val && pick == i ? group_val : NULL;
    }
    else
      val = member(v, cache_str(r->c, pr->json_name), &cursor);
    if(n++)
      buf_putc(out, ',');
    buf_puts(out, "{\"typeElementPropertyId\":null,\"developerName\":");
    buf_json_str(out, cache_str(r->c, pr->name));
    buf_puts(out, ",\"contentType\":\"");
    buf_puts(out, flow_ctype_name(pr->ctype));
    buf_puts(out, "\",\"contentValue\":");
    if(pr->ctype == CT_OBJECT || pr->ctype == CT_LIST) {
      buf_puts(out, "null,\"contentFormat\":null,\"objectData\":");
      enum oac_result res = put_children(r, pr, val, w && w->sub ? w->sub[i] : NULL);
      if(res)
        return res;
      buf_putc(out, '}');
      continue;
    }
    if(item >= 0 && (pr->flags & CP_ID))
      buf_printf(out, "\"%ld\"", item);
    else
      put_scalar(r, pr, val);
    buf_puts(out, ",\"contentFormat\":null,\"objectData\":[]}");
  }
  buf_puts(out, "]}");
  return OAC_OK;
}

/* One MObject into OUT with its own scratch buffers (put_mobject's arguments). */
static enum oac_result one_mobject(struct cache *c, uint32_t type, const cJSON *v, long item,
                                   const struct map_want *w, const char *internal_id,
                                   int order, const char *external_id, struct buf *out,
                                   struct problem *p)
{
  struct rctx r = { c, out, p, { 0 }, { 0 } };
  buf_init(&r.tmp);
  buf_init(&r.id);
  enum oac_result rc = put_mobject(&r, type, v, item, w, internal_id, order, external_id);
  buf_free(&r.tmp);
  buf_free(&r.id);
  if(rc)
    return rc;                                /* P is set */
  if(buf_failed(out))
    return problem_nomem(p, "out of memory writing the objects");
  return OAC_OK;
}

enum oac_result map_object_to_flow(struct cache *c, uint32_t type, const cJSON *v,
                                   const struct map_want *want, const char *internal_id,
                                   int order, struct buf *out, struct problem *p)
{
  return map_object_to_flow_as(c, type, v, want, internal_id, NULL, order, out, p);
}

enum oac_result map_object_to_flow_as(struct cache *c, uint32_t type, const cJSON *v,
                                      const struct map_want *want, const char *internal_id,
                                      const char *external_id, int order, struct buf *out,
                                      struct problem *p)
{
  return one_mobject(c, type, v, -1, want, internal_id, order, external_id, out, p);
}

/* ---- Flow -> JSON ------------------------------------------------------------------- */

struct wctx {
  struct cache *c;
  struct buf *out;
  struct problem *p;
  unsigned nested_skip;             /* property flags left out of nested objects */
  unsigned empty_as;                /* emptyAs, enum cache_empty_as (product.md §13.2) */
};

/* Property NAME (case-insensitive) of Flow's properties array PL, searching from *CURSOR
 * on and wrapping around. */
static const cJSON *flow_prop(const cJSON *pl, const char *name, const cJSON **cursor)
{
  if(!cJSON_IsArray(pl))
    return NULL;
  const cJSON *start = *cursor ? *cursor : pl->child;
  for(int pass = 0; pass < 2; pass++) {
    const cJSON *end = pass ? start : NULL;
    for(const cJSON *e = pass ? pl->child : start; e != end; e = e->next) {
      const char *dn = json_get_str(e, "developerName");
      if(dn && !strcasecmp(dn, name)) {
        *cursor = e->next;
        return e;
      }
    }
  }
  return NULL;
}

/* The contentValue of Flow property FP as text; NULL when absent or null. */
static const char *flow_cv(const cJSON *fp, size_t *len)
{
  const cJSON *cv = json_get(fp, "contentValue");
  const char *s = NULL;
  if(cJSON_IsString(cv))
    s = cv->valuestring;
  else if(cJSON_IsNumber(cv))                 /* tolerated: Flow sends strings */
    s = json_num_text(cv);
  else if(cJSON_IsBool(cv))
    s = cJSON_IsTrue(cv) ? "true" : "false";
  *len = s ? strlen(s) : 0;
  return s;
}

/* The first object in FP's objectData, or NULL. */
static const cJSON *first_child(const cJSON *fp)
{
  const cJSON *od = json_get_array(fp, "objectData");
  for(const cJSON *e = od ? od->child : NULL; e; e = e->next)
    if(cJSON_IsObject(e))
      return e;
  return NULL;
}

/* A scalar's JSON form: RAW bytes (number, true/false, JSON text) or a JSON STRING. */
struct sval {
  int raw;
  const char *s;
  size_t len;
};

/* How a contentValue is sent: SV_SEND as SV, SV_OMIT left out (null, or an unset
 * number/boolean/date/JSON text), SV_REFUSED a bad value (the problem is set). */
enum sv_verdict { SV_OMIT, SV_SEND, SV_REFUSED };

/* Decides how contentValue S[0..len) of PR (type TV) is sent. */
static enum sv_verdict scalar_value(struct wctx *w, const struct tview *tv,
                                    const struct cache_prop *pr, const char *s, size_t len,
                                    struct sval *sv)
{
  const char *t = s;
  size_t tl = len;
  if(!s)
    return SV_OMIT;
  text_trim(&t, &tl);
  sv->raw = 1;
  sv->s = t;
  sv->len = tl;
  const char *pname = cache_str(w->c, pr->name);
  int shown = (int)(len < BAD_VALUE_SHOWN ? len : BAD_VALUE_SHOWN);
  if(pr->flags & CP_JSONTEXT) {
    cJSON *tree;
    struct json_error jerr;
    if(!tl)
      return SV_OMIT;
    enum oac_result r = json_parse(t, tl, &tree, &jerr);
    cJSON_Delete(tree);
    if(r == OAC_ENOMEM)
      problem_nomem(w->p, "out of memory reading property '%s' of %s", pname, tv->name);
    else if(r)
      problem_set(w->p, 400, "property '%s' of %s: '%.*s' is not JSON text (%s)", pname,
                  tv->name, shown, s, jerr.msg);
    return r ? SV_REFUSED : SV_SEND;
  }
  switch(pr->ctype) {
  case CT_NUMBER:
    if(!tl)
      return SV_OMIT;
    if(!json_is_number(t, tl)) {
      problem_set(w->p, 400, "property '%s' of %s: '%.*s' is not a number", pname, tv->name,
                  shown, s);
      return SV_REFUSED;
    }
    return SV_SEND;
  case CT_BOOLEAN:
    if(!tl)
      return SV_OMIT;
    if(tl == 4 && !strncasecmp(t, "true", 4))
      sv->s = "true";
    else if(tl == 5 && !strncasecmp(t, "false", 5))
      sv->s = "false";
    else {
      problem_set(w->p, 400, "property '%s' of %s: '%.*s' is not true or false", pname,
                  tv->name, shown, s);
      return SV_REFUSED;
    }
    return SV_SEND;
  case CT_DATETIME:
    if(!tl)
      return SV_OMIT;
    sv->raw = 0;
    if((pr->flags & CP_DATE) && tl > 10)
      sv->len = 10;                           /* format: date wants YYYY-MM-DD */
    return SV_SEND;
  default:                                    /* strings go as given, "" included */
    if(!len && pr->ctype == CT_STRING && w->empty_as == CEA_OMIT)
      return SV_OMIT;                         /* emptyAs omit (§13.2) */
    if(!len && pr->ctype == CT_STRING && w->empty_as == CEA_NULL) {
      sv->s = "null";                         /* emptyAs null (§13.2) */
      sv->len = 4;
      return SV_SEND;
    }
    sv->raw = 0;
    sv->s = s;
    sv->len = len;
    return SV_SEND;
  }
}

static void put_sval(struct buf *out, const struct sval *sv)
{
  if(sv->raw)
    buf_append(out, sv->s, sv->len);
  else
    buf_json_strn(out, sv->s, sv->len);
}

static enum oac_result put_body(struct wctx *w, uint32_t type, const cJSON *obj,
                                const uint32_t *props, size_t n, unsigned skip);

/* The ID/Value helper items of FP as a plain array of the Values, in objectData order.
 * Like everything of this section, a failure has set W->p and its kind is W->p->result. */
static enum oac_result put_scalar_list(struct wctx *w, const struct cache_prop *pr,
                                       const cJSON *od)
{
  struct tview rt;
  if(tview(w->c, (uint32_t)pr->ref_type, &rt))
    return problem_set(w->p, 500, "the spec cache has no valid type %d", pr->ref_type);
  const struct cache_prop *vp = NULL;
  for(uint32_t i = 0; i < rt.t->nprops && !vp; i++)
    if(rt.p[i].flags & CP_VALUE)
      vp = &rt.p[i];
  buf_putc(w->out, '[');
  int k = 0;
  for(const cJSON *e = od->child; e; e = e->next) {
    if(!cJSON_IsObject(e))
      continue;
    const cJSON *cursor = NULL;
    const cJSON *fp = vp ? flow_prop(json_get_array(e, "properties"),
                                     cache_str(w->c, vp->name), &cursor) : NULL;
    size_t len;
    const char *s = fp ? flow_cv(fp, &len) : NULL;
    struct sval sv;
    enum sv_verdict r = vp ? scalar_value(w, &rt, vp, s, len, &sv) : SV_OMIT;
    if(r == SV_REFUSED)
      return w->p->result;
    if(k++)
      buf_putc(w->out, ',');
    if(r == SV_SEND)
      put_sval(w->out, &sv);
    else
      buf_puts(w->out, "null");               /* an unset element keeps its place */
  }
  buf_putc(w->out, ']');
  return OAC_OK;
}

/* Writes "json_name":value for property PR from Flow's property FP, or nothing when it is
 * left out. *FIRST tracks the comma. */
static enum oac_result put_member(struct wctx *w, const struct tview *tv,
                                  const struct cache_prop *pr, const cJSON *fp, int *first)
{
  struct buf *out = w->out;
  const char *key = cache_str(w->c, pr->json_name);
  if(!fp)
    return OAC_OK;
  if(pr->ctype == CT_OBJECT || pr->ctype == CT_LIST) {
    const cJSON *od = json_get_array(fp, "objectData");
    const cJSON *child = pr->ctype == CT_OBJECT ? first_child(fp) : NULL;
    if(pr->ref_type < 0 || (pr->ctype == CT_OBJECT ? !child : !od))
      return OAC_OK;                          /* null objectData: not sent */
    if(!*first)
      buf_putc(out, ',');
    *first = 0;
    buf_json_str(out, key);
    buf_putc(out, ':');
    if(pr->ctype == CT_OBJECT)
      return put_body(w, (uint32_t)pr->ref_type, child, NULL, 0, w->nested_skip);
    if(is_scalar_item(w->c, pr))
      return put_scalar_list(w, pr, od);
    buf_putc(out, '[');
    int k = 0;
    for(const cJSON *e = od->child; e; e = e->next) {
      if(!cJSON_IsObject(e))
        continue;
      if(k++)
        buf_putc(out, ',');
      enum oac_result res = put_body(w, (uint32_t)pr->ref_type, e, NULL, 0, w->nested_skip);
      if(res)
        return res;
    }
    buf_putc(out, ']');
    return OAC_OK;
  }
  size_t len;
  const char *s = flow_cv(fp, &len);
  struct sval sv;
  enum sv_verdict r = scalar_value(w, tv, pr, s, len, &sv);
  if(r != SV_SEND)
    return r == SV_REFUSED ? w->p->result : OAC_OK;
  if(!*first)
    buf_putc(out, ',');
  *first = 0;
  buf_json_str(out, key);
  buf_putc(out, ':');
  put_sval(out, &sv);
  return OAC_OK;
}

/* Does Flow's property FP hold a value for PR (a oneOf alternative)? */
static int has_value(const struct cache_prop *pr, const cJSON *fp)
{
  if(!fp)
    return 0;
  if(pr->ctype == CT_OBJECT || pr->ctype == CT_LIST)
    return first_child(fp) != NULL;
  size_t len;
  const char *s = flow_cv(fp, &len);
  if(!s)
    return 0;
  text_trim(&s, &len);
  return len > 0;
}

static enum oac_result put_body(struct wctx *w, uint32_t type, const cJSON *obj,
                                const uint32_t *props, size_t n, unsigned skip)
{
  struct tview tv;
  if(tview(w->c, type, &tv))
    return problem_set(w->p, 500, "the spec cache has no valid type %u", type);
  const cJSON *pl = json_get_array(obj, "properties"), *cursor = NULL;
  size_t count = props ? n : tv.t->nprops;
  int first = 1;
  buf_putc(w->out, '{');
  for(size_t k = 0; k < count; k++) {
    uint32_t i = props ? props[k] : (uint32_t)k;
    if(i >= tv.t->nprops)
      return problem_set(w->p, 500, "the spec cache lists property %u of type '%s', which "
                         "has %u", i, tv.name, tv.t->nprops);
    const struct cache_prop *pr = &tv.p[i];
    if(pr->flags & skip)
      continue;
    if(!(pr->flags & CP_ALTERNATIVE)) {
      enum oac_result res = put_member(w, &tv, pr, flow_prop(pl, cache_str(w->c, pr->name),
                                                             &cursor), &first);
      if(res)
        return res;
      continue;
    }
    /* a oneOf group is written once, at its first listed member: the first alternative
     * (in list order) that holds a value */
    int done = 0;
    for(size_t j = 0; j < k && !done; j++) {
      const struct cache_prop *q = &tv.p[props ? props[j] : j];
      done = (q->flags & CP_ALTERNATIVE) && q->alt_group == pr->alt_group && !(q->flags & skip);
    }
    for(size_t j = k; j < count && !done; j++) {
      uint32_t qi = props ? props[j] : (uint32_t)j;
      const struct cache_prop *q = qi < tv.t->nprops ? &tv.p[qi] : NULL;
      if(!q || !(q->flags & CP_ALTERNATIVE) || q->alt_group != pr->alt_group ||
         (q->flags & skip))
        continue;
      const cJSON *fp = flow_prop(pl, cache_str(w->c, q->name), &cursor);
      if(has_value(q, fp)) {
        enum oac_result res = put_member(w, &tv, q, fp, &first);
        if(res)
          return res;
        done = 1;
      }
    }
  }
  buf_putc(w->out, '}');
  return OAC_OK;
}

enum oac_result map_flow_to_json(struct cache *c, uint32_t type, const cJSON *obj,
                                 const uint32_t *props, size_t n, struct buf *out,
                                 struct problem *p)
{
  return map_flow_to_json_empty(c, type, obj, props, n, CEA_EMPTY, out, p);
}

enum oac_result map_flow_to_json_empty(struct cache *c, uint32_t type, const cJSON *obj,
                                       const uint32_t *props, size_t n, unsigned empty_as,
                                       struct buf *out, struct problem *p)
{
  /* the body list already leaves out readOnly/custom properties at the top; nested types
   * have no list, so their readOnly/custom properties are left out here */
  struct wctx w = { c, out, p, props ? CP_READONLY | CP_CUSTOM : 0, empty_as };
  enum oac_result rc = put_body(&w, type, obj, props, n, 0);
  if(rc)
    return rc;                                /* P is set */
  if(buf_failed(out))
    return problem_nomem(p, "out of memory writing the request body");
  return OAC_OK;
}

/* ---- message actions (issue 16): arrays of scalars as a body or a Response ---- */

int map_type_scalar_item(struct cache *c, uint32_t type)
{
  struct cache_error err;
  const struct cache_type *t = cache_type_at(c, type, &err);
  return t && (t->flags & CT_F_SCALAR_ITEM);
}

enum oac_result map_scalar_list_to_json(struct cache *c, uint32_t type, const cJSON *list,
                                        unsigned empty_as, struct buf *out, struct problem *p)
{
  struct wctx w = { c, out, p, 0, empty_as };
  struct cache_prop pr;
  memset(&pr, 0, sizeof(pr));
  pr.ctype = CT_LIST;
  pr.ref_type = (int32_t)type;
  enum oac_result rc = put_scalar_list(&w, &pr, list);
  if(rc)
    return rc;                                /* P is set */
  if(buf_failed(out))
    return problem_nomem(p, "out of memory writing the request body");
  return OAC_OK;
}

enum oac_result map_scalar_item_to_flow(struct cache *c, uint32_t type, const cJSON *v,
                                        long item, struct buf *out, struct problem *p)
{
  return one_mobject(c, type, v, item, NULL, NULL, (int)item, NULL, out, p);
}

const char *map_flow_value(const cJSON *obj, const char *name)
{
  const cJSON *cursor = NULL;
  const cJSON *fp = flow_prop(json_get_array(obj, "properties"), name, &cursor);
  size_t len;
  return fp ? flow_cv(fp, &len) : NULL;
}

/* ---- where the list is -------------------------------------------------------------- */

static int is_object_array(const cJSON *v)
{
  return cJSON_IsArray(v) && cJSON_IsObject(v->child);
}

/* Does object V hold at least one property of the type? */
static int holds_type_prop(struct cache *c, const struct tview *tv, const cJSON *v)
{
  for(const cJSON *e = v->child; e; e = e->next)
    for(uint32_t i = 0; e->string && i < tv->t->nprops; i++)
      if(!strcmp(e->string, cache_str(c, tv->p[i].json_name)))
        return 1;
  return 0;
}

/* Member SEG[0..len) of V: exact, else case-insensitive; an index into an array. */
static const cJSON *path_step(const cJSON *v, const char *seg, size_t len)
{
  if(cJSON_IsArray(v)) {
    size_t k = 0, i;
    for(i = 0; i < len && seg[i] >= '0' && seg[i] <= '9' && k < 100000000; i++)
      k = k * 10 + (size_t)(seg[i] - '0');
    if(!len || i < len)
      return NULL;
    const cJSON *e = v->child;
    for(; e && k; k--)
      e = e->next;
    return e;
  }
  if(!cJSON_IsObject(v))
    return NULL;
  for(const cJSON *e = v->child; e; e = e->next)
    if(e->string && strlen(e->string) == len && !memcmp(e->string, seg, len))
      return e;
  for(const cJSON *e = v->child; e; e = e->next)
    if(e->string && strlen(e->string) == len && !strncasecmp(e->string, seg, len))
      return e;
  return NULL;
}

void map_unwrap(struct cache *c, uint32_t type, const cJSON *root, const char *items,
                const cJSON **array, const cJSON **single)
{
  struct tview tv;
  *array = NULL;
  *single = NULL;
  if(items && *items) {
    const cJSON *v = root;
    for(const char *s = items; v;) {
      const char *dot = strchr(s, '.');
      size_t len = dot ? (size_t)(dot - s) : strlen(s);
      v = path_step(v, s, len);
      if(!dot)
        break;
      s = dot + 1;
    }
    if(cJSON_IsArray(v))
      *array = v;
    else if(cJSON_IsObject(v))
      *single = v;
    return;
  }
  if(cJSON_IsArray(root)) {
    *array = root;
    return;
  }
  if(!cJSON_IsObject(root))
    return;
  if(!tview(c, type, &tv) && holds_type_prop(c, &tv, root)) {
    *single = root;
    return;
  }
  /* breadth first: a list beside the metadata wins over one inside it */
  for(const cJSON *e = root->child; e; e = e->next)
    if(is_object_array(e)) {
      *array = e;
      return;
    }
  for(const cJSON *e = root->child; e; e = e->next)
    for(const cJSON *f = cJSON_IsObject(e) ? e->child : NULL; f; f = f->next)
      if(is_object_array(f)) {
        *array = f;
        return;
      }
}

/* ---- the filter's view of API objects ----------------------------------------------- */

/* map_items_get, with M (NULL = none) remembering the oneOf choices */
static int items_get(const struct map_items *mi, const struct map_items_memo *m, size_t item,
                     uint32_t prop, const char **s, size_t *len)
{
  if(item >= mi->n)
    return 0;
  const cJSON *v = mi->v[item];
  const struct cache_prop *pr = &mi->props[prop];
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, cache_str(mi->c, pr->json_name));
  if(!x || cJSON_IsNull(x) || pr->ctype == CT_PASSWORD)
    return 0;
  if(pr->flags & CP_ALTERNATIVE) {
    uint32_t *memo = m && m->pick ? &m->pick[item * m->ngroups + m->slot[prop]] : NULL;
    uint32_t pick = memo && *memo != UINT32_MAX ? *memo :
                    alt_choose(mi->c, mi->props, pr->alt_group, pr->alt_count, x);
    if(memo)
      *memo = pick;
    if(pick != prop)
      return 0;                               /* the value went to another alternative */
  }
  if(pr->ctype == CT_OBJECT || pr->ctype == CT_LIST) {
    if(pr->ctype == CT_OBJECT ? !cJSON_IsObject(x) : !cJSON_IsArray(x))
      return 0;                               /* Flow sees objectData null */
    *s = x->child ? "1" : "";
    *len = x->child ? 1 : 0;
    return 1;
  }
  if(cJSON_IsString(x))
    *s = x->valuestring;
  else if(cJSON_IsNumber(x))
    *s = json_num_text(x) ? json_num_text(x) : "0";
  else if(cJSON_IsBool(x))
    *s = cJSON_IsTrue(x) ? "true" : "false";
  else if(cJSON_IsObject(x))                  /* JSON text: matched by a stand-in */
    *s = x->child ? "{...}" : "{}";
  else
    *s = x->child ? "[...]" : "[]";
  *len = strlen(*s);
  return 1;
}

int map_items_get(void *ctx, size_t item, uint32_t prop, const char **s, size_t *len)
{
  return items_get(ctx, NULL, item, prop, s, len);
}

void map_items_memo_init(struct map_items_memo *m, const struct map_items *items,
                         uint32_t nprops, struct arena *a)
{
  memset(m, 0, sizeof(*m));
  m->items = *items;
  const struct cache_prop *props = items->props;
  uint32_t ngroups = 0;
  for(uint32_t i = 0; props && i < nprops; i++)
    ngroups += (props[i].flags & CP_ALTERNATIVE) && props[i].alt_group == i;
  if(!a || !ngroups || items->n > SIZE_MAX / sizeof(uint32_t) / ngroups)
    return;
  uint32_t *slot = arena_alloc(a, nprops * sizeof(*slot));
  uint32_t *pick = arena_alloc(a, (items->n ? items->n : 1) * ngroups * sizeof(*pick));
  if(!slot || !pick)
    return;
  /* a group's alternatives follow its first one (the cache reader checked alt_group <= i) */
  for(uint32_t i = 0, g = 0; i < nprops; i++)
    slot[i] = !(props[i].flags & CP_ALTERNATIVE) ? 0 :
              props[i].alt_group == i ? g++ : slot[props[i].alt_group];
  memset(pick, 0xff, items->n * ngroups * sizeof(*pick));
  m->pick = pick;
  m->slot = slot;
  m->ngroups = ngroups;
}

int map_items_memo_get(void *ctx, size_t item, uint32_t prop, const char **s, size_t *len)
{
  const struct map_items_memo *m = ctx;
  return items_get(&m->items, m, item, prop, s, len);
}

size_t map_objects(const cJSON *array, const cJSON *single, const cJSON **items)
{
  size_t k = 0;
  if(single)
    items[k++] = single;
  else if(array) {
    const cJSON *it;
    cJSON_ArrayForEach(it, array)
      if(cJSON_IsObject(it))
        items[k++] = it;
  }
  return k;
}
