/* doc_util.c - reading the document tree: map lookups, scalar tests, JSON text of a node
 * (see doc.h).
 */
#include <string.h>
#include <strings.h>
#include "doc.h"
#include "../common/buf.h"
#include "../flow/json.h"


static int ci_eq(const char *a, const char *b, size_t n)
{
  return !strncasecmp(a, b, n);
}

struct doc_node *doc_get(const struct doc_node *m, const char *key)
{
  if(!m || m->kind != DOC_MAP || !key)
    return NULL;
  size_t len = strlen(key);
  for(size_t i = m->n; i-- > 0;) {      /* from the end: the later duplicate wins */
    const struct doc_node *k = m->items[2 * i];
    if(k->kind == DOC_SCALAR && k->len == len && !memcmp(k->str, key, len))
      return m->items[2 * i + 1];
  }
  return NULL;
}

struct doc_node *doc_get_ci(const struct doc_node *m, const char *key)
{
  if(!m || m->kind != DOC_MAP || !key)
    return NULL;
  size_t len = strlen(key);
  for(size_t i = m->n; i-- > 0;) {
    const struct doc_node *k = m->items[2 * i];
    if(k->kind == DOC_SCALAR && k->len == len && ci_eq(k->str, key, len))
      return m->items[2 * i + 1];
  }
  return NULL;
}

int doc_is_scalar(const struct doc_node *n) { return n && n->kind == DOC_SCALAR; }

int doc_scalar_eq(const struct doc_node *n, const char *s)
{
  return doc_is_scalar(n) && s && n->len == strlen(s) && !memcmp(n->str, s, n->len);
}

int doc_scalar_eq_ci(const struct doc_node *n, const char *s)
{
  return doc_is_scalar(n) && s && n->len == strlen(s) && ci_eq(n->str, s, n->len);
}

int doc_is_null(const struct doc_node *n)
{
  if(!doc_is_scalar(n) || n->quoted)
    return 0;
  return !n->len || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
         !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

enum doc_bool doc_bool(const struct doc_node *n)
{
  if(!doc_is_scalar(n) || n->quoted)
    return DOC_NOT_BOOL;
  if(n->len == 4 && ci_eq(n->str, "true", 4))
    return DOC_TRUE;
  if(n->len == 5 && ci_eq(n->str, "false", 5))
    return DOC_FALSE;
  return DOC_NOT_BOOL;
}

static void scalar_json(const struct doc_node *n, struct buf *out)
{
  if(!n->quoted) {
    if(doc_is_null(n)) {
      buf_puts(out, "null");
      return;
    }
    enum doc_bool b = doc_bool(n);
    if(b != DOC_NOT_BOOL) {
      buf_puts(out, b == DOC_TRUE ? "true" : "false");
      return;
    }
    if(json_is_number(n->str, n->len)) {
      buf_append(out, n->str, n->len);
      return;
    }
    if(n->len > 1 && n->str[0] == '+' && n->str[1] != '-' &&
       json_is_number(n->str + 1, n->len - 1)) {
      buf_append(out, n->str + 1, n->len - 1);
      return;
    }
  }
  buf_json_strn(out, n->str, n->len);
}

/* Is the key of pair I repeated later in map M (then the later one is written)? */
static int key_repeated(const struct doc_node *m, size_t i)
{
  const struct doc_node *k = m->items[2 * i];
  for(size_t j = i + 1; j < m->n; j++) {
    const struct doc_node *o = m->items[2 * j];
    if(o->len == k->len && !memcmp(o->str, k->str, k->len))
      return 1;
  }
  return 0;
}

static enum oac_result to_json(const struct doc_node *n, struct buf *out, unsigned depth)
{
  if(depth > DOC_JSON_MAX_DEPTH)
    return OAC_ELIMIT;
  switch(n->kind) {
  case DOC_SCALAR:
    scalar_json(n, out);
    break;
  case DOC_SEQ:
    buf_putc(out, '[');
    for(size_t i = 0; i < n->n; i++) {
      if(i)
        buf_putc(out, ',');
      enum oac_result r = to_json(n->items[i], out, depth + 1);
      if(r)
        return r;
    }
    buf_putc(out, ']');
    break;
  case DOC_MAP: {
    int first = 1;
    buf_putc(out, '{');
    for(size_t i = 0; i < n->n; i++) {
      const struct doc_node *k = n->items[2 * i];
      if(n->dup_keys && key_repeated(n, i))
        continue;
      if(!first)
        buf_putc(out, ',');
      first = 0;
      if(k->kind == DOC_SCALAR)
        buf_json_strn(out, k->str, k->len);
      else
        buf_puts(out, "\"\"");  /* the loader refuses these; never reached */
      buf_putc(out, ':');
      enum oac_result r = to_json(n->items[2 * i + 1], out, depth + 1);
      if(r)
        return r;
    }
    buf_putc(out, '}');
    break;
  }
  }
  return buf_failed(out) ? OAC_ENOMEM : OAC_OK;
}

enum oac_result doc_to_json(const struct doc_node *n, struct buf *out)
{
  if(!n) {
    buf_puts(out, "null");
    return buf_failed(out) ? OAC_ENOMEM : OAC_OK;
  }
  return to_json(n, out, 0);
}
