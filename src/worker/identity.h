/* identity.h - the connector as Flow's login provider (product.md §9, flow-protocol.md §7):
 * POST /authorization, /authentication and the directory listings
 * /authorization/group|user[/attribute].
 *
 * The sign-in scheme is the document's first security scheme with x-flow-identity (the
 * compile step marks it SCH_F_SIGN_IN): HTTP Basic checks the credentials at
 * me.userInfoUrl or me.defaultUrl; OAuth 2.0 and OpenID Connect exchange the code at the
 * token endpoint and read the user at the userinfo endpoint. A failed sign-in is an HTTP 200
 * AuthenticatedWhoResult with status ACCESS_DENIED and a statusMessage saying why; nothing
 * secret (password, client secret, code, token) is ever written to a message or the log.
 *
 * The three answers return OAC_OK with the body in x->out, or OAC_EREFUSED with x->p set.
 */
#ifndef OAC_IDENTITY_H
#define OAC_IDENTITY_H

#include "ops.h"

/* The sign-in scheme of X's cache; NULL with a 400 problem when the document declares no
 * x-flow-identity (or a 503 for an unreadable cache). */
const struct cache_scheme *identity_scheme(struct op_ctx *x);

/* POST /authorization: the $User object with Status "200" or "401" (the PUBLIC /
 * ALL_USERS / SPECIFIED rules), AuthenticationType and LoginUrl. */
enum oac_result identity_authorization(struct op_ctx *x, const struct cache_scheme *s);

/* POST /authentication: AUTHENTICATED with the user and the token, or ACCESS_DENIED. */
enum oac_result identity_authentication(struct op_ctx *x, const struct cache_scheme *s);

/* POST /authorization/group (USERS 0) or /authorization/user (USERS 1), or their
 * /attribute (ATTRIBUTES 1): the ids of the Authorization Groups / Users configuration
 * value as GroupAuthorizationGroup / GroupAuthorizationUser objects (search, offset, limit;
 * only the ones named in objectData when it names any). X->c is not used. */
enum oac_result identity_directory(struct op_ctx *x, int users, int attributes);

#endif
