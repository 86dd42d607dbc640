/* curl_lazy.c - libcurl, loaded on the first upstream call (the worker program only).
 *
 * Loading libcurl at exec time costs a CGI request about 3 ms here: the dynamic linker
 * maps and relocates libcurl's whole dependency tree (TLS, HTTP/2, SSH, LDAP, Kerberos,
 * IDN, ...) for every process, even for a describe or an example-mode answer that never
 * calls the API. The worker program is therefore linked without -lcurl; this file defines
 * the libcurl functions the worker uses and forwards each to the real one, which it looks
 * up with dlopen()/dlsym() the first time any of them is called. The compiler and the unit
 * tests link libcurl as usual and never see this file.
 *
 * The variadic curl_easy_setopt() and curl_easy_getinfo() forward their one argument by
 * the type libcurl's option numbering encodes (CURLOPTTYPE_*, CURLINFO_*).
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef OAC_CURL_SONAME
#define OAC_CURL_SONAME "libcurl.so.4"
#endif

/* The functions used, their types, and where their addresses go. */
#define CURL_FUNCS(X) \
  X(curl_global_init, CURLcode, (long)) \
  X(curl_easy_init, CURL *, (void)) \
  X(curl_easy_cleanup, void, (CURL *)) \
  X(curl_easy_perform, CURLcode, (CURL *)) \
  X(curl_easy_setopt, CURLcode, (CURL *, CURLoption, ...)) \
  X(curl_easy_getinfo, CURLcode, (CURL *, CURLINFO, ...)) \
  X(curl_easy_strerror, const char *, (CURLcode)) \
  X(curl_slist_append, struct curl_slist *, (struct curl_slist *, const char *)) \
  X(curl_slist_free_all, void, (struct curl_slist *)) \
  X(curl_free, void, (void *)) \
  X(curl_url, CURLU *, (void)) \
  X(curl_url_cleanup, void, (CURLU *)) \
  X(curl_url_set, CURLUcode, (CURLU *, CURLUPart, const char *, unsigned int)) \
  X(curl_url_get, CURLUcode, (CURLU *, CURLUPart, char **, unsigned int))

#define DECLARE(name, ret, args) static ret (*p_##name) args;
CURL_FUNCS(DECLARE)

static enum { CURL_NOT_TRIED, CURL_LOADED, CURL_FAILED } state;
static char load_error[256];

/* The reason the library could not be loaded ("" when it was). The upstream client
 * (upstream.c) quotes it in its 502 message. */
const char *oac_curl_load_error(void);
const char *oac_curl_load_error(void)
{
  return load_error;
}

static int load(void)
{
  if(state != CURL_NOT_TRIED)
    return state == CURL_LOADED;
  state = CURL_FAILED;
  void *h = dlopen(OAC_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
  if(!h) {
    const char *e = dlerror();
    snprintf(load_error, sizeof(load_error), "cannot load %s: %s", OAC_CURL_SONAME,
             e ? e : "unknown error");
    return 0;
  }
  /* a data pointer to a function pointer: how dlsym is used (POSIX) */
#define RESOLVE(name, ret, args) \
  *(void **)&p_##name = dlsym(h, #name); \
  if(!p_##name) { \
    snprintf(load_error, sizeof(load_error), "%s has no %s", OAC_CURL_SONAME, #name); \
    return 0; \
  }
  CURL_FUNCS(RESOLVE)
  state = CURL_LOADED;
  return 1;
}

CURLcode curl_global_init(long flags)
{
  return load() ? p_curl_global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
  return load() ? p_curl_easy_init() : NULL;
}

/* Only reached with a handle, so the library is loaded. */
void curl_easy_cleanup(CURL *c)
{
  if(load())
    p_curl_easy_cleanup(c);
}

CURLcode curl_easy_perform(CURL *c)
{
  return load() ? p_curl_easy_perform(c) : CURLE_FAILED_INIT;
}

CURLcode curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
  if(!load())
    return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, opt);
  CURLcode r;
  if(opt < CURLOPTTYPE_OBJECTPOINT)
    r = p_curl_easy_setopt(c, opt, va_arg(ap, long));
  else if(opt < CURLOPTTYPE_FUNCTIONPOINT)
    r = p_curl_easy_setopt(c, opt, va_arg(ap, void *));
  else if(opt < CURLOPTTYPE_OFF_T) {
    void (*f)(void) = va_arg(ap, void (*)(void));
    r = p_curl_easy_setopt(c, opt, f);
  }
  else if(opt < CURLOPTTYPE_BLOB)
    r = p_curl_easy_setopt(c, opt, va_arg(ap, curl_off_t));
  else
    r = p_curl_easy_setopt(c, opt, va_arg(ap, void *));
  va_end(ap);
  return r;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
  if(!load())
    return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, info);
  CURLcode r = p_curl_easy_getinfo(c, info, va_arg(ap, void *));
  va_end(ap);
  return r;
}

const char *curl_easy_strerror(CURLcode e)
{
  return load() ? p_curl_easy_strerror(e) : "libcurl could not be loaded";
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
  return load() ? p_curl_slist_append(l, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *l)
{
  if(l && load())
    p_curl_slist_free_all(l);
}

void curl_free(void *p)
{
  if(p && load())
    p_curl_free(p);
}

CURLU *curl_url(void)
{
  return load() ? p_curl_url() : NULL;
}

void curl_url_cleanup(CURLU *u)
{
  if(u && load())
    p_curl_url_cleanup(u);
}

CURLUcode curl_url_set(CURLU *u, CURLUPart part, const char *s, unsigned int flags)
{
  return load() ? p_curl_url_set(u, part, s, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode curl_url_get(CURLU *u, CURLUPart part, char **out, unsigned int flags)
{
  return load() ? p_curl_url_get(u, part, out, flags) : CURLUE_OUT_OF_MEMORY;
}
