/* user.c - the running user from the Authorization header (see user.h). */
#include <string.h>
#include <strings.h>
#include "user.h"

static const char *const keys[FU_COUNT] = {
  "ManyWhoTenantId", "ManyWhoUserId", "ManyWhoToken", "DirectoryId", "DirectoryName",
  "RoleId", "RoleName", "PrimaryGroupId", "PrimaryGroupName", "Email", "IdentityProvider",
  "TenantName", "Token", "Username", "UserId", "FirstName", "LastName"
};

const char *flow_user_field_key(enum flow_user_field f)
{
  return (unsigned)f < FU_COUNT ? keys[f] : "?";
}

int flow_user_field_by_name(const char *name)
{
  static const enum flow_user_field allowed[] = {
    FU_USER_ID, FU_EMAIL, FU_FIRST_NAME, FU_LAST_NAME, FU_USERNAME, FU_DIRECTORY_ID,
    FU_DIRECTORY_NAME, FU_PRIMARY_GROUP_ID, FU_PRIMARY_GROUP_NAME, FU_ROLE_ID, FU_ROLE_NAME
  };
  for(size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
    if(!strcasecmp(name, keys[allowed[i]]))
      return (int)allowed[i];
  return -1;
}

enum oac_result flow_user_parse(const char *header, size_t len, struct flow_user *u,
                                struct buf *storage)
{
  memset(u, 0, sizeof(*u));
  buf_reset(storage);
  if(!header || !len)
    return OAC_OK;
  buf_pct_decode(storage, header, len);
  if(buf_failed(storage))
    return OAC_ENOMEM;
  /* split in place: '&' and the first '=' of each item become NULs */
  char *p = storage->data, *end = storage->data + storage->len;
  while(p < end) {
    char *amp = memchr(p, '&', (size_t)(end - p));
    char *item_end = amp ? amp : end;
    char *eq = memchr(p, '=', (size_t)(item_end - p));
    *item_end = '\0';
    if(eq) {
      *eq = '\0';
      for(int f = 0; f < FU_COUNT; f++)
        if(!strcasecmp(p, keys[f])) {
          u->value[f] = eq + 1;
          u->len[f] = (size_t)(item_end - eq - 1);
          u->present = 1;
          break;
        }
    }
    p = item_end + 1;
  }
  return OAC_OK;
}

int flow_user_is_public(const struct flow_user *u)
{
  const char *id = u->value[FU_USER_ID], *tok = u->value[FU_TOKEN];
  return !u->present || !id || !*id || !strcasecmp(id, "PUBLIC_USER") || !tok || !*tok ||
         !strcmp(tok, "NONE");
}
