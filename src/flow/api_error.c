/* api_error.c - messages of an API's error answers (api_error.h, product.md §13.5). */
#include "api_error.h"

#include <string.h>
#include <cjson/cJSON.h>

#include "json.h"

size_t api_error_cut(const char *s, size_t len, size_t max)
{
  if(len <= max)
    return len;
  size_t n = max;
  while(n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
    n--;                                  /* s[n] continues a character: cut before it */
  return n;
}

/* Appends N bytes of S as one line: control characters (newlines, tabs) become spaces. */
static void put_line(struct buf *out, const char *s, size_t n)
{
  for(size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    buf_putc(out, ch < 0x20 || ch == 0x7f ? ' ' : (char)ch);
  }
}

/* The non-empty string member KEY of object O, or NULL. */
static const char *str_of(const cJSON *o, const char *key)
{
  const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
  return cJSON_IsString(v) && v->valuestring && *v->valuestring ? v->valuestring : NULL;
}

/* A part of the message: "; " before every part but the first. */
static void part(struct buf *out, size_t start, const char *s)
{
  if(out->len > start)
    buf_puts(out, "; ");
  put_line(out, s, strlen(s));
}

/* Appends the KEY strings of the objects in array ARR, each a part. The count. */
static int each(const cJSON *arr, const char *key, struct buf *out, size_t start)
{
  int n = 0;
  const cJSON *e;
  if(!cJSON_IsArray(arr))
    return 0;
  cJSON_ArrayForEach(e, arr) {
    const char *s = str_of(e, key);
    if(s) {
      part(out, start, s);
      n++;
    }
  }
  return n;
}

/* Does array ARR hold an object with the string KEY? */
static int has(const cJSON *arr, const char *key)
{
  const cJSON *e;
  if(!cJSON_IsArray(arr))
    return 0;
  cJSON_ArrayForEach(e, arr)
    if(str_of(e, key))
      return 1;
  return 0;
}

/* The known shapes, first match; 0 when none matched. */
static int from_shape(const cJSON *o, int problem_type, struct buf *out)
{
  size_t start = out->len;
  if(!cJSON_IsObject(o))
    return 0;
  const char *title = str_of(o, "title"), *detail = str_of(o, "detail");
  const cJSON *errors = cJSON_GetObjectItemCaseSensitive(o, "errors");
  /* RFC 9457: "title: detail", then errors[].detail */
  if(title || detail || (problem_type && has(errors, "detail"))) {
    if(title)
      put_line(out, title, strlen(title));
    if(title && detail)
      buf_puts(out, ": ");
    if(detail)
      put_line(out, detail, strlen(detail));
    each(errors, "detail", out, start);
    return 1;
  }
  /* Stripe: {"error": {"message": ...}} */
  const cJSON *err = cJSON_GetObjectItemCaseSensitive(o, "error");
  const char *s = str_of(err, "message");
  if(s) {
    put_line(out, s, strlen(s));
    return 1;
  }
  /* GitHub: {"message": ..., "errors": [{"message": ...}]} */
  const char *message = str_of(o, "message");
  if(message && cJSON_IsArray(errors)) {
    put_line(out, message, strlen(message));
    each(errors, "message", out, start);
    return 1;
  }
  if((s = str_of(o, "error_description"))) {
    put_line(out, s, strlen(s));
    return 1;
  }
  if(each(errors, "message", out, start))
    return 1;
  if(cJSON_IsString(err) && err->valuestring && *err->valuestring) {
    put_line(out, err->valuestring, strlen(err->valuestring));
    return 1;
  }
  if(message) {
    put_line(out, message, strlen(message));
    return 1;
  }
  return 0;
}

void api_error_message(const char *body, size_t len, int problem_type, struct buf *out)
{
  size_t i = 0;
  while(i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
    i++;
  if(i == len)
    return;
  if(body[i] == '{') {
    cJSON *root = NULL;
    struct json_error je;
    if(json_parse(body, len, &root, &je) == OAC_OK) {
      int found = from_shape(root, problem_type, out);
      json_delete(root);
      if(found)
        return;
    }
  }
  /* the first 200 characters */
  size_t n = 0;
  for(int chars = 0; n < len && chars < API_ERROR_START_CHARS; chars++) {
    n++;
    while(n < len && ((unsigned char)body[n] & 0xC0) == 0x80)
      n++;
  }
  put_line(out, body, n);
}
