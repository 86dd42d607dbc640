/* request.c - tolerant reading of Flow request bodies (request.h). */
#include "request.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "../common/text.h"

/* A lookup: the configuration value NAME (trimmed, any case) names, or -1. It allocates
 * nothing, so it cannot fail. */
static int config_key(const char *name)
{
  if(!name)
    return -1;
  size_t len = strlen(name);
  text_trim(&name, &len);
  for(int k = 0; k < CFG_COUNT; k++)
    if(strlen(flow_config_names[k]) == len && !strncasecmp(name, flow_config_names[k], len))
      return k;
  return -1;
}

enum oac_result request_parse(const char *body, size_t len, const char *auth,
                              struct arena *a, struct flow_request *r, struct problem *p)
{
  memset(r, 0, sizeof(*r));
  buf_init(&r->user_storage);
  size_t i = 0;
  while(i < len && isspace((unsigned char)body[i]))
    i++;
  if(i == len) {
    r->root = cJSON_CreateObject();
    if(!r->root)
      return problem_nomem(p, "out of memory");
  }
  else {
    struct json_error je;
    enum oac_result res = json_parse(body, len, &r->root, &je);
    if(res == OAC_ENOMEM)
      return problem_nomem(p, "out of memory");
    if(res)
      return problem_set(p, 400, "request body: %s", je.msg);
    if(!cJSON_IsObject(r->root))
      return problem_set(p, 400, "request body: expected a JSON object");
  }
  const cJSON *cv = json_get_array(r->root, "configurationValues");
  const cJSON *v;
  cJSON_ArrayForEach(v, cv) {
    int k = config_key(json_get_str(v, "developerName"));
    if(k >= 0 && !r->config[k])
      r->config[k] = text_trim_dup(json_get_str(v, "contentValue"), a);
  }
  const cJSON *odt = json_get_object(r->root, "objectDataType");
  r->objects = json_get_array(r->root, "objectData");
  r->list_filter = json_get_object(r->root, "listFilter");
  r->want = json_get_array(odt, "properties");
  r->type_name = text_trim_dup(json_get_str(odt, "developerName"), a);
  if(!r->type_name && r->objects)
    r->type_name = text_trim_dup(json_get_str(cJSON_GetArrayItem(r->objects, 0),
                                              "developerName"), a);
  if(flow_user_parse(auth, auth ? strlen(auth) : 0, &r->user, &r->user_storage))
    return problem_nomem(p, "out of memory");
  return OAC_OK;
}

void request_free(struct flow_request *r)
{
  json_delete(r->root);
  r->root = NULL;
  buf_free(&r->user_storage);
}

const char *request_config_named(const struct flow_request *r, const char *name,
                                 struct arena *a)
{
  size_t nl = strlen(name);
  text_trim(&name, &nl);
  const cJSON *v;
  cJSON_ArrayForEach(v, json_get_array(r->root, "configurationValues")) {
    const char *n = json_get_str(v, "developerName");
    if(!n)
      continue;
    size_t l = strlen(n);
    text_trim(&n, &l);
    if(l == nl && !strncasecmp(n, name, nl))
      return text_trim_dup(json_get_str(v, "contentValue"), a);
  }
  return NULL;
}
