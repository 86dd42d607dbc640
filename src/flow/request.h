/* request.h - the parts of a Flow request body the worker uses (flow-protocol.md §4.3,
 * §4.6, §3.4), read tolerantly: nulls, missing keys, unknown keys and any key case are
 * accepted; only what an operation really needs is checked, by the operation, with a 400
 * that names the field.
 */
#ifndef OAC_REQUEST_H
#define OAC_REQUEST_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "../common/arena.h"
#include "../common/buf.h"
#include "config.h"
#include "user.h"
#include "problem.h"

struct flow_request {
  cJSON *root;                  /* the parsed body (an object), owned */
  const char *config[CFG_COUNT];/* configuration values, trimmed; NULL = absent or empty */
  const char *type_name;        /* objectDataType.developerName, else objectData[0]'s */
  const cJSON *want;            /* objectDataType.properties (array) or NULL */
  const cJSON *objects;         /* objectData (array) or NULL */
  const cJSON *list_filter;     /* listFilter (object) or NULL */
  struct flow_user user;        /* from the Authorization header */
  struct buf user_storage;
};

/* Parses BODY (LEN bytes; empty = an empty object) and the Authorization header AUTH (may
 * be NULL). Strings are copied into A where trimmed. OAC_OK, or OAC_EREFUSED with P set: 400
 * for JSON that is malformed, nested too deep or not an object; 500 on allocation failure. */
enum oac_result request_parse(const char *body, size_t len, const char *auth, struct arena *a,
                  struct flow_request *r, struct problem *p);
void request_free(struct flow_request *r);

/* The configuration value, or NULL. */
static inline const char *request_config(const struct flow_request *r, enum flow_config k)
{
  return r->config[k];
}

/* The configuration value whose developerName is NAME (trimmed, any case), trimmed and
 * copied into A; NULL when absent, empty or out of memory. For `{config: <name>}`
 * parameters (product.md §5.2, PSRC_CONFIG): any configuration value, not only §4's. */
const char *request_config_named(const struct flow_request *r, const char *name,
                                 struct arena *a);

#endif
