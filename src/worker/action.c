/* action.c - message actions (action.h; product.md §14.3-§14.5).
 *
 * The action's record (format.h struct cache_action) gives its inputs, declared responses
 * and plan. Each input's value is read from the ServiceRequest and checked (flow/service.h);
 * parameters take them through call.c's PSRC_INPUT, the body input becomes the request body
 * here (an object mapped with the body type's plan list as a save maps it; a list as an
 * array of such; a scalar as JSON; text/plain as its text). The call is call.c's, so path
 * encoding, security, form bodies, retries and servers are those of CRUD calls. The answer
 * becomes the outputs (Status Code; Response for a 2xx; Error Message and Response Body
 * otherwise) and the wired outcome the final status selects (flow/outcome.h); a non-2xx
 * that selects none is the ServiceProblem call.c set.
 */
#include "action.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../flow/api_error.h"
#include "../flow/config.h"
#include "../flow/json.h"
#include "../flow/mapping.h"
#include "../flow/outcome.h"
#include "../flow/service.h"
#include "call.h"
#include "server.h"

static const char *const reserved[] = {
  "metadata", "data", "health", "status", "metrics", "authorization", "authentication"
};

int action_route(const char *prefix, const char *path, size_t len, const char **slug,
                 size_t *slug_len)
{
  if(len > 1 && path[len - 1] == '/')
    len--;
  int exact = prefix && *prefix;                /* --prefix given (even "/") */
  size_t pl = exact ? strlen(prefix) : 0;
  while(pl && prefix[pl - 1] == '/')
    pl--;
  if(exact && (len < pl || strncmp(path, prefix, pl)))
    return 0;
  const char *end = path + len;
  const char *s = end;
  while(s > path && s[-1] != '/')
    s--;
  if(s == end || s == path)                     /* no slug, or no '/' before it */
    return 0;
  static const char seg[] = "/actions/";
  size_t sl = sizeof(seg) - 1;
  const char *start = path + pl;
  /* S may lie before START: "/flowx" with the prefix "/flow" (found by fuzz_request) */
  if(s < start || (size_t)(s - start) < sl || memcmp(s - sl, seg, sl))
    return 0;
  if(exact && s - sl != start)                  /* --prefix: exactly /actions/<slug> */
    return 0;
  size_t n = (size_t)(end - s);
  for(size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
    if(strlen(reserved[i]) == n && !memcmp(reserved[i], s, n))
      return 0;
  *slug = s;
  *slug_len = n;
  return 1;
}

/* One action invocation's state. */
struct act {
  struct op_ctx *x;
  const struct cache_action *a;
  const struct cache_plan *pl;
  const struct cache_input *inputs;
  const char *name;             /* the action's developerName */
  const char *what;             /* "action 'Adopt a pet'", for call.c's messages */
  struct service_request sr;
  struct outcome_declared *decl;
  size_t ndecl;
};

/* The wired outcome STATUS selects: its id (may be NULL for an outcome without one), with
 * *FOUND 1; *FOUND 0 for none. */
static const char *select_outcome(struct act *t, long status, int *found)
{
  int i = outcome_select((unsigned)status, t->decl, t->ndecl, t->sr.outcomes,
                         t->sr.noutcomes, NULL);
  *found = i >= 0;
  return i >= 0 ? t->sr.outcomes[i].id : NULL;
}

/* A 400 from mapping an input's object, restated so that it names the input. */
static enum oac_result input_problem(struct act *t, const struct cache_input *in)
{
  struct problem *p = t->x->p;
  if(p->status != 400)
    return p->result;
  char msg[PROBLEM_MSG_MAX];
  snprintf(msg, sizeof(msg), "%s", p->msg);
  return problem_set(p, 400, "input '%s': %s", cache_str(t->x->c, in->name), msg);
}

/* The request body from the body input IN and its value V into B. */
static enum oac_result build_body(struct act *t, const struct cache_input *in,
                                  const struct input_value *v, struct buf *b)
{
  struct op_ctx *x = t->x;
  const struct cache_plan *pl = t->pl;
  if(in->ctype == CT_OBJECT || in->ctype == CT_LIST) {
    struct cache_error err;
    const uint32_t *u32 = type_view_u32(x->tv, &err);
    if(!u32)
      return problem_set(x->p, 500, "cache: %s", err.msg);
    const uint32_t *props = (pl->flags & PLAN_F_BODY) ? u32 + pl->first_body : NULL;
    if(v->object)
      return map_flow_to_json_empty(x->c, x->tv->type, v->object, props, pl->nbody,
                                    pl->empty_as, b, x->p) ? input_problem(t, in) : OAC_OK;
    if(map_type_scalar_item(x->c, x->tv->type))  /* an array of scalars: a plain array (§7) */
      return map_scalar_list_to_json(x->c, x->tv->type, v->list, pl->empty_as, b, x->p)
             ? input_problem(t, in) : OAC_OK;
    buf_putc(b, '[');
    int first = 1;
    const cJSON *o;
    cJSON_ArrayForEach(o, v->list) {
      if(!first)
        buf_putc(b, ',');
      first = 0;
      if(!cJSON_IsObject(o))
        buf_puts(b, "null");
      else if(map_flow_to_json_empty(x->c, x->tv->type, o, props, pl->nbody, pl->empty_as,
                                     b, x->p))
        return input_problem(t, in);
    }
    buf_putc(b, ']');
    return OAC_OK;
  }
  if(in->flags & (CI_F_TEXT | CI_F_JSON))       /* text/plain, or a JSON text: as it is */
    buf_puts(b, v->text);
  else if(in->ctype == CT_NUMBER || in->ctype == CT_BOOLEAN)
    buf_puts(b, v->text);                       /* checked: a JSON number, true / false */
  else
    buf_json_str(b, v->text);
  return OAC_OK;
}

/* Appends the Response output for the 2xx answer ROOT (NULL = an empty body: none). */
static enum oac_result response_output(struct act *t, const cJSON *root, struct buf *out)
{
  struct op_ctx *x = t->x;
  const struct cache_action *a = t->a;
  const char *type_name = NULL;
  if(a->response_type >= 0 && root) {
    struct cache_error err;
    const struct cache_type *ty = cache_type_at(x->c, (uint32_t)a->response_type, &err);
    if(!ty)
      return problem_set(x->p, 500, "cache: %s", err.msg);
    type_name = cache_str(x->c, ty->name);
  }
  return service_response_value(x->c, a->response_ctype, a->response_type, type_name,
                                cache_str(x->c, t->pl->items), root, out, x->p);
}

/* Outputs of a non-2xx answer: Error Message (§13.5) and Response Body (cut at 64 KiB). */
static void error_outputs(struct act *t, struct call *cl, long st, struct buf *out)
{
  struct op_ctx *x = t->x;
  const struct buf *body = &x->resp->body;
  struct buf m;
  buf_init(&m);
  buf_printf(&m, "The API answered %s %s with status %ld: ", flow_method_name(cl->method),
             cl->shown.data ? cl->shown.data : "", st);
  const char *ct = x->resp->content_type;
  int problem_type = !strncasecmp(ct, "application/problem+json", 24) &&
                     (!ct[24] || ct[24] == ';' || ct[24] == ' ');
  api_error_message(body->data, body->len, problem_type, &m);
  size_t n = m.data ? api_error_cut(m.data, m.len, API_ERROR_MSG_MAX) : 0;
  buf_putc(out, ',');
  service_output(out, "Error Message", "ContentString", m.data ? m.data : "", n, NULL, 0,
                 NULL);
  if(buf_failed(&m))
    out->oom = 1;
  buf_free(&m);
  size_t bl = body->data ? api_error_cut(body->data, body->len, SERVICE_BODY_MAX) : 0;
  buf_putc(out, ',');
  service_output(out, "Response Body", "ContentString", body->data ? body->data : "", bl,
                 NULL, 0, NULL);
}

/* The Status Code output, first in the array. */
static void status_output(struct buf *out, long st)
{
  char num[24];
  snprintf(num, sizeof(num), "%ld", st);
  buf_putc(out, '[');
  service_output(out, "Status Code", "ContentNumber", num, strlen(num), NULL, 0, NULL);
}

/* Writes the ServiceResponse with OUTPUTS and the selected outcome ID. */
static enum oac_result answer(struct act *t, struct buf *outputs, const char *outcome_id)
{
  if(buf_failed(outputs))
    return problem_nomem(t->x->p, "out of memory");
  service_response(t->x->out, &t->sr, outputs->data, outputs->len, outcome_id);
  return OAC_OK;
}

static enum oac_result read_inputs(struct act *t, struct call_src *src, struct buf *body);

/* Example mode (§14.5): the inputs are read and checked as for a call (the same 400s),
 * then the example's outputs answer, its status selecting the outcome; nothing is sent. */
static enum oac_result action_example(struct act *t)
{
  struct op_ctx *x = t->x;
  struct cache_error err;
  const struct cache_example *e;
  struct call_src src = { 0 };
  struct buf body;
  buf_init(&body);
  enum oac_result rr = read_inputs(t, &src, &body);
  buf_free(&body);
  if(rr)
    return rr;
  if(cache_example(x->c, t->pl, &e, &err))
    return problem_set(x->p, 503, "cache: %s", err.msg);
  if(!e || e->type != CACHE_EXAMPLE_ACTION)
    return problem_set(x->p, 503, "action '%s' answers from an example that the cache does "
                       "not hold: recompile the document", t->name);
  int found;
  const char *id = select_outcome(t, e->status, &found);
  if(!found && (e->status < 200 || e->status >= 300)) {
    const char *body = cache_xstr(e, e->body);
    enum oac_result r = problem_set(x->p, (int)e->status, "action '%s': the document's "
                                    "example answer has status %u", t->name, e->status);
    x->p->response_body = body;
    x->p->response_len = body ? e->body.len : 0;
    return r;
  }
  const char *outs = cache_xstr(e, e->response);
  service_response(x->out, &t->sr, outs, outs ? e->response.len : 0, id);
  return OAC_OK;
}

/* The inputs' values (call.c's PSRC_INPUT) and the body. */
static enum oac_result read_inputs(struct act *t, struct call_src *src, struct buf *body)
{
  struct op_ctx *x = t->x;
  const struct cache_action *a = t->a;
  struct call_input *vals = arena_calloc(x->a, (a->ninputs ? a->ninputs : 1) * sizeof(*vals));
  if(!vals)
    return problem_nomem(x->p, "out of memory");
  src->inputs = vals;
  for(uint32_t i = 0; i < a->ninputs; i++) {
    const struct cache_input *in = &t->inputs[i];
    struct input_spec spec = { cache_str(x->c, in->name), in->ctype, in->flags,
                               (in->flags & CI_F_DEFAULT) ? cache_str(x->c, in->def) : NULL,
                               in->in == CIN_BODY };
    struct input_value v;
    enum oac_result r = service_input_value(&spec, service_input_find(&t->sr, spec.name),
                                            x->a, &v, x->p);
    if(r)
      return r;
    if(!v.set)
      continue;
    if(in->in == CIN_BODY) {
      if((r = build_body(t, in, &v, body)))
        return r;
      src->body = "";                           /* set below, once the buffer is whole */
      src->object = v.object;
      continue;
    }
    struct call_input *ci = &vals[src->ninputs++];
    ci->name = spec.name;
    ci->value = v.text;
    ci->secret = (in->flags & CI_F_SECRET) != 0;
    if((in->flags & CI_F_ARRAY) && (in->flags & CI_F_EXPLODE) && in->in == PIN_QUERY) {
      ci->parts = v.parts;
      ci->nparts = v.nparts;
    }
    else if(in->flags & CI_F_ARRAY) {           /* the separators are not encoded */
      ci->items = v.parts;
      ci->nitems = v.nparts;
      ci->sep = in->flags & CI_F_SPACE_DELIM ? ' ' : in->flags & CI_F_PIPE_DELIM ? '|' : ',';
    }
  }
  if(buf_failed(body))
    return problem_nomem(x->p, "out of memory");
  if(src->body) {
    src->body = body->data ? body->data : "";
    src->body_len = body->len;
  }
  return OAC_OK;
}

/* The call and its answer. */
static enum oac_result action_call(struct act *t)
{
  struct op_ctx *x = t->x;
  struct call_src src = { 0 };
  src.what = t->what;
  src.key_name = arena_printf(x->a, "actions/%s", cache_str(x->c, t->a->slug));
  if(!src.key_name)
    return problem_nomem(x->p, "out of memory");
  struct buf body, outs;
  buf_init(&body);
  buf_init(&outs);
  struct call cl;
  call_init(&cl);
  enum oac_result r = read_inputs(t, &src, &body);
  if(!r)
    r = call_prepare(x, t->pl, &src, &cl);
  if(!r)
    r = call_send(x, &cl, NULL);
  long st = cl.final_status;
  cJSON *root = NULL;
  if(r) {
    /* a status the API answered (non-2xx, or still refusing after the retries) may select
     * a wired outcome; anything else stays the ServiceProblem */
    int found = 0;
    const char *id = st && x->p->result != OAC_ENOMEM ? select_outcome(t, st, &found) : NULL;
    if(found) {
      memset(x->p, 0, sizeof(*x->p));
      status_output(&outs, st);
      error_outputs(t, &cl, st, &outs);
      buf_putc(&outs, ']');
      r = answer(t, &outs, id);
    }
  }
  else {
    if(t->a->response_ctype != CT_NONE)
      r = answer_json(x, &cl, &root);
    if(!r) {
      int found;
      const char *id = select_outcome(t, st, &found);
      status_output(&outs, st);
      r = response_output(t, root, &outs);
      buf_putc(&outs, ']');
      if(!r)
        r = answer(t, &outs, id);
    }
  }
  json_delete(root);
  call_free(&cl);
  buf_free(&body);
  buf_free(&outs);
  return r;
}

enum oac_result action_serve(struct op_ctx *x, const char *slug, size_t slug_len)
{
  struct act t = { 0 };
  t.x = x;
  struct cache_error err;
  err.msg[0] = '\0';
  t.a = cache_find_action(x->c, slug, slug_len, &err);
  if(!t.a && err.msg[0])
    return problem_set(x->p, 503, "The compiled document for '%s' is unusable: %s",
                       cache_registration(x->c), err.msg);
  if(!t.a)
    return problem_set(x->p, 404, "no action '%.*s' in the compiled document '%s' (its "
                       "describe lists the actions' uriParts)",
                       (int)(slug_len > 200 ? 200 : slug_len), slug, cache_registration(x->c));
  uint32_t n;
  const struct cache_plan *plans = cache_section(x->c, CS_PLANS, &n, &err);
  const struct cache_input *ins = plans ? cache_section(x->c, CS_INPUTS, &n, &err) : NULL;
  const struct cache_outcome *outs = ins ? cache_section(x->c, CS_OUTCOMES, &n, &err) : NULL;
  if(!outs)
    return problem_set(x->p, 503, "The compiled document for '%s' is unusable: %s",
                       cache_registration(x->c), err.msg);
  t.pl = &plans[t.a->plan];
  t.inputs = ins + t.a->first_input;
  t.name = cache_str(x->c, t.a->name);
  t.what = arena_printf(x->a, "action '%s'", t.name);
  t.ndecl = t.a->noutcomes;
  t.decl = arena_alloc(x->a, (t.ndecl ? t.ndecl : 1) * sizeof(*t.decl));
  if(!t.what || !t.decl)
    return problem_nomem(x->p, "out of memory");
  for(size_t i = 0; i < t.ndecl; i++) {
    t.decl[i].status = outs[t.a->first_outcome + i].status;
    t.decl[i].description = cache_str(x->c, outs[t.a->first_outcome + i].description);
  }
  enum oac_result r = service_request_read(x->rq->root, x->a, &t.sr, x->p);
  if(r)
    return r;
  /* the view the call reads the cache through: the body's type, or none */
  struct type_view tv;
  int btype = -1;
  for(uint32_t i = 0; i < t.a->ninputs; i++)
    if(t.inputs[i].in == CIN_BODY &&
       (t.inputs[i].ctype == CT_OBJECT || t.inputs[i].ctype == CT_LIST))
      btype = t.inputs[i].type;
  if(btype >= 0) {
    if((r = type_view_init(&tv, x->c, (uint32_t)btype, x->p)))
      return r;
  }
  else
    type_view_init_none(&tv, x->c);
  x->tv = &tv;
  if(t.pl->flags & PLAN_F_EXAMPLE)
    r = action_example(&t);
  else if(!(r = server_select(x)))              /* servers (§13.7): before connecting */
    r = action_call(&t);
  x->tv = NULL;
  return r;
}
