/* config.h - the connector's configuration values (product.md §4) and the fixed
 * part of the describe response. Shared by the compiler (which prebuilds the full describe
 * body into the cache) and the worker (which answers describe without a Schema URL). */
#ifndef OAC_FLOW_CONFIG_H
#define OAC_FLOW_CONFIG_H

#include "../common/buf.h"

enum flow_config {
  CFG_SCHEMA_URL, CFG_API_KEY, CFG_CLIENT_ID, CFG_CLIENT_SECRET, CFG_AUTH_GROUPS,
  CFG_AUTH_USERS,
  CFG_SERVER,       /* servers (§13.7): which document-level server to call */
  CFG_COUNT
};

extern const char *const flow_config_names[CFG_COUNT];

/* The names of the cache's enums (format.h), shared by compiler and worker:
 * the extension of an enum cache_op ("x-flow-load", ...) and an enum cache_method ("GET";
 * "?" when out of range). */
const char *flow_op_extension(unsigned op);
const char *flow_method_name(unsigned method);

/* Flow's name of a content type ("ContentString", ...); enum cache_ctype values. */
const char *flow_ctype_name(unsigned ctype);

/* Inline documents (§15.4): the configuration value listed after Schema URL only when the
 * worker allows inline documents; not in enum flow_config (compiled describes never list
 * it: the worker adds it, see worker/inline.c). */
#define FLOW_CONFIG_SCHEMA_VALUE "Schema Value"
/* The configurationValues entries (without the brackets), SCHEMA_VALUE: with Schema Value
 * after Schema URL (and then Schema URL is not required). */
void flow_config_values_json(struct buf *b, int schema_value);

/* Writes '{' and every member up to and including "actions":[] (no closing brace), so the
 * caller may add "install" and close the object. */
void flow_describe_head(struct buf *b, int provides_identity);
/* The same up to and including "actions":[ (still open: the caller writes the actions and
 * the ']'), with providesLogic as PROVIDES_LOGIC says (message actions, §14). */
void flow_describe_head_open(struct buf *b, int provides_identity, int provides_logic);

#endif
