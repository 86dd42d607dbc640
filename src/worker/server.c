/* server.c - the request's `Server` (server.h, product.md §13.7). */
#include <string.h>
#include "server.h"
#include "../flow/config.h"

enum oac_result server_select(struct op_ctx *x)
{
  x->server = 0;
  /* verified first, Server or not: a plan's own list is read from it */
  uint32_t n;
  struct cache_error err;
  const struct cache_server *s = cache_section(x->c, CS_SERVERS, &n, &err);
  if(!s)
    return problem_set(x->p, 503, "The compiled document for '%s' is unusable: %s",
                       cache_registration(x->c), err.msg);
  const char *v = x->rq->config[CFG_SERVER];
  if(!v || !*v)
    return OAC_OK;
  size_t vl = strlen(v);
  while(vl && v[vl - 1] == '/')
    vl--;
  uint32_t ndoc = 0;
  while(ndoc < n && s[ndoc].list == 0)
    ndoc++;
  for(uint32_t i = 0; i < ndoc; i++) {
    const char *u = cache_str(x->c, s[i].url);
    size_t ul = strlen(u);
    while(ul && u[ul - 1] == '/')
      ul--;
    if(ul == vl && !memcmp(u, v, vl)) {
      x->server = i;
      return OAC_OK;
    }
  }
  struct buf b;
  buf_init(&b);
  /* all of them when they fit in what Flow shows (500 characters); else as many as fit
   * and how many more, never a list that looks whole and is not */
  for(uint32_t i = 0; i < ndoc; i++) {
    const char *u = cache_str(x->c, s[i].url);
    if(b.len + strlen(u) + 2 > 300) {
      buf_printf(&b, " and %u more (openapi-connector-compile --list shows them all)",
                 ndoc - i);
      break;
    }
    buf_puts(&b, i ? ", " : "");
    buf_puts(&b, u);
  }
  enum oac_result r = problem_set(x->p, 400, "configurationValues: '%s' is '%.*s', not one of "
                                  "the document's servers: %s (empty = the first)",
                                  flow_config_names[CFG_SERVER], (int)(vl > 200 ? 200 : vl), v,
                                  buf_failed(&b) ? "?" : b.data);
  buf_free(&b);
  return r;
}

const char *server_url(struct op_ctx *x, const struct cache_plan *pl)
{
  uint32_t n;
  struct cache_error err;
  const struct cache_server *s = cache_section(x->c, CS_SERVERS, &n, &err);
  if(!s || !n)
    return cache_str(x->c, x->c->hdr->server_url);
  uint32_t i = x->server;
  if(pl && pl->server_count) {
    /* "the entry at the same index as the selected document-level server": an index among
     * the document's own servers, so --server's URL in front does not shift it (that URL
     * itself has no counterpart: the operation's first) */
    uint32_t shift = x->c->hdr->flags & CACHE_F_SERVER_OPTION ? 1 : 0;
    uint32_t d = i >= shift ? i - shift : UINT32_MAX;
    return cache_str(x->c, s[pl->server_first + (d < pl->server_count ? d : 0)].url);
  }
  return cache_str(x->c, s[i < n && s[i].list == 0 ? i : 0].url);
}
