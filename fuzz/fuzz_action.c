/* fuzz_action.c - fuzz_request.c's ServiceRequest mode (POST /actions/<slug>, issue 16) as
 * its own harness, so that it has its own corpus, seeds (fuzz/inputs/fuzz_action/),
 * dictionary (fuzz/fuzz_action.dict) and its own run time in CI. The input layout and the
 * invariants are described at the top of fuzz_request.c. */
#define FUZZ_REQUEST_ACTIONS 1
#include "fuzz_request.c"
