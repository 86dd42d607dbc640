/* user.h - the running user, from the Authorization header Flow sends
 * (flow-protocol.md §3.2, product.md §9.5).
 *
 * The header is Flow's serialized AuthenticatedWho: "Key=Value" pairs joined by '&', the
 * whole string percent-encoded once. Parsing: percent-decode once, split on '&', split each
 * item on its first '=', never decode a value again, match keys case-insensitively; missing
 * keys and empty values are legal, unknown keys are ignored. Used by the worker for
 * $User.* parameters, the user's token and the authorization rules.
 */
#ifndef OAC_FLOW_USER_H
#define OAC_FLOW_USER_H

#include <stddef.h>
#include "../common/buf.h"
#include "../common/result.h"

enum flow_user_field {
  FU_MANYWHO_TENANT_ID, FU_MANYWHO_USER_ID, FU_MANYWHO_TOKEN, FU_DIRECTORY_ID,
  FU_DIRECTORY_NAME, FU_ROLE_ID, FU_ROLE_NAME, FU_PRIMARY_GROUP_ID, FU_PRIMARY_GROUP_NAME,
  FU_EMAIL, FU_IDENTITY_PROVIDER, FU_TENANT_NAME, FU_TOKEN, FU_USERNAME, FU_USER_ID,
  FU_FIRST_NAME, FU_LAST_NAME, FU_COUNT
};

struct flow_user {
  const char *value[FU_COUNT];   /* NUL-terminated, inside storage; NULL = key absent */
  size_t len[FU_COUNT];
  int present;                   /* a header was given and held at least one known key */
};

/* Parse HEADER (LEN bytes; NULL or empty = no user). The values live in STORAGE, which the
 * caller keeps until it is done with U. OAC_ENOMEM is the only failure: a garbled header
 * gives a user with fewer (or no) fields. */
enum oac_result flow_user_parse(const char *header, size_t len, struct flow_user *u,
                                struct buf *storage);

/* The field a $User.<name> token names (UserId/UserID, Email, FirstName, LastName,
 * Username, DirectoryId, DirectoryName, PrimaryGroupId, PrimaryGroupName, RoleId,
 * RoleName; any case), or -1. */
int flow_user_field_by_name(const char *name);

/* The header key of a field, as Flow writes it ("UserId", "Token", ...). */
const char *flow_user_field_key(enum flow_user_field f);

/* No signed-in user: no header, UserId PUBLIC_USER, or Token NONE / empty. */
int flow_user_is_public(const struct flow_user *u);

#endif
