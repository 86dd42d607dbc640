/* http_status.h - standard HTTP status reason phrases (RFC 9110 / the IANA HTTP Status Code
 * Registry), shared by the compiler (an action's developerSummary, --list; product.md
 * §14.2) and the worker (outcome level 2, §14.4). */
#ifndef OAC_FLOW_HTTP_STATUS_H
#define OAC_FLOW_HTTP_STATUS_H

/* The registered reason phrase of STATUS ("Not Found"), or NULL when the registry has
 * none (unassigned codes, 1..5 class keys, 0). */
const char *http_reason(unsigned status);

#endif
