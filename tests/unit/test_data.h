/* test_data.h - what the data-driven runners share (check_requests, check_mapping_cases,
 * check_filter_cases): the case folders of tests/data/<kind>/, reading JSON files with
 * placeholders, and the structural comparison of an expected JSON value with an actual one
 * (tests/data/README.md describes the matchers). */
#ifndef OAC_TEST_DATA_H
#define OAC_TEST_DATA_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "common/buf.h"

/* top_srcdir/tests/data/KIND (static buffer). */
const char *td_dir(const char *kind);

/* The case folders of tests/data/KIND, sorted, into a static list; their count. Printed
 * as "<kind> cases: N (from DIR)". With OAC_CASE=NAME in the environment, only that case
 * (to run one: OAC_CASE=load-by-id CK_FORK=no tests/unit/check_requests). Free with
 * td_cases_free (check_at_end). */
int td_cases(const char *kind, char ***names);
void td_cases_free(void);

/* TEXT with every FROM replaced by TO (malloc'ed). */
char *td_replace(const char *text, const char *from, const char *to);

/* Is PATH a readable file? */
int td_exists(const char *path);

/* The JSON in file PATH with the NSUB placeholder pairs SUB[2i] -> SUB[2i+1] replaced in
 * its text first; parsed by the worker's parser (number texts kept). NULL when the file is
 * absent; a file that is not JSON fails the running test. */
cJSON *td_read_json(const char *path, const char *const *sub, size_t nsub);

/* Does GOT match WANT? Objects: every key of WANT must match (case-sensitive names) and, when
 * SUBSET is 0, GOT may hold no other key; arrays: the same length, element by element;
 * scalars: equal (numbers by value). Matchers in WANT: "@ANY@" (present, any value),
 * "@ABSENT@" (the key is not there), "@UUID@" (a UUID string), {"@contains": S or [S...]}
 * (a string holding every S), {"@subset": V} (V compared as a subset). On a mismatch, 0
 * and WHY holds the path and both values. */
int td_json_match(const cJSON *want, const cJSON *got, int subset, struct buf *why);



#include "cache/cache.h"

/* The cache of a mapping or filter case folder CASE_DIR: its spec.yaml (a whole document),
 * or its type.yaml (one schema, wrapped as components.schemas.TYPE with x-flow-type
 * {name: TYPE}), else DEFAULT_SPEC (a whole document; NULL = none). Fails the test when
 * none is there or TYPE is not a type of it. Sets *TYPE_INDEX. Free with test_cache_free. */
struct cache *td_case_cache(const char *case_dir, const char *type, const char *default_spec,
                            uint32_t *type_index);

/* The properties of type T of cache C (the filter_src / map_items view). */
const struct cache_prop *td_type_props(struct cache *c, uint32_t t);
#endif
