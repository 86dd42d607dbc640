/* try.c - `openapi-connector --try` (try.h, product.md §16.5).
 *
 * No second implementation of anything the worker does: the command line becomes the Flow
 * request body the engine would send (DescribeServiceRequest, ObjectDataRequest,
 * ServiceRequest) with the configuration values (Schema URL = the registration, API Key,
 * any other by name), worker_handle() answers it in-process exactly as it answers a
 * FastCGI request, and call.h's call_trace hook prints every upstream attempt on the way.
 * Secrets (§5.2) are masked in everything printed: the shown URL is call.c's (secret query
 * values left out), an Authorization header keeps only its scheme, and every occurrence of
 * a secret this command line was given (API key, client secret, the user's token, any
 * configuration value named like a key, secret or password) reads "***".
 */
#include "try.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cjson/cJSON.h>

#include "../common/buf.h"
#include "../common/mem.h"
#include "../flow/config.h"
#include "call.h"
#include "client_token.h"
#include "log.h"

#define TRY_CUT 4096            /* bodies printed up to this many bytes */
#define TRY_MAX 64              /* repeated options (--where, --input, ...) */
#define TRY_SECRETS 16

struct try {
  const char *reg, *api_key, *id, *limit, *offset_token, *search, *object;
  const char *config[TRY_MAX], *user[TRY_MAX], *where[TRY_MAX], *sort[TRY_MAX];
  const char *input[TRY_MAX], *object_input[TRY_MAX], *outcome[TRY_MAX];
  size_t nconfig, nuser, nwhere, nsort, ninput, nobject_input, noutcome;
  const char *secrets[TRY_SECRETS];
  size_t nsecrets;
  unsigned attempts;
};

static void try_usage(FILE *f)
{
  fputs("usage: openapi-connector --try REGISTRATION [options] COMMAND [ARGS]\n"
        "Plays the flow engine against the document compiled for REGISTRATION (its Schema\n"
        "URL, the compiler's --as) with the worker's own request path, and prints each\n"
        "upstream request and answer (secrets masked), then the Flow answer.\n"
        "Exit status: 0 for a 2xx Flow answer, 1 otherwise, 2 for a bad command line.\n\n"
        "Commands:\n"
        "  describe\n"
        "  load TYPE [--id ID] [--where 'PROP=VALUE'...] [--sort PROP[:desc]...]\n"
        "            [--limit N] [--offset-token T] [--search TEXT]\n"
        "            where: PROP=V  PROP!=V  PROP>V  PROP>=V  PROP<V  PROP<=V\n"
        "                   PROP~=V (contains)  PROP^=V (starts with)  PROP$=V (ends with)\n"
        "  save TYPE --object JSON [--id ID]     insert; an update with --id (its externalId)\n"
        "  delete TYPE (--id ID | --object JSON)\n"
        "  action SLUG [--input 'NAME=VALUE'...] [--object-input 'NAME=JSON'...]\n"
        "              [--outcome NAME...]\n"
        "  JSON: a plain object such as '{\"name\":\"Rex\"}' (or a Flow MObject)\n\n"
        "Options:\n"
        "  --cache-dir DIR        compiled caches (env OPENAPI_CONNECTOR_CACHE_DIR; default\n"
        "                         " OAC_DEFAULT_CACHE_DIR ")\n"
        "  --api-key KEY          the configuration value 'API Key'\n"
        "  --config 'NAME=VALUE'  any configuration value (Server, OAuth2/OIDC: Client Id...)\n"
        "  --user 'KEY=VALUE'     the running user's fields, as Flow's Authorization header\n"
        "                         sends them: Token (a signed-in user's; UserId defaults to\n"
        "                         openapi-connector-try), Email, UserId, FirstName...\n"
        "  --timeout S, --connect-timeout S, --ca-file FILE, --max-pages N,\n"
        "  --token-cache DIR, --log-level L (default warn)  as for the worker\n"
        "  --help\n", f);
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("openapi-connector --try: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\n(openapi-connector --try --help for the syntax)\n", stderr);
  return 2;
}

int try_wanted(int argc, char **argv)
{
  for(int i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "--"))
      return 0;
    if(!strcmp(argv[i], "--try") || !strncmp(argv[i], "--try=", 6))
      return 1;
  }
  return 0;
}

/* ---- masking (§5.2) ------------------------------------------------------------------- */

static void add_secret(struct try *t, const char *s)
{
  if(s && *s && t->nsecrets < TRY_SECRETS)
    t->secrets[t->nsecrets++] = s;
}

/* Writes N bytes of S with every secret replaced by "***", control bytes but tab as '.',
 * and PREFIX (NULL = none) after each newline. */
static void put_masked(const struct try *t, const char *s, size_t n, const char *prefix)
{
  size_t i = 0;
  while(i < n) {
    size_t k, hit = 0;
    for(k = 0; k < t->nsecrets; k++) {
      size_t l = strlen(t->secrets[k]);
      if(l <= n - i && !memcmp(s + i, t->secrets[k], l) && l > hit)
        hit = l;
    }
    if(hit) {
      fputs("***", stdout);
      i += hit;
      continue;
    }
    unsigned char c = (unsigned char)s[i++];
    if(c == '\n') {
      putchar('\n');
      if(prefix && i < n)
        fputs(prefix, stdout);
    }
    else
      putchar(c < 0x20 && c != '\t' ? '.' : c);
  }
}

/* A body, each line after PREFIX, cut at TRY_CUT bytes. */
static void put_body(const struct try *t, const char *prefix, const char *s, size_t n)
{
  if(!s || !n)
    return;
  size_t m = n > TRY_CUT ? TRY_CUT : n;
  fputs(prefix, stdout);
  put_masked(t, s, m, prefix);
  if(m < n)
    printf("\n%s... (%zu bytes, %zu shown)", prefix, n, m);
  putchar('\n');
}

/* call.h's call_trace: one attempt of one upstream call. */
static void trace(void *arg, const struct call *cl, const struct upstream_req *rq,
                  const struct upstream_resp *rs, enum upstream_error e, const char *errmsg)
{
  struct try *t = arg;
  t->attempts++;
  printf("> %s ", flow_method_name(rq->method));
  put_masked(t, cl->shown.data, cl->shown.len, NULL);
  putchar('\n');
  for(size_t i = 0; i < rq->nheaders; i++) {
    const char *h = rq->headers[i];
    fputs("> ", stdout);
    if(!strncasecmp(h, "Authorization:", 14)) {
      const char *v = h + 14;
      v += strspn(v, " ");
      printf("Authorization: %.*s ***\n", (int)strcspn(v, " "), v);
      continue;
    }
    put_masked(t, h, strlen(h), NULL);
    putchar('\n');
  }
  if(rq->body) {
    printf("> Content-Type: %s\n", rq->content_type ? rq->content_type : "application/json");
    put_body(t, "> ", rq->body, rq->body_len);
  }
  if(e) {
    fputs("< (no answer: ", stdout);
    put_masked(t, errmsg, strlen(errmsg), NULL);
    puts(")");
  }
  else {
    printf("< %ld%s%s\n", rs->status, rs->content_type[0] ? " " : "", rs->content_type);
    put_body(t, "< ", rs->body.data, rs->body.len);
  }
  putchar('\n');
  fflush(stdout);
}

/* ---- the Flow request ------------------------------------------------------------------ */

/* NAME=VALUE: *NAME (in ARENA-less storage: a copy the caller frees) and *VALUE; -1 when
 * there is no '=' or no name. */
static int split_eq(const char *s, char **name, const char **value)
{
  const char *eq = strchr(s, '=');
  if(!eq || eq == s)
    return -1;
  size_t n = (size_t)(eq - s);
  if(!(*name = oac_malloc(n + 1)))
    return -1;
  memcpy(*name, s, n);
  (*name)[n] = '\0';
  *value = eq + 1;
  return 0;
}

/* Does S contain W (lower case), in any case? */
static int has_word(const char *s, const char *w)
{
  size_t n = strlen(w);
  for(; *s; s++) {
    size_t i = 0;
    while(i < n && s[i] && tolower((unsigned char)s[i]) == w[i])
      i++;
    if(i == n)
      return 1;
  }
  return 0;
}

static cJSON *config_values(struct try *t)
{
  cJSON *cv = cJSON_CreateArray();
  const char *names[TRY_MAX + 2], *values[TRY_MAX + 2];
  char *owned[TRY_MAX];
  size_t n = 0, no = 0;
  names[n] = flow_config_names[CFG_SCHEMA_URL];
  values[n++] = t->reg;
  if(t->api_key) {
    names[n] = flow_config_names[CFG_API_KEY];
    values[n++] = t->api_key;
  }
  for(size_t i = 0; i < t->nconfig; i++) {
    char *nm;
    const char *v;
    if(split_eq(t->config[i], &nm, &v))
      continue;                                 /* checked when parsed */
    owned[no++] = nm;
    names[n] = nm;
    values[n++] = v;
    if(has_word(nm, "key") || has_word(nm, "secret") || has_word(nm, "password") ||
       has_word(nm, "token"))
      add_secret(t, v);
  }
  for(size_t i = 0; cv && i < n; i++) {
    cJSON *o = cJSON_CreateObject();
    if(!o || !cJSON_AddItemToArray(cv, o))
      break;
    cJSON_AddStringToObject(o, "developerName", names[i]);
    cJSON_AddStringToObject(o, "contentValue", values[i]);
    cJSON_AddStringToObject(o, "contentType", "ContentString");
  }
  for(size_t i = 0; i < no; i++)
    oac_free(owned[i]);
  return cv;
}

static cJSON *mobject_of(const char *type, const cJSON *plain, const char *ext);

/* One Flow property of plain JSON member V. */
static cJSON *property_of(const cJSON *v)
{
  cJSON *p = cJSON_CreateObject();
  if(!p)
    return NULL;
  cJSON_AddStringToObject(p, "developerName", v->string);
  const char *ct = "ContentString";
  cJSON *od = NULL;
  if(cJSON_IsString(v))
    cJSON_AddStringToObject(p, "contentValue", v->valuestring);
  else if(cJSON_IsBool(v)) {
    ct = "ContentBoolean";
    cJSON_AddStringToObject(p, "contentValue", cJSON_IsTrue(v) ? "true" : "false");
  }
  else if(cJSON_IsNumber(v)) {
    char *txt = cJSON_PrintUnformatted(v);
    ct = "ContentNumber";
    cJSON_AddStringToObject(p, "contentValue", txt ? txt : "0");
    cJSON_free(txt);
  }
  else if(cJSON_IsObject(v)) {
    ct = "ContentObject";
    cJSON_AddNullToObject(p, "contentValue");
    if((od = cJSON_CreateArray()))
      cJSON_AddItemToArray(od, mobject_of(v->string, v, NULL));
  }
  else if(cJSON_IsArray(v) && cJSON_IsObject(v->child)) {
    ct = "ContentList";
    cJSON_AddNullToObject(p, "contentValue");
    od = cJSON_CreateArray();
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
      if(od)
        cJSON_AddItemToArray(od, mobject_of(v->string, e, NULL));
  }
  else if(cJSON_IsArray(v)) {                   /* scalars: the JSON text */
    char *txt = cJSON_PrintUnformatted(v);
    cJSON_AddStringToObject(p, "contentValue", txt ? txt : "[]");
    cJSON_free(txt);
  }
  else
    cJSON_AddNullToObject(p, "contentValue");
  cJSON_AddStringToObject(p, "contentType", ct);
  if(od)
    cJSON_AddItemToObject(p, "objectData", od);
  else
    cJSON_AddNullToObject(p, "objectData");
  return p;
}

/* The MObject of PLAIN (a plain JSON object; one with a "properties" array is taken as an
 * MObject already), of type TYPE, with external ID EXT (NULL = none or PLAIN's). */
static cJSON *mobject_of(const char *type, const cJSON *plain, const char *ext)
{
  if(cJSON_IsArray(cJSON_GetObjectItem(plain, "properties"))) {
    cJSON *m = cJSON_Duplicate(plain, 1);
    if(m && !cJSON_GetObjectItem(m, "developerName"))
      cJSON_AddStringToObject(m, "developerName", type);
    if(m && ext) {
      cJSON_DeleteItemFromObject(m, "externalId");
      cJSON_AddStringToObject(m, "externalId", ext);
    }
    return m;
  }
  cJSON *m = cJSON_CreateObject();
  if(!m)
    return NULL;
  cJSON_AddStringToObject(m, "developerName", type);
  if(ext)
    cJSON_AddStringToObject(m, "externalId", ext);
  else
    cJSON_AddNullToObject(m, "externalId");
  cJSON_AddNullToObject(m, "internalId");
  cJSON *props = cJSON_AddArrayToObject(m, "properties");
  const cJSON *v;
  cJSON_ArrayForEach(v, plain)
    if(props)
      cJSON_AddItemToArray(props, property_of(v));
  return m;
}

static cJSON *parse_object(const char *what, const char *text)
{
  cJSON *j = cJSON_Parse(text);
  if(!cJSON_IsObject(j)) {
    bad("%s: not a JSON object", what);
    cJSON_Delete(j);
    return NULL;
  }
  return j;
}

static const struct { const char *op, *crit; } where_ops[] = {
  { "!=", "NOT_EQUAL" }, { ">=", "GREATER_THAN_OR_EQUAL" }, { "<=", "LESS_THAN_OR_EQUAL" },
  { "~=", "CONTAINS" }, { "^=", "STARTS_WITH" }, { "$=", "ENDS_WITH" },
  { "=", "EQUAL" }, { ">", "GREATER_THAN" }, { "<", "LESS_THAN" },
};

/* listFilter.where[] entry of "PROP<op>VALUE"; NULL on a bad one (printed). */
static cJSON *where_of(const char *s)
{
  size_t p = strcspn(s, "!=<>~^$");
  if(!p || !s[p]) {
    bad("--where '%s': expected PROP=VALUE (or !=, >, >=, <, <=, ~=, ^=, $=)", s);
    return NULL;
  }
  for(size_t i = 0; i < sizeof(where_ops) / sizeof(where_ops[0]); i++) {
    size_t l = strlen(where_ops[i].op);
    if(strncmp(s + p, where_ops[i].op, l))
      continue;
    cJSON *w = cJSON_CreateObject();
    char *col = oac_malloc(p + 1);
    if(!w || !col) {
      cJSON_Delete(w);
      oac_free(col);
      return NULL;
    }
    memcpy(col, s, p);
    col[p] = '\0';
    cJSON_AddStringToObject(w, "columnName", col);
    cJSON_AddStringToObject(w, "criteriaType", where_ops[i].crit);
    cJSON_AddStringToObject(w, "contentValue", s + p + l);
    oac_free(col);
    return w;
  }
  bad("--where '%s': expected PROP=VALUE (or !=, >, >=, <, <=, ~=, ^=, $=)", s);
  return NULL;
}

static cJSON *list_filter(const struct try *t)
{
  cJSON *lf = cJSON_CreateObject();
  if(!lf)
    return NULL;
  if(t->id) {
    cJSON_AddStringToObject(lf, "id", t->id);
    return lf;
  }
  cJSON_AddStringToObject(lf, "comparisonType", "AND");
  cJSON *wh = cJSON_AddArrayToObject(lf, "where");
  for(size_t i = 0; i < t->nwhere; i++) {
    cJSON *w = where_of(t->where[i]);
    if(!w) {
      cJSON_Delete(lf);
      return NULL;
    }
    cJSON_AddItemToArray(wh, w);
  }
  cJSON *ob = cJSON_AddArrayToObject(lf, "orderBy");
  for(size_t i = 0; i < t->nsort; i++) {
    const char *s = t->sort[i], *colon = strrchr(s, ':');
    const char *dir = "ASC";
    size_t n = strlen(s);
    if(colon && (!strcasecmp(colon + 1, "desc") || !strcasecmp(colon + 1, "asc"))) {
      dir = !strcasecmp(colon + 1, "desc") ? "DESC" : "ASC";
      n = (size_t)(colon - s);
    }
    cJSON *o = cJSON_CreateObject();
    char *col = oac_malloc(n + 1);
    if(!o || !col) {
      cJSON_Delete(o);
      oac_free(col);
      cJSON_Delete(lf);
      return NULL;
    }
    memcpy(col, s, n);
    col[n] = '\0';
    cJSON_AddStringToObject(o, "columnName", col);
    cJSON_AddStringToObject(o, "direction", dir);
    cJSON_AddItemToArray(ob, o);
    oac_free(col);
  }
  if(t->limit)
    cJSON_AddNumberToObject(lf, "limit", (double)count_arg(t->limit, "--limit", 0));
  if(t->offset_token)
    cJSON_AddStringToObject(lf, "offsetToken", t->offset_token);
  if(t->search)
    cJSON_AddStringToObject(lf, "search", t->search);
  return lf;
}

/* The inputs and outcomes of a ServiceRequest; -1 on a bad one (printed). */
static int service_parts(const struct try *t, cJSON *req)
{
  cJSON *ins = cJSON_AddArrayToObject(req, "inputs");
  cJSON *outs = cJSON_AddArrayToObject(req, "outcomes");
  if(!ins || !outs)
    return -1;
  for(size_t i = 0; i < t->ninput + t->nobject_input; i++) {
    int is_obj = i >= t->ninput;
    const char *arg = is_obj ? t->object_input[i - t->ninput] : t->input[i];
    char *name;
    const char *v;
    if(split_eq(arg, &name, &v)) {
      bad(is_obj ? "--object-input '%s': expected NAME=JSON" :
          "--input '%s': expected NAME=VALUE", arg);
      return -1;
    }
    cJSON *in = cJSON_CreateObject();
    cJSON_AddItemToArray(ins, in);
    cJSON_AddStringToObject(in, "developerName", name);
    if(!is_obj) {
      cJSON_AddStringToObject(in, "contentValue", v);
      cJSON_AddStringToObject(in, "contentType", "ContentString");
      cJSON_AddNullToObject(in, "objectData");
      oac_free(name);
      continue;
    }
    cJSON *j = cJSON_Parse(v);
    if(!cJSON_IsObject(j) && !(cJSON_IsArray(j) && cJSON_IsObject(j->child))) {
      cJSON_Delete(j);
      bad("--object-input '%s': the value is not a JSON object (or a list of them)", arg);
      oac_free(name);
      return -1;
    }
    cJSON_AddNullToObject(in, "contentValue");
    cJSON_AddStringToObject(in, "contentType", cJSON_IsArray(j) ? "ContentList" :
                            "ContentObject");
    cJSON *od = cJSON_AddArrayToObject(in, "objectData");
    if(cJSON_IsArray(j)) {
      const cJSON *e;
      cJSON_ArrayForEach(e, j)
        cJSON_AddItemToArray(od, mobject_of(name, e, NULL));
    }
    else
      cJSON_AddItemToArray(od, mobject_of(name, j, NULL));
    cJSON_Delete(j);
    oac_free(name);
  }
  for(size_t i = 0; i < t->noutcome; i++) {
    char id[64];
    snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012zu", i + 1);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(outs, o);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "developerName", t->outcome[i]);
    cJSON_AddNumberToObject(o, "order", (double)i);
  }
  return 0;
}

/* ---- the command line ------------------------------------------------------------------ */

enum { O_TRY = 256, O_CACHE_DIR, O_CONNECT_TIMEOUT, O_TIMEOUT, O_CA_FILE, O_MAX_PAGES,
       O_TOKEN_CACHE, O_LOG_LEVEL, O_API_KEY, O_CONFIG, O_USER, O_ID, O_WHERE, O_SORT,
       O_LIMIT, O_OFFSET_TOKEN, O_SEARCH, O_OBJECT, O_INPUT, O_OBJECT_INPUT, O_OUTCOME,
       O_HELP };

static int push(const char **arr, size_t *n, const char *v, const char *what)
{
  if(*n == TRY_MAX)
    return bad("%s: at most 64 of them", what);
  arr[(*n)++] = v;
  return 0;
}

/* The user header as Flow sends it: KEY=VALUE pairs joined by '&', percent-encoded once. */
static void user_header(struct try *t, struct buf *b)
{
  static const char hex[] = "0123456789ABCDEF";
  for(size_t i = 0; i < t->nuser; i++) {
    const char *s = t->user[i];
    if(i)
      buf_puts(b, "%26");
    for(; *s; s++) {
      unsigned char c = (unsigned char)*s;
      if((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == '~')
        buf_putc(b, (char)c);
      else {
        buf_putc(b, '%');
        buf_putc(b, hex[c >> 4]);
        buf_putc(b, hex[c & 15]);
      }
    }
    const char *eq = strchr(t->user[i], '=');
    if(!strncasecmp(t->user[i], "Token=", 6) || !strncasecmp(t->user[i], "ManyWhoToken=", 13))
      add_secret(t, eq + 1);
  }
  /* a user with a Token is signed in only with a UserId too (flow_user_is_public) */
  int token = 0, id = 0;
  for(size_t i = 0; i < t->nuser; i++) {
    token |= !strncasecmp(t->user[i], "Token=", 6);
    id |= !strncasecmp(t->user[i], "UserId=", 7);
  }
  if(token && !id)
    buf_puts(b, "%26UserId%3Dopenapi-connector-try");
}

static int print_answer(const struct try *t, const struct http_response *rs)
{
  printf("== Flow answer: %d%s\n", rs->status, rs->problem ? " (ServiceProblem)" : "");
  cJSON *j = cJSON_ParseWithLength(rs->direct, rs->direct_len);
  char *txt = j ? cJSON_Print(j) : NULL;
  if(txt) {
    /* cJSON indents with tabs and puts one after each ':'; JSON strings hold no raw tab */
    struct buf b;
    buf_init(&b);
    for(const char *c = txt; *c; c++)
      if(*c != '\t')
        buf_putc(&b, *c);
      else
        buf_puts(&b, c > txt && c[-1] == ':' ? " " : "  ");
    if(!buf_failed(&b))
      put_masked(t, b.data, b.len, NULL);
    else
      put_masked(t, txt, strlen(txt), NULL);
    buf_free(&b);
  }
  else
    put_masked(t, rs->direct, rs->direct_len, NULL);
  putchar('\n');
  cJSON_free(txt);
  cJSON_Delete(j);
  return rs->status >= 200 && rs->status < 300 ? 0 : 1;
}

int try_main(int argc, char **argv, struct worker_opts *o, const char *token_cache)
{
  static const struct option opts[] = {
    { "try", required_argument, NULL, O_TRY },
    { "cache-dir", required_argument, NULL, O_CACHE_DIR },
    { "connect-timeout", required_argument, NULL, O_CONNECT_TIMEOUT },
    { "timeout", required_argument, NULL, O_TIMEOUT },
    { "ca-file", required_argument, NULL, O_CA_FILE },
    { "max-pages", required_argument, NULL, O_MAX_PAGES },
    { "token-cache", required_argument, NULL, O_TOKEN_CACHE },
    { "log-level", required_argument, NULL, O_LOG_LEVEL },
    { "api-key", required_argument, NULL, O_API_KEY },
    { "config", required_argument, NULL, O_CONFIG },
    { "user", required_argument, NULL, O_USER },
    { "id", required_argument, NULL, O_ID },
    { "where", required_argument, NULL, O_WHERE },
    { "sort", required_argument, NULL, O_SORT },
    { "limit", required_argument, NULL, O_LIMIT },
    { "offset-token", required_argument, NULL, O_OFFSET_TOKEN },
    { "search", required_argument, NULL, O_SEARCH },
    { "object", required_argument, NULL, O_OBJECT },
    { "input", required_argument, NULL, O_INPUT },
    { "object-input", required_argument, NULL, O_OBJECT_INPUT },
    { "outcome", required_argument, NULL, O_OUTCOME },
    { "help", no_argument, NULL, O_HELP },
    { NULL, 0, NULL, 0 }
  };
  static struct try t;
  memset(&t, 0, sizeof(t));
  if(!getenv("OPENAPI_CONNECTOR_LOG_LEVEL"))
    log_level = LOG_WARN;                       /* no request log line by default */
  int ch, help = 0;
  opterr = 0;
  while((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
    int r = 0;
    switch(ch) {
    case O_TRY: t.reg = optarg; break;
    case O_CACHE_DIR: o->cache_dir = optarg; break;
    case O_CONNECT_TIMEOUT: o->up.connect_timeout_ms = seconds_to_ms(optarg, "--connect-timeout"); break;
    case O_TIMEOUT: o->up.timeout_ms = seconds_to_ms(optarg, "--timeout"); break;
    case O_CA_FILE: o->up.ca_file = optarg; break;
    case O_MAX_PAGES: o->max_pages = count_arg(optarg, "--max-pages", 1); break;
    case O_TOKEN_CACHE: token_cache = optarg; break;
    case O_LOG_LEVEL:
      if(log_level_parse(optarg) < 0)
        return bad("--log-level '%s': error, warn, info or debug", optarg);
      log_level = log_level_parse(optarg);
      break;
    case O_API_KEY: t.api_key = optarg; break;
    case O_CONFIG:
      if(!strchr(optarg, '=') || optarg[0] == '=')
        return bad("--config '%s': expected NAME=VALUE", optarg);
      r = push(t.config, &t.nconfig, optarg, "--config");
      break;
    case O_USER:
      if(!strchr(optarg, '=') || optarg[0] == '=')
        return bad("--user '%s': expected KEY=VALUE (Token=..., Email=...)", optarg);
      r = push(t.user, &t.nuser, optarg, "--user");
      break;
    case O_ID: t.id = optarg; break;
    case O_WHERE: r = push(t.where, &t.nwhere, optarg, "--where"); break;
    case O_SORT: r = push(t.sort, &t.nsort, optarg, "--sort"); break;
    case O_LIMIT: count_arg(optarg, "--limit", 0); t.limit = optarg; break;
    case O_OFFSET_TOKEN: t.offset_token = optarg; break;
    case O_SEARCH: t.search = optarg; break;
    case O_OBJECT: t.object = optarg; break;
    case O_INPUT: r = push(t.input, &t.ninput, optarg, "--input"); break;
    case O_OBJECT_INPUT: r = push(t.object_input, &t.nobject_input, optarg, "--object-input"); break;
    case O_OUTCOME: r = push(t.outcome, &t.noutcome, optarg, "--outcome"); break;
    case O_HELP: help = 1; break;
    case ':': return bad("%s needs a value", argv[optind - 1]);
    default: return bad("unknown option '%s'", argv[optind - 1]);
    }
    if(r)
      return r;
  }
  if(help || (t.reg && !strcmp(t.reg, "--help"))) {   /* --try --help */
    try_usage(stdout);
    return 0;
  }
  if(!t.reg || !*t.reg)
    return bad("%s", "--try needs the registration of a compiled document (its Schema URL)");
  if(optind >= argc)
    return bad("%s", "no command: describe, load, save, delete or action");
  const char *cmd = argv[optind], *name = optind + 1 < argc ? argv[optind + 1] : NULL;
  int nargs = argc - optind - 1;
  int is_describe = !strcmp(cmd, "describe"), is_load = !strcmp(cmd, "load");
  int is_save = !strcmp(cmd, "save"), is_delete = !strcmp(cmd, "delete");
  int is_action = !strcmp(cmd, "action");
  if(!is_describe && !is_load && !is_save && !is_delete && !is_action)
    return bad("unknown command '%s': describe, load, save, delete or action", cmd);
  if(is_describe ? nargs != 0 : nargs != 1)
    return bad(is_describe ? "%s takes no argument" : is_action ?
               "%s takes one argument: the action's slug (as in actions/SLUG)" :
               "%s takes one argument: the type's name", cmd);
  if(!is_load && (t.nwhere || t.nsort || t.limit || t.offset_token || t.search))
    return bad("--where, --sort, --limit, --offset-token and --search go with load, not %s",
               cmd);
  if(!is_action && (t.ninput || t.nobject_input || t.noutcome))
    return bad("--input, --object-input and --outcome go with action, not %s", cmd);
  if((is_describe || is_action) && (t.id || t.object))
    return bad("--id and --object go with load, save and delete, not %s", cmd);
  if(is_load && t.object)
    return bad("%s", "--object goes with save and delete, not load");
  if(is_load && t.id && (t.nwhere || t.nsort || t.limit || t.offset_token || t.search))
    return bad("%s", "load --id loads one object: no --where, --sort, --limit, "
               "--offset-token or --search with it");
  if(is_save && !t.object)
    return bad("%s", "save needs --object JSON");
  if(is_delete && !t.object && !t.id)
    return bad("%s", "delete needs --id ID or --object JSON");

  char why[512];
  if(token_cache && client_token_set_dir(token_cache, why, sizeof(why))) {
    fprintf(stderr, "openapi-connector --try: --token-cache: %s\n", why);
    return 2;
  }
  add_secret(&t, t.api_key);

  /* the Flow request */
  int rc = 2;
  struct buf user, path;
  buf_init(&user);
  buf_init(&path);
  char *body = NULL;
  cJSON *req = cJSON_CreateObject(), *plain = NULL;
  if(!req)
    goto done;
  cJSON_AddItemToObject(req, "configurationValues", config_values(&t));
  user_header(&t, &user);
  const char *method = "POST";
  if(is_describe)
    buf_puts(&path, "/metadata");
  else if(is_action) {
    buf_puts(&path, "/actions/");
    buf_puts(&path, name);
    cJSON_AddStringToObject(req, "token", "openapi-connector-try");
    if(service_parts(&t, req))
      goto done;
  }
  else {
    cJSON *odt = cJSON_AddObjectToObject(req, "objectDataType");
    cJSON_AddStringToObject(odt, "developerName", name);
    cJSON_AddArrayToObject(odt, "properties");
    if(is_load) {
      buf_puts(&path, "/data");
      cJSON *lf = list_filter(&t);
      if(!lf)
        goto done;
      cJSON_AddItemToObject(req, "listFilter", lf);
    }
    else {
      buf_puts(&path, is_save ? "/data" : "/data/delete");
      method = is_save ? "PUT" : "POST";
      if(t.object && !(plain = parse_object("--object", t.object)))
        goto done;
      cJSON *empty = plain ? NULL : cJSON_CreateObject();
      cJSON *od = cJSON_AddArrayToObject(req, "objectData");
      cJSON_AddItemToArray(od, mobject_of(name, plain ? plain : empty, t.id));
      cJSON_Delete(empty);
    }
  }
  if(!(body = cJSON_PrintUnformatted(req)) || buf_failed(&user) || buf_failed(&path)) {
    fputs("openapi-connector --try: out of memory\n", stderr);
    rc = 1;
    goto done;
  }

  /* the worker's own request path, once */
  o->cgi = 1;
  o->prefix = NULL;
  struct worker *w = worker_new(o);
  if(!w) {
    fputs("openapi-connector --try: cannot start: out of memory\n", stderr);
    rc = 1;
    goto done;
  }
  printf("== %s %s (%s%s%s, document %s)\n\n", method, path.data, cmd, name ? " " : "",
         name ? name : "", t.reg);
  fflush(stdout);
  struct http_request hr = { 0 };
  struct http_response rs = { 0 };
  buf_init(&rs.body);
  hr.method = method;
  hr.uri = path.data;
  hr.authorization = user.len ? user.data : NULL;
  hr.body = body;
  hr.body_len = strlen(body);
  call_trace_arg = &t;
  call_trace = trace;
  worker_handle(w, &hr, &rs);
  call_trace = NULL;
  call_trace_arg = NULL;
  if(!t.attempts && !is_describe)
    puts("(no upstream call)\n");
  rc = print_answer(&t, &rs);
  buf_free(&rs.body);
  worker_free(w);
done:
  cJSON_free(body);
  cJSON_Delete(req);
  cJSON_Delete(plain);
  buf_free(&user);
  buf_free(&path);
  fflush(stdout);
  return rc;
}
