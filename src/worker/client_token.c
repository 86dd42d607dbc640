/* client_token.c - OAuth 2.0 client credentials: token requests and their cache
 * (client_token.h, product.md §13.6). */
#include "client_token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/mem.h"
#include "../flow/config.h"
#include "../flow/json.h"
#include "log.h"
#include "url.h"

#define FILE_MAGIC "openapi-connector token 1\n"

/* ---- the key ------------------------------------------------------------------------ */

void client_token_key(const char *token_url, const char *client_id, const char *secret,
                      const char *scopes, const char *params,
                      unsigned char key[SHA256_DIGEST_LEN])
{
  const char *parts[5] = { token_url, client_id, secret, scopes, params };
  struct sha256_ctx h;
  sha256_init(&h);
  for(size_t i = 0; i < 5; i++) {
    const char *p = parts[i] ? parts[i] : "";
    sha256_update(&h, p, strlen(p) + 1);        /* with its NUL: no two splits alike */
  }
  sha256_final(&h, key);
}

void client_token_key_hex(const unsigned char key[SHA256_DIGEST_LEN], char hex[65])
{
  static const char d[] = "0123456789abcdef";
  for(size_t i = 0; i < SHA256_DIGEST_LEN; i++) {
    hex[2 * i] = d[key[i] >> 4];
    hex[2 * i + 1] = d[key[i] & 15];
  }
  hex[64] = '\0';
}

/* ---- the file format ---------------------------------------------------------------- */

static int token_ok(const char *t, size_t n)
{
  if(!n)
    return 0;
  for(size_t i = 0; i < n; i++)
    if((unsigned char)t[i] < 0x21 || (unsigned char)t[i] > 0x7e)
      return 0;
  return 1;
}

void client_token_file_format(struct buf *b, long long expires, const char *token)
{
  buf_puts(b, FILE_MAGIC);
  buf_printf(b, "expires %lld\n", expires);
  buf_puts(b, token);
  buf_putc(b, '\n');
}

int client_token_file_parse(const char *text, size_t len, long long *expires,
                            const char **token, size_t *token_len)
{
  size_t ml = sizeof(FILE_MAGIC) - 1;
  if(len < ml || memcmp(text, FILE_MAGIC, ml))
    return 0;
  const char *p = text + ml, *end = text + len;
  if((size_t)(end - p) < 8 || memcmp(p, "expires ", 8))
    return 0;
  p += 8;
  long long v = 0;
  const char *digits = p;
  while(p < end && *p >= '0' && *p <= '9' && p - digits < 18)
    v = v * 10 + (*p++ - '0');
  if(p == digits || p == end || *p != '\n')
    return 0;
  p++;
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  if(!nl || nl + 1 != end || !token_ok(p, (size_t)(nl - p)))
    return 0;
  *expires = v;
  *token = p;
  *token_len = (size_t)(nl - p);
  return 1;
}

/* ---- the process's store ------------------------------------------------------------ */

struct entry {
  int used;
  unsigned char key[SHA256_DIGEST_LEN];
  char *token;
  long long expires;
  unsigned long long last;      /* LRU clock */
};

static struct entry entries[CLIENT_TOKEN_MAX_KEYS];
static unsigned long long lru_clock;
static char *token_dir;

static void entry_clear(struct entry *e)
{
  if(e->token) {
    memset(e->token, 0, strlen(e->token));
    oac_free(e->token);
  }
  memset(e, 0, sizeof(*e));
}

static struct entry *entry_find(const unsigned char key[SHA256_DIGEST_LEN])
{
  for(size_t i = 0; i < CLIENT_TOKEN_MAX_KEYS; i++)
    if(entries[i].used && !memcmp(entries[i].key, key, SHA256_DIGEST_LEN))
      return &entries[i];
  return NULL;
}

static int usable(long long expires, long long now)
{
  return now < expires - CLIENT_TOKEN_EARLY_S;
}

/* The path of KEY's file in the directory, or NULL. */
static char *key_path(const unsigned char key[SHA256_DIGEST_LEN], const char *suffix)
{
  char hex[65];
  client_token_key_hex(key, hex);
  size_t n = strlen(token_dir) + 1 + 64 + strlen(suffix) + 1;
  char *p = oac_malloc(n);
  if(p)
    snprintf(p, n, "%s/%s%s", token_dir, hex, suffix);
  return p;
}

enum oac_result client_token_set_dir(const char *dir, char *err, size_t errlen)
{
  oac_free(token_dir);
  token_dir = NULL;
  if(!dir || !*dir)
    return OAC_OK;
  if(mkdir(dir, 0700) && errno != EEXIST) {
    snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
    return OAC_EIO;
  }
  struct stat st;
  if(stat(dir, &st)) {
    snprintf(err, errlen, "%s: %s", dir, strerror(errno));
    return OAC_EIO;
  }
  if(!S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s is not a directory", dir);
    return OAC_EIO;
  }
  if(st.st_uid != geteuid() || (st.st_mode & 077)) {
    snprintf(err, errlen, "%s must belong to this user and have mode 0700 (it has %04o, "
             "owner %ld)", dir, (unsigned)(st.st_mode & 07777), (long)st.st_uid);
    return OAC_EIO;
  }
  size_t n = strlen(dir);
  while(n > 1 && dir[n - 1] == '/')
    n--;
  token_dir = oac_malloc(n + 1);
  if(!token_dir) {
    snprintf(err, errlen, "out of memory");
    return OAC_ENOMEM;
  }
  memcpy(token_dir, dir, n);
  token_dir[n] = '\0';
  return OAC_OK;
}

static struct entry *memory_put(const unsigned char key[SHA256_DIGEST_LEN], const char *token,
                                size_t len, long long expires)
{
  struct entry *e = entry_find(key);
  if(!e) {
    for(size_t i = 0; i < CLIENT_TOKEN_MAX_KEYS && !e; i++)
      if(!entries[i].used)
        e = &entries[i];
  }
  if(!e) {                                      /* full: the least recently used goes */
    e = &entries[0];
    for(size_t i = 1; i < CLIENT_TOKEN_MAX_KEYS; i++)
      if(entries[i].last < e->last)
        e = &entries[i];
  }
  char *copy = oac_malloc(len + 1);
  if(!copy)
    return NULL;
  memcpy(copy, token, len);
  copy[len] = '\0';
  entry_clear(e);
  e->used = 1;
  memcpy(e->key, key, SHA256_DIGEST_LEN);
  e->token = copy;
  e->expires = expires;
  e->last = ++lru_clock;
  return e;
}

/* KEY's file: its token when usable at NOW (into memory), else removed. */
static const char *disk_lookup(const unsigned char key[SHA256_DIGEST_LEN], long long now)
{
  char *path = key_path(key, "");
  if(!path)
    return NULL;
  const char *r = NULL;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if(fd < 0) {
    oac_free(path);
    return NULL;
  }
  struct stat st;
  char *text = NULL;
  int bad = 1;
  if(!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
     !(st.st_mode & 077) && st.st_size > 0 && st.st_size <= CLIENT_TOKEN_MAX_FILE &&
     !(text = oac_malloc((size_t)st.st_size)))
    bad = 0;                                    /* out of memory: the file may be fine */
  if(text) {
    ssize_t got = read(fd, text, (size_t)st.st_size);
    long long expires;
    const char *tok;
    size_t tl;
    if(got == st.st_size && client_token_file_parse(text, (size_t)got, &expires, &tok, &tl) &&
       usable(expires, now)) {
      struct entry *e = memory_put(key, tok, tl, expires);
      r = e ? e->token : NULL;
      bad = 0;
    }
    memset(text, 0, (size_t)st.st_size);
  }
  close(fd);
  oac_free(text);
  if(bad)
    unlink(path);                               /* expired or damaged: dropped when read */
  oac_free(path);
  return r;
}

const char *client_token_lookup(const unsigned char key[SHA256_DIGEST_LEN], long long now)
{
  struct entry *e = entry_find(key);
  if(e && usable(e->expires, now)) {
    e->last = ++lru_clock;
    return e->token;
  }
  if(e)
    entry_clear(e);
  return token_dir ? disk_lookup(key, now) : NULL;
}

/* Writes KEY's file: a temporary file of mode 0600 renamed into place. */
static void disk_store(const unsigned char key[SHA256_DIGEST_LEN], const char *token,
                       long long expires)
{
  char suffix[48];
  snprintf(suffix, sizeof(suffix), ".tmp.%ld.%lx", (long)getpid(),
           (unsigned long)time(NULL) ^ (unsigned long)lru_clock);
  char *tmp = key_path(key, suffix), *path = key_path(key, "");
  struct buf b;
  buf_init(&b);
  client_token_file_format(&b, expires, token);
  int fd = tmp && path && !buf_failed(&b) ?
           open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
  if(fd >= 0) {
    ssize_t w = write(fd, b.data, b.len);
    int ok = w == (ssize_t)b.len && !fchmod(fd, 0600);
    if(close(fd) || !ok || rename(tmp, path)) {
      log_msg(LOG_WARN, "token cache: cannot write a token file in %s: %s", token_dir,
              strerror(errno));
      unlink(tmp);
    }
  }
  else if(tmp && path)
    log_msg(LOG_WARN, "token cache: cannot create a file in %s: %s", token_dir,
            strerror(errno));
  if(b.data)
    memset(b.data, 0, b.len);
  buf_free(&b);
  oac_free(tmp);
  oac_free(path);
}

enum oac_result client_token_store(const unsigned char key[SHA256_DIGEST_LEN],
                                   const char *token, long long expires, long long now)
{
  if(!usable(expires, now))                     /* too short-lived to keep */
    return OAC_OK;
  if(!memory_put(key, token, strlen(token), expires))
    return OAC_ENOMEM;
  if(token_dir)
    disk_store(key, token, expires);
  return OAC_OK;
}

void client_token_drop(const unsigned char key[SHA256_DIGEST_LEN])
{
  struct entry *e = entry_find(key);
  if(e)
    entry_clear(e);
  if(token_dir) {
    char *path = key_path(key, "");
    if(path)
      unlink(path);
    oac_free(path);
  }
}

size_t client_token_count(void)
{
  size_t n = 0;
  for(size_t i = 0; i < CLIENT_TOKEN_MAX_KEYS; i++)
    n += entries[i].used != 0;
  return n;
}

void client_token_reset(void)
{
  for(size_t i = 0; i < CLIENT_TOKEN_MAX_KEYS; i++)
    entry_clear(&entries[i]);
  lru_clock = 0;
  oac_free(token_dir);
  token_dir = NULL;
}

/* ---- the token request -------------------------------------------------------------- */

static const char b64[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(struct buf *out, const char *in, size_t n)
{
  for(size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)(unsigned char)in[i] << 16;
    if(i + 1 < n)
      v |= (unsigned)(unsigned char)in[i + 1] << 8;
    if(i + 2 < n)
      v |= (unsigned char)in[i + 2];
    buf_putc(out, b64[v >> 18 & 63]);
    buf_putc(out, b64[v >> 12 & 63]);
    buf_putc(out, i + 1 < n ? b64[v >> 6 & 63] : '=');
    buf_putc(out, i + 2 < n ? b64[v & 63] : '=');
  }
}

/* An OAuth error code worth quoting (RFC 6749 §5.2): letters, digits, _ . - only. */
static int error_code_ok(const char *e)
{
  size_t n = 0;
  for(; e[n]; n++)
    if(n == 64 || !((e[n] >= 'a' && e[n] <= 'z') || (e[n] >= 'A' && e[n] <= 'Z') ||
                    (e[n] >= '0' && e[n] <= '9') || e[n] == '_' || e[n] == '.' ||
                    e[n] == '-'))
      return 0;
  return n > 0;
}

/* The token answer: access_token and expires_in. */
static enum oac_result read_answer(struct op_ctx *x, const char *url, const char **token,
                                   long long *ttl)
{
  cJSON *root = NULL;
  struct json_error je;
  const struct buf *b = &x->resp->body;
  if(json_parse(b->data ? b->data : "", b->len, &root, &je) || !cJSON_IsObject(root)) {
    json_delete(root);
    return problem_set(x->p, 502, "The token endpoint %s answered HTTP %ld without a JSON "
                       "object", url, x->resp->status);
  }
  const char *access = json_get_str(root, "access_token");
  size_t n = access ? strlen(access) : 0;
  if(!n || !token_ok(access, n)) {
    json_delete(root);
    return problem_set(x->p, 502, "The token endpoint %s answered %s", url, n ?
                       "an access_token that cannot be sent in a header" :
                       "without an access_token");
  }
  *token = arena_strdup(x->a, access);
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
  *ttl = CLIENT_TOKEN_DEFAULT_TTL;
  if(cJSON_IsNumber(e) && e->valuedouble >= 0 && e->valuedouble < 1e9)
    *ttl = (long long)e->valuedouble;
  else if(cJSON_IsString(e) && e->valuestring[0]) {
    char *end;
    long long v = strtoll(e->valuestring, &end, 10);
    if(!*end && v >= 0 && v < 1000000000LL)
      *ttl = v;
  }
  json_delete(root);
  return *token ? OAC_OK : problem_nomem(x->p, "out of memory");
}

enum oac_result client_token_get(struct op_ctx *x, const struct cache_scheme *s,
                                 const char *scopes, unsigned char key[SHA256_DIGEST_LEN],
                                 const char **token)
{
  const char *id = x->rq->config[CFG_CLIENT_ID], *secret = x->rq->config[CFG_CLIENT_SECRET];
  const char *url = cache_str(x->c, s->cc_token_url);
  const char *params = cache_str(x->c, s->cc_token_params);
  if(!id || !secret)
    return problem_set(x->p, 400, "configurationValues: '%s' is missing; the client "
                       "credentials of scheme '%s' need it",
                       flow_config_names[id ? CFG_CLIENT_SECRET : CFG_CLIENT_ID],
                       cache_str(x->c, s->name));
  if(scopes && !*scopes)
    scopes = NULL;
  client_token_key(url, id, secret, scopes, params, key);
  long long now = (long long)time(NULL);
  const char *have = client_token_lookup(key, now);
  if(have) {
    *token = arena_strdup(x->a, have);
    return *token ? OAC_OK : problem_nomem(x->p, "out of memory");
  }
  /* the request (RFC 6749 §4.4.2) */
  struct buf form, auth;
  buf_init(&form);
  buf_init(&auth);
  buf_puts(&form, "grant_type=client_credentials");
  if(scopes) {
    buf_puts(&form, "&scope=");
    url_encode_query(&form, scopes, strlen(scopes));
  }
  if(params && *params) {
    buf_putc(&form, '&');
    buf_puts(&form, params);
  }
  const char *hdr[2] = { "Accept: application/json", NULL };
  size_t nh = 1;
  int basic = (s->flags & SCH_F_CC_BASIC) != 0;
  if(basic) {
    /* client_secret_basic: both form-encoded first (RFC 6749 §2.3.1) */
    struct buf plain;
    buf_init(&plain);
    url_encode_query(&plain, id, strlen(id));
    buf_putc(&plain, ':');
    url_encode_query(&plain, secret, strlen(secret));
    buf_puts(&auth, "Authorization: Basic ");
    if(!buf_failed(&plain))
      base64(&auth, plain.data, plain.len);
    else
      auth.oom = 1;
    if(plain.data)
      memset(plain.data, 0, plain.len);
    buf_free(&plain);
    hdr[nh++] = auth.data;
  }
  else {
    buf_puts(&form, "&client_id=");
    url_encode_query(&form, id, strlen(id));
    buf_puts(&form, "&client_secret=");
    url_encode_query(&form, secret, strlen(secret));
  }
  enum oac_result r = OAC_OK;
  if(buf_failed(&form) || buf_failed(&auth))
    r = problem_nomem(x->p, "out of memory");
  else {
    struct upstream_req rq = { 0 };
    char why[256];
    rq.method = M_POST;
    rq.url = url;
    rq.headers = hdr;
    rq.nheaders = nh;
    rq.body = form.data;
    rq.body_len = form.len;
    rq.content_type = "application/x-www-form-urlencoded";
    x->ncalls++;
    enum upstream_error e = upstream_send(x->up, &rq, x->resp, why, sizeof(why));
    x->upstream_status = e ? 0 : x->resp->status;
    if(e == UPE_NOMEM)
      r = problem_nomem(x->p, "out of memory");
    else if(e == UPE_TIMEOUT)
      r = problem_set(x->p, 504, "The token endpoint %s did not answer in time: %s", url, why);
    else if(e)
      r = problem_set(x->p, 502, "The token endpoint %s could not be reached: %s", url, why);
    else if(x->resp->status < 200 || x->resp->status > 299) {
      cJSON *o = NULL;
      struct json_error je;
      const char *code = NULL;
      if(!json_parse(x->resp->body.data ? x->resp->body.data : "", x->resp->body.len, &o,
                     &je))
        code = json_get_str(o, "error");
      if(code && !error_code_ok(code))
        code = NULL;
      r = problem_set(x->p, 502, "The token endpoint %s refused the client credentials: "
                      "HTTP %ld%s%s%s", url, x->resp->status, code ? " (" : "",
                      code ? code : "", code ? ")" : "");
      json_delete(o);
    }
    else {
      long long ttl = CLIENT_TOKEN_DEFAULT_TTL;
      r = read_answer(x, url, token, &ttl);
      if(!r) {
        log_msg(LOG_INFO, "client credentials: a token from %s (%s, expires in %lld s)", url,
                basic ? "client_secret_basic" : "client_secret_post", ttl);
        if(client_token_store(key, *token, now + ttl, now))
          r = problem_nomem(x->p, "out of memory");
      }
    }
  }
  if(form.data)
    memset(form.data, 0, form.len);
  if(auth.data)
    memset(auth.data, 0, auth.len);
  buf_free(&form);
  buf_free(&auth);
  return r;
}
