/* save.c - the save (insert / update) and delete operations (product.md §5.3, §7): one
 * call per object, batches checked whole before the first call is sent, the saved objects
 * answered as the API returned them merged over what Flow sent (ops.h). Called by handler.c
 * for PUT /data and POST /data/delete.
 */
#include "ops.h"

#include <stdio.h>
#include <string.h>

#include "../flow/config.h"
#include "../flow/json.h"
#include "../flow/mapping.h"
#include "../flow/response.h"
#include "../common/text.h"
#include "call.h"
#include "example.h"
#include "location.h"

/* "already saved: internalId a (externalId b), ..." appended to the problem message. */
static void note_done(struct op_ctx *x, const struct buf *done, const char *verb)
{
  if(done->len)
    problem_note(x->p, " [%s before this failure, do not retry them: %s]", verb, done->data);
  else
    problem_note(x->p, " [nothing was %s]", verb);
}

static void done_add(struct buf *done, const cJSON *obj, const char *ext)
{
  const char *iid = json_get_str(obj, "internalId");
  buf_printf(done, "%sinternalId %s (externalId %s)", done->len ? ", " : "",
             iid ? iid : "null", ext && *ext ? ext : "null");
}

static const char *object_ext(const cJSON *obj, struct arena *a)
{
  return text_trim_dup(json_get_str(obj, "externalId"), a);
}

/* The object Flow sent, as the API's JSON (every property, custom and readOnly ones too):
 * built before the call, so that a bad value is a 400 before anything is written. */
static enum oac_result sent_object(struct op_ctx *x, const cJSON *obj, cJSON **out)
{
  struct buf b;
  buf_init(&b);
  *out = NULL;
  enum oac_result r = map_flow_to_json(x->c, x->tv->type, obj, NULL, 0, &b, x->p);
  if(r) {
    buf_free(&b);
    return r;
  }
  if(buf_failed(&b)) {
    buf_free(&b);
    return problem_nomem(x->p, "out of memory");
  }
  struct json_error je;
  r = json_parse(b.data, b.len, out, &je);
  buf_free(&b);
  if(r == OAC_ENOMEM)
    return problem_nomem(x->p, "rebuilding the saved object: %s", je.msg);
  if(r)
    return problem_set(x->p, 500, "rebuilding the saved object: %s", je.msg);
  return OAC_OK;
}

/* The API's answer merged over the sent object: its members replace the sent ones. */
static void merge_answer(cJSON *sent, cJSON *answer)
{
  if(!cJSON_IsObject(answer))
    return;
  cJSON *m = answer->child;
  while(m) {
    cJSON *next = m->next;
    cJSON_DetachItemViaPointer(answer, m);
    cJSON_DeleteItemFromObjectCaseSensitive(sent, m->string);
    cJSON_AddItemToObject(sent, m->string, m);     /* copies the key first */
    m = next;
  }
}

/* Builds one object's call and throws it away: its problem (400, 401), if any, now. */
static enum oac_result dry_prepare(struct op_ctx *x, const struct cache_plan *pl,
                                   const char *ext, const cJSON *o, size_t i,
                                   enum cache_op op)
{
  char what[256];
  snprintf(what, sizeof(what), "%s of %s, objectData[%zu]", flow_op_extension(op),
           x->tv->name, i);
  struct call_src src = { .external_id = ext, .object = o, .what = what };
  struct call cl;
  call_init(&cl);
  enum oac_result r = call_prepare(x, pl, &src, &cl);
  call_free(&cl);
  if(r)
    problem_note(x->p, " [nothing was sent]");
  return r;
}

enum oac_result op_save(struct op_ctx *x)
{
  struct type_view *tv = x->tv;
  const struct cache_type *t = tv->t;
  const char *tname = tv->name;
  const cJSON *objs = x->rq->objects;
  const struct cache_plan *save = type_view_plan(tv, OP_SAVE, x->p),
                          *update = type_view_plan(tv, OP_UPDATE, x->p);
  if(x->p->status)
    return x->p->result;                        /* a broken cache: the 500 is set */
  /* every object's plan and values first: a missing extension or a bad value fails
   * before anything is written */
  const cJSON *o;
  size_t i = 0, n = (size_t)cJSON_GetArraySize(objs);
  cJSON **sent = arena_calloc(x->a, (n ? n : 1) * sizeof(*sent));
  if(!sent)
    return problem_nomem(x->p, "out of memory");
  enum oac_result r = OAC_OK;
  cJSON_ArrayForEach(o, objs) {
    if(!cJSON_IsObject(o)) {
      r = problem_set(x->p, 400, "objectData[%zu] is not an object", i);
      break;
    }
    const char *ext = object_ext(o, x->a);
    if(!save && !(ext && update)) {
      r = problem_set(x->p, 400, "type '%s' has no %s, so objectData[%zu] cannot be saved",
                      tname, ext ? "x-flow-update or x-flow-save" : "x-flow-save", i);
      break;
    }
    if((r = sent_object(x, o, &sent[i]))) {
      problem_note(x->p, " (objectData[%zu])", i);
      break;
    }
    /* a batch: every call built once before the first is sent, so that a value the call
     * refuses (a line break in a header, a missing path value or $User field) fails
     * before anything is written */
    const struct cache_plan *pl = ext && update ? update : save;
    if(n > 1 && !(pl->flags & PLAN_F_EXAMPLE) &&
       (r = dry_prepare(x, pl, ext, o, i, pl == update ? OP_UPDATE : OP_SAVE)))
      break;
    i++;
  }
  if(r) {
    for(size_t k = 0; k < n; k++)
      cJSON_Delete(sent[k]);
    return r;
  }
  struct map_want *want = map_want_build(x->c, tv->type, x->rq->want, x->a);
  if(!want)
    return problem_nomem(x->p, "out of memory");
  struct buf done;
  buf_init(&done);
  struct response rw;
  response_begin(&rw, x->out);
  i = 0;
  size_t nnew = 0;
  cJSON_ArrayForEach(o, objs)
    nnew += !object_ext(o, x->a);
  cJSON_ArrayForEach(o, objs) {
    const char *ext = object_ext(o, x->a);
    enum cache_op op = ext && update ? OP_UPDATE : OP_SAVE;
    const struct cache_plan *pl = op == OP_UPDATE ? update : save;
    if(pl->flags & PLAN_F_EXAMPLE) {
      /* as if the API had accepted: one new object gets the example's ID, several new
       * ones (or an example without objects) generated ones; an update keeps its own */
      const struct cache_example *e = example_of(x, pl, op);
      r = e ? example_status_problem(x, e, op) : x->p->result;    /* no example: a 503 */
      if(r)
        break;
      char uuid[37];
      const struct cache_example_object *eo = (const struct cache_example_object *)
        (const void *)((const char *)e + e->objects);
      if(!ext && nnew == 1 && e->nobjects && t->external_id_prop >= 0)
        ext = cache_xstr(e, eo[0].external_id);
      else if(!ext) {
        map_uuid_random(uuid);
        ext = uuid;
      }
      set_id_prop(x, sent[i], ext);
      r = response_add_mapped(&rw, x->c, tv->type, sent[i], want,
                              json_get_str(o, "internalId"), ext,
                              (int)json_get_long(o, "order", 0), x->p);
      if(r)
        break;
      i++;
      continue;
    }
    char what[256];
    snprintf(what, sizeof(what), "%s of %s, objectData[%zu]", flow_op_extension(op), tname, i);
    struct call_src src = { .external_id = ext, .object = o, .what = what };
    struct call cl;
    call_init(&cl);
    cJSON *answer = NULL, *merged = sent[i];
    sent[i] = NULL;
    r = call_prepare(x, pl, &src, &cl);
    if(!r)
      r = call_send(x, &cl, NULL);
    if(!r) {
      /* §13.3: a 201/202 with a Location and a body that is not JSON ("Created"): the body
       * says nothing, the Location says where the record is */
      long st0 = x->upstream_status;
      struct buf lh;
      buf_init(&lh);
      int loc_only = op == OP_SAVE && (st0 == 201 || st0 == 202) && !x->resp->is_json &&
                     upstream_header(x->resp, "Location", &lh) && lh.len;
      buf_free(&lh);
      if(!loc_only)
        r = answer_json(x, &cl, &answer);
    }
    int answer_has_id = !r && map_has_external_id(x->c, tv->type, answer);
    if(!r)
      merge_answer(merged, answer);
    /* §13.3: a 201/202 without the ID in its body, with a Location (location.c) */
    const char *loc_ext = NULL;
    int created = 0;
    long st = x->upstream_status;
    if(!r && op == OP_SAVE && (st == 201 || st == 202) && !answer_has_id) {
      struct buf loc;
      buf_init(&loc);
      if(upstream_header(x->resp, "Location", &loc) && loc.len && !buf_failed(&loc))
        r = location_follow(x, &cl, st, loc.data, merged, &loc_ext, &created);
      buf_free(&loc);
    }
    call_free(&cl);
    cJSON_Delete(answer);
    if(!r) {
      long order = json_get_long(o, "order", 0);
      /* without an ID property the external ID is a hash of the content: an update keeps
       * the one Flow knows the object by */
      r = response_add_mapped(&rw, x->c, tv->type, merged, want,
                              json_get_str(o, "internalId"),
                              loc_ext ? loc_ext :
                              op == OP_UPDATE && t->external_id_prop < 0 ? ext : NULL,
                              (int)order, x->p);
    }
    if(r) {
      if(created)                                 /* the record exists: say so */
        done_add(&done, o, loc_ext);
      cJSON_Delete(merged);
      note_done(x, &done, "saved");
      break;
    }
    /* the external ID just written, for a later failure's message */
    struct buf e;
    buf_init(&e);
    if(loc_ext)
      buf_puts(&e, loc_ext);
    else if(op == OP_UPDATE && t->external_id_prop < 0)
      buf_puts(&e, ext);
    else
      map_external_id(x->c, tv->type, merged, &e);
    done_add(&done, o, e.data);
    buf_free(&e);
    cJSON_Delete(merged);
    i++;
  }
  buf_free(&done);
  for(size_t k = 0; k < n; k++)
    cJSON_Delete(sent[k]);                        /* those not reached after a failure */
  if(r)
    return r;
  response_end(&rw, 0);
  return OAC_OK;
}

enum oac_result op_delete(struct op_ctx *x)
{
  const char *tname = x->tv->name;
  const struct cache_plan *pl = type_view_plan(x->tv, OP_DELETE, x->p);
  if(x->p->status)
    return x->p->result;                        /* a broken cache: the 500 is set */
  if(!pl)
    return problem_set(x->p, 400, "type '%s' has no x-flow-delete, so it cannot be deleted",
                       tname);
  if(pl->flags & PLAN_F_EXAMPLE) {
    const struct cache_example *e = example_of(x, pl, OP_DELETE);
    if(!e)
      return x->p->result;                      /* the 503 is set */
    enum oac_result r = example_status_problem(x, e, OP_DELETE);
    if(r)
      return r;
    response_empty(x->out);
    return OAC_OK;
  }
  const cJSON *o;
  size_t i = 0;
  int batch = cJSON_GetArraySize(x->rq->objects) > 1;
  cJSON_ArrayForEach(o, x->rq->objects) {
    if(!cJSON_IsObject(o))
      return problem_set(x->p, 400, "objectData[%zu] is not an object", i);
    /* a batch: every call built before the first is sent (see op_save) */
    enum oac_result r = batch ? dry_prepare(x, pl, object_ext(o, x->a), o, i, OP_DELETE)
                              : OAC_OK;
    if(r)
      return r;
    i++;
  }
  i = 0;
  struct buf done;
  buf_init(&done);
  enum oac_result r = OAC_OK;
  cJSON_ArrayForEach(o, x->rq->objects) {
    const char *ext = object_ext(o, x->a);
    char what[256];
    snprintf(what, sizeof(what), "x-flow-delete of %s, objectData[%zu]", tname, i);
    struct call_src src = { .external_id = ext, .object = o, .what = what };
    struct call cl;
    call_init(&cl);
    int not_found;                              /* a 404 counts as deleted too */
    r = call_prepare(x, pl, &src, &cl);
    if(!r)
      r = call_send(x, &cl, &not_found);
    call_free(&cl);
    if(r) {                                     /* refused: the problem is set */
      note_done(x, &done, "deleted");
      break;
    }
    done_add(&done, o, ext);                    /* 2xx or 404: deleted */
    i++;
  }
  buf_free(&done);
  if(r)
    return r;
  response_empty(x->out);
  return OAC_OK;
}
