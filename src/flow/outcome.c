/* outcome.c - the outcome an action's status selects (outcome.h, product.md §14.4). */
#include "outcome.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_status.h"
#include "../common/text.h"

/* Does wired name NAME equal WANT (trimmed, any case)? */
static int name_is(const char *name, const char *want)
{
  if(!name || !want)
    return 0;
  size_t nl = strlen(name), wl = strlen(want);
  text_trim(&name, &nl);
  text_trim(&want, &wl);
  return nl && nl == wl && !strncasecmp(name, want, nl);
}

const char *outcome_description(unsigned status, const struct outcome_declared *decl,
                                size_t ndecl)
{
  /* the exact status, else the class key, else default */
  const unsigned keys[3] = { status, status / 100, 0 };
  for(int k = 0; k < 3; k++) {
    if(k == 1 && (status < 100 || status > 599))
      continue;
    for(size_t i = 0; i < ndecl; i++)
      if(decl[i].status == keys[k])
        return decl[i].description && *decl[i].description ? decl[i].description : NULL;
  }
  return NULL;
}

/* The best wired outcome named one of NAMES (NULL-terminated): lowest order, then first. */
static int best_of(const struct outcome_wired *w, size_t n, const char *const *names)
{
  int best = -1;
  for(size_t i = 0; i < n; i++) {
    int hit = 0;
    for(const char *const *nm = names; *nm && !hit; nm++)
      hit = name_is(w[i].name, *nm);
    if(hit && (best < 0 || w[i].order < w[best].order))
      best = (int)i;
  }
  return best;
}

int outcome_select(unsigned status, const struct outcome_declared *decl, size_t ndecl,
                   const struct outcome_wired *wired, size_t nwired, int *level)
{
  char num[16], cls[8];
  snprintf(num, sizeof(num), "%u", status);
  snprintf(cls, sizeof(cls), "%uxx", status / 100 % 10);
  int ok = status >= 200 && status < 300;
  const char *l1[] = { num, NULL };
  const char *l2[] = { http_reason(status), NULL };
  const char *l3[] = { outcome_description(status, decl, ndecl), NULL };
  const char *l4[] = { cls, NULL };
  const char *l5[] = { ok ? "success" : "error", ok ? "ok" : "failed", NULL };
  const char *const *levels[] = { l1, l2, l3, l4, l5 };
  if(level)
    *level = 0;
  for(int k = 0; k < 5; k++) {
    if(!levels[k][0])
      continue;
    int i = best_of(wired, nwired, levels[k]);
    if(i >= 0) {
      if(level)
        *level = k + 1;
      return i;
    }
  }
  return -1;
}
