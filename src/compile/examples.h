/* examples.h - response examples: resolve the settings (document stage) and build the
 * cache records (model stage). See examples.c. */
#ifndef OAC_EXAMPLES_H
#define OAC_EXAMPLES_H

#include "../common/result.h"
#include "model.h"
#include "types.h"

/* Fills plan.example_json / example_status; errors (line:col) through the diagnostics. */
void examples_resolve(struct cctx *c);

/* Fills plan.example / example_len with the cache records (format.h). */
enum oac_result examples_build(struct model *m);

#endif
