/* check_walk.c - the paging walk (walk.c, product.md §12.2) against a real API on loopback:
 * upstream_server.py's paged lists (/v1/paged cursor, /v1/linked link, /v1/offset offset,
 * and faulty ones), nine items "1".."9" named ant bee cat ape bat cow asp boa cod. The
 * requests the walk sent are read back from the server's /seen log, so the page arithmetic
 * is observed at the API. Calls worker_handle() directly, as check_worker.c does.
 */
#include <check.h>
#include "check_main.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "flow/json.h"
#include "test_cache.h"
#include "test_server.h"
#include "worker/handler.h"
#include "worker/log.h"

static char dir[256];
static struct test_server srv;

static const char REG[] = "https://example.test/walk.yaml";

/* One type NAME whose x-flow-query is GET PATH with the paging mark PAGING; its answer is
 * ANSWER (a schema in flow style; T stands for the item schema's $ref). */
static void add_type(struct buf *comp, struct buf *paths, const char *name, const char *path,
                     const char *params, const char *paging, const char *answer)
{
  buf_printf(comp,
    "    %s:\n"
    "      type: object\n"
    "      x-flow-type: {name: %s}\n"
    "      x-flow-query:\n"
    "        path: %s\n"
    "        operation: get\n"
    "        paging: %s\n"
    "      properties:\n"
    "        id: {type: string}\n"
    "        name: {type: string}\n", name, name, path, paging);
  buf_printf(paths,
    "  %s:\n"
    "    get:\n"
    "      parameters: %s\n"
    "      responses:\n"
    "        '200':\n"
    "          description: a page\n"
    "          content:\n"
    "            application/json:\n"
    "              schema: ", path, params);
  for(const char *s = answer; *s; s++) {
    if(*s == 'T')
      buf_printf(paths, "{$ref: '#/components/schemas/%s'}", name);
    else
      buf_append(paths, s, 1);
  }
  buf_puts(paths, "\n");
}

#define P_INT(n) "{name: " n ", in: query, schema: {type: integer}}"
#define P_STR(n) "{name: " n ", in: query, schema: {type: string}}"
#define CURSOR_ANSWER "{type: object, properties: {data: {type: array, items: T}, " \
  "next_cursor: {type: string, nullable: true}, has_more: {type: boolean}}}"

/* The document, into DOC. */
static void walk_doc(int port, struct buf *doc)
{
  struct buf comp, paths;
  buf_init(&comp);
  buf_init(&paths);
  add_type(&comp, &paths, "Cur", "/paged", "[" P_STR("cursor") ", " P_INT("limit") "]",
           "{style: cursor, cursor: cursor, limit: limit, maxLimit: 3, nextCursor: "
           "next_cursor, hasMore: has_more}", CURSOR_ANSWER);
  add_type(&comp, &paths, "Slow", "/slowpaged", "[" P_STR("cursor") ", " P_INT("limit") "]",
           "{style: cursor, cursor: cursor, limit: limit, maxLimit: 3, nextCursor: "
           "next_cursor, hasMore: has_more}", CURSOR_ANSWER);
  /* retries (§13.4): the second page is refused once / always */
  add_type(&comp, &paths, "Busy", "/busypaged", "[" P_STR("cursor") ", " P_INT("limit") "]",
           "{style: cursor, cursor: cursor, limit: limit, maxLimit: 3, nextCursor: "
           "next_cursor, hasMore: has_more}", CURSOR_ANSWER);
  add_type(&comp, &paths, "Refused", "/refusedpaged", "[" P_STR("cursor") ", " P_INT("limit")
           "]", "{style: cursor, cursor: cursor, limit: limit, maxLimit: 3, nextCursor: "
           "next_cursor, hasMore: has_more}", CURSOR_ANSWER);
  buf_puts(&comp,
    "    Saved:\n"
    "      type: object\n"
    "      x-flow-type: {name: Saved}\n"
    "      x-flow-save: {path: /slowsave, operation: post}\n"
    "      properties:\n"
    "        id: {type: string, readOnly: true}\n"
    "        name: {type: string}\n");
  buf_puts(&paths,
    "  /slowsave:\n"
    "    post:\n"
    "      requestBody: {content: {application/json: {schema: {type: object}}}}\n"
    "      responses: {'201': {description: created}}\n");
  add_type(&comp, &paths, "Lnk", "/linked", "[" P_INT("limit") "]",
           "{style: link, limit: limit, maxLimit: 3}", "{type: array, items: T}");
  add_type(&comp, &paths, "Off", "/offset", "[" P_INT("offset") ", " P_INT("limit") "]",
           "{style: offset, offset: offset, limit: limit, maxLimit: 4}",
           "{type: array, items: T}");
  add_type(&comp, &paths, "Pg", "/pages", "[" P_INT("page") ", " P_INT("per_page") "]",
           "{style: page, page: page, limit: per_page, maxLimit: 4}",
           "{type: array, items: T}");
  add_type(&comp, &paths, "Stuck", "/stuck", "[" P_STR("after") "]",
           "{style: cursor, cursor: after, nextCursor: next_cursor, hasMore: has_more}",
           CURSOR_ANSWER);
  add_type(&comp, &paths, "Same", "/same", "[]", "{style: link}", "{type: array, items: T}");
  add_type(&comp, &paths, "Loop", "/loop", "[]", "{style: link}", "{type: array, items: T}");
  add_type(&comp, &paths, "Foreign", "/foreign", "[]", "{style: next-url, next: next}",
           "{type: object, properties: {data: {type: array, items: T}, "
           "next: {type: string}}}");
  add_type(&comp, &paths, "NoCur", "/nocursor", "[" P_STR("cursor") "]",
           "{style: cursor, cursor: cursor, nextCursor: 'data[-1].id', hasMore: has_more}",
           CURSOR_ANSWER);
  buf_printf(doc,
    "openapi: 3.0.3\n"
    "info: {title: walk, version: '1'}\n"
    "servers: [{url: 'http://127.0.0.1:%d/v1'}]\n"
    "components:\n"
    "  schemas:\n%s"
    "paths:\n%s", port, comp.data, paths.data);
  ck_assert(!buf_failed(doc));
  buf_free(&comp);
  buf_free(&paths);
}

static void setup(void)
{
  test_server_environment();
  const char *b = getenv("top_builddir");
  snprintf(dir, sizeof(dir), "%s/tests/unit/worker-caches.walk-XXXXXX", b ? b : ".");
  if(!mkdtemp(dir)) {
    snprintf(dir, sizeof(dir), "/tmp/worker-caches.walk-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
  }
  test_server_start(&srv, NULL);
  struct buf doc;
  buf_init(&doc);
  walk_doc(srv.port, &doc);
  test_cache_write(doc.data, REG, dir);
  buf_free(&doc);
  log_level = -1;                /* 4xx/5xx on purpose: keep the log empty */
}

static void teardown(void)
{
  test_server_stop(&srv);
  test_rm_dir(dir);
}

/* ---- the server's log ------------------------------------------------------------------ */

/* GET PATH from the test server with a plain socket; the body (free()). */
static char *server_get(const char *path)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)srv.port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  char rq[512];
  int n = snprintf(rq, sizeof(rq), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close"
                   "\r\n\r\n", path);
  ck_assert_int_eq(write(fd, rq, (size_t)n), n);
  size_t cap = 4096, len = 0;
  char *out = malloc(cap);
  ck_assert_ptr_nonnull(out);
  for(;;) {
    if(len + 1024 > cap) {
      cap *= 2;
      out = realloc(out, cap);
      ck_assert_ptr_nonnull(out);
    }
    ssize_t got = read(fd, out + len, cap - len - 1);
    ck_assert_int_ge(got, 0);
    if(!got)
      break;
    len += (size_t)got;
  }
  close(fd);
  out[len] = '\0';
  char *body = strstr(out, "\r\n\r\n");
  ck_assert_ptr_nonnull(body);
  memmove(out, body + 4, strlen(body + 4) + 1);
  return out;
}

/* The requests since the last call, as "PATH?QUERY|PATH?QUERY|..." (static). */
static const char *seen(void)
{
  static char out[2048];
  char *text = server_get("/seen?clear=1");
  cJSON *j = NULL;
  struct json_error je;
  ck_assert_int_eq(json_parse(text, strlen(text), &j, &je), OAC_OK);
  out[0] = '\0';
  const cJSON *s;
  cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(j, "seen")) {
    if(out[0])
      strncat(out, "|", sizeof(out) - strlen(out) - 1);
    strncat(out, s->valuestring, sizeof(out) - strlen(out) - 1);
  }
  cJSON_Delete(j);
  free(text);
  return out;
}

/* ---- loads ----------------------------------------------------------------------------- */

static struct worker *new_worker(unsigned long max_pages)
{
  struct worker_opts o = { 0 };
  o.cache_dir = dir;
  o.up.connect_timeout_ms = 2000;
  o.up.timeout_ms = 5000;
  o.max_pages = max_pages;
  struct worker *w = worker_new(&o);
  ck_assert_ptr_nonnull(w);
  return w;
}

struct answer {
  int status;
  cJSON *json;
  char ids[256];                /* the objects' externalIds, joined by ',' */
  const char *token;            /* offsetToken, or NULL */
  int more;                     /* hasMoreResults */
};

/* POST /data for TYPE with the body's tail TAIL (after objectDataType). */
static void data_request(struct worker *w, const char *method, const char *type,
                         const char *tail, struct answer *a);

static void load(struct worker *w, const char *type, const char *tail, struct answer *a)
{
  data_request(w, "POST", type, tail, a);
}

/* PUT /data (a save) for TYPE with the body's tail TAIL. */
static void save(struct worker *w, const char *type, const char *tail, struct answer *a)
{
  data_request(w, "PUT", type, tail, a);
}

static void data_request(struct worker *w, const char *method, const char *type,
                         const char *tail, struct answer *a)
{
  struct buf body;
  buf_init(&body);
  buf_printf(&body, "{\"configurationValues\":[{\"developerName\":\"Schema URL\","
             "\"contentValue\":\"%s\"}],\"objectDataType\":{\"developerName\":\"%s\"}%s%s}",
             REG, type, tail && *tail ? "," : "", tail ? tail : "");
  ck_assert(!buf_failed(&body));
  struct http_request rq = { 0 };
  struct http_response rs;
  rq.method = method;
  rq.uri = "/data";
  rq.body = body.data;
  rq.body_len = body.len;
  buf_init(&rs.body);
  worker_handle(w, &rq, &rs);
  struct json_error je;
  memset(a, 0, sizeof(*a));
  a->status = rs.status;
  ck_assert_msg(json_parse(rs.direct, rs.direct_len, &a->json, &je) == OAC_OK,
                "answer is not JSON: %.*s", (int)rs.direct_len, rs.direct);
  buf_free(&rs.body);
  buf_free(&body);
  if(rs.problem)
    return;
  const cJSON *o;
  cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(a->json, "objectData")) {
    const char *id = json_get_str(o, "externalId");
    if(a->ids[0])
      strncat(a->ids, ",", sizeof(a->ids) - strlen(a->ids) - 1);
    strncat(a->ids, id ? id : "-", sizeof(a->ids) - strlen(a->ids) - 1);
  }
  a->token = json_get_str(a->json, "offsetToken");
  a->more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a->json, "hasMoreResults"));
}

static void answer_free(struct answer *a)
{
  cJSON_Delete(a->json);
  a->json = NULL;
}

static const char *message(const struct answer *a)
{
  const char *m = json_get_str(a->json, "message");
  return m ? m : "";
}

#define ASSERT_HAS(hay, needle) \
  ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' not in '%s'", (needle), (hay))

#define CONTAINS_A "\"where\":[{\"columnName\":\"name\",\"criteriaType\":\"CONTAINS\"," \
  "\"contentValue\":\"a\"}]"

/* ---- tests ----------------------------------------------------------------------------- */

/* A whole list with a local filter: every page walked, matches kept across pages. */
START_TEST(test_whole_list_filtered)
{
  struct worker *w = new_worker(0);
  struct answer a;
  seen();
  load(w, "Cur", "\"listFilter\":{" CONTAINS_A "}", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "1,3,4,5,7,8");
  ck_assert(!a.more);
  ck_assert_ptr_null(a.token);
  ck_assert_str_eq(seen(), "/v1/paged?limit=3|/v1/paged?limit=3&cursor=c3|"
                   "/v1/paged?limit=3&cursor=c6");
  answer_free(&a);
  /* a null listFilter: the whole list, the same pages */
  load(w, "Lnk", "\"listFilter\":null", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "1,2,3,4,5,6,7,8,9");
  ck_assert(!a.more);
  ck_assert_ptr_null(a.token);
  ck_assert_str_eq(seen(), "/v1/linked?limit=3|/v1/linked?after=3&limit=3|"
                   "/v1/linked?after=6&limit=3");
  answer_free(&a);
  worker_free(w);
}
END_TEST

/* Offset style: Flow's page mapped to the API's, limit + 1 asked (no hasMore, no total),
 * a whole list in pages of maxLimit until an empty page. */
START_TEST(test_offset_arithmetic)
{
  struct worker *w = new_worker(0);
  struct answer a;
  seen();
  load(w, "Off", "\"listFilter\":{\"limit\":2,\"offset\":3}", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "4,5");
  ck_assert(a.more);
  ck_assert_ptr_nonnull(a.token);
  ck_assert_str_eq(seen(), "/v1/offset?limit=3&offset=3");
  answer_free(&a);
  /* the last items: the extra one is not there, so the list has ended */
  load(w, "Off", "\"listFilter\":{\"limit\":3,\"offset\":6}", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "7,8,9");
  ck_assert(!a.more);
  ck_assert_ptr_null(a.token);
  /* a short page does not end the walk by itself: the item still wanted is asked for */
  ck_assert_str_eq(seen(), "/v1/offset?limit=4&offset=6|/v1/offset?limit=1&offset=9");
  answer_free(&a);
  /* a limit over maxLimit: as many pages as it takes */
  load(w, "Off", "\"listFilter\":{\"limit\":5}", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "1,2,3,4,5");
  ck_assert(a.more);
  ck_assert_str_eq(seen(), "/v1/offset?limit=4|/v1/offset?limit=2&offset=4");
  answer_free(&a);
  load(w, "Off", "\"listFilter\":null", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "1,2,3,4,5,6,7,8,9");
  ck_assert(!a.more);
  ck_assert_str_eq(seen(), "/v1/offset?limit=4|/v1/offset?limit=4&offset=4|"
                   "/v1/offset?limit=4&offset=8|/v1/offset?limit=4&offset=9");
  answer_free(&a);
  worker_free(w);
}
END_TEST

/* Page style: the pages that cover the items wanted, cut. */
START_TEST(test_page_arithmetic)
{
  struct worker *w = new_worker(0);
  struct answer a;
  seen();
  load(w, "Pg", "\"listFilter\":{\"limit\":2,\"offset\":3}", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "4,5");
  ck_assert(a.more);
  ck_assert_ptr_nonnull(a.token);
  /* n = limit + 1 = 3 items from offset 3, pages of s = 3: page 2 only */
  ck_assert_str_eq(seen(), "/v1/pages?per_page=3&page=2");
  answer_free(&a);
  load(w, "Pg", "\"listFilter\":{\"limit\":5,\"offset\":1}", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "2,3,4,5,6");
  ck_assert(a.more);
  /* n = 6 from offset 1 in pages of s = maxLimit 4: pages 1 .. (1 + 6 - 1) / 4 + 1 = 2 */
  ck_assert_str_eq(seen(), "/v1/pages?per_page=4&page=1|/v1/pages?per_page=4&page=2");
  answer_free(&a);
  load(w, "Pg", "\"listFilter\":null", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "1,2,3,4,5,6,7,8,9");
  ck_assert(!a.more);
  /* the whole list: pages of maxLimit; the short page 3 does not end it, the empty 4 does */
  ck_assert_str_eq(seen(), "/v1/pages?per_page=4&page=1|/v1/pages?per_page=4&page=2|"
                   "/v1/pages?per_page=4&page=3|/v1/pages?per_page=4&page=4");
  answer_free(&a);
  worker_free(w);
}
END_TEST

/* Flow's pages of LIMIT through TYPE with the filter FILTER ("" or a listFilter member),
 * each bringing the previous answer's token back: the IDs of all pages into OUT. */
static void walk_tokens(struct worker *w, const char *type, int limit, const char *filter,
                        char *out, size_t size, int *requests)
{
  char tail[4096];
  char *token = NULL;
  int offset = 0;
  out[0] = '\0';
  *requests = 0;
  for(int i = 0; i < 20; i++) {
    if(token)
      snprintf(tail, sizeof(tail), "\"listFilter\":{\"limit\":%d,\"offset\":%d,"
               "\"offsetToken\":\"%s\"%s%s}", limit, offset, token, *filter ? "," : "",
               filter);
    else
      snprintf(tail, sizeof(tail), "\"listFilter\":{\"limit\":%d%s%s}", limit,
               *filter ? "," : "", filter);
    struct answer a;
    load(w, type, tail, &a);
    ck_assert_msg(a.status == 200, "%s page %d: %d %s", type, i, a.status, message(&a));
    (*requests)++;
    if(a.ids[0]) {
      if(out[0])
        strncat(out, ",", size - strlen(out) - 1);
      strncat(out, a.ids, size - strlen(out) - 1);
    }
    free(token);
    token = NULL;
    /* a token exactly when the list goes on */
    ck_assert_msg(!a.more == !a.token, "%s page %d: hasMoreResults %d, token %s", type, i,
                  a.more, a.token ? a.token : "none");
    offset += limit;
    if(a.token)
      token = strdup(a.token);
    answer_free(&a);
    if(!token)
      break;
  }
  ck_assert_ptr_null(token);
}

/* The offsetToken round trip, for each style: no gap, no duplicate. */
START_TEST(test_token_round_trip)
{
  struct worker *w = new_worker(0);
  char ids[256];
  int n;
  static const struct { const char *type; int limit; const char *filter, *want; } c[] = {
    { "Cur", 2, "", "1,2,3,4,5,6,7,8,9" },
    { "Cur", 4, "", "1,2,3,4,5,6,7,8,9" },
    { "Cur", 2, CONTAINS_A, "1,3,4,5,7,8" },
    { "Lnk", 2, "", "1,2,3,4,5,6,7,8,9" },
    { "Lnk", 3, CONTAINS_A, "1,3,4,5,7,8" },
    { "Off", 2, "", "1,2,3,4,5,6,7,8,9" },
    { "Off", 4, CONTAINS_A, "1,3,4,5,7,8" },
    { "Pg", 2, "", "1,2,3,4,5,6,7,8,9" },
    { "Pg", 3, CONTAINS_A, "1,3,4,5,7,8" },
  };
  for(size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
    walk_tokens(w, c[i].type, c[i].limit, c[i].filter, ids, sizeof(ids), &n);
    ck_assert_msg(!strcmp(ids, c[i].want), "%s limit %d %s: got %s", c[i].type, c[i].limit,
                  c[i].filter, ids);
  }
  /* a token continues where the last answer stopped: no walk from the first page */
  struct answer a, b;
  seen();
  load(w, "Cur", "\"listFilter\":{\"limit\":4}", &a);
  ck_assert_str_eq(a.ids, "1,2,3,4");
  ck_assert_ptr_nonnull(a.token);
  /* the second page asks for the one item still wanted */
  ck_assert_str_eq(seen(), "/v1/paged?limit=3|/v1/paged?limit=1&cursor=c3");
  char tail[2048];
  snprintf(tail, sizeof(tail), "\"listFilter\":{\"limit\":2,\"offset\":4,\"offsetToken\":"
           "\"%s\"}", a.token);
  load(w, "Cur", tail, &b);
  ck_assert_int_eq(b.status, 200);
  ck_assert_str_eq(b.ids, "5,6");
  ck_assert_str_eq(seen(), "/v1/paged?limit=2&cursor=c4");
  answer_free(&b);
  answer_free(&a);
  worker_free(w);
}
END_TEST

/* A token of another list (another filter, another type) is a 400; one that does not
 * decode too. */
START_TEST(test_token_other_list)
{
  struct worker *w = new_worker(0);
  struct answer a, b;
  load(w, "Cur", "\"listFilter\":{\"limit\":2}", &a);
  ck_assert_ptr_nonnull(a.token);
  char tail[2048];
  snprintf(tail, sizeof(tail), "\"listFilter\":{\"limit\":2,\"offset\":2,\"offsetToken\":"
           "\"%s\"," CONTAINS_A "}", a.token);
  load(w, "Cur", tail, &b);
  ck_assert_int_eq(b.status, 400);
  ASSERT_HAS(message(&b), "offsetToken");
  answer_free(&b);
  snprintf(tail, sizeof(tail), "\"listFilter\":{\"limit\":2,\"offset\":2,\"offsetToken\":"
           "\"%s\"}", a.token);
  load(w, "Lnk", tail, &b);
  ck_assert_int_eq(b.status, 400);
  ASSERT_HAS(message(&b), "offsetToken");
  answer_free(&b);
  load(w, "Cur", "\"listFilter\":{\"limit\":2,\"offsetToken\":\"not-a-token\"}", &b);
  ck_assert_int_eq(b.status, 400);
  ASSERT_HAS(message(&b), "offsetToken");
  answer_free(&b);
  answer_free(&a);
  worker_free(w);
}
END_TEST

/* Paging loops (§12.2), each a 502 that says loop: a Link to the page itself (after one
 * request), pages that start with the same item, the same body twice. */
START_TEST(test_loop)
{
  static const struct { const char *type, *word, *seen; } cases[] = {
    { "Loop", "loop", "/v1/loop" },                                    /* Link to itself */
    { "Stuck", "same item", "/v1/stuck|/v1/stuck?after=c1" },          /* same first item */
    { "Same", "body", "/v1/same|/v1/same?n=1" },                       /* same body twice */
  };
  struct worker *w = new_worker(0);
  struct answer a;
  seen();
  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    load(w, cases[i].type, "\"listFilter\":null", &a);
    ck_assert_int_eq(a.status, 502);
    ASSERT_HAS(message(&a), "loop");
    ASSERT_HAS(message(&a), cases[i].word);
    ck_assert_str_eq(seen(), cases[i].seen);
    answer_free(&a);
  }
  worker_free(w);
}
END_TEST

/* A next URL on another host: a 502 naming the rule, and nothing fetched from it (the
 * other host is this same server as localhost: its log would show the request). */
START_TEST(test_foreign_next)
{
  struct worker *w = new_worker(0);
  struct answer a;
  seen();
  load(w, "Foreign", "\"listFilter\":null", &a);
  ck_assert_int_eq(a.status, 502);
  ASSERT_HAS(message(&a), "host");
  ck_assert_str_eq(seen(), "/v1/foreign");
  answer_free(&a);
  /* hasMore true, but the last item has no ID to be the cursor: a 502 too */
  load(w, "NoCur", "\"listFilter\":null", &a);
  ck_assert_int_eq(a.status, 502);
  ASSERT_HAS(message(&a), "cursor");
  answer_free(&a);
  worker_free(w);
}
END_TEST

/* --max-pages: a load without a sort answers what it has, with a token that resumes the
 * walk; a sort needs the whole list: 413. */
/* The request's time budget (§12.2 Limits): a budget of 1 s, the third page answers after
 * 1.5 s. Without a sort: what the walk has, hasMoreResults and a token that resumes at the
 * page that ran out (not consumed); with a sort: a 504 naming the budget. */
START_TEST(test_time_budget)
{
  struct worker_opts o = { 0 };
  o.cache_dir = dir;
  o.up.connect_timeout_ms = 500;
  o.up.timeout_ms = 1000;
  struct worker *w = worker_new(&o);
  ck_assert_ptr_nonnull(w);
  struct answer a, b;
  seen();
  load(w, "Slow", "\"listFilter\":null", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "1,2,3,4,5,6");
  ck_assert(a.more);
  ck_assert_ptr_nonnull(a.token);
  char tail[2048];
  snprintf(tail, sizeof(tail), "\"listFilter\":{\"offsetToken\":\"%s\"}", a.token);
  worker_free(w);
  o.up.timeout_ms = 5000;                  /* enough for the slow page now */
  w = worker_new(&o);
  ck_assert_ptr_nonnull(w);
  seen();
  load(w, "Slow", tail, &b);
  ck_assert_int_eq(b.status, 200);
  ck_assert_str_eq(b.ids, "7,8,9");
  ck_assert(!b.more);
  ck_assert_str_eq(seen(), "/v1/slowpaged?limit=3&cursor=c6");
  answer_free(&b);
  answer_free(&a);
  worker_free(w);
  o.up.timeout_ms = 1000;
  w = worker_new(&o);
  ck_assert_ptr_nonnull(w);
  load(w, "Slow", "\"listFilter\":{\"orderByPropertyDeveloperName\":\"name\","
       "\"orderByDirectionType\":\"ASC\"}", &a);
  ck_assert_int_eq(a.status, 504);
  ASSERT_HAS(message(&a), "time budget");
  answer_free(&a);
  worker_free(w);
}
END_TEST

/* Retries (§13.4): a page answered 429 is retried like any call, and the walk goes on; a
 * page still refused after two retries is a 503 with the API's Retry-After. */
START_TEST(test_page_retried)
{
  struct worker *w = new_worker(0);
  struct answer a;
  seen();
  load(w, "Busy", "\"listFilter\":null", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "1,2,3,4,5,6,7,8,9");
  ck_assert_str_eq(seen(), "/v1/busypaged?limit=3|/v1/busypaged?limit=3&cursor=c3|"
                   "/v1/busypaged?limit=3&cursor=c3|/v1/busypaged?limit=3&cursor=c6");
  answer_free(&a);
  load(w, "Refused", "\"listFilter\":null", &a);
  ck_assert_int_eq(a.status, 503);
  ASSERT_HAS(message(&a), "refusing");
  ASSERT_HAS(message(&a), "(Retry-After: 0), after 2 retries: busy (503)");
  ck_assert_str_eq(seen(), "/v1/refusedpaged?limit=3|/v1/refusedpaged?limit=3&cursor=c3|"
                   "/v1/refusedpaged?limit=3&cursor=c3|/v1/refusedpaged?limit=3&cursor=c3");
  answer_free(&a);
  worker_free(w);
}
END_TEST

/* One upstream budget per Flow request (product.md §10): a save of three objects, each
 * call 0.6 s, with a 1 s budget: the first is written, the second runs out of the budget
 * (a 504), and the message names the one already saved; the third is never sent. */
START_TEST(test_budget_spans_a_batch)
{
  struct worker_opts o = { 0 };
  o.cache_dir = dir;
  o.up.connect_timeout_ms = 500;
  o.up.timeout_ms = 1000;
  struct worker *w = worker_new(&o);
  ck_assert_ptr_nonnull(w);
  struct answer a;
  seen();
  char body[2048];
  snprintf(body, sizeof(body), "\"objectData\":[%s,%s,%s]",
           "{\"internalId\":\"i0\",\"developerName\":\"Saved\",\"properties\":["
           "{\"developerName\":\"name\",\"contentValue\":\"a\"}]}",
           "{\"internalId\":\"i1\",\"developerName\":\"Saved\",\"properties\":["
           "{\"developerName\":\"name\",\"contentValue\":\"b\"}]}",
           "{\"internalId\":\"i2\",\"developerName\":\"Saved\",\"properties\":["
           "{\"developerName\":\"name\",\"contentValue\":\"c\"}]}");
  save(w, "Saved", body, &a);
  ck_assert_int_eq(a.status, 504);
  ASSERT_HAS(message(&a), "internalId i0");
  ck_assert_str_eq(seen(), "/v1/slowsave|/v1/slowsave");
  answer_free(&a);
  worker_free(w);
}
END_TEST

START_TEST(test_max_pages)
{
  struct worker *w = new_worker(2);
  struct answer a, b;
  seen();
  load(w, "Cur", "\"listFilter\":null", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "1,2,3,4,5,6");
  ck_assert(a.more);
  ck_assert_ptr_nonnull(a.token);
  ck_assert_str_eq(seen(), "/v1/paged?limit=3|/v1/paged?limit=3&cursor=c3");
  char tail[2048];
  snprintf(tail, sizeof(tail), "\"listFilter\":{\"offsetToken\":\"%s\"}", a.token);
  load(w, "Cur", tail, &b);
  ck_assert_int_eq(b.status, 200);
  ck_assert_str_eq(b.ids, "7,8,9");
  ck_assert(!b.more);
  ck_assert_str_eq(seen(), "/v1/paged?limit=3&cursor=c6");
  answer_free(&b);
  answer_free(&a);
  /* filtered, with a limit larger than what 2 pages hold: partial, the token goes on */
  load(w, "Cur", "\"listFilter\":{\"limit\":10," CONTAINS_A "}", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "1,3,4,5");
  ck_assert(a.more);
  ck_assert_ptr_nonnull(a.token);
  answer_free(&a);
  /* a sort over more than 2 pages */
  load(w, "Cur", "\"listFilter\":{\"limit\":2,\"orderByPropertyDeveloperName\":\"name\","
       "\"orderByDirectionType\":\"ASC\"}", &a);
  ck_assert_int_eq(a.status, 413);
  ASSERT_HAS(message(&a), "--max-pages");
  answer_free(&a);
  worker_free(w);
  /* the same sort with the default limit: the whole list, sorted */
  w = new_worker(0);
  load(w, "Cur", "\"listFilter\":{\"limit\":3,\"orderByPropertyDeveloperName\":\"name\","
       "\"orderByDirectionType\":\"ASC\"}", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "1,4,7");
  ck_assert(a.more);
  ck_assert_ptr_nonnull(a.token);
  snprintf(tail, sizeof(tail), "\"listFilter\":{\"limit\":3,\"offset\":3,\"offsetToken\":"
           "\"%s\",\"orderByPropertyDeveloperName\":\"name\",\"orderByDirectionType\":"
           "\"ASC\"}", a.token);
  load(w, "Cur", tail, &b);
  ck_assert_int_eq(b.status, 200);
  ck_assert_str_eq(b.ids, "5,2,8");
  ck_assert(b.more);
  answer_free(&b);
  answer_free(&a);
  worker_free(w);
}
END_TEST

#define OBJ(id) "{\"internalId\":\"i" id "\",\"externalId\":\"" id "\"," \
  "\"developerName\":\"Cur\",\"properties\":[]}"

/* filterByProvidedObjects through the query: walked until every ID is found, in
 * objectData's order; objects no longer there left out, objects without an ID as given. */
START_TEST(test_provided_objects)
{
  struct worker *w = new_worker(0);
  struct answer a;
  seen();
  load(w, "Cur", "\"listFilter\":{\"filterByProvidedObjects\":true},\"objectData\":["
       OBJ("5") "," OBJ("2") "]", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "5,2");
  ck_assert_str_eq(seen(), "/v1/paged?limit=3|/v1/paged?limit=3&cursor=c3");
  answer_free(&a);
  load(w, "Cur", "\"listFilter\":{\"filterByProvidedObjects\":true},\"objectData\":["
       OBJ("8") "," OBJ("99") ",{\"internalId\":\"n\",\"developerName\":\"Cur\","
       "\"properties\":[]}," OBJ("1") "]", &a);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(a.ids, "8,-,1");
  ck_assert_str_eq(seen(), "/v1/paged?limit=3|/v1/paged?limit=3&cursor=c3|"
                   "/v1/paged?limit=3&cursor=c6");
  answer_free(&a);
  worker_free(w);
  /* a walk that reaches --max-pages before it has found them all: 413 */
  w = new_worker(1);
  load(w, "Cur", "\"listFilter\":{\"filterByProvidedObjects\":true},\"objectData\":["
       OBJ("9") "]", &a);
  ck_assert_int_eq(a.status, 413);
  answer_free(&a);
  worker_free(w);
}
END_TEST

/* A negative limit or offset is a 400 naming the field; nothing is fetched. */
START_TEST(test_negative)
{
  struct worker *w = new_worker(0);
  struct answer a;
  seen();
  load(w, "Cur", "\"listFilter\":{\"limit\":-1}", &a);
  ck_assert_int_eq(a.status, 400);
  ASSERT_HAS(message(&a), "limit");
  answer_free(&a);
  load(w, "Off", "\"listFilter\":{\"offset\":-3}", &a);
  ck_assert_int_eq(a.status, 400);
  ASSERT_HAS(message(&a), "offset");
  answer_free(&a);
  ck_assert_str_eq(seen(), "");
  worker_free(w);
}
END_TEST

Suite *suite(void)
{
  if(test_server_find()) {
    check_skip("python3 or tests/unit/upstream_server.py not found: no API to walk");
    return NULL;
  }
  Suite *s = suite_create("walk");
  TCase *tc = tcase_create("walk");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_whole_list_filtered);
  tcase_add_test(tc, test_offset_arithmetic);
  tcase_add_test(tc, test_page_arithmetic);
  tcase_add_test(tc, test_token_round_trip);
  tcase_add_test(tc, test_token_other_list);
  tcase_add_test(tc, test_loop);
  tcase_add_test(tc, test_foreign_next);
  tcase_add_test(tc, test_max_pages);
  tcase_add_test(tc, test_page_retried);
  tcase_add_test(tc, test_time_budget);
  tcase_add_test(tc, test_budget_spans_a_batch);
  tcase_add_test(tc, test_provided_objects);
  tcase_add_test(tc, test_negative);
  suite_add_tcase(s, tc);
  return s;
}
