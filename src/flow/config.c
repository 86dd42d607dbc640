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
  flow_config_values_json(b, 0);
  buf_printf(b, "],\"providesAutoBinding\":false,\"providesDatabase\":true,"
             "\"providesFiles\":false,\"providesIdentity\":%s,\"providesListening\":false,"
             "\"providesLogic\":%s,\"providesNotifications\":false,"
             "\"providesSmartSave\":false,\"providesSocial\":false,\"providesSharing\":false,"
             "\"providesViews\":false,\"providesVoting\":false,\"actions\":[",
             provides_identity ? "true" : "false", provides_logic ? "true" : "false");
}

/* One configurationValues entry. */
static void config_value(struct buf *b, int first, const char *name, int ordinal, int required)
{
  buf_puts(b, first ? "{\"developerName\":" : ",{\"developerName\":");
  buf_json_str(b, name);
  buf_printf(b, ",\"contentValue\":null,\"contentType\":\"ContentString\","
             "\"typeElementDeveloperName\":null,\"ordinal\":%d,\"order\":%d,"
             "\"required\":%s,\"isRequired\":%s}", ordinal, ordinal,
             required ? "true" : "false", required ? "true" : "false");
}

void flow_config_values_json(struct buf *b, int schema_value)
{
  int ord = 0;
  for(int i = 0; i < CFG_COUNT; i++) {
    /* Schema URL is required unless a Schema Value may stand in for it (§4, §15.4) */
    config_value(b, i == 0, flow_config_names[i], ord++, i == CFG_SCHEMA_URL && !schema_value);
    if(i == CFG_SCHEMA_URL && schema_value)
      config_value(b, 0, FLOW_CONFIG_SCHEMA_VALUE, ord++, 0);
  }
}
