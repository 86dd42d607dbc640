/* fuzz_common.h - what the libFuzzer harnesses share: compiling a document into a cache
 * image in memory (the compile step the tests and the CLI use), a closed loopback port for
 * upstream URLs that fail at once, and where the source tree is.
 */
#ifndef OAC_FUZZ_COMMON_H
#define OAC_FUZZ_COMMON_H

#include <stddef.h>
#include "common/buf.h"

/* The source tree (OAC_FUZZ_SRCDIR in the environment, else the one the harness was built
 * from). */
const char *fuzz_srcdir(void);

/* Compiles the document at PATH (relative to the source tree unless absolute), registered
 * under AS, with its server URL replaced by SERVER when not NULL, into IMG. 0, or -1 with
 * the diagnostics printed. */
int fuzz_compile_file(const char *path, const char *as, const char *server, struct buf *img);
/* The same from TEXT[0..len) (named PATH in diagnostics). */
int fuzz_compile_text(const char *path, const char *text, size_t len, const char *as,
                      const char *server, struct buf *img);

/* The file at PATH (relative to the source tree unless absolute), NUL-terminated
 * (oac_free; NULL if unreadable). */
char *fuzz_read_file(const char *path, size_t *len);
/* TEXT (oac_malloc'd, consumed) with every FROM replaced by TO; oac_free the result. */
char *fuzz_replace(char *text, const char *from, const char *to);

/* Writes IMG into DIR under the registration's default cache name. 0 or -1. */
int fuzz_write_cache(const struct buf *img, const char *as, const char *dir);

/* A loopback TCP port nothing listens on (bound, read, closed): a connect is refused at
 * once, so an upstream call fails fast and never leaves the machine. */
int fuzz_closed_port(void);

/* abort() with a message: a harness's own check failed (libFuzzer records the input). */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
