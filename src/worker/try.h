/* try.h - `openapi-connector --try` (product.md §16.5): plays the flow engine against a
 * compiled document from the command line. It builds the Flow request body the engine
 * would send (describe, load, save, delete, action), answers it with the worker's own
 * worker_handle() once, and prints each upstream request and answer it made (through
 * call.h's call_trace hook, secrets masked, §5.2) and then the Flow answer. Never starts
 * the FastCGI loop. Part of the worker program (not libworker).
 */
#ifndef OAC_TRY_H
#define OAC_TRY_H

#include "handler.h"

/* Is this command line a --try one (a "--try" or "--try=..." before any "--")? */
int try_wanted(int argc, char **argv);

/* Runs it. O holds the worker's defaults from the environment (main.c), TOKEN_CACHE the
 * environment's token directory or NULL. Exit status: 0 for a 2xx Flow answer, 1 for any
 * other, 2 for a bad command line. */
int try_main(int argc, char **argv, struct worker_opts *o, const char *token_cache);

/* main.c's checks of option values: a bad one prints a message and exits with status 2. */
long seconds_to_ms(const char *s, const char *what);
unsigned long count_arg(const char *s, const char *what, unsigned long min);

#endif
