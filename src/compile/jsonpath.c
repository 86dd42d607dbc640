/* jsonpath.c - JSONPath (RFC 9535) without slices and function extensions (jsonpath.h).
 *
 * The parser follows RFC 9535's ABNF by recursive descent into a tree kept in the query's
 * arena; the evaluator walks segments over nodelists. The grammar's S (blank space) is
 * allowed where the RFC allows it: between segments, inside brackets, around operators.
 */
#include "jsonpath.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/arena.h"
#include "../common/mem.h"

#define JP_MAX_NEST 128u            /* nesting of filters and parentheses */
#define JP_MAX_EVAL_DEPTH 4096u     /* document depth for .. and deep equality */
#define JP_MAX_INDEX 9007199254740991LL   /* 2^53 - 1 (I-JSON) */

enum sel_kind { SEL_NAME, SEL_WILD, SEL_INDEX, SEL_FILTER };
enum expr_kind { E_OR, E_AND, E_NOT, E_TEST, E_CMP };
enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
enum val_type { V_NOTHING, V_NULL, V_BOOL, V_NUM, V_STR, V_NODE };

struct jp_val {
  enum val_type t;
  int b;                          /* V_BOOL */
  int is_int;                     /* V_NUM: i holds it exactly */
  long long i;
  double d;
  const char *s;                  /* V_STR */
  size_t slen;
  const struct doc_node *node;    /* V_NODE: a SEQ or a MAP */
};

struct jp_expr;

struct jp_sel {
  enum sel_kind kind;
  const char *name;               /* SEL_NAME (decoded) */
  size_t nlen;
  long long index;                /* SEL_INDEX */
  struct jp_expr *filter;         /* SEL_FILTER */
  struct jp_sel *next;
};

struct jp_seg {
  int desc;                       /* .. */
  struct jp_sel *sels;
  struct jp_seg *next;
};

struct jp_query {
  int rel;                        /* @ rather than $ */
  struct jp_seg *segs;
};

struct jp_operand {
  struct jp_query *q;             /* a singular query, or NULL for the literal */
  struct jp_val lit;
};

struct jp_expr {
  enum expr_kind kind;
  struct jp_expr *a, *b;          /* E_OR, E_AND: both; E_NOT: a */
  struct jp_query *q;             /* E_TEST */
  enum cmp_op op;                 /* E_CMP */
  struct jp_operand l, r;
  /* Fast paths, set by the parser (evaluation gives the same results with or without):
   * E_TEST of a singular query: its one node or Nothing, no nodelist built;
   * E_CMP == or != between a singular query and a literal: the node looked up once and
   * compared to the literal directly (a string literal against the scalar's bytes before
   * any core-schema typing). */
  unsigned char fast;
};

struct jsonpath {
  struct arena arena;
  struct jp_query *q;
};

/* Parser ---------------------------------------------------------------------------------- */

struct parser {
  const char *s;
  size_t len, pos;
  struct arena *a;
  struct jsonpath_error *err;
  enum oac_result r;              /* first failure */
  unsigned nest;
};

static unsigned column_of(const char *s, size_t pos)
{
  unsigned col = 1;
  for(size_t i = 0; i < pos; i++)
    if(((unsigned char)s[i] & 0xC0) != 0x80)
      col++;
  return col;
}

__attribute__((format(printf, 3, 4)))
static void fail_at(struct parser *p, size_t pos, const char *fmt, ...)
{
  if(p->r)
    return;
  p->r = OAC_EDOC;
  if(p->err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
    va_end(ap);
    p->err->col = column_of(p->s, pos > p->len ? p->len : pos);
  }
}

static void fail_oom(struct parser *p)
{
  if(p->r)
    return;
  p->r = OAC_ENOMEM;
  if(p->err) {
    snprintf(p->err->msg, sizeof(p->err->msg), "out of memory");
    p->err->col = 0;
  }
}

static void *palloc(struct parser *p, size_t n)
{
  void *v = arena_calloc(p->a, n);
  if(!v)
    fail_oom(p);
  return v;
}

static int peek(const struct parser *p)
{
  return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int peek_at(const struct parser *p, size_t off)
{
  return p->pos + off < p->len ? (unsigned char)p->s[p->pos + off] : -1;
}

static int is_blank(int c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_s(struct parser *p)
{
  while(is_blank(peek(p)))
    p->pos++;
}

static int is_digit(int c)
{
  return c >= '0' && c <= '9';
}

static int is_name_first(int c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_name_char(int c)
{
  return is_name_first(c) || is_digit(c);
}

/* Unexpected character (or end) at the current position. */
static void fail_here(struct parser *p, const char *expected)
{
  int c = peek(p);
  if(c < 0)
    fail_at(p, p->pos, "JSONPath syntax error: %s, found the end of the query", expected);
  else if(c >= 0x20 && c < 0x7F)
    fail_at(p, p->pos, "JSONPath syntax error: %s, found '%c'", expected, c);
  else
    fail_at(p, p->pos, "JSONPath syntax error: %s, found byte 0x%02X", expected, c);
}

/* A function call starts here (function-name "("): refuse it. Returns 1 if so. */
static int refuse_function(struct parser *p)
{
  int c = peek(p);
  if(!(c >= 'a' && c <= 'z'))
    return 0;
  size_t e = p->pos;
  while(e < p->len && ((p->s[e] >= 'a' && p->s[e] <= 'z') || is_digit((unsigned char)p->s[e]) ||
                       p->s[e] == '_'))
    e++;
  if(e < p->len && p->s[e] == '(') {
    fail_at(p, p->pos, "unsupported JSONPath feature: function extension '%.*s'",
            (int)(e - p->pos), p->s + p->pos);
    return 1;
  }
  return 0;
}

static int hexval(int c)
{
  if(c >= '0' && c <= '9') return c - '0';
  if(c >= 'a' && c <= 'f') return c - 'a' + 10;
  if(c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int read_hex4(struct parser *p, size_t at, unsigned *out)
{
  unsigned v = 0;
  for(int k = 0; k < 4; k++) {
    int h = at + (size_t)k < p->len ? hexval((unsigned char)p->s[at + (size_t)k]) : -1;
    if(h < 0)
      return 0;
    v = v * 16 + (unsigned)h;
  }
  *out = v;
  return 1;
}

static size_t put_utf8(char *o, unsigned cp)
{
  if(cp < 0x80) { o[0] = (char)cp; return 1; }
  if(cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
  if(cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* A string literal at the current position ('...' or "..."), decoded into the arena. */
static int parse_string(struct parser *p, const char **out, size_t *outlen)
{
  int q = peek(p);
  size_t start = p->pos;
  p->pos++;
  char *o = palloc(p, p->len - start + 1);
  if(!o)
    return 0;
  size_t n = 0;
  for(;;) {
    int c = peek(p);
    if(c < 0) {
      fail_at(p, start, "JSONPath syntax error: unterminated string");
      return 0;
    }
    if(c == q) {
      p->pos++;
      break;
    }
    if(c < 0x20) {
      fail_at(p, p->pos, "JSONPath syntax error: control character 0x%02X in a string "
              "(escape it)", c);
      return 0;
    }
    if(c != '\\') {
      o[n++] = (char)c;
      p->pos++;
      continue;
    }
    size_t esc = p->pos;
    int e = peek_at(p, 1);
    p->pos += 2;
    switch(e) {
    case 'b': o[n++] = '\b'; break;
    case 'f': o[n++] = '\f'; break;
    case 'n': o[n++] = '\n'; break;
    case 'r': o[n++] = '\r'; break;
    case 't': o[n++] = '\t'; break;
    case '/': o[n++] = '/'; break;
    case '\\': o[n++] = '\\'; break;
    case 'u': {
      unsigned cp;
      if(!read_hex4(p, p->pos, &cp)) {
        fail_at(p, esc, "JSONPath syntax error: \\u needs four hexadecimal digits");
        return 0;
      }
      p->pos += 4;
      if(cp >= 0xDC00 && cp <= 0xDFFF) {
        fail_at(p, esc, "JSONPath syntax error: a lone low surrogate in \\u escape");
        return 0;
      }
      if(cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned lo;
        if(!(peek(p) == '\\' && peek_at(p, 1) == 'u' && read_hex4(p, p->pos + 2, &lo) &&
             lo >= 0xDC00 && lo <= 0xDFFF)) {
          fail_at(p, esc, "JSONPath syntax error: a high surrogate \\u escape without its "
                  "low surrogate");
          return 0;
        }
        p->pos += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      }
      n += put_utf8(o + n, cp);
      break;
    }
    default:
      if(e == q) {
        o[n++] = (char)q;
        break;
      }
      fail_at(p, esc, "JSONPath syntax error: invalid escape in a string");
      return 0;
    }
  }
  o[n] = '\0';
  *out = o;
  *outlen = n;
  return 1;
}

/* An integer per RFC 9535 "int" (no leading zeros, no -0), as an index. */
static int parse_index(struct parser *p, long long *out)
{
  size_t start = p->pos;
  int neg = 0;
  if(peek(p) == '-') {
    neg = 1;
    p->pos++;
  }
  if(!is_digit(peek(p))) {
    fail_here(p, "expected a digit");
    return 0;
  }
  if(peek(p) == '0' && (neg || is_digit(peek_at(p, 1)))) {
    /* a slice may still follow: let the caller see it first */
    while(is_digit(peek(p)))
      p->pos++;
    size_t save = p->pos;
    skip_s(p);
    if(peek(p) == ':') {
      fail_at(p, start, "unsupported JSONPath feature: slice selector");
      return 0;
    }
    p->pos = save;
    fail_at(p, start, neg ? "JSONPath syntax error: -0 is not an index"
                          : "JSONPath syntax error: an index has no leading zeros");
    return 0;
  }
  long long v = 0;
  int over = 0;
  while(is_digit(peek(p))) {
    if(v > JP_MAX_INDEX / 10 + 1)
      over = 1;
    else
      v = v * 10 + (peek(p) - '0');
    p->pos++;
  }
  if(v > JP_MAX_INDEX)
    over = 1;
  size_t save = p->pos;
  skip_s(p);
  if(peek(p) == ':') {
    fail_at(p, start, "unsupported JSONPath feature: slice selector");
    return 0;
  }
  p->pos = save;
  if(over) {
    fail_at(p, start, "JSONPath syntax error: index out of range (at most 2^53-1)");
    return 0;
  }
  *out = neg ? -v : v;
  return 1;
}

static struct jp_expr *parse_or(struct parser *p);
static struct jp_query *parse_query_at(struct parser *p);

static struct jp_sel *parse_selector(struct parser *p)
{
  struct jp_sel *sel = palloc(p, sizeof(*sel));
  if(!sel)
    return NULL;
  int c = peek(p);
  if(c == '\'' || c == '"') {
    sel->kind = SEL_NAME;
    if(!parse_string(p, &sel->name, &sel->nlen))
      return NULL;
  } else if(c == '*') {
    sel->kind = SEL_WILD;
    p->pos++;
  } else if(c == ':') {
    fail_at(p, p->pos, "unsupported JSONPath feature: slice selector");
    return NULL;
  } else if(c == '-' || is_digit(c)) {
    sel->kind = SEL_INDEX;
    if(!parse_index(p, &sel->index))
      return NULL;
  } else if(c == '?') {
    sel->kind = SEL_FILTER;
    p->pos++;
    skip_s(p);
    sel->filter = parse_or(p);
    if(!sel->filter)
      return NULL;
  } else {
    fail_here(p, "expected a selector (a quoted name, '*', an index or '?')");
    return NULL;
  }
  return sel;
}

static int parse_bracketed(struct parser *p, struct jp_seg *seg)
{
  p->pos++;   /* [ */
  struct jp_sel **tail = &seg->sels;
  for(;;) {
    skip_s(p);
    struct jp_sel *sel = parse_selector(p);
    if(!sel)
      return 0;
    *tail = sel;
    tail = &sel->next;
    skip_s(p);
    if(peek(p) == ',') {
      p->pos++;
      continue;
    }
    if(peek(p) == ']') {
      p->pos++;
      return 1;
    }
    fail_here(p, "expected ',' or ']'");
    return 0;
  }
}

static int parse_shorthand(struct parser *p, struct jp_seg *seg)
{
  struct jp_sel *sel = palloc(p, sizeof(*sel));
  if(!sel)
    return 0;
  seg->sels = sel;
  if(peek(p) == '*') {
    sel->kind = SEL_WILD;
    p->pos++;
    return 1;
  }
  if(!is_name_first(peek(p))) {
    fail_here(p, "expected a member name or '*'");
    return 0;
  }
  size_t start = p->pos;
  while(is_name_char(peek(p)))
    p->pos++;
  sel->kind = SEL_NAME;
  sel->name = arena_strndup(p->a, p->s + start, p->pos - start);
  sel->nlen = p->pos - start;
  if(!sel->name) {
    fail_oom(p);
    return 0;
  }
  return 1;
}

/* Segments after $ or @: *(S segment). */
static int parse_segments(struct parser *p, struct jp_query *q)
{
  struct jp_seg **tail = &q->segs;
  for(;;) {
    size_t save = p->pos;
    skip_s(p);
    int c = peek(p);
    if(c != '.' && c != '[') {
      p->pos = save;
      return 1;
    }
    struct jp_seg *seg = palloc(p, sizeof(*seg));
    if(!seg)
      return 0;
    if(c == '[') {
      if(!parse_bracketed(p, seg))
        return 0;
    } else if(peek_at(p, 1) == '.') {
      seg->desc = 1;
      p->pos += 2;
      if(peek(p) == '[') {
        if(!parse_bracketed(p, seg))
          return 0;
      } else if(!parse_shorthand(p, seg))
        return 0;
    } else {
      p->pos++;
      if(!parse_shorthand(p, seg))
        return 0;
    }
    *tail = seg;
    tail = &seg->next;
  }
}

/* $ or @ at the current position, and its segments. */
static struct jp_query *parse_query_at(struct parser *p)
{
  struct jp_query *q = palloc(p, sizeof(*q));
  if(!q)
    return NULL;
  q->rel = peek(p) == '@';
  p->pos++;
  if(!parse_segments(p, q))
    return NULL;
  return q;
}

static int is_singular(const struct jp_query *q)
{
  for(const struct jp_seg *s = q->segs; s; s = s->next)
    if(s->desc || s->sels->next || (s->sels->kind != SEL_NAME && s->sels->kind != SEL_INDEX))
      return 0;
  return 1;
}

static int word_at(const struct parser *p, const char *w)
{
  size_t n = strlen(w);
  return p->len - p->pos >= n && memcmp(p->s + p->pos, w, n) == 0 &&
         !is_name_char(peek_at(p, n));
}

/* A number literal: (int / "-0") [frac] [exp]. */
static int parse_number(struct parser *p, struct jp_val *v)
{
  size_t start = p->pos;
  int integral = 1;
  if(peek(p) == '-')
    p->pos++;
  if(!is_digit(peek(p))) {
    fail_here(p, "expected a digit");
    return 0;
  }
  if(peek(p) == '0' && is_digit(peek_at(p, 1))) {
    fail_at(p, start, "JSONPath syntax error: a number has no leading zeros");
    return 0;
  }
  while(is_digit(peek(p)))
    p->pos++;
  if(peek(p) == '.') {
    integral = 0;
    p->pos++;
    if(!is_digit(peek(p))) {
      fail_here(p, "expected a digit after '.'");
      return 0;
    }
    while(is_digit(peek(p)))
      p->pos++;
  }
  if(peek(p) == 'e' || peek(p) == 'E') {
    integral = 0;
    p->pos++;
    if(peek(p) == '+' || peek(p) == '-')
      p->pos++;
    if(!is_digit(peek(p))) {
      fail_here(p, "expected a digit in the exponent");
      return 0;
    }
    while(is_digit(peek(p)))
      p->pos++;
  }
  char *t = arena_strndup(p->a, p->s + start, p->pos - start);
  if(!t) {
    fail_oom(p);
    return 0;
  }
  v->t = V_NUM;
  v->d = strtod(t, NULL);
  if(integral && p->pos - start < 19) {
    v->is_int = 1;
    v->i = strtoll(t, NULL, 10);
  }
  return 1;
}

/* A literal or a singular query (a comparable). */
static int parse_comparable(struct parser *p, struct jp_operand *o)
{
  int c = peek(p);
  if(c == '$' || c == '@') {
    size_t start = p->pos;
    o->q = parse_query_at(p);
    if(!o->q)
      return 0;
    if(!is_singular(o->q)) {
      fail_at(p, start, "JSONPath syntax error: a comparison needs a singular query "
              "(names and indexes only)");
      return 0;
    }
    return 1;
  }
  if(refuse_function(p))
    return 0;
  if(c == '\'' || c == '"') {
    o->lit.t = V_STR;
    return parse_string(p, &o->lit.s, &o->lit.slen);
  }
  if(c == '-' || is_digit(c))
    return parse_number(p, &o->lit);
  if(word_at(p, "true") || word_at(p, "false")) {
    o->lit.t = V_BOOL;
    o->lit.b = peek(p) == 't';
    p->pos += o->lit.b ? 4 : 5;
    return 1;
  }
  if(word_at(p, "null")) {
    o->lit.t = V_NULL;
    p->pos += 4;
    return 1;
  }
  fail_here(p, "expected a literal, a query or '('");
  return 0;
}

static int parse_op(struct parser *p, enum cmp_op *op)
{
  int c = peek(p), d = peek_at(p, 1);
  if(c == '=' && d == '=') { *op = OP_EQ; p->pos += 2; return 1; }
  if(c == '!' && d == '=') { *op = OP_NE; p->pos += 2; return 1; }
  if(c == '<' && d == '=') { *op = OP_LE; p->pos += 2; return 1; }
  if(c == '>' && d == '=') { *op = OP_GE; p->pos += 2; return 1; }
  if(c == '<') { *op = OP_LT; p->pos++; return 1; }
  if(c == '>') { *op = OP_GT; p->pos++; return 1; }
  return 0;
}

static struct jp_expr *parse_paren(struct parser *p)
{
  p->pos++;   /* ( */
  skip_s(p);
  struct jp_expr *e = parse_or(p);
  if(!e)
    return NULL;
  skip_s(p);
  if(peek(p) != ')') {
    fail_here(p, "expected ')'");
    return NULL;
  }
  p->pos++;
  return e;
}

static struct jp_expr *parse_basic(struct parser *p)
{
  if(++p->nest > JP_MAX_NEST) {
    fail_at(p, p->pos, "JSONPath syntax error: filters nested too deeply (at most %u)",
            JP_MAX_NEST);
    return NULL;
  }
  struct jp_expr *e = NULL;
  int c = peek(p);
  if(c == '!') {
    p->pos++;
    skip_s(p);
    c = peek(p);
    struct jp_expr *inner = NULL;
    if(c == '(')
      inner = parse_paren(p);
    else if(c == '$' || c == '@') {
      inner = palloc(p, sizeof(*inner));
      if(inner) {
        inner->kind = E_TEST;
        inner->q = parse_query_at(p);
        if(!inner->q)
          inner = NULL;
        else
          inner->fast = (unsigned char)is_singular(inner->q);
      }
    } else if(!refuse_function(p))
      fail_here(p, "expected a query or '(' after '!'");
    if(inner) {
      e = palloc(p, sizeof(*e));
      if(e) {
        e->kind = E_NOT;
        e->a = inner;
      }
    }
  } else if(c == '(') {
    e = parse_paren(p);
  } else {
    e = palloc(p, sizeof(*e));
    if(e) {
      size_t start = p->pos;
      int query = c == '$' || c == '@';
      if(query) {
        e->q = parse_query_at(p);
        e->l.q = e->q;
      } else if(!parse_comparable(p, &e->l))
        e = NULL;
      if(e && (!query || e->q)) {
        size_t save = p->pos;
        skip_s(p);
        if(parse_op(p, &e->op)) {
          e->kind = E_CMP;
          if(query && !is_singular(e->q)) {
            fail_at(p, start, "JSONPath syntax error: a comparison needs a singular query "
                    "(names and indexes only)");
            e = NULL;
          } else {
            e->q = NULL;
            skip_s(p);
            if(!parse_comparable(p, &e->r))
              e = NULL;
            else if((e->op == OP_EQ || e->op == OP_NE) && (!e->l.q != !e->r.q))
              e->fast = 1;
          }
        } else if(query) {
          p->pos = save;
          e->kind = E_TEST;
          e->fast = (unsigned char)is_singular(e->q);
        } else {
          fail_here(p, "expected a comparison operator after a literal");
          e = NULL;
        }
      } else
        e = NULL;
    }
  }
  p->nest--;
  return e;
}

static struct jp_expr *parse_and(struct parser *p)
{
  struct jp_expr *e = parse_basic(p);
  while(e) {
    size_t save = p->pos;
    skip_s(p);
    if(!(peek(p) == '&' && peek_at(p, 1) == '&')) {
      p->pos = save;
      break;
    }
    p->pos += 2;
    skip_s(p);
    struct jp_expr *b = parse_basic(p);
    struct jp_expr *n = b ? palloc(p, sizeof(*n)) : NULL;
    if(!n)
      return NULL;
    n->kind = E_AND;
    n->a = e;
    n->b = b;
    e = n;
  }
  return e;
}

static struct jp_expr *parse_or(struct parser *p)
{
  struct jp_expr *e = parse_and(p);
  while(e) {
    size_t save = p->pos;
    skip_s(p);
    if(!(peek(p) == '|' && peek_at(p, 1) == '|')) {
      p->pos = save;
      break;
    }
    p->pos += 2;
    skip_s(p);
    struct jp_expr *b = parse_and(p);
    struct jp_expr *n = b ? palloc(p, sizeof(*n)) : NULL;
    if(!n)
      return NULL;
    n->kind = E_OR;
    n->a = e;
    n->b = b;
    e = n;
  }
  return e;
}

enum oac_result jsonpath_compile(const char *text, size_t len, struct jsonpath **out,
                                 struct jsonpath_error *err)
{
  *out = NULL;
  if(err) {
    err->col = 0;
    err->msg[0] = '\0';
  }
  struct jsonpath *jp = oac_calloc(1, sizeof(*jp));
  if(!jp) {
    if(err)
      snprintf(err->msg, sizeof(err->msg), "out of memory");
    return OAC_ENOMEM;
  }
  arena_init(&jp->arena, 4096);
  struct parser p = { .s = text, .len = len, .a = &jp->arena, .err = err };
  if(peek(&p) != '$')
    fail_here(&p, "a query starts with '$'");
  else {
    jp->q = parse_query_at(&p);
    if(jp->q && p.pos != p.len)
      fail_here(&p, "expected '.', '[' or the end of the query");
  }
  if(p.r) {
    jsonpath_free(jp);
    return p.r;
  }
  *out = jp;
  return OAC_OK;
}

void jsonpath_free(struct jsonpath *p)
{
  if(!p)
    return;
  arena_free(&p->arena);
  oac_free(p);
}

/* Evaluation ------------------------------------------------------------------------------ */

void jsonpath_nodelist_init(struct jsonpath_nodelist *l)
{
  l->v = NULL;
  l->n = l->cap = 0;
}

void jsonpath_nodelist_free(struct jsonpath_nodelist *l)
{
  oac_free(l->v);
  jsonpath_nodelist_init(l);
}

struct ctx {
  struct doc_node *root;
  enum oac_result r;
};

static void push(struct ctx *c, struct jsonpath_nodelist *l, struct doc_node *node,
                 struct doc_node *parent, struct doc_node *key, size_t index)
{
  if(c->r)
    return;
  if(l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    struct jsonpath_match *v = oac_realloc(l->v, cap * sizeof(*v));
    if(!v) {
      c->r = OAC_ENOMEM;
      return;
    }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = (struct jsonpath_match){ node, parent, key, index };
}

static int key_is(const struct doc_node *k, const char *s, size_t n)
{
  return k && k->kind == DOC_SCALAR && k->len == n && memcmp(k->str, s, n) == 0;
}

/* Pair I of map M is hidden by a later pair with the same key (the later one wins). */
static int pair_hidden(const struct doc_node *m, size_t i)
{
  if(!m->dup_keys)
    return 0;
  const struct doc_node *k = m->items[2 * i];
  if(!k || k->kind != DOC_SCALAR)
    return 0;
  for(size_t j = i + 1; j < m->n; j++)
    if(key_is(m->items[2 * j], k->str, k->len))
      return 1;
  return 0;
}

/* The pair of map M whose key is S (N bytes): the last one if the key occurs twice. */
static long find_pair(const struct doc_node *m, const char *s, size_t n)
{
  if(!m->dup_keys) {    /* every key once: the first match is the one, stop there */
    for(size_t i = 0; i < m->n; i++)
      if(key_is(m->items[2 * i], s, n))
        return (long)i;
    return -1;
  }
  for(size_t i = m->n; i-- > 0;)
    if(key_is(m->items[2 * i], s, n))
      return (long)i;
  return -1;
}

static int eval_expr(struct ctx *c, const struct jp_expr *e, struct doc_node *cur);

static void apply_sel(struct ctx *c, const struct jp_sel *sel, struct doc_node *node,
                      struct jsonpath_nodelist *out)
{
  switch(sel->kind) {
  case SEL_NAME:
    if(node->kind == DOC_MAP) {
      long i = find_pair(node, sel->name, sel->nlen);
      if(i >= 0)
        push(c, out, node->items[2 * i + 1], node, node->items[2 * i], (size_t)i);
    }
    break;
  case SEL_INDEX:
    if(node->kind == DOC_SEQ) {
      long long i = sel->index < 0 ? (long long)node->n + sel->index : sel->index;
      if(i >= 0 && (unsigned long long)i < node->n)
        push(c, out, node->items[i], node, NULL, (size_t)i);
    }
    break;
  case SEL_WILD:
  case SEL_FILTER:
    if(node->kind == DOC_SEQ) {
      for(size_t i = 0; i < node->n && !c->r; i++)
        if(sel->kind == SEL_WILD || eval_expr(c, sel->filter, node->items[i]))
          push(c, out, node->items[i], node, NULL, i);
    } else if(node->kind == DOC_MAP) {
      for(size_t i = 0; i < node->n && !c->r; i++)
        if(!pair_hidden(node, i) &&
           (sel->kind == SEL_WILD || eval_expr(c, sel->filter, node->items[2 * i + 1])))
          push(c, out, node->items[2 * i + 1], node, node->items[2 * i], i);
    }
    break;
  }
}

#define WALK_INLINE 64u             /* frames on the C stack before the walk uses the heap */

/* One frame of the descendant walk: a SEQ or MAP and the next child to visit. */
struct walk_frame {
  struct doc_node *node;
  size_t i;
  size_t pre;                     /* walk_filter: the node's number in preorder */
  /* walk_keyed: where the node sits (PARENT NULL: the walk's start) and the last pair
   * whose key is the filter's first name so far (-1: none) */
  struct doc_node *parent, *key;
  size_t index, ppre;
  long found;
};

/* Make room for one more frame (ST is INL, WALK_INLINE long, until it outgrows it). */
static int walk_grow(struct ctx *c, struct walk_frame **st, struct walk_frame *inl,
                     size_t *cap, size_t top)
{
  if(top < *cap)
    return 1;
  size_t ncap = *cap * 2;
  struct walk_frame *v = oac_malloc(ncap * sizeof(*v));
  if(!v) {
    c->r = OAC_ENOMEM;
    return 0;
  }
  memcpy(v, *st, top * sizeof(*v));
  if(*st != inl)
    oac_free(*st);
  *st = v;
  *cap = ncap;
  return 1;
}

/* A match of walk_filter with the preorder number of its parent, for the final sort. */
struct keyed_match {
  size_t pre;
  struct jsonpath_match m;
};

static int keyed_cmp(const void *x, const void *y)
{
  const struct keyed_match *a = x, *b = y;
  if(a->pre != b->pre)
    return a->pre < b->pre ? -1 : 1;
  return a->m.index < b->m.index ? -1 : a->m.index > b->m.index;
}

/* `..[?filter]` (one filter selector) from NODE: the filter is evaluated on each child
 * while the walk stands at it, just before the walk reads the child's own items (the
 * child's keys and values are read together, once), rather than on all children of a
 * node before the first child's subtree. The matches are then put in RFC 9535 order (a
 * node's matching children, in their order, before its children's subtrees; nodes in
 * preorder) by sorting them on (their parent's preorder number, their index): every
 * (parent visit, index) pair is met once, so the order is total. Only the matches are
 * kept; a walk without matches allocates nothing but its frames past WALK_INLINE. */
/* The matches of one walk: appended to OUT from BASE on, PRES[j] the preorder number of
 * the parent of match j. */
struct walk_out {
  struct jsonpath_nodelist *out;
  size_t base, *pres, npres, cappres;
  int sorted;
};

static void walk_record(struct ctx *c, struct walk_out *w, size_t pre, struct doc_node *node,
                        struct doc_node *parent, struct doc_node *key, size_t index)
{
  if(w->npres == w->cappres) {
    size_t ncap = w->cappres ? w->cappres * 2 : 16;
    size_t *v = oac_realloc(w->pres, ncap * sizeof(*v));
    if(!v) {
      c->r = OAC_ENOMEM;
      return;
    }
    w->pres = v;
    w->cappres = ncap;
  }
  if(w->npres && pre < w->pres[w->npres - 1])
    w->sorted = 0;
  w->pres[w->npres++] = pre;
  push(c, w->out, node, parent, key, index);
}

/* Sort the walk's matches on (parent's preorder number, index), free W. */
static void walk_finish(struct ctx *c, struct walk_out *w)
{
  if(!c->r && !w->sorted) {
    struct keyed_match *k = oac_malloc(w->npres * sizeof(*k));
    if(!k)
      c->r = OAC_ENOMEM;
    else {
      for(size_t j = 0; j < w->npres; j++)
        k[j] = (struct keyed_match){ w->pres[j], w->out->v[w->base + j] };
      qsort(k, w->npres, sizeof(*k), keyed_cmp);
      for(size_t j = 0; j < w->npres; j++)
        w->out->v[w->base + j] = k[j].m;
      oac_free(k);
    }
  }
  oac_free(w->pres);
}

static int walk_keyed(struct ctx *c, const struct jp_sel *sel, struct doc_node *node,
                      struct jsonpath_nodelist *out);

static void walk_filter(struct ctx *c, const struct jp_sel *sel, struct doc_node *node,
                        struct jsonpath_nodelist *out)
{
  if(node->kind == DOC_SCALAR || walk_keyed(c, sel, node, out))
    return;
  struct walk_frame inl[WALK_INLINE], *st = inl;
  size_t cap = WALK_INLINE, top = 0, npre = 1;
  struct walk_out w = { .out = out, .base = out->n, .sorted = 1 };
  st[top++] = (struct walk_frame){ .node = node };
  while(top > 0) {
    struct walk_frame *f = &st[top - 1];
    struct doc_node *n = f->node, *ch, *key = NULL;
    if(f->i >= n->n) {
      top--;
      continue;
    }
    size_t i = f->i++, pre = f->pre;
    if(n->kind == DOC_SEQ)
      ch = n->items[i];
    else if(pair_hidden(n, i))
      continue;
    else {
      key = n->items[2 * i];
      ch = n->items[2 * i + 1];
    }
    if(eval_expr(c, sel->filter, ch))
      walk_record(c, &w, pre, ch, n, key, i);
    if(c->r)
      break;
    if(ch->kind == DOC_SCALAR)
      continue;
    if(top >= JP_MAX_EVAL_DEPTH) {      /* CH's depth is TOP */
      c->r = OAC_ELIMIT;
      break;
    }
    if(!walk_grow(c, &st, inl, &cap, top))
      break;
    st[top++] = (struct walk_frame){ .node = ch, .pre = npre++ };
  }
  walk_finish(c, &w);
  if(st != inl)
    oac_free(st);
}

/* The segment's selectors applied to NODE and, for `..`, to every descendant in document
 * order (RFC 9535 2.5.2.2: a node's own results, then each child's subtree in turn). The
 * walk is iterative (a stack of frames, no recursion) and skips scalar children: a
 * selector applied to a scalar selects nothing and a scalar has no descendants. A SEQ or
 * MAP at depth JP_MAX_EVAL_DEPTH (NODE being 0) stops it with OAC_ELIMIT after its own
 * selectors ran, as the recursive walk did. */
static void apply_segment(struct ctx *c, const struct jp_seg *seg, struct doc_node *node,
                          struct jsonpath_nodelist *out)
{
  if(c->r)
    return;
  if(seg->desc && seg->sels->kind == SEL_FILTER && !seg->sels->next) {
    walk_filter(c, seg->sels, node, out);
    return;
  }
  for(const struct jp_sel *sel = seg->sels; sel && !c->r; sel = sel->next)
    apply_sel(c, sel, node, out);
  if(!seg->desc || node->kind == DOC_SCALAR || c->r)
    return;
  struct walk_frame inl[WALK_INLINE], *st = inl;
  size_t cap = WALK_INLINE, top = 0;
  st[top++] = (struct walk_frame){ .node = node };
  while(top > 0) {
    struct walk_frame *f = &st[top - 1];
    struct doc_node *n = f->node;
    if(f->i >= n->n) {
      top--;
      continue;
    }
    size_t i = f->i++;
    struct doc_node *ch;
    if(n->kind == DOC_SEQ)
      ch = n->items[i];
    else if(pair_hidden(n, i))
      continue;
    else
      ch = n->items[2 * i + 1];
    if(ch->kind == DOC_SCALAR)
      continue;
    for(const struct jp_sel *sel = seg->sels; sel && !c->r; sel = sel->next)
      apply_sel(c, sel, ch, out);
    if(c->r)
      break;
    if(top >= JP_MAX_EVAL_DEPTH) {      /* CH's depth is TOP */
      c->r = OAC_ELIMIT;
      break;
    }
    if(!walk_grow(c, &st, inl, &cap, top))
      break;
    st[top++] = (struct walk_frame){ .node = ch };
  }
  if(st != inl)
    oac_free(st);
}

static void eval_query(struct ctx *c, const struct jp_query *q, struct doc_node *cur,
                       struct jsonpath_nodelist *out)
{
  struct jsonpath_nodelist a, b;
  jsonpath_nodelist_init(&a);
  jsonpath_nodelist_init(&b);
  push(c, &a, q->rel ? cur : c->root, NULL, NULL, 0);
  for(const struct jp_seg *s = q->segs; s && !c->r && a.n; s = s->next) {
    b.n = 0;
    for(size_t i = 0; i < a.n && !c->r; i++)
      apply_segment(c, s, a.v[i].node, &b);
    struct jsonpath_nodelist t = a;
    a = b;
    b = t;
  }
  for(size_t i = 0; i < a.n && !c->r; i++)
    push(c, out, a.v[i].node, a.v[i].parent, a.v[i].key, a.v[i].index);
  jsonpath_nodelist_free(&a);
  jsonpath_nodelist_free(&b);
}

/* The node a singular query selects, or NULL (Nothing). */
/* The node the name and index segments from S on select from N, or NULL (Nothing). */
static const struct doc_node *singular_from(const struct jp_seg *s, const struct doc_node *n)
{
  for(; s && n; s = s->next) {
    const struct jp_sel *sel = s->sels;
    if(sel->kind == SEL_NAME) {
      long i = n->kind == DOC_MAP ? find_pair(n, sel->name, sel->nlen) : -1;
      n = i >= 0 ? n->items[2 * i + 1] : NULL;
    } else {
      long long i = sel->index < 0 && n->kind == DOC_SEQ ? (long long)n->n + sel->index
                                                         : sel->index;
      n = n->kind == DOC_SEQ && i >= 0 && (unsigned long long)i < n->n ? n->items[i] : NULL;
    }
  }
  return n;
}

static const struct doc_node *eval_singular(const struct ctx *c, const struct jp_query *q,
                                            const struct doc_node *cur)
{
  return singular_from(q->segs, q->rel ? cur : c->root);
}

static int all_digits(const char *s, const char *e, int (*ok)(int))
{
  if(s == e)
    return 0;
  for(; s < e; s++)
    if(!ok((unsigned char)*s))
      return 0;
  return 1;
}

static int is_oct(int c) { return c >= '0' && c <= '7'; }
static int is_hex(int c) { return hexval(c) >= 0; }
static int is_dec(int c) { return is_digit(c); }

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int is_core_float(const char *s, const char *e)
{
  if(s < e && (*s == '-' || *s == '+'))
    s++;
  const char *m = s;
  while(s < e && is_digit((unsigned char)*s))
    s++;
  int before = s > m;
  int after = 0;
  if(s < e && *s == '.') {
    s++;
    const char *f = s;
    while(s < e && is_digit((unsigned char)*s))
      s++;
    after = s > f;
  }
  if(!before && !after)
    return 0;
  if(s < e && (*s == 'e' || *s == 'E')) {
    s++;
    if(s < e && (*s == '-' || *s == '+'))
      s++;
    if(!all_digits(s, e, is_dec))
      return 0;
    s = e;
  }
  return s == e;
}

/* The value of a scalar typed by the YAML 1.2 core schema; SEQ and MAP are V_NODE. */
static struct jp_val node_value(const struct doc_node *n)
{
  struct jp_val v = { .t = V_NOTHING };
  if(!n)
    return v;
  if(n->kind != DOC_SCALAR) {
    v.t = V_NODE;
    v.node = n;
    return v;
  }
  const char *s = n->str ? n->str : "";
  size_t len = n->str ? n->len : 0;
  const char *e = s + len;
  v.t = V_STR;
  v.s = s;
  v.slen = len;
  if(n->quoted)
    return v;
#define IS(w) (len == sizeof(w) - 1 && memcmp(s, w, len) == 0)
  if(len == 0 || IS("~") || IS("null") || IS("Null") || IS("NULL")) {
    v.t = V_NULL;
    return v;
  }
  if(IS("true") || IS("True") || IS("TRUE") || IS("false") || IS("False") || IS("FALSE")) {
    v.t = V_BOOL;
    v.b = s[0] == 't' || s[0] == 'T';
    return v;
  }
  if(IS(".inf") || IS(".Inf") || IS(".INF") || IS("+.inf") || IS("+.Inf") || IS("+.INF")) {
    v.t = V_NUM;
    v.d = INFINITY;
    return v;
  }
  if(IS("-.inf") || IS("-.Inf") || IS("-.INF")) {
    v.t = V_NUM;
    v.d = -INFINITY;
    return v;
  }
  if(IS(".nan") || IS(".NaN") || IS(".NAN")) {
    v.t = V_NUM;
    v.d = NAN;
    return v;
  }
#undef IS
  if(memchr(s, '\0', len))
    return v;
  if(len > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
    int oct = s[1] == 'o';
    if(all_digits(s + 2, e, oct ? is_oct : is_hex)) {
      v.t = V_NUM;
      unsigned long long u = strtoull(s + 2, NULL, oct ? 8 : 16);
      v.d = (double)u;
      if(u <= (unsigned long long)JP_MAX_INDEX * 1024) {
        v.is_int = 1;
        v.i = (long long)u;
      }
    }
    return v;
  }
  const char *d = s + (s[0] == '-' || s[0] == '+');
  if(all_digits(d, e, is_dec)) {
    v.t = V_NUM;
    v.d = strtod(s, NULL);
    if(e - d < 19) {
      v.is_int = 1;
      v.i = strtoll(s, NULL, 10);
    }
    return v;
  }
  if(is_core_float(s, e)) {
    v.t = V_NUM;
    v.d = strtod(s, NULL);
  }
  return v;
}

static int val_eq(const struct jp_val *a, const struct jp_val *b, unsigned depth);

static int node_eq(const struct doc_node *x, const struct doc_node *y, unsigned depth)
{
  if(x == y)
    return 1;
  if(depth >= JP_MAX_EVAL_DEPTH)
    return 0;
  if(x->kind != y->kind)
    return 0;
  if(x->kind == DOC_SEQ) {
    if(x->n != y->n)
      return 0;
    for(size_t i = 0; i < x->n; i++) {
      struct jp_val a = node_value(x->items[i]), b = node_value(y->items[i]);
      if(!val_eq(&a, &b, depth + 1))
        return 0;
    }
    return 1;
  }
  /* maps: the same keys (hidden duplicates aside), equal values */
  size_t nx = 0, ny = 0;
  for(size_t i = 0; i < x->n; i++)
    nx += !pair_hidden(x, i);
  for(size_t i = 0; i < y->n; i++)
    ny += !pair_hidden(y, i);
  if(nx != ny)
    return 0;
  for(size_t i = 0; i < x->n; i++) {
    const struct doc_node *k = x->items[2 * i];
    if(pair_hidden(x, i))
      continue;
    if(!k || k->kind != DOC_SCALAR)
      return 0;
    long j = find_pair(y, k->str, k->len);
    if(j < 0)
      return 0;
    struct jp_val a = node_value(x->items[2 * i + 1]), b = node_value(y->items[2 * j + 1]);
    if(!val_eq(&a, &b, depth + 1))
      return 0;
  }
  return 1;
}

static int num_cmp_lt(const struct jp_val *a, const struct jp_val *b)
{
  if(a->is_int && b->is_int)
    return a->i < b->i;
  long double x = a->is_int ? (long double)a->i : (long double)a->d;
  long double y = b->is_int ? (long double)b->i : (long double)b->d;
  return x < y;
}

static int num_eq(const struct jp_val *a, const struct jp_val *b)
{
  if(a->is_int && b->is_int)
    return a->i == b->i;
  long double x = a->is_int ? (long double)a->i : (long double)a->d;
  long double y = b->is_int ? (long double)b->i : (long double)b->d;
  return x == y;
}

static int val_eq(const struct jp_val *a, const struct jp_val *b, unsigned depth)
{
  if(a->t != b->t)
    return 0;
  switch(a->t) {
  case V_NOTHING:
  case V_NULL:
    return 1;
  case V_BOOL:
    return a->b == b->b;
  case V_NUM:
    return num_eq(a, b);
  case V_STR:
    return a->slen == b->slen && memcmp(a->s, b->s, a->slen) == 0;
  case V_NODE:
    return node_eq(a->node, b->node, depth);
  }
  return 0;
}

static int val_lt(const struct jp_val *a, const struct jp_val *b)
{
  if(a->t == V_NUM && b->t == V_NUM)
    return num_cmp_lt(a, b);
  if(a->t == V_STR && b->t == V_STR) {
    size_t n = a->slen < b->slen ? a->slen : b->slen;
    int r = memcmp(a->s, b->s, n);
    return r < 0 || (r == 0 && a->slen < b->slen);
  }
  return 0;
}

static struct jp_val operand_value(const struct ctx *c, const struct jp_operand *o,
                                   const struct doc_node *cur)
{
  if(!o->q)
    return o->lit;
  return node_value(eval_singular(c, o->q, cur));
}

/* LIT (a literal: never Nothing) == the value of N (NULL: Nothing), as val_eq would say
 * after node_value(N), without typing N when a string literal cannot equal it. */
static int lit_eq_node(const struct jp_val *lit, const struct doc_node *n)
{
  if(!n)
    return 0;
  if(lit->t == V_STR) {
    if(n->kind != DOC_SCALAR)
      return 0;
    size_t len = n->str ? n->len : 0;
    if(len != lit->slen || (len && memcmp(n->str, lit->s, len) != 0))
      return 0;       /* other bytes: another string, or not a string at all */
    if(n->quoted)
      return 1;
    return node_value(n).t == V_STR;   /* plain: `true`, `10`, `null` are no strings */
  }
  struct jp_val v = node_value(n);
  return val_eq(&v, lit, 0);
}

/* The filter E is one test of a relative singular query that starts with a name (`@.K`,
 * `@.K.x[0] == 'v'`, `@.K != 1`): its query, else NULL. */
static const struct jp_query *keyed_query(const struct jp_expr *e)
{
  const struct jp_query *q = NULL;
  if(e->kind == E_TEST && e->fast)
    q = e->q;
  else if(e->kind == E_CMP && e->fast)
    q = e->l.q ? e->l.q : e->r.q;
  if(!q || !q->rel || !q->segs || q->segs->sels->kind != SEL_NAME)
    return NULL;
  return q;
}

/* E (keyed_query(E) being Q) on a node whose member Q's first name selects FIRST (NULL:
 * Nothing): the same answer as eval_expr. */
static int keyed_result(const struct jp_expr *e, const struct jp_query *q,
                        const struct doc_node *first)
{
  const struct doc_node *n = first ? singular_from(q->segs->next, first) : NULL;
  if(e->kind == E_TEST)
    return n != NULL;
  int eq = lit_eq_node(e->l.q ? &e->r.lit : &e->l.lit, n);
  return e->op == OP_EQ ? eq : !eq;
}

/* walk_filter for a filter keyed_query() accepts: a MAP child's keys are compared with the
 * first name as the walk goes through its pairs (each key read next to its value, once),
 * and its answer is known when the walk leaves it; a SEQ or scalar child (no members) is
 * answered as the walk meets it. Same matches, sorted as walk_filter's. Returns 0 (nothing
 * done) for any other filter. */
static int walk_keyed(struct ctx *c, const struct jp_sel *sel, struct doc_node *node,
                      struct jsonpath_nodelist *out)
{
  const struct jp_expr *e = sel->filter;
  const struct jp_query *q = keyed_query(e);
  if(!q)
    return 0;
  const char *kname = q->segs->sels->name;
  size_t klen = q->segs->sels->nlen;
  int nothing = keyed_result(e, q, NULL);       /* the answer for a SEQ or scalar child */
  struct walk_frame inl[WALK_INLINE], *st = inl;
  size_t cap = WALK_INLINE, top = 0, npre = 1;
  struct walk_out w = { .out = out, .base = out->n, .sorted = 1 };
  st[top++] = (struct walk_frame){ .node = node, .found = -1 };
  while(top > 0) {
    struct walk_frame *f = &st[top - 1];
    struct doc_node *n = f->node, *ch, *key = NULL;
    if(f->i >= n->n) {
      if(f->parent && n->kind == DOC_MAP &&
         keyed_result(e, q, f->found >= 0 ? n->items[2 * f->found + 1] : NULL)) {
        walk_record(c, &w, f->ppre, n, f->parent, f->key, f->index);
        if(c->r)
          break;
      }
      top--;
      continue;
    }
    size_t i = f->i++;
    if(n->kind == DOC_SEQ)
      ch = n->items[i];
    else {
      key = n->items[2 * i];
      if(key_is(key, kname, klen))
        f->found = (long)i;
      if(pair_hidden(n, i))
        continue;
      ch = n->items[2 * i + 1];
    }
    if(ch->kind != DOC_MAP) {
      if(nothing) {
        walk_record(c, &w, f->pre, ch, n, key, i);
        if(c->r)
          break;
      }
      if(ch->kind == DOC_SCALAR)
        continue;
    }
    if(top >= JP_MAX_EVAL_DEPTH) {      /* CH's depth is TOP */
      c->r = OAC_ELIMIT;
      break;
    }
    size_t ppre = f->pre;
    if(!walk_grow(c, &st, inl, &cap, top))
      break;
    st[top++] = (struct walk_frame){ .node = ch, .pre = npre++, .parent = n, .key = key,
                                     .index = i, .ppre = ppre, .found = -1 };
  }
  walk_finish(c, &w);
  if(st != inl)
    oac_free(st);
  return 1;
}

static int eval_expr(struct ctx *c, const struct jp_expr *e, struct doc_node *cur)
{
  if(c->r)
    return 0;
  switch(e->kind) {
  case E_OR:
    return eval_expr(c, e->a, cur) || eval_expr(c, e->b, cur);
  case E_AND:
    return eval_expr(c, e->a, cur) && eval_expr(c, e->b, cur);
  case E_NOT:
    return !eval_expr(c, e->a, cur);
  case E_TEST: {
    if(e->fast)
      return eval_singular(c, e->q, cur) != NULL;
    struct jsonpath_nodelist l;
    jsonpath_nodelist_init(&l);
    eval_query(c, e->q, cur, &l);
    int found = l.n > 0;
    jsonpath_nodelist_free(&l);
    return found;
  }
  case E_CMP: {
    if(e->fast) {
      const struct jp_operand *q = e->l.q ? &e->l : &e->r, *lit = e->l.q ? &e->r : &e->l;
      int eq = lit_eq_node(&lit->lit, eval_singular(c, q->q, cur));
      return e->op == OP_EQ ? eq : !eq;
    }
    struct jp_val a = operand_value(c, &e->l, cur), b = operand_value(c, &e->r, cur);
    switch(e->op) {
    case OP_EQ: return val_eq(&a, &b, 0);
    case OP_NE: return !val_eq(&a, &b, 0);
    case OP_LT: return val_lt(&a, &b);
    case OP_LE: return val_lt(&a, &b) || val_eq(&a, &b, 0);
    case OP_GT: return val_lt(&b, &a);
    case OP_GE: return val_lt(&b, &a) || val_eq(&a, &b, 0);
    }
    return 0;
  }
  }
  return 0;
}

enum oac_result jsonpath_eval(const struct jsonpath *p, struct doc_node *root,
                              struct jsonpath_nodelist *out)
{
  struct ctx c = { .root = root, .r = OAC_OK };
  if(!root)
    return OAC_OK;
  eval_query(&c, p->q, root, out);
  return c.r;
}
