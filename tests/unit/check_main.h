/* check_main.h - the one main() of the Check suites (check_main.c).
 *
 * A suite file provides only
 *
 *     Suite *suite(void);
 *
 * and links check_main.c, whose main() builds the suite, runs it with srunner_run_all
 * (CK_ENV: CK_VERBOSITY, CK_FORK, CK_RUN_SUITE, CK_RUN_CASE, CK_TAG..., CK_*_LOG_FILE_NAME
 * as Check documents them), prints Check's summary line and exits 0 (every test passed)
 * or 1. suite() may instead call check_skip() and return NULL: main() then prints
 * "SKIP: reason" and exits 77, which the automake test driver reports as a skip (what is
 * missing is not there to test: fixtures, python3). A NULL without check_skip() is a
 * failure (exit 1).
 */
#ifndef OAC_CHECK_MAIN_H
#define OAC_CHECK_MAIN_H

#include <check.h>

/* The suite of this program (each check_*.c defines it). */
Suite *suite(void);

/* The whole program is a skip, for the printf-style REASON (printed by main). */
void check_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* FN runs after the suite (every test done, the runner freed): frees what suite() built
 * for the tests, so valgrind sees no leak. Up to 8. */
void check_at_end(void (*fn)(void));

/* The exit status of the automake test driver for a skip. */
#define CHECK_EXIT_SKIP 77

#endif
