/* md.h - the Merkle-Damgard framing SHA-1 and SHA-256 share (FIPS 180-4 §5.1.1): input cut
 * into 64-byte blocks, then 0x80, zeros up to 56 mod 64 and the message length in bits,
 * big-endian; the digest is the state words, big-endian. Only sha1.c and sha256.c use it,
 * each with its own compression function. */
#ifndef OAC_MD_H
#define OAC_MD_H

#include <stddef.h>
#include <stdint.h>

/* One block into the state H. */
typedef void md_compress_fn(uint32_t *h, const unsigned char *block);

/* Feeds DATA[0..len): whole blocks go to COMPRESS, the rest waits in BLOCK (*USED bytes). */
void md_update(uint32_t *h, md_compress_fn *compress, uint64_t *total, unsigned char *block,
               size_t *used, const void *data, size_t len);
/* Pads, compresses the last block(s) and writes NWORDS state words to OUT. */
void md_final(uint32_t *h, md_compress_fn *compress, uint64_t total, unsigned char *block,
              size_t used, unsigned nwords, unsigned char *out);

#endif
