/* relay_fcgi - the floor for the worker's upstream mode (bench/run): a minimal relay.
 *
 * Per request it does what any FastCGI relay of a JSON API cannot avoid, and nothing else:
 * accept (FCGX_Accept_r), read and discard CONTENT_LENGTH bytes of the request body, GET the
 * URL in the environment variable RELAY_URL (or the query's `url`, below) with ONE libcurl
 * easy handle reused for every request (so the upstream connection is kept alive, as in
 * the worker), parse the answer with cJSON_ParseWithLength, add a member "upstreamStatus"
 * (the HTTP status; an answer that is not an object is wrapped as
 * {"body":ANSWER,"upstreamStatus":N}), print it with cJSON_PrintUnformatted and answer
 *
 *   Status: 200 OK, Content-Type: application/json, Content-Length: N, the printed JSON.
 *
 * When the call or the parse fails it answers 502 with a short JSON error
 * ({"error":"...","detail":"..."}) and goes on with the next request.
 *
 * The worker's load by id against the same upstream is measured against it, so the
 * difference is what the worker adds: routing, reading the request's JSON, the cache lookup,
 * building the call (parameters, security), mapping the answer to Flow objects.
 *
 * The URL per request (bench/run's paging group, product.md §17: "RELAY_URL taken per
 * request from the query"): a request whose query string has a parameter `url` GETs that
 * URL instead, percent-decoded (`?url=http%3A%2F%2F127.0.0.1%3A8080%2Fitems%3Foffset%3D100`;
 * `+` stays `+`); only http and https are followed. The same handle, hence the same kept-
 * alive connection when the host and port stay the same. A `url` that is empty or does not
 * decode is a 400.
 *
 * Environment: RELAY_URL (http(s) URL of requests without `url`; a request without either
 * is a 400), RELAY_TIMEOUT_MS (whole call, default 15000), RELAY_CONNECT_TIMEOUT_MS
 * (default 5000) - the worker's defaults.
 *
 * Build: make bench/relay_fcgi (or gcc -O2 bench/relay_fcgi.c -lfcgi -lcurl -lcjson).
 * Run only under a FastCGI server (lighttpd bin-path, cgi-fcgi -start): FCGX_Accept_r
 * does not do CGI, so started with fd 0 not a socket it answers nothing and exits.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

/* The upstream's answer, a buffer reused from request to request. */
struct sink {
  char *data;
  size_t len, cap;
  int oom;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct sink *s = userdata;
  size_t n = size * nmemb;
  if(s->len + n + 1 > s->cap) {
    size_t cap = s->cap ? s->cap : 16384;
    while(cap < s->len + n + 1)
      cap *= 2;
    char *bigger = realloc(s->data, cap);
    if(!bigger) {
      s->oom = 1;
      return 0;                 /* curl fails the transfer (CURLE_WRITE_ERROR) */
    }
    s->data = bigger;
    s->cap = cap;
  }
  memcpy(s->data + s->len, ptr, n);
  s->len += n;
  s->data[s->len] = '\0';
  return n;
}

static long env_ms(const char *name, long dflt)
{
  const char *s = getenv(name);
  if(!s || !*s)
    return dflt;
  char *end;
  long n = strtol(s, &end, 10);
  return *end || n <= 0 ? dflt : n;
}

/* Write one complete answer: headers with Content-Length, then the body. */
static void answer(FCGX_Stream *out, const char *status, const char *body, size_t len)
{
  /* snprintf, not FCGX_FPrintF: libfcgi's own printf knows no %zu. */
  char head[160];
  int n = snprintf(head, sizeof(head), "Status: %s\r\n"
                   "Content-Type: application/json\r\n"
                   "Content-Length: %zu\r\n\r\n", status, len);
  if(n < 0 || (size_t)n >= sizeof(head))
    return;
  FCGX_PutStr(head, n, out);
  FCGX_PutStr(body, (int)len, out);
}

/* 502 with {"error":what,"detail":detail}; cJSON does the escaping. */
static void fail(FCGX_Stream *out, const char *what, const char *detail)
{
  cJSON *e = cJSON_CreateObject();
  char *text = NULL;
  if(e && cJSON_AddStringToObject(e, "error", what) &&
     cJSON_AddStringToObject(e, "detail", detail ? detail : ""))
    text = cJSON_PrintUnformatted(e);
  if(text)
    answer(out, "502 Bad Gateway", text, strlen(text));
  else {
    static const char oom[] = "{\"error\":\"out of memory\"}";
    answer(out, "502 Bad Gateway", oom, sizeof(oom) - 1);
  }
  cJSON_free(text);
  cJSON_Delete(e);
}

static int hexval(char c)
{
  if(c >= '0' && c <= '9')
    return c - '0';
  if(c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if(c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The percent-decoded value of query parameter `url` into DST (size CAP): 1 found, 0 absent,
 * -1 empty, too long, a bad escape or a decoded NUL. */
static int query_url(const char *query, char *dst, size_t cap)
{
  for(const char *p = query; p && *p; p = strchr(p, '&'), p = p ? p + 1 : NULL) {
    if(strncmp(p, "url=", 4))
      continue;
    size_t n = 0;
    for(p += 4; *p && *p != '&'; p++) {
      int c = (unsigned char)*p;
      if(c == '%') {
        int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
        if(lo < 0)
          return -1;
        c = hi * 16 + lo;
        p += 2;
      }
      if(c == 0 || n + 1 >= cap)
        return -1;
      dst[n++] = (char)c;
    }
    dst[n] = '\0';
    return n ? 1 : -1;
  }
  return 0;
}

int main(void)
{
  const char *env_url = getenv("RELAY_URL");
  if(env_url && !*env_url)
    env_url = NULL;
  const char *url = env_url;
  static char req_url[8192];
  if(curl_global_init(CURL_GLOBAL_DEFAULT)) {
    fprintf(stderr, "relay_fcgi: curl_global_init failed\n");
    return 1;
  }
  CURL *c = curl_easy_init();
  if(!c) {
    fprintf(stderr, "relay_fcgi: curl_easy_init failed\n");
    return 1;
  }
  /* Set once; the handle (and its connection cache) lives as long as the process. The
   * request headers match the worker's GET (Accept: application/json, any encoding). */
  struct sink sink = {0};
  char errbuf[CURL_ERROR_SIZE];
  struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
  if(!headers ||
     curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") ||
     curl_easy_setopt(c, CURLOPT_HTTPGET, 1L) ||
     curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) ||
     curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) ||
     curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) ||
     curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, env_ms("RELAY_CONNECT_TIMEOUT_MS", 5000)) ||
     curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, env_ms("RELAY_TIMEOUT_MS", 15000)) ||
     curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "") ||
     curl_easy_setopt(c, CURLOPT_USERAGENT, "relay_fcgi") ||
     curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) ||
     curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) ||
     curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink)) {
    fprintf(stderr, "relay_fcgi: cannot set up the curl handle\n");
    return 1;
  }

  if(FCGX_Init()) {
    fprintf(stderr, "relay_fcgi: FCGX_Init failed\n");
    return 1;
  }
  FCGX_Request req;
  if(FCGX_InitRequest(&req, 0, 0)) {
    fprintf(stderr, "relay_fcgi: FCGX_InitRequest failed\n");
    return 1;
  }
  char discard[16384];
  while(FCGX_Accept_r(&req) >= 0) {
    /* The request body: read and thrown away. */
    long left = bench_content_length(FCGX_GetParam("CONTENT_LENGTH", req.envp));
    while(left > 0) {
      int want = left < (long)sizeof(discard) ? (int)left : (int)sizeof(discard);
      int got = FCGX_GetStr(discard, want, req.in);
      if(got <= 0)
        break;
      left -= got;
    }

    int q = query_url(FCGX_GetParam("QUERY_STRING", req.envp), req_url, sizeof(req_url));
    url = q > 0 ? req_url : env_url;
    if(q < 0 || !url) {
      static const char bad[] = "{\"error\":\"no upstream URL\",\"detail\":\"give ?url="
                                "(percent-encoded http(s) URL) or set RELAY_URL\"}";
      answer(req.out, "400 Bad Request", bad, sizeof(bad) - 1);
      FCGX_Finish_r(&req);
      continue;
    }
    sink.len = 0;
    sink.oom = 0;
    errbuf[0] = '\0';
    CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, url);
    if(rc == CURLE_OK)
      rc = curl_easy_perform(c);
    if(rc != CURLE_OK) {
      fail(req.out, sink.oom ? "out of memory" : "upstream call failed",
           errbuf[0] ? errbuf : curl_easy_strerror(rc));
      FCGX_Finish_r(&req);
      continue;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);

    cJSON *root = cJSON_ParseWithLength(sink.data ? sink.data : "", sink.len);
    if(!root) {
      fail(req.out, "upstream answer is not JSON", url);
      FCGX_Finish_r(&req);
      continue;
    }
    if(!cJSON_IsObject(root)) {
      cJSON *wrap = cJSON_CreateObject();
      if(!wrap || !cJSON_AddItemToObject(wrap, "body", root)) {
        cJSON_Delete(wrap);
        cJSON_Delete(root);
        fail(req.out, "out of memory", NULL);
        FCGX_Finish_r(&req);
        continue;
      }
      root = wrap;
    }
    char *text = NULL;
    if(cJSON_AddNumberToObject(root, "upstreamStatus", (double)status))
      text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if(!text)
      fail(req.out, "out of memory", NULL);
    else
      answer(req.out, "200 OK", text, strlen(text));
    cJSON_free(text);
    FCGX_Finish_r(&req);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  curl_global_cleanup();
  free(sink.data);
  return 0;
}
