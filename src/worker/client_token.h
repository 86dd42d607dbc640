/* client_token.h - OAuth 2.0 client credentials (product.md §13.6): the token an oauth2
 * scheme with flows.clientCredentials gets from its tokenUrl with the configured client id
 * and secret, sent as "Authorization: Bearer" for every user.
 *
 * Tokens are cached per process (at most CLIENT_TOKEN_MAX_KEYS keys, the least recently
 * used dropped first), each used until CLIENT_TOKEN_EARLY_S seconds before it expires
 * (expires_in; CLIENT_TOKEN_DEFAULT_TTL when the answer has none). With a token cache
 * directory (--token-cache DIR) the processes share them: DIR has mode 0700, each token is
 * a file of mode 0600 named by its key (64 hex digits), written to a temporary file and
 * renamed into place, and an expired or unreadable one is removed when it is read.
 *
 * The key is a SHA-256 over the token URL, client id, client secret, scopes and token
 * parameters (each followed by a NUL byte), so another secret or scope is another token.
 * Neither the secret nor a token ever reaches a log or a message.
 */
#ifndef OAC_CLIENT_TOKEN_H
#define OAC_CLIENT_TOKEN_H

#include <stddef.h>
#include "../common/buf.h"
#include "../common/sha256.h"
#include "ops.h"

#define CLIENT_TOKEN_MAX_KEYS 64
#define CLIENT_TOKEN_EARLY_S 30
#define CLIENT_TOKEN_DEFAULT_TTL 3600
#define CLIENT_TOKEN_MAX_FILE 65536

/* The cache key of a token request (NULL fields count as empty). */
void client_token_key(const char *token_url, const char *client_id, const char *secret,
                      const char *scopes, const char *params,
                      unsigned char key[SHA256_DIGEST_LEN]);
/* KEY as 64 lowercase hex digits and a NUL: the token's file name. */
void client_token_key_hex(const unsigned char key[SHA256_DIGEST_LEN], char hex[65]);

/* The on-disk form of one token: "openapi-connector token 1\nexpires <unix seconds>\n
 * <token>\n". format appends it to B; parse gives the expiry and the token (pointing into
 * TEXT) and returns 1, or 0 for anything else (a token with a byte outside 0x21-0x7e). */
void client_token_file_format(struct buf *b, long long expires, const char *token);
int client_token_file_parse(const char *text, size_t len, long long *expires,
                            const char **token, size_t *token_len);

/* The shared directory (NULL = none). Creates it with mode 0700 when it is missing; an
 * existing one must be a directory of this user that nobody else may read or enter.
 * OAC_OK, or OAC_EIO with the reason in ERR. */
enum oac_result client_token_set_dir(const char *dir, char *err, size_t errlen);

/* The process's store. lookup: the token of KEY still usable at NOW (before its expiry
 * minus CLIENT_TOKEN_EARLY_S), from memory, else from the directory; NULL when there is
 * none. The text is valid until the next store, drop or reset. store: keeps TOKEN until
 * EXPIRES (Unix seconds) in memory and in the directory. drop: forgets KEY everywhere.
 * count: keys held in memory. reset: forgets every key and the directory (tests). */
const char *client_token_lookup(const unsigned char key[SHA256_DIGEST_LEN], long long now);
enum oac_result client_token_store(const unsigned char key[SHA256_DIGEST_LEN],
                                   const char *token, long long expires, long long now);
void client_token_drop(const unsigned char key[SHA256_DIGEST_LEN]);
size_t client_token_count(void);
void client_token_reset(void);

/* The bearer token for client-credentials scheme S asking for SCOPES (NULL = none): from
 * the store, else requested at the scheme's tokenUrl within the request's upstream budget.
 * *TOKEN in the request's arena and its KEY (for client_token_drop after an API 401), or
 * the result with x->p set: 400 without a client id or secret, 502 for a refused or
 * unusable answer (the token URL and the provider's error code), 504, 500. */
enum oac_result client_token_get(struct op_ctx *x, const struct cache_scheme *s,
                                 const char *scopes, unsigned char key[SHA256_DIGEST_LEN],
                                 const char **token);

#endif
