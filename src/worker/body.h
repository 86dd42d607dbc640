/* body.h - a form request body (product.md §13.1): the JSON body call_prepare built,
 * re-encoded as the plan's form media type with the encodings the compiler stored. */
#ifndef OAC_WORKER_BODY_H
#define OAC_WORKER_BODY_H

#include "call.h"

/* When plan PL's body type is application/x-www-form-urlencoded or multipart/form-data,
 * replaces CL's JSON body with that form and sets CL->content_type (multipart: with its
 * boundary). Otherwise nothing. OAC_OK, or the result with the problem set (500). */
enum oac_result call_body_form(struct op_ctx *x, const struct cache_plan *pl, struct call *cl);

#endif
