/* check_link.c - paging's foundations (issue 14): the RFC 8288 `Link` header
 * (src/worker/link.h), RFC 3986 reference resolution and the next-URL safety rules of
 * product.md §12.2 (src/worker/url.h). Table-driven: one row per case. */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <string.h>
#include "../../src/common/buf.h"
#include "../../src/worker/link.h"
#include "../../src/worker/url.h"
#include "../../src/worker/location.h"

/* `Link` headers ---------------------------------------------------------------------- */

struct link_case {
  const char *value;
  const char *rel;
  enum oac_result rv;
  const char *target;      /* NULL: no link has REL (or rv is an error) */
};

#define GH "https://api.github.com/repositories/1300192/issues"

static const struct link_case link_cases[] = {
  /* RFC 8288 §3.5's examples */
  { "<http://example.com/TheBook/chapter2>; rel=\"previous\"; title=\"previous chapter\"",
    "previous", OAC_OK, "http://example.com/TheBook/chapter2" },
  { "<http://example.com/TheBook/chapter2>; rel=\"previous\"; title=\"previous chapter\"",
    "next", OAC_OK, NULL },
  { "</>; rel=\"http://example.net/foo\"", "http://example.net/foo", OAC_OK, "/" },
  { "</terms>; rel=\"copyright\"; anchor=\"#foo\"", "copyright", OAC_OK, "/terms" },
  { "</TheBook/chapter2>; rel=\"previous\"; title*=UTF-8'de'letztes%20Kapitel, "
    "</TheBook/chapter4>; rel=\"next\"; title*=UTF-8'de'n%c3%a4chstes%20Kapitel",
    "next", OAC_OK, "/TheBook/chapter4" },
  { "</TheBook/chapter2>; rel=\"previous\"; title*=UTF-8'de'letztes%20Kapitel, "
    "</TheBook/chapter4>; rel=\"next\"; title*=UTF-8'de'n%c3%a4chstes%20Kapitel",
    "previous", OAC_OK, "/TheBook/chapter2" },
  { "<http://example.org/>; rel=\"start http://example.net/relation/other\"", "start",
    OAC_OK, "http://example.org/" },
  { "<http://example.org/>; rel=\"start http://example.net/relation/other\"",
    "http://example.net/relation/other", OAC_OK, "http://example.org/" },
  { "<https://example.org/>; rel=\"start\", <https://example.org/index>; rel=\"index\"",
    "index", OAC_OK, "https://example.org/index" },
  /* GitHub's form */
  { "<" GH "?page=2>; rel=\"prev\", <" GH "?page=4>; rel=\"next\", <" GH "?page=515>; "
    "rel=\"last\", <" GH "?page=1>; rel=\"first\"", "next", OAC_OK, GH "?page=4" },
  { "<" GH "?page=2>; rel=\"prev\", <" GH "?page=4>; rel=\"next\", <" GH "?page=515>; "
    "rel=\"last\", <" GH "?page=1>; rel=\"first\"", "last", OAC_OK, GH "?page=515" },
  { "<" GH "?page=514>; rel=\"prev\", <" GH "?page=1>; rel=\"first\"", "next", OAC_OK, NULL },
  /* unquoted token, names and values in any case */
  { "</p2>; rel=next", "next", OAC_OK, "/p2" },
  { "</p2>; REL=NEXT", "next", OAC_OK, "/p2" },
  { "</p2>; Rel=\"Next\"", "NEXT", OAC_OK, "/p2" },
  { "</p2>; rel=http://example.net/rel/next", "http://example.net/rel/next", OAC_OK, "/p2" },
  /* a comma or semicolon inside <...> is part of the URI */
  { "</a,b;c>; rel=next", "next", OAC_OK, "/a,b;c" },
  { "</x>; rel=prev, </a,b;c?x=1,2;y>; rel=next", "next", OAC_OK, "/a,b;c?x=1,2;y" },
  /* ; and , inside a quoted string are text, escapes too */
  { "</a>; title=\"x; rel=next, y\"; rel=last", "next", OAC_OK, NULL },
  { "</a>; title=\"x; rel=next, y\"; rel=last", "last", OAC_OK, "/a" },
  { "</a>; title=\"say \\\"hi\\\", rel=next\"; rel=\"n\\ext\"", "next", OAC_OK, "/a" },
  { "</a>; title=\"a\\\\\"; rel=next", "next", OAC_OK, "/a" },
  /* several relation types */
  { "</a>; rel=\"next last\"", "next", OAC_OK, "/a" },
  { "</a>; rel=\"next last\"", "last", OAC_OK, "/a" },
  { "</a>; rel=\"  next\tlast  \"", "last", OAC_OK, "/a" },
  { "</a>; rel=\"next last\"", "nex", OAC_OK, NULL },
  { "</a>; rel=\"nextlast\"", "next", OAC_OK, NULL },
  { "</a>; rel=\"prev\", </b>; rel=\"next last\"", "last", OAC_OK, "/b" },
  /* rel twice: the first wins (RFC 8288 §3.3); rel* is another parameter */
  { "</a>; rel=prev; rel=next", "next", OAC_OK, NULL },
  { "</a>; rel=prev; rel=next", "prev", OAC_OK, "/a" },
  { "</a>; rel; rel=next", "next", OAC_OK, NULL },
  { "</a>; rel*=UTF-8''next", "next", OAC_OK, NULL },
  { "</a>; rel*=UTF-8''next; rel=next", "next", OAC_OK, "/a" },
  /* white space, empty elements and parameters, links without parameters */
  { "</a> ;rel = \"next\" ", "next", OAC_OK, "/a" },
  { "\t</a>\t;\trel\t=\tnext\t", "next", OAC_OK, "/a" },
  { ", ,</a>; rel=next,,", "next", OAC_OK, "/a" },
  { "</a>; rel=next;", "next", OAC_OK, "/a" },
  { "</a>;; rel=next", "next", OAC_OK, "/a" },
  { "</a>, </b>; rel=next", "next", OAC_OK, "/b" },
  { "</a>", "next", OAC_OK, NULL },
  { "", "next", OAC_OK, NULL },
  { "   ", "next", OAC_OK, NULL },
  /* the first link with the rel wins */
  { "</1>; rel=next, </2>; rel=next", "next", OAC_OK, "/1" },
  /* relative targets are returned as written */
  { "<?page=2>; rel=next", "next", OAC_OK, "?page=2" },
  { "<items?page=2&per_page=10>; rel=\"next\"", "next", OAC_OK, "items?page=2&per_page=10" },
  { "<//other.example/p>; rel=next", "next", OAC_OK, "//other.example/p" },
  { "<>; rel=next", "next", OAC_OK, "" },
  /* several Link lines, joined by the caller with ", " */
  { "</p1>; rel=\"prev\"" ", " "</p3>; rel=\"next\"", "next", OAC_OK, "/p3" },
  { "</p3>; rel=\"next\"" ", " "</p9>; rel=\"next\"", "next", OAC_OK, "/p3" },
  { "" ", " "</p3>; rel=\"next\"", "next", OAC_OK, "/p3" },
  /* garbage: a failure wherever it is */
  { "</a; rel=next", "next", OAC_EDOC, NULL },
  { "</a>; rel=\"next", "next", OAC_EDOC, NULL },
  { "</a>; title=\"x\\", "next", OAC_EDOC, NULL },
  { "rel=next", "next", OAC_EDOC, NULL },
  { "http://a/; rel=next", "next", OAC_EDOC, NULL },
  { "</a> rel=next", "next", OAC_EDOC, NULL },
  { "</a>; =\"x\"", "next", OAC_EDOC, NULL },
  { "</a>; \"next\"", "next", OAC_EDOC, NULL },
  { "</a>; rel=", "next", OAC_EDOC, NULL },
  { "</a>; rel=\"next\"x", "next", OAC_EDOC, NULL },
  { "</a>; rel=next next", "next", OAC_EDOC, NULL },
  { "</a>; rel=next, garbage", "next", OAC_EDOC, NULL },
  { "</a>; rel=next, <", "next", OAC_EDOC, NULL },
  { "</a>; rel=next; ti\"tle=x", "next", OAC_EDOC, NULL },
};

START_TEST(test_link_table)
{
  const struct link_case *c = &link_cases[_i];
  const char *t = (const char *)1;
  size_t tl = 99;
  enum oac_result rv = link_find_rel(c->value, strlen(c->value), c->rel, &t, &tl);
  ck_assert_msg(rv == c->rv, "case %d [%s] rel %s: result %d, want %d", _i, c->value, c->rel,
                (int)rv, (int)c->rv);
  if(!c->target) {
    ck_assert_msg(t == NULL && tl == 0, "case %d [%s] rel %s: found '%.*s'", _i, c->value,
                  c->rel, t ? (int)tl : 0, t ? t : "");
    return;
  }
  ck_assert_msg(t != NULL, "case %d [%s] rel %s: not found", _i, c->value, c->rel);
  ck_assert_msg(tl == strlen(c->target) && !memcmp(t, c->target, tl),
                "case %d [%s] rel %s: '%.*s', want '%s'", _i, c->value, c->rel, (int)tl, t,
                c->target);
  /* The target points into the value: nothing was copied. */
  ck_assert(t >= c->value && t + tl <= c->value + strlen(c->value));
}
END_TEST

/* LEN bounds the value: no NUL is needed and nothing past LEN is read. */
START_TEST(test_link_len_and_arguments)
{
  const char *t;
  size_t tl;
  const char *v = "</a>; rel=next";
  ck_assert_int_eq(link_find_rel(v, strlen(v) - 2, "next", &t, &tl), OAC_OK);
  ck_assert_ptr_null(t);                                    /* "rel=ne" */
  ck_assert_int_eq(link_find_rel(v, strlen(v) - 2, "ne", &t, &tl), OAC_OK);
  ck_assert_ptr_eq(t, v + 1);
  ck_assert_uint_eq(tl, 2);
  ck_assert_int_eq(link_find_rel(v, 3, "next", &t, &tl), OAC_EDOC);   /* "</a" */
  char unterminated[] = { '<', '/', 'x', '>', ';', 'r', 'e', 'l', '=', 'n', 'e', 'x', 't' };
  ck_assert_int_eq(link_find_rel(unterminated, sizeof unterminated, "next", &t, &tl), OAC_OK);
  ck_assert_ptr_eq(t, unterminated + 1);
  ck_assert_uint_eq(tl, 2);
  char quoted[] = { '<', '/', 'x', '>', ';', 'r', 'e', 'l', '=', '"', 'n', 'e', 'x', 't' };
  ck_assert_int_eq(link_find_rel(quoted, sizeof quoted, "next", &t, &tl), OAC_EDOC);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(link_find_rel(NULL, 0, "next", &t, &tl), OAC_OK);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(link_find_rel(NULL, 4, "next", &t, &tl), OAC_EINTERNAL);
  ck_assert_int_eq(link_find_rel(v, strlen(v), "", &t, &tl), OAC_EINTERNAL);
  ck_assert_int_eq(link_find_rel(v, strlen(v), NULL, &t, &tl), OAC_EINTERNAL);
  ck_assert_int_eq(link_find_rel(v, strlen(v), "next", NULL, &tl), OAC_EINTERNAL);
}
END_TEST

/* Reference resolution -------------------------------------------------------------- */

struct resolve_case {
  const char *base;
  const char *ref;
  const char *want;        /* NULL: OAC_EDOC */
};

#define RFC "http://a/b/c/d;p?q"
#define API "https://api.example.com/v2/items?limit=10"

static const struct resolve_case resolve_cases[] = {
  /* RFC 3986 §5.4.1, normal examples (fragments dropped) */
  { RFC, "g:h", "g:h" },
  { RFC, "g", "http://a/b/c/g" },
  { RFC, "./g", "http://a/b/c/g" },
  { RFC, "g/", "http://a/b/c/g/" },
  { RFC, "/g", "http://a/g" },
  { RFC, "//g", "http://g" },
  { RFC, "?y", "http://a/b/c/d;p?y" },
  { RFC, "g?y", "http://a/b/c/g?y" },
  { RFC, "#s", "http://a/b/c/d;p?q" },
  { RFC, "g#s", "http://a/b/c/g" },
  { RFC, "g?y#s", "http://a/b/c/g?y" },
  { RFC, ";x", "http://a/b/c/;x" },
  { RFC, "g;x", "http://a/b/c/g;x" },
  { RFC, "g;x?y#s", "http://a/b/c/g;x?y" },
  { RFC, "", "http://a/b/c/d;p?q" },
  { RFC, ".", "http://a/b/c/" },
  { RFC, "./", "http://a/b/c/" },
  { RFC, "..", "http://a/b/" },
  { RFC, "../", "http://a/b/" },
  { RFC, "../g", "http://a/b/g" },
  { RFC, "../..", "http://a/" },
  { RFC, "../../", "http://a/" },
  { RFC, "../../g", "http://a/g" },
  /* RFC 3986 §5.4.2, abnormal examples (strict parser) */
  { RFC, "../../../g", "http://a/g" },
  { RFC, "../../../../g", "http://a/g" },
  { RFC, "/./g", "http://a/g" },
  { RFC, "/../g", "http://a/g" },
  { RFC, "g.", "http://a/b/c/g." },
  { RFC, ".g", "http://a/b/c/.g" },
  { RFC, "g..", "http://a/b/c/g.." },
  { RFC, "..g", "http://a/b/c/..g" },
  { RFC, "./../g", "http://a/b/g" },
  { RFC, "./g/.", "http://a/b/c/g/" },
  { RFC, "g/./h", "http://a/b/c/g/h" },
  { RFC, "g/../h", "http://a/b/c/h" },
  { RFC, "g;x=1/./y", "http://a/b/c/g;x=1/y" },
  { RFC, "g;x=1/../y", "http://a/b/c/y" },
  { RFC, "g?y/./x", "http://a/b/c/g?y/./x" },
  { RFC, "g?y/../x", "http://a/b/c/g?y/../x" },
  { RFC, "g#s/./x", "http://a/b/c/g" },
  { RFC, "g#s/../x", "http://a/b/c/g" },
  { RFC, "http:g", "http:g" },
  /* next URLs as APIs send them */
  { API, "https://api.example.com/v2/items?page=2", "https://api.example.com/v2/items?page=2" },
  { API, "//api.example.com/v2/items?page=2", "https://api.example.com/v2/items?page=2" },
  { API, "/v2/items?page=2&limit=10", "https://api.example.com/v2/items?page=2&limit=10" },
  { API, "items?page=2", "https://api.example.com/v2/items?page=2" },
  { API, "?page=2", "https://api.example.com/v2/items?page=2" },
  { API, "?after=a%2Fb%3D%3d", "https://api.example.com/v2/items?after=a%2Fb%3D%3d" },
  { API, "/v2/../admin", "https://api.example.com/admin" },
  { API, "/v2/%2e%2e/admin", "https://api.example.com/v2/%2e%2e/admin" },
  { API, "HTTP://Other.Example:8080/P?Q#F", "HTTP://Other.Example:8080/P?Q" },
  { API, "#top", "https://api.example.com/v2/items?limit=10" },
  { "https://api.example.com/v2/items#frag", "?page=3",
    "https://api.example.com/v2/items?page=3" },
  { "http://h", "p", "http://h/p" },
  { "http://h", "?x", "http://h?x" },
  { "http://h", "", "http://h" },
  { "http://u@h:81/a/b", "../c", "http://u@h:81/c" },
  { "http://h/a/b/", ".", "http://h/a/b/" },
  /* refused */
  { "/relative/base", "g", NULL },
  { "//host/base", "g", NULL },
  { "", "g", NULL },
  { API, "page 2", NULL },
  { API, "?page=2\r\nX-Evil: 1", NULL },
  { API, "1a:b", NULL },
  { API, ":x", NULL },
  { API, "ht~tp://h/", NULL },
  { "http://a/b c", "g", NULL },
};

START_TEST(test_resolve_table)
{
  const struct resolve_case c = resolve_cases[_i];
  struct buf out;
  buf_init(&out);
  buf_puts(&out, "left over");             /* OUT is reset */
  enum oac_result rv = url_resolve(c.base, strlen(c.base), c.ref, strlen(c.ref), &out);
  if(!c.want)
    ck_assert_msg(rv == OAC_EDOC, "case %d: '%s' against '%s' should be refused, got %d '%s'",
                  _i, c.ref, c.base, (int)rv, out.data ? out.data : "");
  else {
    ck_assert_msg(rv == OAC_OK, "case %d: '%s' against '%s' refused (%d)", _i, c.ref, c.base,
                  (int)rv);
    ck_assert_msg(!strcmp(out.data, c.want), "case %d: '%s' against '%s' gave '%s', want '%s'",
                  _i, c.ref, c.base, out.data, c.want);
    ck_assert_uint_eq(out.len, strlen(c.want));
  }
  buf_free(&out);
}
END_TEST

START_TEST(test_resolve_lengths)
{
  struct buf out;
  buf_init(&out);
  /* Lengths bound both strings; a NUL inside them is refused. */
  const char *base = "http://a/b/c/d;p?qXXXX";
  ck_assert_int_eq(url_resolve(base, strlen(base) - 4, "g?yZZ", 3, &out), OAC_OK);
  ck_assert_str_eq(out.data, "http://a/b/c/g?y");
  ck_assert_int_eq(url_resolve(base, strlen(base) - 4, NULL, 0, &out), OAC_OK);
  ck_assert_str_eq(out.data, "http://a/b/c/d;p?q");
  ck_assert_int_eq(url_resolve("http://a/\0b", 11, "g", 1, &out), OAC_EDOC);
  ck_assert_int_eq(url_resolve("http://a/b", 10, "g\0/../../x", 10, &out), OAC_EDOC);
  ck_assert_int_eq(url_resolve(NULL, 0, "g", 1, &out), OAC_EDOC);
  ck_assert_int_eq(url_resolve("http://a/", 9, NULL, 3, &out), OAC_EDOC);
  ck_assert_int_eq(url_resolve("http://a/", 9, "g", 1, NULL), OAC_EDOC);
  /* A long path of dot segments: in place, nothing left over. */
  struct buf ref;
  buf_init(&ref);
  for(int i = 0; i < 200; i++)
    buf_puts(&ref, "x/../");
  buf_puts(&ref, "end");
  ck_assert_int_eq(url_resolve("http://a/b", 10, ref.data, ref.len, &out), OAC_OK);
  ck_assert_str_eq(out.data, "http://a/end");
  buf_free(&ref);
  buf_free(&out);
}
END_TEST

/* Next-URL safety (product.md §12.2) --------------------------------------------------- */

struct safety_case {
  const char *server;
  const char *first;
  int any;
  const char *candidate;
  enum url_next_rule want;
};

#define SRV "https://api.example.com/v2"
#define FIRST "/v2/items"

static const struct safety_case safety_cases[] = {
  { SRV, FIRST, 0, "https://api.example.com/v2/items?page=2", URL_NEXT_OK },
  { SRV, FIRST, 0, "https://API.Example.COM/v2/items?page=2", URL_NEXT_OK },
  { SRV, FIRST, 0, "https://api.example.com:443/v2/items?page=2", URL_NEXT_OK },
  { SRV, FIRST, 0, "HTTPS://api.example.com/v2/items?page=2#f", URL_NEXT_OK },
  { SRV, FIRST, 0, "https://api.example.com/v2/%69tems?page=2", URL_NEXT_OK },
  { SRV, FIRST "?limit=10", 0, "https://api.example.com/v2/items?page=2", URL_NEXT_OK },
  { SRV, "/v2/x/../items", 0, "https://api.example.com/v2/items", URL_NEXT_OK },
  { SRV "/", FIRST, 0, "https://api.example.com/v2/items", URL_NEXT_OK },
  { "https://api.example.com:443/v2", FIRST, 0, "https://api.example.com/v2/items",
    URL_NEXT_OK },
  { "http://api.example.com/v2", FIRST, 0, "http://api.example.com:80/v2/items", URL_NEXT_OK },
  /* scheme, host, port */
  { SRV, FIRST, 0, "http://api.example.com/v2/items?page=2", URL_NEXT_SCHEME },
  { SRV, FIRST, 1, "http://api.example.com:443/v2/items", URL_NEXT_SCHEME },
  { SRV, FIRST, 0, "https://evil.example/v2/items", URL_NEXT_HOST },
  { SRV, FIRST, 0, "https://api.example.com.evil.example/v2/items", URL_NEXT_HOST },
  { SRV, FIRST, 0, "https://api.example.com@evil.example/v2/items", URL_NEXT_HOST },
  { SRV, FIRST, 0, "https://example.com/v2/items", URL_NEXT_HOST },
  { SRV, FIRST, 0, "https://api.example.com:8443/v2/items", URL_NEXT_PORT },
  { SRV, FIRST, 0, "https://api.example.com:80/v2/items", URL_NEXT_PORT },
  { SRV, FIRST, 0, "https://user:pw@api.example.com/v2/items", URL_NEXT_USERINFO },
  { SRV, FIRST, 0, "https://user@api.example.com/v2/items", URL_NEXT_USERINFO },
  /* under the server path: segment boundaries, dots (plain and encoded) */
  { SRV, FIRST, 1, "https://api.example.com/v2x/items", URL_NEXT_OUTSIDE },
  { SRV, FIRST, 0, "https://api.example.com/v2x/items", URL_NEXT_OUTSIDE },
  { SRV, FIRST, 1, "https://api.example.com/v2/../admin", URL_NEXT_OUTSIDE },
  { SRV, FIRST, 1, "https://api.example.com/v2/items/../../admin", URL_NEXT_OUTSIDE },
  { SRV, FIRST, 1, "https://api.example.com/v2/%2e%2e/admin", URL_NEXT_OUTSIDE },
  { SRV, FIRST, 1, "https://api.example.com/v2/.%2E/admin", URL_NEXT_OUTSIDE },
  { SRV, FIRST, 1, "https://api.example.com/v2/..%2Fadmin", URL_NEXT_OUTSIDE },
  { SRV, FIRST, 1, "https://api.example.com/v2/..%5Cadmin", URL_NEXT_OUTSIDE },
  { SRV, FIRST, 1, "https://api.example.com/v2%2Fitems", URL_NEXT_OUTSIDE },
  { SRV, FIRST, 1, "https://api.example.com/", URL_NEXT_OUTSIDE },
  { SRV, FIRST, 1, "https://api.example.com/V2/items", URL_NEXT_OUTSIDE },
  { SRV, "/v2/items/%2E%2E/kids", 0, "https://api.example.com/v2/items/%2E%2E/kids?p=2",
    URL_NEXT_OK },
  { SRV, "/v2/items/%2E%2E/kids", 1, "https://api.example.com/v2/items/%2e%2e/x",
    URL_NEXT_OUTSIDE },
  { SRV, FIRST, 1, "https://api.example.com/v2", URL_NEXT_OK },
  { SRV, FIRST, 1, "https://api.example.com/v2/", URL_NEXT_OK },
  { SRV, FIRST, 1, "https://api.example.com/v2/..items/x", URL_NEXT_OK },
  /* the first request's path, unless nextPath: any */
  { SRV, FIRST, 0, "https://api.example.com/v2/other?page=2", URL_NEXT_PATH },
  { SRV, FIRST, 1, "https://api.example.com/v2/other?page=2", URL_NEXT_OK },
  { SRV, FIRST, 0, "https://api.example.com/v2/items/?page=2", URL_NEXT_PATH },
  { SRV, FIRST, 0, "https://api.example.com/v2/items/2", URL_NEXT_PATH },
  { SRV, FIRST, 0, "https://api.example.com/v2", URL_NEXT_PATH },
  { SRV, "/v2/a%2fb", 0, "https://api.example.com/v2/a%2Fb?p=2", URL_NEXT_OK },
  { SRV, "/v2/a%2fb", 0, "https://api.example.com/v2/a/b?p=2", URL_NEXT_PATH },
  { SRV, "/v2/a%20b", 0, "https://api.example.com/v2/a+b", URL_NEXT_PATH },
  /* a server at the root; IPv6 */
  { "http://127.0.0.1:8080", "/items", 0, "http://127.0.0.1:8080/items?_page=2", URL_NEXT_OK },
  { "http://127.0.0.1:8080", "/items", 0, "http://127.0.0.1:8081/items", URL_NEXT_PORT },
  { "http://127.0.0.1:8080", "/items", 0, "http://localhost:8080/items", URL_NEXT_HOST },
  { "http://127.0.0.1:8080", "/items", 1, "http://127.0.0.1:8080/other", URL_NEXT_OK },
  { "http://127.0.0.1:8080/", "/items", 0, "http://127.0.0.1:8080/other", URL_NEXT_PATH },
  { "http://[::1]:9000/api", "/api/x", 0, "http://[::1]:9000/api/x?c=2", URL_NEXT_OK },
  { "http://[::1]:9000/api", "/api/x", 0, "http://[::2]:9000/api/x", URL_NEXT_HOST },
  /* not an absolute http(s) URL */
  { SRV, FIRST, 0, "/v2/items?page=2", URL_NEXT_INVALID },
  { SRV, FIRST, 0, "ftp://api.example.com/v2/items", URL_NEXT_INVALID },
  { SRV, FIRST, 0, "", URL_NEXT_INVALID },
  { SRV, FIRST, 0, NULL, URL_NEXT_INVALID },
  { SRV, FIRST, 0, "https://", URL_NEXT_INVALID },
  { SRV, FIRST, 0, "https://api.example.com:99999/v2/items", URL_NEXT_INVALID },
};

START_TEST(test_safety_table)
{
  const struct safety_case c = safety_cases[_i];
  enum url_next_rule got = (enum url_next_rule)-1;
  enum oac_result rv = url_next_check(c.server, c.first, c.any, c.candidate, &got);
  ck_assert_msg(rv == OAC_OK, "case %d: %s -> %d", _i, c.candidate ? c.candidate : "(null)",
                (int)rv);
  ck_assert_msg(got == c.want,
                "case %d: server %s first %s any %d: %s -> %d (%s), want %d (%s)", _i, c.server,
                c.first, c.any, c.candidate ? c.candidate : "(null)", (int)got,
                url_next_rule_text(got), (int)c.want, url_next_rule_text(c.want));
}
END_TEST

START_TEST(test_safety_arguments)
{
  enum url_next_rule r = URL_NEXT_OK;
  const char *ok = "https://api.example.com/v2/items";
  ck_assert_int_eq(url_next_check("api.example.com/v2", FIRST, 0, ok, &r), OAC_EDOC);
  ck_assert_int_eq(r, URL_NEXT_INVALID);
  ck_assert_int_eq(url_next_check("ftp://api.example.com/v2", FIRST, 0, ok, &r), OAC_EDOC);
  ck_assert_int_eq(url_next_check(NULL, FIRST, 0, ok, &r), OAC_EDOC);
  ck_assert_int_eq(url_next_check(SRV, "v2/items", 0, ok, &r), OAC_EDOC);
  ck_assert_int_eq(url_next_check(SRV, NULL, 0, ok, &r), OAC_EDOC);
  ck_assert_int_eq(url_next_check(SRV, FIRST, 0, ok, NULL), OAC_EDOC);
  /* Every rule has its own words for the 502. */
  for(int a = URL_NEXT_OK; a <= URL_NEXT_PATH; a++) {
    ck_assert(strlen(url_next_rule_text((enum url_next_rule)a)) > 8);
    for(int b = URL_NEXT_OK; b < a; b++)
      ck_assert_str_ne(url_next_rule_text((enum url_next_rule)a),
                       url_next_rule_text((enum url_next_rule)b));
  }
  ck_assert_str_eq(url_next_rule_text(URL_NEXT_PORT), "its port differs from the server's");
}
END_TEST

/* The three together, as the paging walk will use them: a GitHub-style Link header, its
 * next target resolved against the request URL, then checked. */
START_TEST(test_walk_pipeline)
{
  static const struct {
    const char *link;
    const char *want_url;   /* NULL: no next link */
    enum url_next_rule want;
  } steps[] = {
    { "<https://api.example.com/v2/items?page=2>; rel=\"next\", "
      "<https://api.example.com/v2/items?page=5>; rel=\"last\"",
      "https://api.example.com/v2/items?page=2", URL_NEXT_OK },
    { "</v2/items?page=3>; rel=\"prev first\"; title=\"a, b\", <?page=4>; rel=next",
      "https://api.example.com/v2/items?page=4", URL_NEXT_OK },
    { "<../admin?page=2>; rel=next", "https://api.example.com/admin?page=2", URL_NEXT_OUTSIDE },
    { "<https://api.example.com:444/v2/items?page=2>; rel=next",
      "https://api.example.com:444/v2/items?page=2", URL_NEXT_PORT },
    { "<https://api.example.com/v2/items?page=1>; rel=\"first\"", NULL, URL_NEXT_OK },
  };
  const char *request = "https://api.example.com/v2/items?per_page=10";
  struct buf next;
  buf_init(&next);
  for(size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    const char *t;
    size_t tl;
    ck_assert_int_eq(link_find_rel(steps[i].link, strlen(steps[i].link), "next", &t, &tl),
                     OAC_OK);
    if(!steps[i].want_url) {
      ck_assert_ptr_null(t);
      continue;
    }
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(url_resolve(request, strlen(request), t, tl, &next), OAC_OK);
    ck_assert_str_eq(next.data, steps[i].want_url);
    enum url_next_rule r;
    ck_assert_int_eq(url_next_check(SRV, "/v2/items", 0, next.data, &r), OAC_OK);
    ck_assert_msg(r == steps[i].want, "step %zu: %s -> %s", i, next.data,
                  url_next_rule_text(r));
  }
  buf_free(&next);
}
END_TEST

/* product.md §13.3: a Location's path against the server's path + the x-flow-load
 * template (location.c). */
static const struct {
  const char *path, *base, *tmpl;
  int match;
  const char *v0, *v1;
} loc_cases[] = {
  { "/v1/repos/octocat/hello-world", "/v1", "/repos/{owner}/{repo}", 1, "octocat",
    "hello-world" },
  { "/v1/repos/a%2Fb/c%25d/", "/v1/", "/repos/{owner}/{repo}", 1, "a/b", "c%d" },
  { "/repos/o/r?x=1#f", "", "/repos/{owner}/{repo}", 1, "o", "r" },
  { "/jobs/7f3a", "", "/jobs/{id}", 1, "7f3a", NULL },
  { "/v2/repos/o/r", "/v1", "/repos/{owner}/{repo}", 0, NULL, NULL },
  { "/v1repos/o/r", "/v1", "/repos/{owner}/{repo}", 0, NULL, NULL },
  { "/v1/repos/o", "/v1", "/repos/{owner}/{repo}", 0, NULL, NULL },
  { "/v1/repos//r", "/v1", "/repos/{owner}/{repo}", 0, NULL, NULL },
  { "/v1/repos/o/r/forks", "/v1", "/repos/{owner}/{repo}", 0, NULL, NULL },
  { "/v1/Repos/o/r", "/v1", "/repos/{owner}/{repo}", 0, NULL, NULL },
  { "/v1/repos/o/r//", "/v1", "/repos/{owner}/{repo}", 0, NULL, NULL },
};

START_TEST(test_location_match)
{
  struct arena a;
  arena_init(&a, 0);
  const char *names[4], *values[4];
  size_t n = 99;
  int m = location_match(loc_cases[_i].path, loc_cases[_i].base, loc_cases[_i].tmpl, names,
                         values, 4, &n, &a);
  ck_assert_msg(m == loc_cases[_i].match, "%s against %s%s: %d", loc_cases[_i].path,
                loc_cases[_i].base, loc_cases[_i].tmpl, m);
  if(m) {
    ck_assert_str_eq(values[0], loc_cases[_i].v0);
    if(loc_cases[_i].v1) {
      ck_assert_uint_eq(n, 2);
      ck_assert_str_eq(values[1], loc_cases[_i].v1);
      ck_assert_str_eq(names[1], strchr(loc_cases[_i].tmpl, '{') ? "repo" : "?");
    }
    else
      ck_assert_uint_eq(n, 1);
  }
  arena_free(&a);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *suite(void)
{
  Suite *s = suite_create("link");
  TCase *tc = tcase_create("link");
  tcase_add_loop_test(tc, test_link_table, 0, N(link_cases));
  tcase_add_test(tc, test_link_len_and_arguments);
  suite_add_tcase(s, tc);
  tc = tcase_create("resolve");
  tcase_add_loop_test(tc, test_resolve_table, 0, N(resolve_cases));
  tcase_add_test(tc, test_resolve_lengths);
  suite_add_tcase(s, tc);
  tc = tcase_create("safety");
  tcase_add_loop_test(tc, test_safety_table, 0, N(safety_cases));
  tcase_add_test(tc, test_safety_arguments);
  tcase_add_test(tc, test_walk_pipeline);
  suite_add_tcase(s, tc);
  tc = tcase_create("location");
  tcase_add_loop_test(tc, test_location_match, 0, N(loc_cases));
  suite_add_tcase(s, tc);
  return s;
}
