/* identity.c - sign-in through the API's own security (identity.h). */
#include "identity.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../flow/config.h"
#include "../flow/json.h"
#include "url.h"
#include "../flow/response.h"

/* Flow's callback for OAuth 2.0 when the credentials name none (product.md §9.3). */
#define FLOW_OAUTH2_CALLBACK "https://flow.manywho.com/api/run/1/oauth2"

const struct cache_scheme *identity_scheme(struct op_ctx *x)
{
  struct cache_error err;
  uint32_t n;
  const struct cache_scheme *sch = cache_section(x->c, CS_SCHEMES, &n, &err);
  if(!sch) {                    /* cache_section: NULL only for a bad section */
    problem_set(x->p, 503, "The compiled document is unusable: %s", err.msg);
    return NULL;
  }
  for(uint32_t i = 0; sch && i < n; i++)
    if(sch[i].flags & SCH_F_SIGN_IN)
      return &sch[i];
  problem_set(x->p, 400, "The document '%s' declares no x-flow-identity, so it provides no "
              "sign-in (describe answers providesIdentity false)", cache_registration(x->c));
  return NULL;
}

/* ---- Flow's objects, written as text ------------------------------------------------- */

static void put_long(struct buf *b, long v)
{
  buf_printf(b, "%ld", v);
}

/* One MObject's start; the separator before it is response_next()'s. */
static void mobject_begin(struct buf *b, const char *type, const char *ext, long order)
{
  buf_puts(b, "{\"developerName\":");
  buf_json_str(b, type);
  buf_puts(b, ",\"externalId\":");
  buf_json_str(b, ext);
  buf_puts(b, ",\"internalId\":null,\"typeElementId\":null,\"order\":");
  put_long(b, order);
  buf_puts(b, ",\"isSelected\":false,\"properties\":[");
}

/* A ContentString property; VALUE NULL = null. */
static void prop_str(struct buf *b, int first, const char *name, const char *value)
{
  if(!first)
    buf_putc(b, ',');
  buf_puts(b, "{\"typeElementPropertyId\":null,\"developerName\":");
  buf_json_str(b, name);
  buf_puts(b, ",\"contentType\":\"ContentString\",\"contentValue\":");
  if(value)
    buf_json_str(b, value);
  else
    buf_puts(b, "null");
  buf_puts(b, ",\"contentFormat\":null,\"objectData\":null}");
}

static void mobject_end(struct buf *b)
{
  buf_puts(b, "]}");
}

/* ---- /authorization ------------------------------------------------------------------- */

static int is_oauth(const struct cache_scheme *s)
{
  return s->type == SCH_OAUTH2 || s->type == SCH_OIDC;
}

/* Is the signed-in user's field F equal to some authenticationId in the array LIST? */
static int listed(const cJSON *list, const struct flow_user *u, enum flow_user_field f)
{
  const char *mine = u->value[f];
  if(!mine || !*mine || !cJSON_IsArray(list))
    return 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, list) {
    const cJSON *v = json_get(e, "authenticationId");
    const char *id = cJSON_IsString(v) ? v->valuestring : cJSON_IsNumber(v) ?
                     json_num_text(v) : NULL;
    if(id && !strcmp(id, mine))
      return 1;
  }
  return 0;
}

/* flow-protocol.md §7.1: "200" may run, "401" may not (yet). A request without rules is
 * treated as ALL_USERS (Flow asks only for flows that have authentication set up); a rule
 * type we do not know lets nobody in. */
static const char *auth_status(const struct flow_request *rq)
{
  const cJSON *rules = json_get_object(rq->root, "authorization");
  const char *type = json_get_str(rules, "globalAuthenticationType");
  int signed_in = !flow_user_is_public(&rq->user);
  if(type && !strcasecmp(type, "PUBLIC"))
    return "200";
  if(!signed_in)
    return "401";
  if(!type || !*type || !strcasecmp(type, "ALL_USERS"))
    return "200";
  if(strcasecmp(type, "SPECIFIED"))
    return "401";
  return listed(json_get_array(rules, "users"), &rq->user, FU_USER_ID) ||
         listed(json_get_array(rules, "groups"), &rq->user, FU_PRIMARY_GROUP_ID) ? "200" : "401";
}

/* authorizationUrl?response_type=code&client_id=...&scope=... (product.md §9.3). */
static const char *login_url(struct op_ctx *x, const struct cache_scheme *s, const char *id)
{
  struct buf b;
  buf_init(&b);
  const char *base = cache_str(x->c, s->authorization_url);
  size_t bl = strlen(base);
  buf_puts(&b, base);
  if(!bl || (base[bl - 1] != '?' && base[bl - 1] != '&'))
    buf_puts(&b, strchr(base, '?') ? "&" : "?");
  buf_puts(&b, "response_type=code&client_id=");
  url_encode_query(&b, id, strlen(id));
  const char *scope = cache_str(x->c, s->scope);
  if(scope && *scope) {
    buf_puts(&b, "&scope=");
    url_encode_query(&b, scope, strlen(scope));
  }
  const char *r = buf_failed(&b) ? NULL : arena_strndup(x->a, b.data, b.len);
  buf_free(&b);
  return r;
}

enum oac_result identity_authorization(struct op_ctx *x, const struct cache_scheme *s)
{
  const struct flow_user *u = &x->rq->user;
  const char *status = auth_status(x->rq);
  const char *login = "";
  if(is_oauth(s)) {
    const char *id = x->rq->config[CFG_CLIENT_ID];
    if(id)
      login = login_url(x, s, id);
    else if(!strcmp(status, "401"))
      return problem_set(x->p, 400, "configurationValues: '%s' is missing; the sign-in page "
                         "(LoginUrl) needs it", flow_config_names[CFG_CLIENT_ID]);
    if(!login)
      return problem_set(x->p, 500, "out of memory");
  }
  /* the full $User property set (product.md §9.4), in the order Flow lists it */
  static const struct { const char *name; int field; } props[] = {
    { "User ID", FU_USER_ID }, { "Username", FU_USERNAME }, { "Email", FU_EMAIL },
    { "First Name", FU_FIRST_NAME }, { "Last Name", FU_LAST_NAME },
    { "Directory Id", FU_DIRECTORY_ID }, { "Directory Name", FU_DIRECTORY_NAME },
    { "AuthenticationType", -1 }, { "LoginUrl", -2 }, { "Status", -3 },
    { "Role Id", FU_ROLE_ID }, { "Role Name", FU_ROLE_NAME },
    { "Primary Group Id", FU_PRIMARY_GROUP_ID }, { "Primary Group Name", FU_PRIMARY_GROUP_NAME },
  };
  const char *uid = u->value[FU_USER_ID] && *u->value[FU_USER_ID] ? u->value[FU_USER_ID] :
                    "PUBLIC_USER";
  struct buf *b = x->out;
  struct response rw;
  response_begin(&rw, b);
  response_next(&rw);
  mobject_begin(b, "$User", uid, 0);
  for(size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
    const char *v;
    switch(props[i].field) {
    case -1: v = is_oauth(s) ? "OAUTH2" : "USERNAME_PASSWORD"; break;
    case -2: v = login; break;
    case -3: v = status; break;
    default: v = props[i].field == FU_USER_ID ? uid : u->value[props[i].field]; break;
    }
    prop_str(b, i == 0, props[i].name, v ? v : "");
  }
  mobject_end(b);
  response_end(&rw, 0);
  return 0;
}

/* ---- /authentication ----------------------------------------------------------------- */

/* The user a sign-in produced (AuthenticatedWhoResult's fields). */
struct signed_user {
  const char *user_id, *username, *email, *first_name, *last_name, *token;
};

static void put_member(struct buf *b, const char *key, const char *value)
{
  buf_putc(b, ',');
  buf_json_str(b, key);
  buf_putc(b, ':');
  if(value)
    buf_json_str(b, value);
  else
    buf_puts(b, "null");
}

/* AuthenticatedWhoResult (flow-protocol.md §4.11): U NULL = ACCESS_DENIED with MESSAGE. */
static enum oac_result who_result(struct op_ctx *x, const struct cache_scheme *s,
                      const struct signed_user *u, const char *message)
{
  struct buf *b = x->out;
  static const char *const provider[] = { "", "", "basic", "", "oauth2", "openIdConnect", "" };
  const char *name = cache_str(x->c, s->name);
  buf_puts(b, "{\"status\":");
  buf_json_str(b, u ? "AUTHENTICATED" : "ACCESS_DENIED");
  put_member(b, "statusMessage", u ? NULL : message);
  put_member(b, "userId", u ? u->user_id : NULL);
  put_member(b, "username", u ? u->username : NULL);
  put_member(b, "email", u ? u->email : NULL);
  put_member(b, "firstName", u ? u->first_name : NULL);
  put_member(b, "lastName", u ? u->last_name : NULL);
  put_member(b, "directoryId", name);
  put_member(b, "directoryName", name);
  put_member(b, "roleId", NULL);
  put_member(b, "roleName", NULL);
  put_member(b, "primaryGroupId", NULL);
  put_member(b, "primaryGroupName", NULL);
  put_member(b, "tenantName", NULL);
  put_member(b, "tenantId", NULL);
  put_member(b, "identityProvider", provider[s->type < 7 ? s->type : 0]);
  put_member(b, "token", u ? u->token : NULL);
  buf_puts(b, ",\"culture\":null}");
  return OAC_OK;
}

static enum oac_result deny(struct op_ctx *x, const struct cache_scheme *s, const char *fmt,
                            ...)
  __attribute__((format(printf, 3, 4)));

static enum oac_result deny(struct op_ctx *x, const struct cache_scheme *s, const char *fmt,
                            ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if(n >= (int)sizeof(msg)) {                   /* cut at a character, not inside one */
    size_t k = sizeof(msg) - 1;
    while(k > 0 && ((unsigned char)msg[k] & 0xC0) == 0x80)
      k--;
    msg[k] = '\0';
  }
  return who_result(x, s, NULL, msg);
}

static const char b64[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* base64 of A ":" B (HTTP Basic credentials), in the arena. */
static char *basic_credentials(struct arena *a, const char *user, const char *pass)
{
  size_t ul = strlen(user), pl = strlen(pass), n = ul + 1 + pl;
  char *in = arena_alloc(a, n + 1), *out = arena_alloc(a, (n + 2) / 3 * 4 + 1);
  if(!in || !out)
    return NULL;
  memcpy(in, user, ul);
  in[ul] = ':';
  memcpy(in + ul + 1, pass, pl);
  char *o = out;
  for(size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned char)in[i] << 16;
    if(i + 1 < n)
      v |= (unsigned char)in[i + 1] << 8;
    if(i + 2 < n)
      v |= (unsigned char)in[i + 2];
    *o++ = b64[v >> 18 & 63];
    *o++ = b64[v >> 12 & 63];
    *o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
    *o++ = i + 2 < n ? b64[v & 63] : '=';
  }
  *o = '\0';
  return out;
}

/* One call for the sign-in. OAC_OK = an answer (any status, in x->resp); OAC_EIO = no
 * answer, with the reason in WHY; OAC_ENOMEM. */
static enum oac_result sign_in_call(struct op_ctx *x, unsigned method, const char *url,
                        const char *const *headers, size_t nheaders, const char *form,
                        char *why, size_t whylen)
{
  struct upstream_req rq = { 0 };
  rq.method = method;
  rq.url = url;
  rq.headers = headers;
  rq.nheaders = nheaders;
  if(form) {
    rq.body = form;
    rq.body_len = strlen(form);
    rq.content_type = "application/x-www-form-urlencoded";
  }
  x->ncalls++;
  enum upstream_error e = upstream_send(x->up, &rq, x->resp, why, whylen);
  x->upstream_status = e ? 0 : x->resp->status;
  return e == UPE_NOMEM ? OAC_ENOMEM : e ? OAC_EIO : OAC_OK;
}

/* The answer of the last call as a JSON object, or NULL. */
static cJSON *answer_object(struct op_ctx *x)
{
  cJSON *root = NULL;
  struct json_error je;
  if(json_parse(x->resp->body.data ? x->resp->body.data : "", x->resp->body.len, &root, &je))
    return NULL;
  if(!cJSON_IsObject(root)) {
    json_delete(root);
    return NULL;
  }
  return root;
}

/* A member of the user info as text (strings as they are, numbers as written); NULL when
 * absent, null, or not a scalar. */
static const char *claim(struct op_ctx *x, const cJSON *o, const char *key)
{
  if(!key)
    return NULL;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if(cJSON_IsString(v))                         /* copied: the tree is freed before use */
    return *v->valuestring ? arena_strdup(x->a, v->valuestring) : NULL;
  if(cJSON_IsNumber(v))
    return arena_strdup(x->a, json_num_text(v));
  if(cJSON_IsBool(v))
    return cJSON_IsTrue(v) ? "true" : "false";
  return NULL;
}

/* The user fields from a user-info object: the x-flow-identity.me mapping where it names a
 * member, else OpenID Connect's standard claims (product.md §9.3). A username that
 * neither gives falls back to the email, then the user id, and for Basic to the name the
 * user signed in with (LOGIN, NULL for OAuth). */
static void map_user(struct op_ctx *x, const struct cache_scheme *s, const cJSON *info,
                     const char *login, struct signed_user *u)
{
  const char *m_id = cache_str(x->c, s->map_user_id), *m_email = cache_str(x->c, s->map_email);
  const char *m_first = cache_str(x->c, s->map_first_name);
  const char *m_last = cache_str(x->c, s->map_last_name);
  const char *m_user = cache_str(x->c, s->map_username);
  int oidc = s->type == SCH_OIDC;
  u->user_id = claim(x, info, !oidc && m_id && *m_id ? m_id : "sub");
  u->email = claim(x, info, !oidc && m_email && *m_email ? m_email : "email");
  u->first_name = claim(x, info, !oidc && m_first && *m_first ? m_first : "given_name");
  u->last_name = claim(x, info, !oidc && m_last && *m_last ? m_last : "family_name");
  u->username = claim(x, info, !oidc && m_user && *m_user ? m_user : "preferred_username");
  if(!u->username)
    u->username = login ? login : u->email ? u->email : u->user_id;
  if(login) {
    u->user_id = u->user_id ? u->user_id : login;
    u->first_name = u->first_name ? u->first_name : login;
    u->last_name = u->last_name ? u->last_name : login;
  }
}

/* An OAuth error code ("invalid_grant", RFC 6749 §5.2) worth quoting: a short token of
 * letters, digits and _ . -. Anything else the provider wrote (error_description above
 * all) is not repeated: providers echo the code or the form there, and Flow shows the
 * message to the user. */
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

/* Why a sign-in call failed: its status and, for OAuth errors, the error code. */
static const char *refusal(struct op_ctx *x, const char *what)
{
  long st = x->resp->status;
  cJSON *o = answer_object(x);
  const char *err = o ? json_get_str(o, "error") : NULL;
  if(err && !error_code_ok(err))
    err = NULL;
  const char *r = arena_printf(x->a, "%s answered HTTP %ld%s%s%s", what, st,
                               err ? " (" : "", err ? err : "", err ? ")" : "");
  json_delete(o);
  return r ? r : "sign-in refused";
}

static enum oac_result basic_sign_in(struct op_ctx *x, const struct cache_scheme *s)
{
  const cJSON *cred = x->rq->root;
  const char *user = json_get_str(cred, "username"), *pass = json_get_str(cred, "password");
  if(!user || !*user || !pass)
    return deny(x, s, "Enter a username and a password");
  if(strchr(user, ':'))
    return deny(x, s, "A username cannot contain ':' (HTTP Basic)");
  const char *info_url = cache_str(x->c, s->userinfo_url);
  const char *url = info_url && *info_url ? info_url : cache_str(x->c, s->default_url);
  struct signed_user u = { 0 };
  u.token = basic_credentials(x->a, user, pass);
  const char *hdr[2] = { u.token ? arena_printf(x->a, "Authorization: Basic %s", u.token) : NULL,
                         "Accept: application/json" };
  if(!hdr[0])
    return problem_set(x->p, 500, "out of memory");
  char why[256];
  enum oac_result rc = sign_in_call(x, M_GET, url, hdr, 2, NULL, why, sizeof(why));
  if(rc == OAC_ENOMEM)
    return problem_set(x->p, 500, "out of memory");
  if(rc)
    return deny(x, s, "The sign-in check at %s could not be made: %s", url, why);
  long st = x->resp->status;
  if(st == 401 || st == 403)
    return deny(x, s, "Wrong username or password (%s answered HTTP %ld)", url, st);
  if(st < 200 || st > 299)
    return deny(x, s, "%s", refusal(x, url));
  u.user_id = u.username = u.first_name = u.last_name = user;
  if(info_url && *info_url) {
    cJSON *info = answer_object(x);
    if(!info)
      return deny(x, s, "The user information at %s is not a JSON object", url);
    map_user(x, s, info, user, &u);
    json_delete(info);
  }
  return who_result(x, s, &u, NULL);
}

static enum oac_result oauth_sign_in(struct op_ctx *x, const struct cache_scheme *s)
{
  const cJSON *cred = x->rq->root;
  const char *code = json_get_str(cred, "code");
  const char *id = x->rq->config[CFG_CLIENT_ID], *secret = x->rq->config[CFG_CLIENT_SECRET];
  if(!code || !*code)
    return deny(x, s, "No authorization code: sign in through the LoginUrl first");
  if(!id || !secret)
    return deny(x, s, "The connector is not set up for sign-in: the configuration value "
                "'%s' is missing", flow_config_names[id ? CFG_CLIENT_SECRET : CFG_CLIENT_ID]);
  const char *redirect = json_get_str(cred, "redirectUri");
  if(!redirect || !*redirect)
    redirect = FLOW_OAUTH2_CALLBACK;
  /* the code exchange (RFC 6749 §4.1.3) */
  struct buf form;
  buf_init(&form);
  buf_puts(&form, "grant_type=authorization_code&code=");
  url_encode_query(&form, code, strlen(code));
  buf_puts(&form, "&redirect_uri=");
  url_encode_query(&form, redirect, strlen(redirect));
  const char *hdr[2] = { "Accept: application/json", NULL };
  size_t nh = 1;
  if(s->flags & SCH_F_CLIENT_BASIC) {
    /* client_secret_basic: both form-encoded first (RFC 6749 §2.3.1) */
    struct buf i, k;
    buf_init(&i);
    buf_init(&k);
    url_encode_query(&i, id, strlen(id));
    url_encode_query(&k, secret, strlen(secret));
    const char *c = buf_failed(&i) || buf_failed(&k) ? NULL :
                    basic_credentials(x->a, i.data, k.data);
    buf_free(&i);
    buf_free(&k);
    hdr[nh++] = c ? arena_printf(x->a, "Authorization: Basic %s", c) : NULL;
  }
  else {
    buf_puts(&form, "&client_id=");
    url_encode_query(&form, id, strlen(id));
    buf_puts(&form, "&client_secret=");
    url_encode_query(&form, secret, strlen(secret));
  }
  const char *token_url = cache_str(x->c, s->token_url);
  char why[256];
  enum oac_result rc = buf_failed(&form) || (nh == 2 && !hdr[1]) ? OAC_ENOMEM :
           sign_in_call(x, M_POST, token_url, hdr, nh, form.data, why, sizeof(why));
  buf_free(&form);
  if(rc == OAC_ENOMEM)
    return problem_set(x->p, 500, "out of memory");
  if(rc)
    return deny(x, s, "The token endpoint %s could not be reached: %s", token_url, why);
  if(x->resp->status < 200 || x->resp->status > 299)
    return deny(x, s, "The sign-in was refused: %s", refusal(x, token_url));
  cJSON *tok = answer_object(x);
  const char *access = tok ? json_get_str(tok, "access_token") : NULL;
  struct signed_user u = { 0 };
  u.token = access && *access ? arena_strdup(x->a, access) : NULL;
  json_delete(tok);
  if(!u.token)
    return deny(x, s, "The token endpoint %s answered without an access_token", token_url);
  for(const char *p = u.token; *p; p++)
    if((unsigned char)*p < 0x21 || *p == 0x7f)
      return deny(x, s, "The token endpoint %s answered an access_token that cannot be sent "
                  "in a header", token_url);
  /* the user */
  const char *info_url = cache_str(x->c, s->userinfo_url);
  const char *ih[2] = { arena_printf(x->a, "Authorization: Bearer %s", u.token),
                        "Accept: application/json" };
  if(!ih[0])
    return problem_set(x->p, 500, "out of memory");
  enum oac_result irc = sign_in_call(x, M_GET, info_url, ih, 2, NULL, why, sizeof(why));
  if(irc == OAC_ENOMEM)
    return problem_set(x->p, 500, "out of memory");
  if(irc)
    return deny(x, s, "The user information at %s could not be read: %s", info_url, why);
  if(x->resp->status < 200 || x->resp->status > 299)
    return deny(x, s, "The user information was refused: %s", refusal(x, info_url));
  cJSON *info = answer_object(x);
  if(!info)
    return deny(x, s, "The user information at %s is not a JSON object", info_url);
  map_user(x, s, info, NULL, &u);
  json_delete(info);
  if(!u.user_id)
    return deny(x, s, "The user information at %s names no user id ('%s')", info_url,
                s->type == SCH_OIDC || !*cache_str(x->c, s->map_user_id) ? "sub" :
                cache_str(x->c, s->map_user_id));
  return who_result(x, s, &u, NULL);
}

enum oac_result identity_authentication(struct op_ctx *x, const struct cache_scheme *s)
{
  return is_oauth(s) ? oauth_sign_in(x, s) : basic_sign_in(x, s);
}

/* ---- directory listings -------------------------------------------------------------- */

/* Is ID among the AuthenticationId values (or external ids) of OBJS? */
static int named(const cJSON *objs, const char *id, size_t len)
{
  const cJSON *o;
  cJSON_ArrayForEach(o, objs) {
    const char *ext = json_get_str(o, "externalId");
    if(ext && strlen(ext) == len && !memcmp(ext, id, len))
      return 1;
    const cJSON *p;
    cJSON_ArrayForEach(p, json_get_array(o, "properties")) {
      const char *n = json_get_str(p, "developerName"), *v = json_get_str(p, "contentValue");
      if(n && v && !strcasecmp(n, "AuthenticationId") && strlen(v) == len &&
         !memcmp(v, id, len))
        return 1;
    }
  }
  return 0;
}

static int contains_ci(const char *s, size_t len, const char *needle)
{
  size_t n = strlen(needle);
  for(size_t i = 0; i + n <= len; i++)
    if(!strncasecmp(s + i, needle, n))
      return 1;
  return !n;
}

enum oac_result identity_directory(struct op_ctx *x, int users, int attributes)
{
  struct buf *b = x->out;
  struct response rw;
  response_begin(&rw, b);
  if(attributes) {
    /* group membership is the one attribute a group has; users have none */
    if(!users) {
      response_next(&rw);
      mobject_begin(b, "AuthenticationAttribute", "MEMBERS", 0);
      prop_str(b, 1, "Value", "MEMBERS");
      prop_str(b, 0, "Label", "Members");
      mobject_end(b);
    }
    response_end(&rw, 0);
    return 0;
  }
  const char *type = users ? "GroupAuthorizationUser" : "GroupAuthorizationGroup";
  const char *list = x->rq->config[users ? CFG_AUTH_USERS : CFG_AUTH_GROUPS];
  const cJSON *objs = x->rq->objects;
  int only_named = 0;
  const cJSON *o;
  cJSON_ArrayForEach(o, objs) {
    const char *dn = json_get_str(o, "developerName");
    if(dn && !strcmp(dn, type))
      only_named = 1;
  }
  const cJSON *lf = x->rq->list_filter;
  const char *search = json_get_str(lf, "search");
  long offset = json_get_long(lf, "offset", 0), limit = json_get_long(lf, "limit", 0);
  long seen = 0, written = 0;
  int more = 0;
  for(const char *p = list ? list : ""; *p;) {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    const char *id = p;
    p += n + (end != NULL);
    while(n && (*id == ' ' || *id == '\t'))
      id++, n--;
    while(n && (id[n - 1] == ' ' || id[n - 1] == '\t'))
      n--;
    if(!n || (only_named && !named(objs, id, n)) || (search && !contains_ci(id, n, search)))
      continue;
    if(seen++ < offset)
      continue;
    if(limit > 0 && written == limit) {
      more = 1;
      break;
    }
    char *v = arena_strndup(x->a, id, n);
    if(!v)
      return problem_set(x->p, 500, "out of memory");
    response_next(&rw);
    mobject_begin(b, type, v, written);
    prop_str(b, 1, "AuthenticationId", v);
    prop_str(b, 0, "FriendlyName", v);
    prop_str(b, 0, "DeveloperSummary", NULL);
    mobject_end(b);
    written++;
  }
  response_end(&rw, more);
  return 0;
}
