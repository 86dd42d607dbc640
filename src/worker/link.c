/* link.c - RFC 8288 `Link` header parsing (link.h).
 *
 * The grammar (RFC 8288 §3, with RFC 9110's list rule, §5.6.1):
 *   Link       = #link-value            (elements separated by OWS "," OWS; empty ones allowed)
 *   link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
 *   link-param = token BWS [ "=" BWS ( token / quoted-string ) ]
 * One pass over the value, no copy: a target is a pointer into the value.
 */
#include <string.h>
#include "link.h"

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

static int ows(int c) { return c == ' ' || c == '\t'; }

/* RFC 9110 tchar. */
static int tchar(int c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void skip_ows(const char *v, size_t len, size_t *i)
{
  while(*i < len && ows((unsigned char)v[*i]))
    (*i)++;
}

/* Does the relation-type list S[0..N) (quoted: with backslash escapes still in it) hold
 * REL[0..RLEN), ASCII case-insensitively? Relation types are separated by white space. */
static int rel_list_has(const char *s, size_t n, int quoted, const char *rel, size_t rlen)
{
  size_t j = 0;        /* characters of the current relation type so far */
  int same = 1;        /* ... and they equal REL's first j */
  for(size_t i = 0; i <= n; i++) {
    int c = ' ';
    if(i < n) {
      c = (unsigned char)s[i];
      if(quoted && c == '\\' && i + 1 < n)
        c = (unsigned char)s[++i];
    }
    if(ows(c) || c == '\n' || c == '\r') {
      if(j > 0 && same && j == rlen)
        return 1;
      j = 0;
      same = 1;
      continue;
    }
    if(j >= rlen || lower(c) != lower((unsigned char)rel[j]))
      same = 0;
    j++;
  }
  return 0;
}

enum oac_result link_find_rel(const char *value, size_t len, const char *rel,
                              const char **target, size_t *target_len)
{
  if(target)
    *target = NULL;
  if(target_len)
    *target_len = 0;
  if(!rel || !rel[0] || !target || !target_len || (!value && len))
    return OAC_EINTERNAL;
  const char *v = value;
  size_t rlen = strlen(rel);
  const char *found = NULL;
  size_t found_len = 0;
  size_t i = 0;
  for(;;) {
    /* Between link-values: white space and commas (empty list elements). */
    while(i < len && (ows((unsigned char)v[i]) || v[i] == ','))
      i++;
    if(i == len)
      break;
    if(v[i] != '<')
      return OAC_EDOC;
    const char *gt = memchr(v + i + 1, '>', len - i - 1);
    if(!gt)
      return OAC_EDOC;
    const char *uri = v + i + 1;
    size_t uri_len = (size_t)(gt - uri);
    i = (size_t)(gt - v) + 1;
    int rel_seen = 0, match = 0;
    for(;;) {
      skip_ows(v, len, &i);
      if(i == len || v[i] == ',')
        break;
      if(v[i] != ';')
        return OAC_EDOC;        /* text after the target or after a value */
      i++;
      skip_ows(v, len, &i);
      if(i == len || v[i] == ',' || v[i] == ';')
        continue;               /* an empty parameter ("<a>;", "<a>;;rel=x"): tolerated */
      size_t name = i;
      while(i < len && tchar((unsigned char)v[i]))
        i++;
      size_t name_len = i - name;
      if(!name_len)
        return OAC_EDOC;        /* "<a>; =x", "<a>; \"x\"" */
      skip_ows(v, len, &i);
      const char *val = NULL;
      size_t val_len = 0;
      int quoted = 0;
      if(i < len && v[i] == '=') {
        i++;
        skip_ows(v, len, &i);
        if(i < len && v[i] == '"') {
          quoted = 1;
          size_t j = i + 1;
          while(j < len && v[j] != '"') {
            if(v[j] == '\\') {
              if(j + 1 >= len)
                return OAC_EDOC;
              j++;
            }
            j++;
          }
          if(j >= len)
            return OAC_EDOC;    /* unterminated quoted string */
          val = v + i + 1;
          val_len = j - i - 1;
          i = j + 1;
        }
        else {
          size_t j = i;
          while(j < len && !ows((unsigned char)v[j]) && v[j] != ';' && v[j] != ',' &&
                v[j] != '"')
            j++;
          if(j == i)
            return OAC_EDOC;    /* "rel=" with no value */
          val = v + i;
          val_len = j - i;
          i = j;
        }
      }
      if(name_len == 3 && lower((unsigned char)v[name]) == 'r' &&
         lower((unsigned char)v[name + 1]) == 'e' && lower((unsigned char)v[name + 2]) == 'l') {
        if(rel_seen)
          continue;             /* RFC 8288 §3.3: occurrences after the first are ignored */
        rel_seen = 1;
        match = val && rel_list_has(val, val_len, quoted, rel, rlen);
      }
    }
    if(match && !found) {
      found = uri;
      found_len = uri_len;
    }
  }
  *target = found;
  *target_len = found_len;
  return OAC_OK;
}
