/* result.c - names of the result codes, for messages. */
#include "result.h"

const char *oac_result_str(enum oac_result r)
{
  switch(r) {
  case OAC_OK: return "ok";
  case OAC_ENOMEM: return "out of memory";
  case OAC_EIO: return "input/output error";
  case OAC_EUSAGE: return "usage error";
  case OAC_EDOC: return "document has errors";
  case OAC_ECACHE: return "unusable cache file";
  case OAC_ELIMIT: return "limit exceeded";
  case OAC_EINTERNAL: return "internal error";
  case OAC_EREFUSED: return "request refused";
  }
  return "unknown error";
}
