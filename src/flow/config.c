/* config.c - configuration values and the describe response head (config.h). */
#include "config.h"
#include "../cache/cache.h"

const char *const flow_config_names[CFG_COUNT] = {
  "Schema URL", "API Key", "OAuth2/OIDC: Client Id", "OAuth2/OIDC: Client Secret",
  "Authorization Groups", "Authorization Users",
  "Server"   /* servers (§13.7) */
};

const char *flow_op_extension(unsigned op)
{
  static const char *const names[] = {
    "x-flow-load", "x-flow-query", "x-flow-save", "x-flow-update", "x-flow-delete",
    "x-flow-action"   /* OP_ACTION: message actions (§14) */
  };
  return op < sizeof(names) / sizeof(names[0]) ? names[op] : "x-flow-?";
}

const char *flow_method_name(unsigned method)
{
  const char *name = cache_method_name(method);
  return name ? name : "?";
}

const char *flow_ctype_name(unsigned ctype)
{
  static const char *const names[] = {
    "ContentString", "ContentString", "ContentNumber", "ContentBoolean", "ContentDateTime",
    "ContentPassword", "ContentObject", "ContentList", "ContentContent", "ContentEncrypted"
  };
  return ctype < sizeof(names) / sizeof(names[0]) ? names[ctype] : "ContentString";
}

void flow_describe_head(struct buf *b, int provides_identity)
{
  flow_describe_head_open(b, provides_identity, 0);
  buf_putc(b, ']');
}

void flow_describe_head_open(struct buf *b, int provides_identity, int provides_logic)
{
  buf_puts(b, "{\"culture\":null,\"uri\":null,\"configurationValues\":[");
  for(int i = 0; i < CFG_COUNT; i++) {
    buf_puts(b, i ? ",{\"developerName\":" : "{\"developerName\":");
    buf_json_str(b, flow_config_names[i]);
    buf_printf(b, ",\"contentValue\":null,\"contentType\":\"ContentString\","
               "\"typeElementDeveloperName\":null,\"ordinal\":%d,\"order\":%d,"
               "\"required\":%s,\"isRequired\":%s}", i, i, i == CFG_SCHEMA_URL ? "true" : "false",
               i == CFG_SCHEMA_URL ? "true" : "false");
  }
  buf_printf(b, "],\"providesAutoBinding\":false,\"providesDatabase\":true,"
             "\"providesFiles\":false,\"providesIdentity\":%s,\"providesListening\":false,"
             "\"providesLogic\":%s,\"providesNotifications\":false,"
             "\"providesSmartSave\":false,\"providesSocial\":false,\"providesSharing\":false,"
             "\"providesViews\":false,\"providesVoting\":false,\"actions\":[",
             provides_identity ? "true" : "false", provides_logic ? "true" : "false");
}
