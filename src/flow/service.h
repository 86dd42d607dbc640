/* service.h - message actions on the Flow side (product.md §14.3, flow-protocol.md §4.2,
 * §4.8): the ServiceRequest read tolerantly (nulls, missing keys, unknown keys and any key
 * case accepted, like request.h), an input's value checked and turned into what the API
 * call sends, and the ServiceResponse written. Pure: no cache file, no network; the worker
 * (worker/action.c) gives it the compiled input's description (struct input_spec).
 */
#ifndef OAC_FLOW_SERVICE_H
#define OAC_FLOW_SERVICE_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "../common/arena.h"
#include "../common/buf.h"
#include "outcome.h"
#include "problem.h"

/* One EngineValue of inputs[] (flow-protocol.md §4.2). */
struct service_input {
  const char *name;             /* developerName, trimmed; NULL = none (never matched) */
  const cJSON *value;           /* contentValue: a string, number or boolean node; NULL =
                                   absent or null */
  const cJSON *objects;         /* objectData (array) or NULL */
};

struct service_request {
  const cJSON *token, *tenant_id, *culture, *annotations;   /* echoed; NULL = absent */
  struct service_input *inputs;
  size_t ninputs;
  struct outcome_wired *outcomes;
  size_t noutcomes;
};

/* Reads the action parts of the request body ROOT (an object, request_parse()'s root):
 * token, tenantId, culture, annotations, inputs[], outcomes[] (configurationValues are
 * request.h's). Strings and tables are in A. OAC_OK, or the result with a 500 in P (out of
 * memory): nothing in a body is refused here. */
enum oac_result service_request_read(const cJSON *root, struct arena *a,
                                     struct service_request *sr, struct problem *p);

/* The input named NAME (trimmed, any case): the first one; NULL when none. */
const struct service_input *service_input_find(const struct service_request *sr,
                                               const char *name);

/* What a compiled input is (format.h struct cache_input, resolved). */
struct input_spec {
  const char *name;             /* developerName, for messages */
  unsigned ctype;               /* enum cache_ctype */
  unsigned flags;               /* CI_F_* */
  const char *def;              /* CI_F_DEFAULT: the schema default's text; else NULL */
  int body;                     /* the request body input (CIN_BODY) */
};

/* An input's value as the call sends it. */
struct input_value {
  int set;                      /* 0 = nothing to send (an empty optional input) */
  const char *text;             /* a scalar's text (numbers checked, booleans "true" /
                                   "false", dates as given or YYYY-MM-DD for CI_F_DATE;
                                   CI_F_ARRAY: the parts joined per the style) */
  const char **parts;           /* CI_F_ARRAY: the comma-separated values, trimmed, empty
                                   ones left out */
  size_t nparts;
  const cJSON *object;          /* CT_OBJECT: the one MObject */
  const cJSON *list;            /* CT_LIST: the objectData array */
};

/* The value of input SPEC from V (NULL = not in the request): contentValue, or objectData
 * for objects and lists (contentType is never trusted). An empty or absent optional input
 * takes SPEC's default, else is not set. OAC_OK, or OAC_EREFUSED with a 400 in P naming
 * the input: a missing required input, a ContentNumber that is not a JSON number, a
 * ContentBoolean that is not true/false (any case), a ContentDateTime that is not ISO
 * 8601, a ContentObject with more than one object; 500 on allocation failure. */
enum oac_result service_input_value(const struct input_spec *spec,
                                    const struct service_input *v, struct arena *a,
                                    struct input_value *out, struct problem *p);

/* Appends V as JSON (numbers as their text in the request, json.h). */
void service_write_json(struct buf *b, const cJSON *v);

/* One output EngineValue: {"developerName", "contentType", "contentValue", "objectData",
 * "typeElementDeveloperName"}: VALUE (NULL = null) as contentValue, OBJECTS (JSON text of
 * an MObject array, NULL = null) as objectData, TYPE (NULL = null). The separator before
 * it is the caller's. */
void service_output(struct buf *b, const char *name, const char *ctype, const char *value,
                    size_t value_len, const char *objects, size_t objects_len,
                    const char *type);

struct cache;

/* The Response Body output of a non-2xx answer is cut here (§14.2: 64 KiB), at a UTF-8
 * character boundary (api_error_cut). */
#define SERVICE_BODY_MAX 65536u

/* The Response output (§14.2) of a 2xx answer ROOT, appended to B after a ',': CTYPE (enum
 * cache_ctype) an object or list of TYPE (its name TYPE_NAME) mapped to MObjects as a load
 * maps them (the list found under ITEMS, "" = automatic; an array of scalars as ID/Value
 * items), else a scalar's text (numbers written out plain, §7; a value that is not the
 * declared scalar as its JSON text). Nothing for a NULL ROOT or CT_NONE. Used by the worker
 * (worker/action.c) and, for example mode, by the compiler (compile/examples.c), so both
 * answer alike. OAC_OK, or the mapping's result with P set. */
enum oac_result service_response_value(struct cache *c, unsigned ctype, int32_t type,
                                       const char *type_name, const char *items,
                                       const cJSON *root, struct buf *b, struct problem *p);

/* The ServiceResponse (§14.3): token, tenantId, culture and annotations echoed (null when
 * absent), invokeType "FORWARD", waitMessage null, OUTPUTS (a JSON array text),
 * selectedOutcomeId OUTCOME_ID (NULL = null), rootFaults {}, valueFaults [], mode null. */
void service_response(struct buf *b, const struct service_request *sr, const char *outputs,
                      size_t outputs_len, const char *outcome_id);

#endif
