/* offset_token.h - Flow's offsetToken for paged loads (product.md §12.2, flow-protocol.md
 * §4.6, §6.3).
 *
 * A paged answer that has not reached the end of the list carries an offsetToken; Flow
 * stores it and sends it back as listFilter.offsetToken, and the load continues there
 * instead of walking from the first page. The token is opaque to Flow and carries no key:
 * any host (any worker process, any machine) accepts any host's token. It binds itself to
 * its list (registration, binding, operation, selected server, and a SHA-256 of the list
 * filter without offset, limit and offsetToken), so another list's token is refused, and
 * it holds a checksum of its own bytes, so a token changed in transit does not decode
 * rather than continuing at a wrong position.
 *
 * The text is base64url (RFC 4648 §5: A-Z a-z 0-9 - _) without padding, canonical (the
 * unused low bits of the last character are zero), of this record (version 1):
 *
 *   bytes  field
 *   1      format version (OFFSET_TOKEN_VERSION)
 *   8      checksum: the first 8 bytes of the SHA-256 of every other byte of the record
 *          (the version byte and the body), so every later version keeps byte 0 and these
 *          8 bytes where they are
 *   str    registration (the request's Schema URL, trimmed, as the cache is registered)
 *   str    binding (the type's name as the cache spells it)
 *   uv     operation (enum cache_op)
 *   uv     selected server (index into the document's servers, §13.7)
 *   32     SHA-256 of the list filter (offset_token_filter_hash)
 *   1      position kind (enum offset_token_pos)
 *   str/uv position value: str for OT_POS_CURSOR and OT_POS_NEXT_URL, uv for OT_POS_PAGE,
 *          OT_POS_OFFSET and OT_POS_EXAMPLE, nothing for OT_POS_FIRST
 *   uv     items of that API page already consumed
 *   uv     the Flow offset the token continues at
 *
 * uv is an unsigned LEB128 integer (7 bits a byte, low group first, at most 10 bytes, the
 * shortest form only); str is a uv length and that many bytes, none of them NUL. Nothing
 * may follow the last field. A token whose text would be longer than OFFSET_TOKEN_MAX_LEN
 * characters is not issued: the answer then says hasMoreResults true without one.
 */
#ifndef OAC_OFFSET_TOKEN_H
#define OAC_OFFSET_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "../common/arena.h"
#include "../common/buf.h"
#include "../common/result.h"
#include "../common/sha256.h"

#define OFFSET_TOKEN_VERSION 1
/* The longest token text issued or accepted, in characters (4 KiB). */
#define OFFSET_TOKEN_MAX_LEN 4096

/* The API position that fetched the API page the token continues in. */
enum offset_token_pos {
  OT_POS_FIRST = 0, /* the walk's first request (no cursor, page or URL yet) */
  OT_POS_CURSOR,    /* str: the cursor value the page was asked with */
  OT_POS_PAGE,      /* num: the page number the page was asked with */
  OT_POS_NEXT_URL,  /* str: the next URL the page was fetched from, path and query */
  OT_POS_OFFSET,    /* num: the API offset the page was asked with (offset style) */
  OT_POS_EXAMPLE,   /* num: an index into the example list (example mode) */
  OT_POS_MAX
};

/* What binds a token to its list; the caller passes the request's values to decode. */
struct offset_token_list {
  const char *registration;                     /* Schema URL as registered (trimmed) */
  const char *binding;                          /* the type's name as the cache spells it */
  unsigned op;                                  /* enum cache_op */
  unsigned server;                              /* selected server index */
  unsigned char filter_hash[SHA256_DIGEST_LEN]; /* offset_token_filter_hash() */
};

struct offset_token {
  struct offset_token_list list;
  enum offset_token_pos kind;
  /* OT_POS_CURSOR, OT_POS_NEXT_URL: NUL-terminated, no NUL inside; else NULL */
  const char *pos_str;
  uint64_t pos_num;  /* OT_POS_PAGE, OT_POS_OFFSET, OT_POS_EXAMPLE; else 0 */
  uint64_t consumed; /* items of that API page already consumed */
  uint64_t offset;   /* the Flow offset the token continues at */
};

/* Why a token was refused (offset_token_decode's OAC_EDOC). */
enum offset_token_why {
  OT_OK = 0,
  /* does not decode: empty, too long, not base64url, truncated, checksum wrong, a field
   * out of range, bytes left over */
  OT_MALFORMED,
  OT_WRONG_VERSION, /* decodes, of a format version this worker does not read */
  OT_ANOTHER_LIST   /* registration, binding, operation, server or filter differ */
};

/* The SHA-256 that binds a token to the list filter LIST_FILTER (the request's listFilter
 * object, or NULL): its RFC 8785 canonical JSON (map_jcs_id, so key order and number
 * spelling do not matter; keys and string values are compared as sent, case-sensitively)
 * without the top-level members `offset`, `limit` and `offsetToken` (matched
 * case-insensitively, as the request reader matches them) and without top-level members
 * whose value says nothing: null, false, "", [] or {} (Flow's empty listFilter spells the
 * defaults out - comparisonType "", where null, filterByProvidedObjects false - and means
 * the same list as a null one). A listFilter that is
 * null or not an object hashes as {} (the whole list). OAC_OK or OAC_ENOMEM. */
enum oac_result offset_token_filter_hash(const cJSON *list_filter,
                                         unsigned char out[SHA256_DIGEST_LEN]);

/* Appends the token text of T to OUT (no quotes; URL-safe, so no JSON escape is needed).
 * OAC_ELIMIT when the text would be longer than OFFSET_TOKEN_MAX_LEN (nothing appended:
 * answer hasMoreResults true without a token); OAC_EINTERNAL when T is not encodable
 * (registration, binding or a string position NULL, an unknown kind; nothing appended);
 * OAC_ENOMEM. */
enum oac_result offset_token_encode(const struct offset_token *t, struct buf *out);

/* Decodes the token text TEXT[0..len) into OUT; its strings are copied into A. EXPECT, when
 * not NULL, is the request's list: a token of another list is refused. OAC_OK (*WHY =
 * OT_OK); OAC_EDOC with *WHY saying why it is refused (checked in that order: malformed,
 * wrong version, another list); OAC_ENOMEM. OUT is filled only on OAC_OK and on
 * OT_ANOTHER_LIST. An empty text is malformed: a caller treats an empty offsetToken as none
 * before calling this, if it wants to. */
enum oac_result offset_token_decode(const char *text, size_t len,
                                    const struct offset_token_list *expect, struct arena *a,
                                    struct offset_token *out, enum offset_token_why *why);

/* The reason as the 400's message says it ("offsetToken belongs to another list"). */
const char *offset_token_why_str(enum offset_token_why why);

/* §12.2: when a request brings a token, is it used (nonzero) or ignored and OFFSET served by
 * walking (0)? Used unless OFFSET (listFilter.offset, 0 when absent) is non-zero and differs
 * from the token's recorded Flow offset. A negative OFFSET is a 400 before this is asked
 * (here it differs, so 0). */
int offset_token_used(long offset, const struct offset_token *t);

#endif
