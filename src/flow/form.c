/* form.c - request bodies as forms (form.h; product.md §13.1). */
#include "form.h"

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "../common/hash.h"

static int unreserved(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

void form_encode(struct buf *out, const char *s, size_t len, int name)
{
  static const char hex[] = "0123456789ABCDEF";
  for(size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if(unreserved(c) || (name && (c == '[' || c == ']')))
      buf_putc(out, (char)c);
    else if(c == ' ')
      buf_putc(out, '+');
    else {
      char e[3] = { '%', hex[c >> 4], hex[c & 15] };
      buf_append(out, e, 3);
    }
  }
}

/* A scalar's text (string, number as written, true/false); "" for null. */
static const char *scalar_text(const cJSON *v, char num[40])
{
  if(cJSON_IsString(v))
    return v->valuestring ? v->valuestring : "";
  if(cJSON_IsNumber(v)) {
    const char *t = json_num_text(v);
    if(t)
      return t;
    snprintf(num, 40, "%.17g", v->valuedouble);
    return num;
  }
  if(cJSON_IsBool(v))
    return cJSON_IsTrue(v) ? "true" : "false";
  return "";
}

static int is_scalar(const cJSON *v)
{
  return !cJSON_IsObject(v) && !cJSON_IsArray(v);
}

static int holds_container(const cJSON *a)
{
  for(const cJSON *e = a->child; e; e = e->next)
    if(!is_scalar(e))
      return 1;
  return 0;
}

struct fctx {
  struct buf *out;
  struct buf name;              /* the encoded name so far */
  int first;
};

static void pair(struct fctx *f, const cJSON *v)
{
  char num[40];
  if(!f->first)
    buf_putc(f->out, '&');
  f->first = 0;
  buf_append(f->out, f->name.data ? f->name.data : "", f->name.len);
  buf_putc(f->out, '=');
  const char *t = scalar_text(v, num);
  form_encode(f->out, t, strlen(t), 0);
}

/* deepObject below the name in F->name. */
static void deep(struct fctx *f, const cJSON *v)
{
  size_t keep = f->name.len;
  if(cJSON_IsObject(v)) {
    for(const cJSON *e = v->child; e; e = e->next) {
      buf_putc(&f->name, '[');
      form_encode(&f->name, e->string ? e->string : "", e->string ? strlen(e->string) : 0, 1);
      buf_putc(&f->name, ']');
      deep(f, e);
      f->name.len = keep;
    }
  }
  else if(cJSON_IsArray(v)) {
    long i = 0;
    for(const cJSON *e = v->child; e; e = e->next, i++) {
      if(is_scalar(e))
        buf_puts(&f->name, "[]");
      else
        buf_printf(&f->name, "[%ld]", i);
      deep(f, e);
      f->name.len = keep;
    }
  }
  else
    pair(f, v);
  if(f->name.data)
    f->name.data[keep] = '\0';
}

static unsigned field_flags(const struct form_field *fields, size_t n, const char *name)
{
  for(size_t i = 0; name && i < n; i++)
    if(fields[i].name && !strcmp(fields[i].name, name))
      return fields[i].flags;
  return 0;
}

enum oac_result form_urlencode(const cJSON *body, const struct form_field *fields, size_t n,
                               struct buf *out)
{
  if(!cJSON_IsObject(body))
    return OAC_EDOC;
  struct fctx f = { out, { NULL, 0, 0, 0 }, 1 };
  buf_init(&f.name);
  for(const cJSON *m = body->child; m; m = m->next) {
    const char *key = m->string ? m->string : "";
    unsigned fl = field_flags(fields, n, m->string);
    buf_reset(&f.name);
    form_encode(&f.name, key, strlen(key), 1);
    if(is_scalar(m))
      pair(&f, m);
    else if(cJSON_IsObject(m) || (fl & FORM_F_DEEP) || holds_container(m))
      deep(&f, m);
    else if(!(fl & FORM_F_NO_EXPLODE)) {
      for(const cJSON *e = m->child; e; e = e->next)
        pair(&f, e);
    }
    else if(m->child) {                       /* explode false: a=1,2 */
      if(!f.first)
        buf_putc(out, '&');
      f.first = 0;
      buf_append(out, f.name.data, f.name.len);
      buf_putc(out, '=');
      char num[40];
      for(const cJSON *e = m->child; e; e = e->next) {
        const char *t = scalar_text(e, num);
        if(e != m->child)
          buf_putc(out, ',');
        form_encode(out, t, strlen(t), 0);
      }
    }
  }
  int failed = buf_failed(&f.name);
  buf_free(&f.name);
  return failed || buf_failed(out) ? OAC_ENOMEM : OAC_OK;
}

/* ---- multipart/form-data ------------------------------------------------------------- */

/* V as JSON text, numbers with their digits as written. */
static void put_json(struct buf *b, const cJSON *v)
{
  char num[40];
  if(cJSON_IsObject(v) || cJSON_IsArray(v)) {
    int obj = cJSON_IsObject(v);
    buf_putc(b, obj ? '{' : '[');
    for(const cJSON *e = v->child; e; e = e->next) {
      if(e != v->child)
        buf_putc(b, ',');
      if(obj) {
        buf_json_str(b, e->string ? e->string : "");
        buf_putc(b, ':');
      }
      put_json(b, e);
    }
    buf_putc(b, obj ? '}' : ']');
  }
  else if(cJSON_IsString(v))
    buf_json_str(b, v->valuestring ? v->valuestring : "");
  else if(cJSON_IsNull(v))
    buf_puts(b, "null");
  else
    buf_puts(b, scalar_text(v, num));
}

/* A part's header and content (without the delimiter line). */
static void part(struct buf *b, const char *name, const char *type, const char *text,
                 size_t len)
{
  buf_puts(b, "Content-Disposition: form-data; name=\"");
  for(const char *s = name; *s; s++) {
    if(*s == '"')
      buf_puts(b, "%22");
    else if(*s == '\r')
      buf_puts(b, "%0D");
    else if(*s == '\n')
      buf_puts(b, "%0A");
    else
      buf_putc(b, *s);
  }
  buf_puts(b, "\"\r\n");
  if(type) {
    buf_puts(b, "Content-Type: ");
    buf_puts(b, type);
    buf_puts(b, "\r\n");
  }
  buf_puts(b, "\r\n");
  buf_append(b, text, len);
}

enum oac_result form_multipart(const cJSON *body, struct buf *out, char boundary[72])
{
  if(!cJSON_IsObject(body))
    return OAC_EDOC;
  /* the parts first, each ended by a NUL, so that the boundary can be checked against
   * everything they hold */
  struct buf parts, tmp;
  buf_init(&parts);
  buf_init(&tmp);
  size_t nparts = 0;
  char num[40];
  for(const cJSON *m = body->child; m; m = m->next) {
    const char *key = m->string ? m->string : "";
    if(is_scalar(m)) {
      const char *t = scalar_text(m, num);
      part(&parts, key, NULL, t, strlen(t));
      buf_putc(&parts, '\0');
      nparts++;
    }
    else if(cJSON_IsArray(m) && !holds_container(m)) {
      for(const cJSON *e = m->child; e; e = e->next) {
        const char *t = scalar_text(e, num);
        part(&parts, key, NULL, t, strlen(t));
        buf_putc(&parts, '\0');
        nparts++;
      }
    }
    else {
      buf_reset(&tmp);
      put_json(&tmp, m);
      part(&parts, key, "application/json", tmp.data ? tmp.data : "", tmp.len);
      buf_putc(&parts, '\0');
      nparts++;
    }
  }
  enum oac_result rc = buf_failed(&parts) || buf_failed(&tmp) ? OAC_ENOMEM : OAC_OK;
  /* the boundary: a hash of the content, rehashed while it occurs in it */
  for(uint64_t seed = 0; rc == OAC_OK; seed++) {
    uint64_t h = oac_hash64(parts.data ? parts.data : "", parts.len, seed);
    snprintf(boundary, 72, "oac-form-%016llx", (unsigned long long)h);
    int clash = 0;
    size_t bl = strlen(boundary);
    for(size_t i = 0; !clash && parts.len >= bl && i + bl <= parts.len; i++)
      clash = parts.data[i] == boundary[0] && !memcmp(parts.data + i, boundary, bl);
    if(!clash)
      break;
  }
  for(size_t off = 0, k = 0; rc == OAC_OK && k < nparts; k++) {
    size_t len = strlen(parts.data + off);
    buf_puts(out, "--");
    buf_puts(out, boundary);
    buf_puts(out, "\r\n");
    buf_append(out, parts.data + off, len);
    buf_puts(out, "\r\n");
    off += len + 1;
  }
  if(rc == OAC_OK) {
    buf_puts(out, "--");
    buf_puts(out, boundary);
    buf_puts(out, "--\r\n");
  }
  buf_free(&parts);
  buf_free(&tmp);
  return rc == OAC_OK && buf_failed(out) ? OAC_ENOMEM : rc;
}
