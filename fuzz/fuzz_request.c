/* fuzz_request.c - any bytes as an HTTP request to the worker's handler (worker_handle):
 * every request must get a complete answer - a status, a JSON body, and for a problem the
 * ServiceProblem fields (kind "service", statusCode = the status, message, uri).
 *
 * The caches are compiled once at start-up into a temporary directory: the pet store
 * example (registered as "petstore"), the response-example cases of tests/data/examples/
 * (registered under their directory name, as their *.request.json expect), and the OAuth
 * 2.0 sign-in document of the identity test ("identity"), and the servers test's document
 * (tests/integration/servers.yaml.in, "servers": several document- and operation-level
 * servers that the configuration value `Server` picks from, product.md §13.7). Every
 * server, token and user-info URL is a closed loopback port (the pet store's own server
 * URL is replaced too, since `Server` may pick any document-level one), so an upstream
 * call is refused at once and nothing leaves the machine.
 *
 * Input: [flags][route][suffix] NUL [Authorization] NUL [body]
 *   flags bits 0-2  method: POST GET PUT DELETE PATCH HEAD OPTIONS, 7 = none (GET)
 *         bits 3-4  worker: FastCGI, CGI (lazy verification), FastCGI with prefix /flow
 *         bit 5     pass the path as PATH_INFO instead of REQUEST_URI
 *         bit 6     the server saw a Content-Length over the limit
 *   route           one of the worker's endpoints (+ "/flow" in front) or, past them, none:
 *                   the suffix is then the whole path
 *   suffix          appended to the path (a query string, a trailing slash, anything)
 * A missing field is empty; an empty Authorization is none.
 *
 * ServiceRequest mode (issue 16, product.md §14): the same file built with
 * FUZZ_REQUEST_ACTIONS defined (fuzz/fuzz_action.c, its own harness, corpus, seeds in
 * fuzz/inputs/fuzz_action/ and dictionary fuzz/fuzz_action.dict, so it gets its own 60 s in
 * CI). The caches also hold fuzz/actions.yaml ("actions": every input and body shape, its
 * server a closed port, one action in example mode); the pet store's actions are in
 * example mode (vaccinatepet) or reach its closed port. Input:
 *   [flags][pick][suffix] NUL [Authorization] NUL [body]
 *   flags  as above, plus bit 7: the body is only the `inputs` array, wrapped by the harness
 *          into a ServiceRequest for the picked document with wired outcomes (404,
 *          Conflict, 4xx, error, success)
 *   pick   bits 0-3: a slug of the table below (past it: the suffix is the whole slug);
 *          bit 4: the document of a wrapped body (0 petstore, 1 actions)
 * The path is [/flow]/actions/<slug><suffix>. Besides the invariants above, a 200 to POST
 * /actions/<slug> (an action of the table, suffix without '/') must be a ServiceResponse: invokeType FORWARD,
 * outputs an array of values each with a developerName, rootFaults an object, valueFaults an
 * array, selectedOutcomeId null or a string.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"
#include "cache/cache.h"
#include "fuzz_common.h"
#include "worker/handler.h"
#include "flow/json.h"
#include "worker/log.h"

static char dir[] = "/tmp/oac-fuzz-request.XXXXXX";
static struct worker *workers[3];
static struct buf body;

static const char *const methods[] = {
  "POST", "GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", NULL
};
static const char *const routes[] = {
  "/metadata", "/metadata/install", "/data", "/data/delete", "/health", "/authorization",
  "/authentication", "/authorization/group", "/authorization/user",
  "/authorization/group/attribute", "/authorization/user/attribute",
  /* message actions (issue 16): one calling the closed port, one in example mode */
  "/actions/adoptpet", "/actions/vaccinatepet"
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *const example_cases[] = {
  "example-list", "media-type-wins", "named-example-number", "named-example-string",
  "not-found-404", "property-examples", "save-delete"
};

#ifdef FUZZ_REQUEST_ACTIONS
static const char *const slugs[] = {
  "adoptpet", "searchpets", "vaccinatepet", "status-action",        /* petstore */
  "pets-search", "setcounter", "addnote", "sendform", "health-action", /* actions.yaml */
  "status", "metadata", "data"                                      /* reserved */
};
#define NSLUGS (sizeof(slugs) / sizeof(slugs[0]))
#define NSLUGS_ACTIONS 9                /* the first 9 are actions; the rest are reserved */
static const char *const wrap_regs[] = { "petstore", "actions" };
#endif

static void cleanup(void)
{
  for(int i = 0; i < 3; i++)
    if(workers[i])
      worker_free(workers[i]);
  char name[32], path[256];
  const char *regs[] = { "petstore", "identity", "servers", "actions" };
  for(size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
    cache_default_name(regs[i], strlen(regs[i]), name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
  }
  for(size_t i = 0; i < sizeof(example_cases) / sizeof(example_cases[0]); i++) {
    cache_default_name(example_cases[i], strlen(example_cases[i]), name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
  }
  rmdir(dir);
}

static void add_cache(const char *path, char *text, size_t len, const char *as,
                      const char *server)
{
  struct buf img;
  buf_init(&img);
  if(fuzz_compile_text(path, text, len, as, server, &img) ||
     fuzz_write_cache(&img, as, dir))
    fuzz_fail("cannot prepare the cache of %s", path);
  buf_free(&img);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  log_level = -1;                       /* no request lines: the fuzzer's output stays readable */
  if(!mkdtemp(dir))
    fuzz_fail("mkdtemp %s", dir);
  atexit(cleanup);
  char server[64];
  snprintf(server, sizeof(server), "http://127.0.0.1:%d", fuzz_closed_port());

  char path[256];
  snprintf(path, sizeof(path), "examples/petstore-flow.yaml");
  char *pt = fuzz_replace(fuzz_read_file(path, NULL), "http://127.0.0.1:3000", server);
  if(!pt)
    fuzz_fail("cannot read %s", path);
  add_cache(path, pt, strlen(pt), "petstore", server);
  oac_free(pt);
  /* servers (§13.7): a document with several servers, each a closed port */
  char port[16];
  snprintf(port, sizeof(port), "%d", fuzz_closed_port());
  snprintf(path, sizeof(path), "tests/integration/servers.yaml.in");
  pt = fuzz_replace(fuzz_replace(fuzz_read_file(path, NULL), "@A@", port), "@B@", port);
  if(!pt)
    fuzz_fail("cannot read %s", path);
  add_cache("servers.yaml", pt, strlen(pt), "servers", NULL);
  oac_free(pt);

#ifdef FUZZ_REQUEST_ACTIONS
  /* message actions of every input and body shape (server: the closed port) */
  snprintf(path, sizeof(path), "fuzz/actions.yaml");
  pt = fuzz_read_file(path, NULL);
  if(!pt)
    fuzz_fail("cannot read %s", path);
  add_cache(path, pt, strlen(pt), "actions", server);
  oac_free(pt);
#endif

  for(size_t i = 0; i < sizeof(example_cases) / sizeof(example_cases[0]); i++) {
    snprintf(path, sizeof(path), "tests/data/examples/%s/spec.yaml", example_cases[i]);
    char *t = fuzz_replace(fuzz_read_file(path, NULL), "@SERVER@", server);
    if(!t)
      fuzz_fail("cannot read %s", path);
    add_cache(path, t, strlen(t), example_cases[i], server);
    oac_free(t);
  }
  snprintf(path, sizeof(path), "tests/integration/identity-oauth2.yaml.in");
  char *t = fuzz_replace(fuzz_replace(fuzz_read_file(path, NULL), "@PROVIDER@", server),
                         "@API@", server);
  if(!t)
    fuzz_fail("cannot read %s", path);
  add_cache("identity.yaml", t, strlen(t), "identity", NULL);
  oac_free(t);

  for(int i = 0; i < 3; i++) {
    struct worker_opts o;
    memset(&o, 0, sizeof(o));
    o.cache_dir = dir;
    o.cgi = i == 1;
    o.prefix = i == 2 ? "/flow" : NULL;
    o.up.connect_timeout_ms = 500;
    o.up.timeout_ms = 1000;
    o.max_body = 1 << 20;
    workers[i] = worker_new(&o);
    if(!workers[i])
      fuzz_fail("worker_new");
  }
  buf_init(&body);
  return 0;
}

/* The next field of [p, end) up to a NUL (or the end), as a NUL-terminated copy. */
static char *field(const uint8_t **p, const uint8_t *end, size_t *len)
{
  const uint8_t *q = *p < end ? memchr(*p, 0, (size_t)(end - *p)) : NULL;
  const uint8_t *stop = q ? q : end;
  size_t n = *p < end ? (size_t)(stop - *p) : 0;
  char *s = malloc(n + 1);
  if(n)
    memcpy(s, *p, n);
  s[n] = '\0';
  *p = q ? q + 1 : end;
  if(len)
    *len = n;
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if(size < 2)
    return 0;
  unsigned flags = data[0], route = data[1];
  const uint8_t *p = data + 2, *end = data + size;
  size_t blen;
  char *suffix = field(&p, end, NULL);
  char *auth = field(&p, end, NULL);
  /* the body is the rest, NULs included, and not NUL-terminated (as FastCGI reads it) */
  blen = (size_t)(end - p);
  char *b = malloc(blen ? blen : 1);
  if(blen)
    memcpy(b, p, blen);

  struct buf uri;
  buf_init(&uri);
#ifdef FUZZ_REQUEST_ACTIONS
  /* ServiceRequest mode: /actions/<slug><suffix>; bit 7 wraps the body */
  /* an action of the table (not a reserved word, which routes elsewhere), POSTed */
  int service = (flags & 7) == 0 && route % 16 < NSLUGS_ACTIONS && !strchr(suffix, '/');
  if((flags >> 3 & 3) == 2)
    buf_puts(&uri, "/flow");
  buf_puts(&uri, "/actions/");
  if(route % 16 < NSLUGS)
    buf_puts(&uri, slugs[route % 16]);
  buf_puts(&uri, suffix);
  if(flags & 128) {
    struct buf w;
    buf_init(&w);
    buf_puts(&w, "{\"token\":\"fuzz\",\"tenantId\":\"t\",\"configurationValues\":"
             "[{\"developerName\":\"Schema URL\",\"contentValue\":\"");
    buf_puts(&w, wrap_regs[route >> 4 & 1]);
    buf_puts(&w, "\"},{\"developerName\":\"API Key\",\"contentValue\":\"k\"}],"
             "\"outcomes\":[{\"id\":\"o-error\",\"developerName\":\"error\",\"order\":0},"
             "{\"id\":\"o-404\",\"developerName\":\"404\",\"order\":1},"
             "{\"id\":\"o-409\",\"developerName\":\"Conflict\",\"order\":2},"
             "{\"id\":\"o-4xx\",\"developerName\":\"4xx\",\"order\":3},"
             "{\"id\":\"o-ok\",\"developerName\":\"success\",\"order\":4}],\"inputs\":");
    buf_append(&w, b, blen);
    buf_puts(&w, "}");
    free(b);
    blen = w.len;
    b = malloc(blen ? blen : 1);
    if(blen)
      memcpy(b, w.data, blen);
    buf_free(&w);
  }
#else
  if(route % 16 < NROUTES) {
    if((flags >> 3 & 3) == 2)
      buf_puts(&uri, "/flow");
    buf_puts(&uri, routes[route % 16]);
  }
  buf_puts(&uri, suffix);
#endif
  const char *u = uri.data ? uri.data : "";

  struct http_request rq;
  memset(&rq, 0, sizeof(rq));
  rq.method = methods[flags & 7];
  if(flags & 32)
    rq.path_info = u;
  else
    rq.uri = u;
  rq.authorization = *auth ? auth : NULL;
  rq.body = b;
  rq.body_len = blen;
  rq.body_too_large = !!(flags & 64);

  struct http_response rs;
  memset(&rs, 0, sizeof(rs));
  rs.body = body;
  struct worker *w = workers[(flags >> 3 & 3) % 3];
  worker_handle(w, &rq, &rs);

  if(rs.status < 100 || rs.status > 599)
    fuzz_fail("status %d", rs.status);
  if(!rs.direct)
    fuzz_fail("no body");
  if(rs.status == 405 && !rs.allow)
    fuzz_fail("405 without Allow");
  cJSON *j = NULL;
  struct json_error je;
  if(json_parse(rs.direct, rs.direct_len, &j, &je) != OAC_OK)
    fuzz_fail("status %d: the answer is not JSON (%s at %zu): %.*s", rs.status, je.msg,
              je.offset, (int)(rs.direct_len > 400 ? 400 : rs.direct_len), rs.direct);
  if(rs.problem) {
    const char *kind = json_get_str(j, "kind");
    if(!kind || strcmp(kind, "service"))
      fuzz_fail("problem without kind service");
    if(json_get_long(j, "statusCode", 0) != rs.status)
      fuzz_fail("problem statusCode is not %d", rs.status);
    if(!json_get_str(j, "message") || !json_get_str(j, "uri"))
      fuzz_fail("problem without message or uri");
    if(rs.status < 400)
      fuzz_fail("problem with status %d", rs.status);
  }
#ifdef FUZZ_REQUEST_ACTIONS
  if(service && rs.status == 200 && !rs.problem) {
    /* a ServiceResponse (flow-protocol.md §4.8, product.md §14.3) */
    const char *it = json_get_str(j, "invokeType");
    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(j, "outputs");
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(j, "selectedOutcomeId");
    if(!it || strcmp(it, "FORWARD"))
      fuzz_fail("ServiceResponse without invokeType FORWARD");
    if(!cJSON_IsArray(outs))
      fuzz_fail("ServiceResponse without an outputs array");
    const cJSON *o;
    cJSON_ArrayForEach(o, outs) {
      if(!json_get_str(o, "developerName"))
        fuzz_fail("an output without a developerName");
    }
    if(!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "rootFaults")) ||
       !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "valueFaults")))
      fuzz_fail("ServiceResponse without rootFaults {} / valueFaults []");
    if(!sel || !(cJSON_IsNull(sel) || cJSON_IsString(sel)))
      fuzz_fail("selectedOutcomeId neither null nor a string");
  }
#endif
  cJSON_Delete(j);
  body = rs.body;                       /* reused, as a worker does */
  buf_free(&uri);
  free(b);
  free(suffix);
  free(auth);
  return 0;
}
