/* service.c - ServiceRequest in, input values, ServiceResponse out (service.h; product.md
 * §14.3, flow-protocol.md §4.8). */
#include "service.h"

#include <string.h>
#include <strings.h>

#include "../cache/format.h"
#include "../common/text.h"
#include "config.h"
#include "filter.h"
#include "json.h"
#include "mapping.h"

/* A member that is present and not null, else NULL. */
static const cJSON *member(const cJSON *o, const char *key)
{
  const cJSON *v = json_get(o, key);
  return v && !cJSON_IsNull(v) ? v : NULL;
}

enum oac_result service_request_read(const cJSON *root, struct arena *a,
                                     struct service_request *sr, struct problem *p)
{
  memset(sr, 0, sizeof(*sr));
  sr->token = member(root, "token");
  sr->tenant_id = member(root, "tenantId");
  sr->culture = member(root, "culture");
  sr->annotations = member(root, "annotations");
  const cJSON *ins = json_get_array(root, "inputs");
  const cJSON *outs = json_get_array(root, "outcomes");
  size_t ni = ins ? (size_t)cJSON_GetArraySize(ins) : 0;
  size_t no = outs ? (size_t)cJSON_GetArraySize(outs) : 0;
  if(ni && !(sr->inputs = arena_alloc(a, ni * sizeof(*sr->inputs))))
    return problem_nomem(p, "out of memory");
  if(no && !(sr->outcomes = arena_alloc(a, no * sizeof(*sr->outcomes))))
    return problem_nomem(p, "out of memory");
  const cJSON *v;
  cJSON_ArrayForEach(v, ins) {
    if(!cJSON_IsObject(v))
      continue;
    struct service_input *in = &sr->inputs[sr->ninputs++];
    const char *name = json_get_str(v, "developerName");
    size_t nl = name ? strlen(name) : 0;
    text_trim(&name, &nl);
    in->name = NULL;
    if(nl && !(in->name = arena_strndup(a, name, nl)))
      return problem_nomem(p, "out of memory");
    const cJSON *cv = member(v, "contentValue");
    in->value = cJSON_IsString(cv) || cJSON_IsNumber(cv) || cJSON_IsBool(cv) ? cv : NULL;
    in->objects = json_get_array(v, "objectData");
  }
  cJSON_ArrayForEach(v, outs) {
    if(!cJSON_IsObject(v))
      continue;
    struct outcome_wired *o = &sr->outcomes[sr->noutcomes++];
    const cJSON *id = member(v, "id");
    o->id = cJSON_IsString(id) ? id->valuestring : NULL;
    o->name = json_get_str(v, "developerName");
    const cJSON *ord = member(v, "order");
    o->order = ord ? json_get_long(v, "order", OUTCOME_NO_ORDER) : OUTCOME_NO_ORDER;
  }
  return OAC_OK;
}

const struct service_input *service_input_find(const struct service_request *sr,
                                               const char *name)
{
  size_t nl = strlen(name);
  text_trim(&name, &nl);
  for(size_t i = 0; i < sr->ninputs; i++) {
    const char *n = sr->inputs[i].name;
    if(n && strlen(n) == nl && !strncasecmp(n, name, nl))
      return &sr->inputs[i];
  }
  return NULL;
}

/* The scalar text of contentValue node V; NULL for none. */
static const char *scalar_text(const cJSON *v)
{
  if(cJSON_IsString(v))
    return v->valuestring;
  if(cJSON_IsNumber(v))
    return json_num_text(v);
  if(cJSON_IsBool(v))
    return cJSON_IsTrue(v) ? "true" : "false";
  return NULL;
}

/* The scalar TEXT (not empty) of SPEC checked and converted into OUT. */
/* The JSON number T[0..TL) (checked) in integer form ("1e2" -> "100", "-0.0" -> "0"), or
 * NULL when it is not integral or has more than 64 digits. */
static const char *integer_text(const char *t, size_t tl, struct arena *a)
{
  char dig[72];
  size_t nd = 0, i = 0;
  int neg = 0;
  long exp = 0;
  if(i < tl && t[i] == '-') {
    neg = 1;
    i++;
  }
  for(; i < tl && t[i] >= '0' && t[i] <= '9'; i++)
    if(nd || t[i] != '0') {
      if(nd == 64)
        return NULL;
      dig[nd++] = t[i];
    }
  if(i < tl && t[i] == '.')
    for(i++; i < tl && t[i] >= '0' && t[i] <= '9'; i++) {
      if(nd || t[i] != '0') {
        if(nd == 64)
          return NULL;
        dig[nd++] = t[i];
      }
      exp--;
    }
  if(i < tl && (t[i] == 'e' || t[i] == 'E')) {
    int eneg = 0;
    long e = 0;
    i++;
    if(i < tl && (t[i] == '+' || t[i] == '-'))
      eneg = t[i++] == '-';
    for(; i < tl && t[i] >= '0' && t[i] <= '9'; i++)
      if((e = e * 10 + (t[i] - '0')) > 1000)
        e = 1000;
    exp += eneg ? -e : e;
  }
  while(nd && exp < 0 && dig[nd - 1] == '0') {   /* trailing fraction zeros */
    nd--;
    exp++;
  }
  if(!nd)
    return "0";
  if(exp < 0 || nd + (size_t)exp > 64)
    return NULL;                                /* a fraction left, or too long */
  char out[72];
  size_t n = 0;
  if(neg)
    out[n++] = '-';
  memcpy(out + n, dig, nd);
  n += nd;
  memset(out + n, '0', (size_t)exp);
  n += (size_t)exp;
  return arena_strndup(a, out, n);
}

static enum oac_result scalar_value(const struct input_spec *spec, const char *text,
                                    struct arena *a, struct input_value *out,
                                    struct problem *p)
{
  size_t len = strlen(text);
  const char *t = text;
  size_t tl = len;
  text_trim(&t, &tl);
  out->set = 1;
  if(spec->flags & CI_F_ARRAY) {
    /* comma-separated values, each trimmed, empty ones left out; joined per the style */
    size_t n = 1;
    for(size_t i = 0; i < len; i++)
      n += text[i] == ',';
    out->parts = arena_alloc(a, n * sizeof(*out->parts));
    struct buf j;
    buf_init(&j);
    char sep = spec->flags & CI_F_SPACE_DELIM ? ' ' : spec->flags & CI_F_PIPE_DELIM ? '|' : ',';
    for(const char *s = text; out->parts;) {
      const char *e = strchr(s, ',');
      size_t el = e ? (size_t)(e - s) : strlen(s);
      const char *q = s;
      text_trim(&q, &el);
      if(el) {
        const char *part = arena_strndup(a, q, el);
        if(!part)
          break;
        out->parts[out->nparts++] = part;
        if(j.len)
          buf_putc(&j, sep);
        buf_append(&j, q, el);
      }
      if(!e)
        break;
      s = e + 1;
    }
    out->text = out->parts && !buf_failed(&j) ? arena_strndup(a, j.data ? j.data : "", j.len)
                                              : NULL;
    buf_free(&j);
    if(!out->text)
      return problem_nomem(p, "out of memory");
    if(!out->nparts)
      out->set = 0;                             /* nothing but commas: empty */
    return OAC_OK;
  }
  switch(spec->ctype) {
  case CT_NUMBER:
    if(!json_is_number(t, tl))
      return problem_set(p, 400, "input '%s': '%.100s' is not a number (ContentNumber "
                         "wants a JSON number)", spec->name, text);
    if(spec->flags & CI_F_INTEGER) {            /* an integer: sent in integer form */
      out->text = integer_text(t, tl, a);
      if(!out->text)
        return problem_set(p, 400, "input '%s': '%.100s' is not an integer (the parameter's "
                           "schema is an integer; at most 64 digits)", spec->name, text);
      return OAC_OK;
    }
    break;
  case CT_BOOLEAN:
    if(tl == 4 && !strncasecmp(t, "true", 4))
      out->text = "true";
    else if(tl == 5 && !strncasecmp(t, "false", 5))
      out->text = "false";
    else
      return problem_set(p, 400, "input '%s': '%.100s' is not a boolean (ContentBoolean "
                         "wants true or false)", spec->name, text);
    return OAC_OK;
  case CT_DATETIME:
    if(!filter_datetime_valid(t, tl))
      return problem_set(p, 400, "input '%s': '%.100s' is not an ISO 8601 date-time "
                         "(ContentDateTime)", spec->name, text);
    if(spec->flags & CI_F_DATE)
      tl = 10;                                  /* format: date: YYYY-MM-DD */
    break;
  default:
    if(spec->flags & CI_F_JSON) {               /* a JSON text (§14.2): checked, sent as is */
      cJSON *root = NULL;
      struct json_error je;
      enum oac_result r = json_parse(text, len, &root, &je);
      json_delete(root);
      if(r == OAC_ENOMEM)
        return problem_nomem(p, "out of memory");
      if(r)
        return problem_set(p, 400, "input '%s' is not a JSON text: %s", spec->name, je.msg);
    }
    out->text = text;                           /* strings as they are, spaces kept */
    return OAC_OK;
  }
  out->text = tl == len ? text : arena_strndup(a, t, tl);
  return out->text ? OAC_OK : problem_nomem(p, "out of memory");
}

enum oac_result service_input_value(const struct input_spec *spec,
                                    const struct service_input *v, struct arena *a,
                                    struct input_value *out, struct problem *p)
{
  memset(out, 0, sizeof(*out));
  if(spec->ctype == CT_OBJECT || spec->ctype == CT_LIST) {
    const cJSON *objs = v ? v->objects : NULL;
    int n = objs ? cJSON_GetArraySize(objs) : 0;
    if(n > 1 && spec->ctype == CT_OBJECT)
      return problem_set(p, 400, "input '%s': a ContentObject holds one object; objectData "
                         "has %d", spec->name, n);
    if(n && spec->ctype == CT_OBJECT && !cJSON_IsObject(cJSON_GetArrayItem(objs, 0)))
      return problem_set(p, 400, "input '%s': objectData[0] is not an object", spec->name);
    if(n) {
      out->set = 1;
      out->object = spec->ctype == CT_OBJECT ? cJSON_GetArrayItem(objs, 0) : NULL;
      out->list = spec->ctype == CT_LIST ? objs : NULL;
      return OAC_OK;
    }
    if(spec->flags & CI_F_REQUIRED)
      return problem_set(p, 400, "input '%s' is required: its objectData is %s", spec->name,
                         !v ? "missing (the request has no such input)" : "empty");
    return OAC_OK;
  }
  const char *text = v ? scalar_text(v->value) : NULL;
  if(text && *text)
    return scalar_value(spec, text, a, out, p);
  if((spec->flags & CI_F_DEFAULT) && spec->def && *spec->def)
    return scalar_value(spec, spec->def, a, out, p);
  if(spec->flags & CI_F_REQUIRED)
    return problem_set(p, 400, "input '%s' is required: its contentValue is %s", spec->name,
                       !v ? "missing (the request has no such input)" : "empty");
  return OAC_OK;
}

void service_write_json(struct buf *b, const cJSON *v)
{
  if(cJSON_IsString(v))
    buf_json_str(b, v->valuestring);
  else if(cJSON_IsNumber(v))
    buf_puts(b, json_num_text(v) ? json_num_text(v) : "0");
  else if(cJSON_IsBool(v))
    buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
  else if(cJSON_IsArray(v) || cJSON_IsObject(v)) {
    int obj = cJSON_IsObject(v);
    buf_putc(b, obj ? '{' : '[');
    const cJSON *c;
    int first = 1;
    cJSON_ArrayForEach(c, v) {
      if(!first)
        buf_putc(b, ',');
      first = 0;
      if(obj) {
        buf_json_str(b, c->string ? c->string : "");
        buf_putc(b, ':');
      }
      service_write_json(b, c);
    }
    buf_putc(b, obj ? '}' : ']');
  }
  else
    buf_puts(b, "null");
}

void service_output(struct buf *b, const char *name, const char *ctype, const char *value,
                    size_t value_len, const char *objects, size_t objects_len,
                    const char *type)
{
  buf_puts(b, "{\"developerName\":");
  buf_json_str(b, name);
  buf_puts(b, ",\"contentType\":");
  buf_json_str(b, ctype);
  buf_puts(b, ",\"contentValue\":");
  if(value)
    buf_json_strn(b, value, value_len);
  else
    buf_puts(b, "null");
  buf_puts(b, ",\"objectData\":");
  if(objects)
    buf_append(b, objects, objects_len);
  else
    buf_puts(b, "null");
  buf_puts(b, ",\"typeElementDeveloperName\":");
  if(type)
    buf_json_str(b, type);
  else
    buf_puts(b, "null");
  buf_putc(b, '}');
}

void service_response(struct buf *b, const struct service_request *sr, const char *outputs,
                      size_t outputs_len, const char *outcome_id)
{
  buf_puts(b, "{\"token\":");
  service_write_json(b, sr->token);
  buf_puts(b, ",\"tenantId\":");
  service_write_json(b, sr->tenant_id);
  buf_puts(b, ",\"culture\":");
  service_write_json(b, sr->culture);
  buf_puts(b, ",\"annotations\":");
  service_write_json(b, sr->annotations);
  buf_puts(b, ",\"invokeType\":\"FORWARD\",\"waitMessage\":null,\"outputs\":");
  if(outputs && outputs_len)
    buf_append(b, outputs, outputs_len);
  else
    buf_puts(b, "[]");
  buf_puts(b, ",\"selectedOutcomeId\":");
  if(outcome_id)
    buf_json_str(b, outcome_id);
  else
    buf_puts(b, "null");
  buf_puts(b, ",\"rootFaults\":{},\"valueFaults\":[],\"mode\":null}");
}

enum oac_result service_response_value(struct cache *c, unsigned ctype, int32_t type,
                                       const char *type_name, const char *items,
                                       const cJSON *root, struct buf *b, struct problem *p)
{
  if(!root || ctype == CT_NONE)
    return OAC_OK;
  const char *cname = flow_ctype_name(ctype);
  if(ctype == CT_OBJECT || ctype == CT_LIST) {
    if(type < 0)
      return OAC_OK;
    uint32_t t = (uint32_t)type;
    const cJSON *array = NULL, *single = NULL;
    if(ctype == CT_OBJECT)
      single = cJSON_IsObject(root) ? root : NULL;
    else
      map_unwrap(c, t, root, items, &array, &single);
    if(ctype == CT_OBJECT && !single && cJSON_IsArray(root) &&
       cJSON_IsObject(cJSON_GetArrayItem(root, 0)))
      single = cJSON_GetArrayItem(root, 0);     /* an object answered in an array */
    int scalars = ctype == CT_LIST && map_type_scalar_item(c, t);
    if(scalars) {                               /* an array of scalars: ID/Value items */
      array = cJSON_IsArray(root) ? root : NULL;
      single = NULL;
    }
    struct buf objs;
    buf_init(&objs);
    buf_putc(&objs, '[');
    int order = 0;
    enum oac_result r = OAC_OK;
    if(single)
      r = map_object_to_flow(c, t, single, NULL, NULL, order++, &objs, p);
    const cJSON *o;
    long k = 0;
    cJSON_ArrayForEach(o, array) {
      k++;
      if(r || (!scalars && !cJSON_IsObject(o)))
        continue;
      if(order)
        buf_putc(&objs, ',');
      if(scalars) {
        order++;
        r = map_scalar_item_to_flow(c, t, o, k - 1, &objs, p);
      }
      else
        r = map_object_to_flow(c, t, o, NULL, NULL, order++, &objs, p);
    }
    buf_putc(&objs, ']');
    if(!r) {
      buf_putc(b, ',');
      service_output(b, "Response", cname, NULL, 0, objs.data, objs.len, type_name);
    }
    if(!r && buf_failed(&objs))
      r = problem_nomem(p, "out of memory");
    buf_free(&objs);
    return r;
  }
  struct buf v;
  buf_init(&v);
  int null = 0;
  if(cJSON_IsString(root))
    buf_puts(&v, root->valuestring);
  else if(cJSON_IsNumber(root) && json_num_text(root)) {
    if(json_number_plain(&v, json_num_text(root), strlen(json_num_text(root))))
      buf_puts(&v, json_num_text(root));
  }
  else if(cJSON_IsBool(root))
    buf_puts(&v, cJSON_IsTrue(root) ? "true" : "false");
  else if(cJSON_IsNull(root))
    null = 1;
  else
    service_write_json(&v, root);
  buf_putc(b, ',');
  service_output(b, "Response", cname, null ? NULL : v.data ? v.data : "", v.len, NULL, 0,
                 NULL);
  enum oac_result r = buf_failed(&v) ? problem_nomem(p, "out of memory") : OAC_OK;
  buf_free(&v);
  return r;
}
