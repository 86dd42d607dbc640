/* upstream.c - calls to the real API with libcurl (upstream.h).
 *
 * One easy handle per struct upstream, never reset, so its connection cache keeps the
 * API's connections alive from one Flow request to the next (field-notes §4.2). Because
 * options stick to a handle, every call sets again all the options it relies on, the
 * method ones in particular: a GET after a POST must not inherit the POST's body.
 *
 * Redirects are followed here, not by libcurl: curl would follow them to any host, while
 * the worker may only talk to the origins its compiled documents name (product.md §10).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>
#include "upstream.h"
#include "status.h"             /* §16.4 */
#include "url.h"
#include "../cache/cache.h"
#include "../common/mem.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

#define DEFAULT_CONNECT_MS 5000L
#define DEFAULT_TIMEOUT_MS 15000L
#define DEFAULT_MAX_BODY ((size_t)16 << 20)
#define MAX_REDIRECTS 3
/* "https://" + a 253-byte host name in brackets and escapes + ":65535", with room. */
#define ORIGIN_MAX 512

struct upstream {
  CURL *c;
  long connect_ms, timeout_ms;
  long budget_start;            /* upstream_begin's time; 0 = none (each call its own) */
  size_t max_body;
  char *ca_file;                /* our copy; NULL = the system's store */
  struct buf loc;               /* the redirect target being followed */
  struct buf line;              /* a header line being built */
  char errbuf[CURL_ERROR_SIZE];
  /* health, status, metrics, logs (§16.4): the last call's outcome, for the log's cause */
  enum upstream_error last_err;
  long last_status;
  int last_json, last_called;
};

/* The write callback's state: the answer goes into B up to MAX bytes. */
struct sink {
  struct buf *b;
  struct buf *headers;
  size_t max;
  int too_big;
  int oom;
};

static int curl_ready;

struct upstream *upstream_new(const struct upstream_opts *o)
{
  struct upstream *u = oac_calloc(1, sizeof *u);
  if(!u)
    return NULL;
  buf_init(&u->loc);
  buf_init(&u->line);
  u->connect_ms = o && o->connect_timeout_ms > 0 ? o->connect_timeout_ms : DEFAULT_CONNECT_MS;
  u->timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
  u->max_body = o && o->max_body ? o->max_body : DEFAULT_MAX_BODY;
  if(o && o->ca_file) {
    size_t n = strlen(o->ca_file);
    u->ca_file = oac_malloc(n + 1);
    if(!u->ca_file) {
      oac_free(u);
      return NULL;
    }
    memcpy(u->ca_file, o->ca_file, n + 1);
  }
  return u;
}

void upstream_free(struct upstream *u)
{
  if(!u)
    return;
  if(u->c)
    curl_easy_cleanup(u->c);
  buf_free(&u->loc);
  buf_free(&u->line);
  oac_free(u->ca_file);
  oac_free(u);
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
  struct sink *s = ud;
  size_t n = size * nmemb;
  /* s->b->len never exceeds s->max, so the subtraction cannot wrap. */
  if(n > s->max - s->b->len) {
    s->too_big = 1;
    return 0;
  }
  buf_append(s->b, p, n);
  if(buf_failed(s->b)) {
    s->oom = 1;
    return 0;
  }
  return n;
}

static long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void upstream_begin(struct upstream *u)
{
  u->last_called = 0;                           /* §16.4: no call yet for the log's cause */
  u->budget_start = now_ms();
  if(!u->budget_start)
    u->budget_start = 1;
}

long upstream_left_ms(struct upstream *u)
{
  return u->budget_start ? u->timeout_ms - (now_ms() - u->budget_start) : u->timeout_ms;
}

long upstream_connect_ms(const struct upstream *u)
{
  return u->connect_ms;
}

#define MAX_HEADER_BYTES ((size_t)64 << 10)

/* Header lines of the answer: a status line starts a new answer (a redirect's, a 100
 * Continue's), so only the last one's lines stay. */
static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
  struct buf *h = ud;
  size_t n = size * nmemb;
  if(n >= 5 && !memcmp(p, "HTTP/", 5))
    buf_reset(h);
  else if(h->len + n <= MAX_HEADER_BYTES)
    buf_append(h, p, n);   /* out of memory: upstream_send says so once the answer is in */
  return n;
}

int upstream_header(const struct upstream_resp *rs, const char *name, struct buf *out)
{
  size_t nl = strlen(name);
  int found = 0;
  const char *s = rs->headers.data, *end = s ? s + rs->headers.len : NULL;
  while(s && s < end) {
    const char *eol = memchr(s, '\n', (size_t)(end - s));
    const char *le = eol ? eol : end;
    if((size_t)(le - s) > nl && s[nl] == ':' && !strncasecmp(s, name, nl)) {
      const char *v = s + nl + 1, *ve = le;
      while(v < ve && (*v == ' ' || *v == '\t'))
        v++;
      while(ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
        ve--;
      if(found)
        buf_puts(out, ", ");
      buf_append(out, v, (size_t)(ve - v));
      found = 1;
    }
    s = eol ? eol + 1 : end;
  }
  return found;
}

/* Whether LINE ("Name: value") is the header NAME. */
static int header_is(const char *line, const char *name)
{
  size_t n = strlen(name);
  return !strncasecmp(line, name, n) && line[n] == ':';
}

static int caller_has(const struct upstream_req *rq, const char *name)
{
  for(size_t i = 0; i < rq->nheaders; i++)
    if(rq->headers[i] && header_is(rq->headers[i], name))
      return 1;
  return 0;
}

/* Appends S to *LIST; 0 when out of memory (the list is then still whole). */
static int add(struct curl_slist **list, const char *s)
{
  struct curl_slist *t = curl_slist_append(*list, s);
  if(!t)
    return 0;
  *list = t;
  return 1;
}

/* The header list of one transfer; NULL when out of memory. */
static struct curl_slist *build_headers(struct upstream *u, const struct upstream_req *rq,
                                        int send_body)
{
  struct curl_slist *list = NULL;
  int ok = 1;
  if(!caller_has(rq, "Accept"))
    ok = add(&list, "Accept: application/json");
  for(size_t i = 0; ok && i < rq->nheaders; i++)
    if(rq->headers[i])
      ok = add(&list, rq->headers[i]);
  if(ok && send_body && !caller_has(rq, "Content-Type")) {
    buf_reset(&u->line);
    buf_puts(&u->line, "Content-Type: ");
    buf_puts(&u->line, rq->content_type ? rq->content_type : "application/json");
    ok = !buf_failed(&u->line) && add(&list, u->line.data);
  }
  /* No "Expect: 100-continue" on large bodies: it costs a round trip, or a one-second
   * wait on servers that ignore it. */
  if(ok)
    ok = add(&list, "Expect:");
  if(!ok) {
    curl_slist_free_all(list);
    return NULL;
  }
  return list;
}

/* Sets every option one transfer relies on. METHOD and SEND_BODY may differ from the
 * request's after a redirect. */
static CURLcode set_options(struct upstream *u, const char *url, unsigned method,
                            const struct upstream_req *rq, int send_body,
                            struct curl_slist *headers, struct sink *sink, long left_ms)
{
  CURL *c = u->c;
  CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, url);
#define SET(opt, val) do { if(!rc) rc = curl_easy_setopt(c, opt, val); } while(0)
  SET(CURLOPT_ERRORBUFFER, u->errbuf);
  SET(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  SET(CURLOPT_FOLLOWLOCATION, 0L);
  SET(CURLOPT_CONNECTTIMEOUT_MS, u->connect_ms < left_ms ? u->connect_ms : left_ms);
  SET(CURLOPT_TIMEOUT_MS, left_ms);
  SET(CURLOPT_SSL_VERIFYPEER, 1L);
  SET(CURLOPT_SSL_VERIFYHOST, 2L);
  if(u->ca_file)
    SET(CURLOPT_CAINFO, u->ca_file);
  SET(CURLOPT_ACCEPT_ENCODING, "");     /* every decoder curl has; the limit is decoded */
  SET(CURLOPT_USERAGENT, "openapi-connector/" PACKAGE_VERSION);
  SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sink->max);   /* Content-Length up front */
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_WRITEDATA, sink);
  SET(CURLOPT_HEADERFUNCTION, on_header);
  SET(CURLOPT_HEADERDATA, sink->headers);
  SET(CURLOPT_HTTPHEADER, headers);

  /* The method. Clear what an earlier call left: POSTFIELDS, a custom verb, NOBODY.
   * HTTPGET comes after POSTFIELDS because setting POSTFIELDS (even to NULL) makes the
   * handle a POST. */
  SET(CURLOPT_CUSTOMREQUEST, (char *)NULL);
  SET(CURLOPT_POSTFIELDS, (char *)NULL);
  SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
  SET(CURLOPT_HTTPGET, 1L);
  if(send_body) {
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->body_len : 0));
    SET(CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
  }
  if(method == M_HEAD)
    SET(CURLOPT_NOBODY, 1L);
  else if(method != M_GET && method != M_POST)
    SET(CURLOPT_CUSTOMREQUEST, cache_method_name(method));
#undef SET
  return rc;
}

static enum upstream_error fail(char *errmsg, size_t errlen, enum upstream_error e,
                                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum upstream_error fail(char *errmsg, size_t errlen, enum upstream_error e,
                                const char *fmt, ...)
{
  if(errmsg && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, errlen, fmt, ap);
    va_end(ap);
  }
  return e;
}

static int is_json_type(const char *ct)
{
  const char *end = strchr(ct, ';');
  if(!end)
    end = ct + strlen(ct);
  while(ct < end && (*ct == ' ' || *ct == '\t'))
    ct++;
  while(end > ct && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  size_t n = (size_t)(end - ct);
  if(n == 16 && !strncasecmp(ct, "application/json", 16))
    return 1;
  /* type/anything+json, with something before the "+" */
  const char *slash = memchr(ct, '/', n);
  return slash && slash > ct && end - slash > 6 && !strncasecmp(end - 5, "+json", 5);
}

/* Words for a failed transfer. Never the URL or a header: they may hold API keys. */
static enum upstream_error transfer_error(struct upstream *u, CURLcode rc,
                                          const struct sink *sink, long left_ms,
                                          char *errmsg, size_t errlen)
{
  switch(rc) {
  case CURLE_WRITE_ERROR:
  case CURLE_FILESIZE_EXCEEDED:
    if(sink->oom)
      return fail(errmsg, errlen, UPE_NOMEM, "out of memory reading the answer");
    if(sink->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
      if(sink->max % ((size_t)1 << 20) == 0)
        return fail(errmsg, errlen, UPE_TOO_BIG, "answer larger than %zu MiB",
                    sink->max >> 20);
      return fail(errmsg, errlen, UPE_TOO_BIG, "answer larger than %zu bytes", sink->max);
    }
    break;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
    return fail(errmsg, errlen, UPE_CONNECT, "could not resolve host");
  case CURLE_COULDNT_CONNECT: {
    long oserr = 0;
    curl_easy_getinfo(u->c, CURLINFO_OS_ERRNO, &oserr);
    if(oserr == ECONNREFUSED)
      return fail(errmsg, errlen, UPE_CONNECT, "connection refused");
    if(oserr == EHOSTUNREACH || oserr == ENETUNREACH)
      return fail(errmsg, errlen, UPE_CONNECT, "host unreachable");
    return fail(errmsg, errlen, UPE_CONNECT, "could not connect");
  }
  case CURLE_OPERATION_TIMEDOUT: {
    /* Nothing sent yet: the connection (or its TLS handshake) did not come up in time. */
    curl_off_t pre = 0;
    curl_easy_getinfo(u->c, CURLINFO_PRETRANSFER_TIME_T, &pre);
    if(pre == 0 && u->connect_ms < left_ms)
      return fail(errmsg, errlen, UPE_TIMEOUT, "could not connect within %ld ms",
                  u->connect_ms);
    return fail(errmsg, errlen, UPE_TIMEOUT, "timed out after %ld ms", u->timeout_ms);
  }
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_USE_SSL_FAILED:
    /* curl's own text names the certificate problem; it holds no URL. */
    return fail(errmsg, errlen, UPE_TLS, "TLS failed: %s",
                u->errbuf[0] ? u->errbuf : curl_easy_strerror(rc));
  case CURLE_OUT_OF_MEMORY:
    return fail(errmsg, errlen, UPE_NOMEM, "out of memory");
  default:
    break;
  }
  /* curl_easy_strerror, not the error buffer: the fixed text never quotes the URL. */
  return fail(errmsg, errlen, UPE_OTHER, "transfer failed: %s", curl_easy_strerror(rc));
}

static int is_redirect(long status)
{
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* The worker program loads libcurl on its first call (curl_lazy.c), and says why when it
 * cannot; elsewhere libcurl is linked and this is NULL. */
extern const char *oac_curl_load_error(void) __attribute__((weak));

/* libcurl and the handle, made on the first call: a request that never calls the API (a
 * describe, an example-mode answer) never starts libcurl, which for a CGI process saves
 * loading it at all. */
static enum upstream_error ensure_handle(struct upstream *u, char *errmsg, size_t errlen)
{
  if(u->c)
    return UPE_OK;
  /* The worker is single-threaded; curl_global_init is not thread-safe before 7.84. */
  if(!curl_ready) {
    if(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
      curl_ready = 1;
  }
  if(curl_ready)
    u->c = curl_easy_init();
  if(u->c)
    return UPE_OK;
  const char *why = oac_curl_load_error ? oac_curl_load_error() : "";
  return fail(errmsg, errlen, UPE_OTHER, "libcurl could not be started%s%s", *why ? ": " : "",
              why);
}

static enum upstream_error send_call(struct upstream *u, const struct upstream_req *rq,
                                     struct upstream_resp *rs, char *errmsg, size_t errlen)
{
  char origin[ORIGIN_MAX], target[ORIGIN_MAX];
  if(errmsg && errlen)
    errmsg[0] = '\0';
  rs->status = 0;
  buf_reset(&rs->body);
  buf_reset(&rs->headers);
  rs->content_type[0] = '\0';
  rs->is_json = 0;
  rs->seconds = 0;
  rs->nothing_sent = 0;

  enum upstream_error he = ensure_handle(u, errmsg, errlen);
  if(he)
    return he;
  unsigned method = rq->method;
  if(!cache_method_name(method))
    return fail(errmsg, errlen, UPE_OTHER, "unknown HTTP method %u", method);
  if(!rq->url || url_origin(rq->url, origin, sizeof origin))
    return fail(errmsg, errlen, UPE_OTHER, "not an absolute http or https URL");
  /* POST, PUT and PATCH always carry a body (maybe empty); DELETE and OPTIONS when
   * given one; GET and HEAD never. */
  int send_body = method == M_POST || method == M_PUT || method == M_PATCH ||
                  ((method == M_DELETE || method == M_OPTIONS) && rq->body);

  const char *url = rq->url;
  long start = u->budget_start ? u->budget_start : now_ms();
  size_t max = rq->max_body && rq->max_body < u->max_body ? rq->max_body : u->max_body;
  enum upstream_error e = UPE_OK;
  for(int hops = 0;; hops++) {
    long left = u->timeout_ms - (now_ms() - start);
    if(left <= 0) {
      e = fail(errmsg, errlen, UPE_TIMEOUT, "timed out after %ld ms", u->timeout_ms);
      break;
    }
    struct sink sink = { &rs->body, &rs->headers, max, 0, 0 };
    buf_reset(&rs->body);
    buf_reset(&rs->headers);
    u->errbuf[0] = '\0';
    struct curl_slist *headers = build_headers(u, rq, send_body);
    if(!headers) {
      e = fail(errmsg, errlen, UPE_NOMEM, "out of memory");
      break;
    }
    CURLcode rc = set_options(u, url, method, rq, send_body, headers, &sink, left);
    if(!rc)
      rc = curl_easy_perform(u->c);
    /* The handle keeps the list's address; do not leave it dangling. */
    curl_easy_setopt(u->c, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    curl_slist_free_all(headers);

    double secs = 0;
    if(curl_easy_getinfo(u->c, CURLINFO_TOTAL_TIME, &secs) == CURLE_OK)
      rs->seconds += secs;
    curl_easy_getinfo(u->c, CURLINFO_RESPONSE_CODE, &rs->status);
    if(rc) {
      /* §13.4 "nothing was sent": only on the first hop (a redirect's request went out) */
      curl_off_t pre = 0;
      if(rc == CURLE_OPERATION_TIMEDOUT)
        curl_easy_getinfo(u->c, CURLINFO_PRETRANSFER_TIME_T, &pre);
      rs->nothing_sent = hops == 0 &&
        (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
         rc == CURLE_SSL_CONNECT_ERROR || (rc == CURLE_OPERATION_TIMEDOUT && pre == 0));
      e = transfer_error(u, rc, &sink, left, errmsg, errlen);
      break;
    }
    if(buf_failed(&rs->headers)) {
      /* not an absent header: a lost Link or X-Total-Count would end a paged list early */
      e = fail(errmsg, errlen, UPE_NOMEM, "out of memory reading the answer's headers");
      break;
    }

    char *loc = NULL;
    if(is_redirect(rs->status) &&
       curl_easy_getinfo(u->c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc) {
      if(hops == MAX_REDIRECTS) {
        e = fail(errmsg, errlen, UPE_REDIRECT, "more than %d redirects", MAX_REDIRECTS);
        break;
      }
      /* The origin only: the rest of the target may hold a token. */
      if(url_origin(loc, target, sizeof target)) {
        e = fail(errmsg, errlen, UPE_REDIRECT, "redirect to a non-http(s) URL refused");
        break;
      }
      if(strcmp(target, origin)) {
        e = fail(errmsg, errlen, UPE_REDIRECT, "redirect to another origin refused: %s",
                 target);
        break;
      }
      /* What browsers and curl do: 303 makes anything but HEAD a GET, 301/302 turn a POST
       * into a GET; the body goes. 307/308 repeat the request as it was. */
      if((rs->status == 303 && method != M_HEAD) ||
         ((rs->status == 301 || rs->status == 302) && method == M_POST)) {
        method = M_GET;
        send_body = 0;
      }
      buf_reset(&u->loc);
      buf_puts(&u->loc, loc);
      if(buf_failed(&u->loc)) {
        e = fail(errmsg, errlen, UPE_NOMEM, "out of memory");
        break;
      }
      url = u->loc.data;
      continue;
    }

    char *ct = NULL;
    if(curl_easy_getinfo(u->c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) {
      size_t n = strlen(ct);
      if(n >= sizeof rs->content_type)
        n = sizeof rs->content_type - 1;
      memcpy(rs->content_type, ct, n);
      rs->content_type[n] = '\0';
      rs->is_json = is_json_type(ct);
    }
    break;
  }
  if(e != UPE_OK)
    buf_reset(&rs->body);     /* a partial answer must not be mistaken for one */
  return e;
}

/* health, status, metrics, logs (§16.4): every call counted by outcome in /status and
 * remembered for the cause on the log line */
enum upstream_error upstream_send(struct upstream *u, const struct upstream_req *rq,
                                  struct upstream_resp *rs, char *errmsg, size_t errlen)
{
  enum upstream_error e = send_call(u, rq, rs, errmsg, errlen);
  u->last_called = 1;
  u->last_err = e;
  u->last_status = rs->status;
  u->last_json = rs->is_json;
  enum status_upstream o = SU_OTHER;
  if(e == UPE_TIMEOUT)
    o = SU_TIMEOUT;
  else if(e == UPE_CONNECT)
    o = SU_REFUSED;
  else if(e == UPE_TLS)
    o = SU_TLS;
  else if(!e && rs->status >= 200 && rs->status < 600)
    o = (enum status_upstream)(SU_2XX + (rs->status / 100 - 2));
  if(e != UPE_NOMEM)
    status_upstream(o);
  return e;
}

const char *upstream_last_cause(const struct upstream *u, char *buf, size_t len)
{
  if(!u->last_called)
    return NULL;
  switch(u->last_err) {
  case UPE_OK: break;
  case UPE_CONNECT: return "refused";
  case UPE_TIMEOUT: return "timeout";
  case UPE_TOO_BIG: return "too-big";
  case UPE_REDIRECT: return "redirect";
  case UPE_TLS: return "tls";
  case UPE_OTHER: return "transfer";
  case UPE_NOMEM: return "out-of-memory";
  }
  if(u->last_status >= 400 || u->last_status < 200) {
    snprintf(buf, len, "status-%ld", u->last_status);
    return buf;
  }
  return u->last_json ? "invalid-answer" : "invalid-json";
}
