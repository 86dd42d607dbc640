/* result.h - the one result enum of the whole program.
 *
 * Every function that can fail returns an oac_result; OAC_OK is 0 so the house idiom is
 *   result = step(); if(result) return result;
 * Callers that need more than the code (a message, a line:col) get it from a context struct
 * they own (struct diag for the compiler, struct cache_error for the cache reader, struct
 * problem for a Flow request). docs/internals/errors.md describes the convention.
 */
#ifndef OAC_RESULT_H
#define OAC_RESULT_H

enum oac_result {
  OAC_OK = 0,
  OAC_ENOMEM,      /* an allocation failed */
  OAC_EIO,         /* a file could not be read or written, a download failed */
  OAC_EUSAGE,      /* bad command line */
  OAC_EDOC,        /* the input is invalid: the OpenAPI document (already reported through
                      diag), a JSON text, a value that cannot be written */
  OAC_ECACHE,      /* a cache file is unusable (message in struct cache_error) */
  OAC_ELIMIT,      /* a size, depth or alias-expansion limit was hit */
  OAC_EINTERNAL,   /* a real internal fault */
  OAC_EREFUSED     /* a request is refused: the HTTP status and the message are in the
                      caller's struct problem (flow/problem.h) */
};

const char *oac_result_str(enum oac_result r);

#endif
