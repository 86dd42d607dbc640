/* body.c - a form request body (body.h; product.md §13.1). */
#include "body.h"

#include <string.h>
#include <strings.h>

#include "type_view.h"
#include "../flow/form.h"
#include "../flow/json.h"
#include "../flow/problem.h"

_Static_assert(FORM_F_DEEP == CBODY_F_DEEP && FORM_F_NO_EXPLODE == CBODY_F_NO_EXPLODE,
               "form.h and format.h agree on the encoding flags");

static int media_is(const char *s, const char *want)
{
  size_t n = strlen(want);
  return !strncasecmp(s, want, n) && (s[n] == '\0' || s[n] == ';' || s[n] == ' ');
}

enum oac_result call_body_form(struct op_ctx *x, const struct cache_plan *pl, struct call *cl)
{
  const char *type = cache_str(x->c, pl->body_type);
  int urlenc = media_is(type, "application/x-www-form-urlencoded");
  if(!urlenc && !media_is(type, "multipart/form-data"))
    return OAC_OK;
  cJSON *body = NULL;
  struct json_error jerr;
  enum oac_result r = json_parse(cl->body.data ? cl->body.data : "{}", cl->body.len ? cl->body.len : 2,
                                 &body, &jerr);
  if(r)
    return r == OAC_ENOMEM ? problem_nomem(x->p, "out of memory")
                           : problem_set(x->p, 500, "the request body is not JSON: %s", jerr.msg);
  struct form_field *fields = NULL;
  size_t nfields = 0;
  if(urlenc && pl->body_enc) {
    struct cache_error err;
    const uint32_t *u32 = type_view_u32(x->tv, &err);
    const struct cache_prop *props = u32 ? type_view_props(x->tv, x->p) : NULL;
    if(!u32 || !props) {
      cJSON_Delete(body);
      return u32 ? x->p->result : problem_set(x->p, 500, "cache: %s", err.msg);
    }
    fields = arena_alloc(x->a, (pl->nbody ? pl->nbody : 1) * sizeof(*fields));
    if(!fields) {
      cJSON_Delete(body);
      return problem_nomem(x->p, "out of memory");
    }
    for(uint32_t k = 0; k < pl->nbody; k++) {
      uint32_t pi = u32[pl->first_body + k];
      fields[nfields].name = pi < x->tv->t->nprops ? cache_str(x->c, props[pi].json_name) : "";
      fields[nfields++].flags = u32[pl->body_enc - 1 + k];
    }
  }
  struct buf out;
  buf_init(&out);
  char boundary[72];
  r = urlenc ? form_urlencode(body, fields, nfields, &out) : form_multipart(body, &out, boundary);
  cJSON_Delete(body);
  if(r) {
    buf_free(&out);
    return r == OAC_ENOMEM ? problem_nomem(x->p, "out of memory writing the form body")
                           : problem_set(x->p, 500, "the request body is not a JSON object");
  }
  buf_free(&cl->body);
  cl->body = out;
  cl->content_type = urlenc ? "application/x-www-form-urlencoded"
                            : arena_printf(x->a, "multipart/form-data; boundary=%s", boundary);
  if(!cl->content_type)
    return problem_nomem(x->p, "out of memory");
  return OAC_OK;
}
