/* hash.h - the hashes the cache format uses (compiler and worker must agree).
 *
 * oac_hash64: fast, word-at-a-time, not cryptographic; used for section checksums and for
 * the binding-name hash table. Its definition is part of the cache format: changing it
 * requires a format version bump.
 */
#ifndef OAC_HASH_H
#define OAC_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t oac_hash64(const void *data, size_t len, uint64_t seed);
/* The table key hash: case-sensitive, exact bytes of the binding name. */
static inline uint64_t oac_name_hash(const char *s, size_t len) { return oac_hash64(s, len, 0x6f61632d6e616d65ULL); }

/* In-memory tables only (not part of the cache format): FNV-1a of the NUL-terminated S with
 * ASCII letters folded to lower case, for names matched case-insensitively. */
uint32_t oac_hash_ci(const char *s);

#endif
