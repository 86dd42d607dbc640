/* doc_load.c - stage 1: read a YAML or JSON document (file or http(s) URL) into the
 * doc_set's arena with libyaml's event parser; anchors become shared nodes (a DAG) whose
 * expansion is counted against a limit (see doc.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>
#include <yaml.h>
#include "doc.h"
#include "../common/buf.h"
#include "../common/hash.h"
#include "../common/mem.h"
#include "../common/text.h"

struct doc_failure {
  char *base;
  enum oac_result result;
  struct doc_failure *next;
};

void doc_set_init(struct doc_set *s, struct diag *d)
{
  arena_init(&s->arena, 256 * 1024);
  s->files = NULL;
  s->nfiles = 0;
  s->diag = d;
  s->limits.max_alias_nodes = 1000000;
  s->limits.max_depth = 512;
  s->limits.max_bytes = (size_t)256 * 1024 * 1024;
  s->limits.max_files = 256;
  s->limits.connect_timeout_s = 10;
  s->limits.timeout_s = 60;
  s->ca_file = NULL;
  s->failed = NULL;
  s->index = NULL;
}

void doc_set_free(struct doc_set *s)
{
  arena_free(&s->arena);
  s->files = NULL;
  s->nfiles = 0;
  s->failed = NULL;
  s->index = NULL;
}

/* ---- paths and URLs ---------------------------------------------------------------- */

/* Lexical normalisation: "a/./b/../c" -> "a/c", "//" -> "/"; an absolute path stays
 * absolute ("/.." is "/"), a relative one keeps its leading "..". Symlinks are not
 * resolved: a relative $ref is relative to where the file was named. */
static char *path_normalize(struct arena *a, const char *path)
{
  size_t len = strlen(path);
  char *out = arena_alloc(a, len + 2);
  if(!out)
    return NULL;
  size_t o = 0, base0;
  int abs = path[0] == '/';
  if(abs)
    out[o++] = '/';
  base0 = o;
  const char *p = path;
  while(*p) {
    while(*p == '/')
      p++;
    if(!*p)
      break;
    const char *q = p;
    while(*q && *q != '/')
      q++;
    size_t seg = (size_t)(q - p);
    if(seg == 1 && p[0] == '.')
      ;
    else if(seg == 2 && p[0] == '.' && p[1] == '.') {
      size_t st = o;
      while(st > base0 && out[st - 1] != '/')
        st--;
      if(o > base0 && !(o - st == 2 && out[st] == '.' && out[st + 1] == '.')) {
        o = st;           /* drop the last segment and its separator */
        if(o > base0)
          o--;
      }
      else if(!abs) {     /* nothing to drop: keep ".." (relative paths only) */
        if(o > base0)
          out[o++] = '/';
        out[o++] = '.';
        out[o++] = '.';
      }
    }
    else {
      if(o > base0)
        out[o++] = '/';
      memcpy(out + o, p, seg);
      o += seg;
    }
    p = q;
  }
  if(!o)
    out[o++] = '.';
  out[o] = '\0';
  return out;
}

/* The directory part of PATH, with its trailing '/' ("" if none), joined to REL. */
static char *path_join_dir(struct arena *a, const char *path, const char *rel)
{
  const char *slash = strrchr(path, '/');
  size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
  char *j = arena_printf(a, "%.*s%s", (int)dlen, path, rel);
  return j ? path_normalize(a, j) : NULL;
}

static char *path_absolute(struct arena *a, const char *path)
{
  if(path[0] == '/')
    return path_normalize(a, path);
  char cwd[PATH_MAX];
  if(!getcwd(cwd, sizeof(cwd)))
    return path_normalize(a, path);   /* unusual: fall back to the relative name */
  char *j = arena_printf(a, "%s/%s", cwd, path);
  return j ? path_normalize(a, j) : NULL;
}

/* %XX decoding (a $ref is a URI); invalid or %00 sequences are kept as written. */
static char *pct_decode(struct arena *a, const char *s)
{
  struct buf b;
  buf_init(&b);
  buf_pct_decode(&b, s, strlen(s));
  char *out = buf_failed(&b) ? NULL : arena_strndup(a, b.data ? b.data : "", b.len);
  buf_free(&b);
  return out;
}

/* RFC 3986 resolution of REF against the URL BASE (libcurl's URL API). */
static enum oac_result url_resolve(struct arena *a, const char *base, const char *ref,
                                   char **out)
{
  CURLU *u = curl_url();
  char *res = NULL;
  if(!u)
    return OAC_ENOMEM;
  CURLUcode rc = curl_url_set(u, CURLUPART_URL, base, 0);
  if(!rc)
    rc = curl_url_set(u, CURLUPART_URL, ref, 0);
  if(!rc)
    rc = curl_url_get(u, CURLUPART_URL, &res, 0);
  curl_url_cleanup(u);
  if(rc == CURLUE_OUT_OF_MEMORY)
    return OAC_ENOMEM;
  if(rc || !res) {
    curl_free(res);
    return OAC_EDOC;
  }
  *out = arena_strdup(a, res);
  curl_free(res);
  return *out ? OAC_OK : OAC_ENOMEM;
}

/* ---- reading the bytes --------------------------------------------------------------- */

static enum oac_result read_path(struct doc_set *s, const char *name, const char *path,
                                 struct buf *b)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if(fd < 0) {
    diag_at(s->diag, DIAG_ERROR, name, 0, 0, "cannot open: %s", strerror(errno));
    return OAC_EIO;
  }
  struct stat st;
  if(fstat(fd, &st) == 0) {
    if(S_ISDIR(st.st_mode)) {
      close(fd);
      diag_at(s->diag, DIAG_ERROR, name, 0, 0, "cannot open: %s", strerror(EISDIR));
      return OAC_EIO;
    }
    if(S_ISREG(st.st_mode) && (unsigned long long)st.st_size > s->limits.max_bytes) {
      close(fd);
      diag_at(s->diag, DIAG_ERROR, name, 0, 0, "the document is larger than %zu bytes",
              s->limits.max_bytes);
      return OAC_ELIMIT;
    }
    if(S_ISREG(st.st_mode) && buf_reserve(b, (size_t)st.st_size + 1)) {
      close(fd);
      return OAC_ENOMEM;
    }
  }
  for(;;) {
    if(buf_reserve(b, 64 * 1024)) {
      close(fd);
      return OAC_ENOMEM;
    }
    ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
    if(n < 0 && errno == EINTR)
      continue;
    if(n < 0) {
      int e = errno;
      close(fd);
      diag_at(s->diag, DIAG_ERROR, name, 0, 0, "cannot read: %s", strerror(e));
      return OAC_EIO;
    }
    if(!n)
      break;
    b->len += (size_t)n;
    b->data[b->len] = '\0';
    if(b->len > s->limits.max_bytes) {
      close(fd);
      diag_at(s->diag, DIAG_ERROR, name, 0, 0, "the document is larger than %zu bytes",
              s->limits.max_bytes);
      return OAC_ELIMIT;
    }
  }
  close(fd);
  return OAC_OK;
}

struct fetch {
  struct buf *b;
  size_t max;
  int too_big;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
  struct fetch *f = ud;
  size_t n = size * nmemb;
  if(n > f->max - f->b->len) {
    f->too_big = 1;
    return 0;
  }
  buf_append(f->b, p, n);
  return buf_failed(f->b) ? 0 : n;
}

static enum oac_result read_url(struct doc_set *s, const char *name, const char *url,
                                struct buf *b)
{
  char err[CURL_ERROR_SIZE];
  struct fetch f = { b, s->limits.max_bytes, 0 };
  CURL *c = curl_easy_init();
  if(!c)
    return OAC_ENOMEM;
  err[0] = '\0';
  CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, url);
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
                          (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, s->limits.connect_timeout_s);
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_TIMEOUT, s->limits.timeout_s);
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_USERAGENT, "openapi-connector-compile");
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->limits.max_bytes);
  if(!rc && s->ca_file)
    rc = curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  if(!rc)
    rc = curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
  if(!rc)
    rc = curl_easy_perform(c);
  enum oac_result r = OAC_OK;
  if(rc == CURLE_OUT_OF_MEMORY || buf_failed(b))
    r = OAC_ENOMEM;
  else if(f.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
    diag_at(s->diag, DIAG_ERROR, name, 0, 0, "the document is larger than %zu bytes",
            s->limits.max_bytes);
    r = OAC_ELIMIT;
  }
  else if(rc == CURLE_HTTP_RETURNED_ERROR) {
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    diag_at(s->diag, DIAG_ERROR, name, 0, 0, "cannot download: HTTP status %ld", code);
    r = OAC_EIO;
  }
  else if(rc) {
    diag_at(s->diag, DIAG_ERROR, name, 0, 0, "cannot download: %s",
            err[0] ? err : curl_easy_strerror(rc));
    r = OAC_EIO;
  }
  curl_easy_cleanup(c);
  return r;
}

/* ---- the event loop ------------------------------------------------------------------ */

struct anchor {
  const char *name;
  struct doc_node *node;
  size_t size;          /* nodes in the subtree, aliases expanded */
  unsigned height;      /* container levels in the subtree, aliases expanded */
  int done;             /* its end was seen (an alias inside it would be a cycle) */
};

struct frame {
  struct doc_node *node;
  size_t start;         /* its first item in ld->items */
  size_t size;          /* nodes below it so far, aliases expanded */
  unsigned height;      /* tallest child so far */
  size_t anchor;        /* index + 1 into ld->anchors, 0 = none */
};

struct loader {
  struct doc_set *s;
  struct doc_file *file;
  const unsigned char *data;
  size_t len;
  struct frame *frames;
  unsigned nframes, capframes;
  struct doc_node **items;
  size_t nitems, capitems;
  struct anchor *anchors;
  size_t nanchors, capanchors;
  size_t *ahash;        /* open addressing: anchor index + 1, 0 = empty */
  size_t ahcap;
  size_t alias_total;
  struct doc_node *root;
  int ndocs;
};

static void loader_free(struct loader *ld)
{
  oac_free(ld->frames);
  oac_free(ld->items);
  oac_free(ld->anchors);
  oac_free(ld->ahash);
}

static unsigned mark_line(const yaml_mark_t *m) { return (unsigned)m->line + 1; }
static unsigned mark_col(const yaml_mark_t *m) { return (unsigned)m->column + 1; }

static enum oac_result err_at(struct loader *ld, enum oac_result r, const yaml_mark_t *m,
                              const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum oac_result err_at(struct loader *ld, enum oac_result r, const yaml_mark_t *m,
                              const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  diag_at(ld->s->diag, DIAG_ERROR, ld->file->name, mark_line(m), mark_col(m), "%s", msg);
  return r;
}

/* Where libyaml's reader stopped: line and column (in characters) of byte OFF. */
static void offset_position(const unsigned char *p, size_t len, size_t off, unsigned *line,
                            unsigned *col)
{
  unsigned l = 1, c = 1;
  size_t i = 0;
  if(off > len)
    off = len;
  if(len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
    i = 3;              /* a UTF-8 byte order mark is no column */
  for(; i < off; i++) {
    if(p[i] == '\n' || (p[i] == '\r' && (i + 1 >= len || p[i + 1] != '\n'))) {
      l++;
      c = 1;
    }
    else if(p[i] == '\r' || (p[i] & 0xC0) == 0x80)
      ;                 /* the CR of a CRLF, UTF-8 continuation bytes */
    else
      c++;
  }
  *line = l;
  *col = c;
}

/* Does a whole UTF-8 sequence encoding code point CP start at DATA[OFF]? libyaml's reader
 * errors give either a character (a control character, a code point it refuses) or a byte
 * (a broken sequence) as problem_value, with no code saying which: the bytes tell, so the
 * message names a character as U+XXXX and a byte as 0xXX without reading libyaml's text. */
static int utf8_is_char_at(const unsigned char *data, size_t len, size_t off, unsigned cp)
{
  if(off >= len)
    return 0;
  unsigned c = data[off], v, n;
  if(c < 0x80)
    return c == cp;
  if((c & 0xe0) == 0xc0)
    v = c & 0x1f, n = 1;
  else if((c & 0xf0) == 0xe0)
    v = c & 0x0f, n = 2;
  else if((c & 0xf8) == 0xf0)
    v = c & 0x07, n = 3;
  else
    return 0;
  if(len - off <= n)
    return 0;
  for(unsigned i = 1; i <= n; i++) {
    if((data[off + i] & 0xc0) != 0x80)
      return 0;
    v = (v << 6) | (data[off + i] & 0x3f);
  }
  return v == cp;
}

static enum oac_result parse_error(struct loader *ld, const yaml_parser_t *p)
{
  struct diag *d = ld->s->diag;
  const char *name = ld->file->name;
  const char *problem = p->problem ? p->problem : "syntax error";
  switch(p->error) {
  case YAML_MEMORY_ERROR:
    return OAC_ENOMEM;
  case YAML_READER_ERROR: {
    unsigned line, col;
    offset_position(ld->data, ld->len, p->problem_offset, &line, &col);
    if(p->problem_value < 0)
      diag_at(d, DIAG_ERROR, name, line, col, "%s (at offset %zu)", problem,
              p->problem_offset);
    else if(utf8_is_char_at(ld->data, ld->len, p->problem_offset,
                            (unsigned)p->problem_value))
      diag_at(d, DIAG_ERROR, name, line, col, "%s (character U+%04X at offset %zu)", problem,
              (unsigned)p->problem_value, p->problem_offset);
    else
      diag_at(d, DIAG_ERROR, name, line, col, "%s (byte 0x%02X at offset %zu)", problem,
              (unsigned)p->problem_value, p->problem_offset);
    return OAC_EDOC;
  }
  case YAML_SCANNER_ERROR:
  case YAML_PARSER_ERROR:
    if(p->context)
      diag_at(d, DIAG_ERROR, name, mark_line(&p->problem_mark), mark_col(&p->problem_mark),
              "%s (%s at %u:%u)", problem, p->context, mark_line(&p->context_mark),
              mark_col(&p->context_mark));
    else
      diag_at(d, DIAG_ERROR, name, mark_line(&p->problem_mark), mark_col(&p->problem_mark),
              "%s", problem);
    return OAC_EDOC;
  default:
    diag_at(d, DIAG_ERROR, name, 0, 0, "YAML error: %s", problem);
    return OAC_EDOC;
  }
}

static struct doc_node *new_node(struct loader *ld, enum doc_kind kind, const yaml_mark_t *m)
{
  struct doc_node *n = arena_alloc(&ld->s->arena, sizeof(*n));
  if(!n)
    return NULL;
  memset(n, 0, sizeof(*n));
  n->kind = kind;
  n->line = mark_line(m);
  n->col = mark_col(m);
  n->file = ld->file;
  return n;
}

static size_t anchor_find(const struct loader *ld, const char *name)
{
  if(!ld->ahcap)
    return 0;
  size_t mask = ld->ahcap - 1;
  size_t h = (size_t)oac_hash64(name, strlen(name), 0) & mask;
  while(ld->ahash[h]) {
    if(!strcmp(ld->anchors[ld->ahash[h] - 1].name, name))
      return ld->ahash[h];
    h = (h + 1) & mask;
  }
  return 0;
}

static void anchor_slot_put(size_t *tab, size_t cap, const struct anchor *all, size_t idx1)
{
  const char *name = all[idx1 - 1].name;
  size_t mask = cap - 1;
  size_t h = (size_t)oac_hash64(name, strlen(name), 0) & mask;
  while(tab[h] && strcmp(all[tab[h] - 1].name, name))
    h = (h + 1) & mask;
  tab[h] = idx1;
}

/* Register anchor NAME for node N (a later anchor of the same name replaces it). */
static enum oac_result anchor_add(struct loader *ld, const char *name, struct doc_node *n,
                                  size_t *idx)
{
  if(ld->nanchors == ld->capanchors) {
    size_t cap = ld->capanchors ? ld->capanchors * 2 : 16;
    struct anchor *a = oac_realloc(ld->anchors, cap * sizeof(*a));
    if(!a)
      return OAC_ENOMEM;
    ld->anchors = a;
    ld->capanchors = cap;
  }
  if((ld->nanchors + 1) * 2 > ld->ahcap) {
    size_t cap = ld->ahcap ? ld->ahcap * 2 : 32;
    size_t *t = oac_calloc(cap, sizeof(*t));
    if(!t)
      return OAC_ENOMEM;
    for(size_t i = 0; i < ld->ahcap; i++)
      if(ld->ahash[i]) {
        anchor_slot_put(t, cap, ld->anchors, ld->ahash[i]);
      }
    oac_free(ld->ahash);
    ld->ahash = t;
    ld->ahcap = cap;
  }
  struct anchor *a = &ld->anchors[ld->nanchors];
  a->name = arena_strdup(&ld->s->arena, name);
  if(!a->name)
    return OAC_ENOMEM;
  a->node = n;
  a->size = 1;
  a->height = 0;
  a->done = 0;
  ld->nanchors++;
  anchor_slot_put(ld->ahash, ld->ahcap, ld->anchors, ld->nanchors);
  *idx = ld->nanchors;
  return OAC_OK;
}

/* Is the next node of the innermost container a mapping key? */
static int at_key(const struct loader *ld)
{
  if(!ld->nframes)
    return 0;
  const struct frame *f = &ld->frames[ld->nframes - 1];
  return f->node->kind == DOC_MAP && (ld->nitems - f->start) % 2 == 0;
}

/* A finished node (of SIZE nodes, HEIGHT levels) goes into its container. */
static enum oac_result add_node(struct loader *ld, struct doc_node *n, size_t size,
                                unsigned height)
{
  if(!ld->nframes) {
    ld->root = n;
    return OAC_OK;
  }
  if(ld->nitems == ld->capitems) {
    size_t cap = ld->capitems ? ld->capitems * 2 : 256;
    struct doc_node **it = oac_realloc(ld->items, cap * sizeof(*it));
    if(!it)
      return OAC_ENOMEM;
    ld->items = it;
    ld->capitems = cap;
  }
  ld->items[ld->nitems++] = n;
  struct frame *f = &ld->frames[ld->nframes - 1];
  f->size += size;
  if(height > f->height)
    f->height = height;
  return OAC_OK;
}

static int key_eq(const struct doc_node *a, const struct doc_node *b)
{
  return a->len == b->len && !memcmp(a->str, b->str, a->len);
}

static void warn_dup(struct loader *ld, struct doc_node *map, const struct doc_node *key)
{
  map->dup_keys = 1;
  diag_at(ld->s->diag, DIAG_WARNING, key->file->name, key->line, key->col,
          "duplicate key '%.*s', the later value is used",
          (int)(key->len > 200 ? 200 : key->len), key->str);
}

/* Warn about keys that occur twice in MAP (keys are scalars here). */
static enum oac_result check_dups(struct loader *ld, struct doc_node *map)
{
  size_t n = map->n;
  if(n <= 16) {
    for(size_t j = 1; j < n; j++)
      for(size_t i = 0; i < j; i++)
        if(key_eq(map->items[2 * i], map->items[2 * j])) {
          warn_dup(ld, map, map->items[2 * j]);
          break;
        }
    return OAC_OK;
  }
  size_t cap = 32;
  while(cap < 2 * n)
    cap *= 2;
  size_t *t = oac_calloc(cap, sizeof(*t));
  if(!t)
    return OAC_ENOMEM;
  for(size_t j = 0; j < n; j++) {
    const struct doc_node *k = map->items[2 * j];
    size_t h = (size_t)oac_hash64(k->str, k->len, 0) & (cap - 1);
    while(t[h] && !key_eq(map->items[2 * (t[h] - 1)], k))
      h = (h + 1) & (cap - 1);
    if(t[h])
      warn_dup(ld, map, k);
    t[h] = j + 1;
  }
  oac_free(t);
  return OAC_OK;
}

static enum oac_result on_start(struct loader *ld, const yaml_event_t *ev, enum doc_kind kind,
                                const yaml_char_t *anchor)
{
  struct doc_set *s = ld->s;
  if(at_key(ld))
    return err_at(ld, OAC_EDOC, &ev->start_mark, "mapping keys must be scalars");
  if(ld->nframes >= s->limits.max_depth) {
    diag_at(s->diag, DIAG_ERROR, ld->file->name, mark_line(&ev->start_mark),
            mark_col(&ev->start_mark), "nesting deeper than %u levels", s->limits.max_depth);
    return OAC_ELIMIT;
  }
  struct doc_node *n = new_node(ld, kind, &ev->start_mark);
  if(!n)
    return OAC_ENOMEM;
  size_t aidx = 0;
  if(anchor) {
    enum oac_result r = anchor_add(ld, (const char *)anchor, n, &aidx);
    if(r)
      return r;
  }
  if(ld->nframes == ld->capframes) {
    unsigned cap = ld->capframes ? ld->capframes * 2 : 32;
    struct frame *f = oac_realloc(ld->frames, cap * sizeof(*f));
    if(!f)
      return OAC_ENOMEM;
    ld->frames = f;
    ld->capframes = cap;
  }
  struct frame *f = &ld->frames[ld->nframes++];
  f->node = n;
  f->start = ld->nitems;
  f->size = 0;
  f->height = 0;
  f->anchor = aidx;
  return OAC_OK;
}

static enum oac_result on_end(struct loader *ld)
{
  struct frame f = ld->frames[--ld->nframes];
  struct doc_node *n = f.node;
  size_t k = ld->nitems - f.start;
  if(k) {
    n->items = arena_alloc(&ld->s->arena, k * sizeof(*n->items));
    if(!n->items)
      return OAC_ENOMEM;
    memcpy(n->items, ld->items + f.start, k * sizeof(*n->items));
  }
  ld->nitems = f.start;
  n->n = n->kind == DOC_MAP ? k / 2 : k;
  if(n->kind == DOC_MAP && n->n > 1) {
    enum oac_result r = check_dups(ld, n);
    if(r)
      return r;
  }
  size_t size = f.size + 1;
  unsigned height = f.height + 1;
  if(f.anchor) {
    struct anchor *a = &ld->anchors[f.anchor - 1];
    a->size = size;
    a->height = height;
    a->done = 1;
  }
  return add_node(ld, n, size, height);
}

static enum oac_result on_scalar(struct loader *ld, const yaml_event_t *ev)
{
  const yaml_char_t *tag = ev->data.scalar.tag;
  struct doc_node *n = new_node(ld, DOC_SCALAR, &ev->start_mark);
  if(!n)
    return OAC_ENOMEM;
  n->str = arena_strndup(&ld->s->arena, (const char *)ev->data.scalar.value,
                         ev->data.scalar.length);
  if(!n->str)
    return OAC_ENOMEM;
  n->len = ev->data.scalar.length;
  n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
              ev->data.scalar.style != YAML_ANY_SCALAR_STYLE;
  if(tag && (!strcmp((const char *)tag, "!") ||
             !strcmp((const char *)tag, YAML_STR_TAG)))
    n->quoted = 1;    /* !!str 123 is a string */
  if(ev->data.scalar.anchor) {
    size_t idx;
    enum oac_result r = anchor_add(ld, (const char *)ev->data.scalar.anchor, n, &idx);
    if(r)
      return r;
    ld->anchors[idx - 1].done = 1;
  }
  return add_node(ld, n, 1, 0);
}

static enum oac_result on_alias(struct loader *ld, const yaml_event_t *ev)
{
  struct doc_set *s = ld->s;
  const char *name = (const char *)ev->data.alias.anchor;
  size_t idx = anchor_find(ld, name);
  if(!idx)
    return err_at(ld, OAC_EDOC, &ev->start_mark, "undefined alias '*%.200s'", name);
  const struct anchor *a = &ld->anchors[idx - 1];
  if(!a->done)
    return err_at(ld, OAC_EDOC, &ev->start_mark,
                  "alias '*%.200s' is inside the node it refers to (recursive alias)", name);
  if(a->node->kind != DOC_SCALAR && at_key(ld))
    return err_at(ld, OAC_EDOC, &ev->start_mark, "mapping keys must be scalars");
  if(a->size > s->limits.max_alias_nodes - ld->alias_total) {
    diag_at(s->diag, DIAG_ERROR, ld->file->name, mark_line(&ev->start_mark),
            mark_col(&ev->start_mark),
            "YAML aliases expand to more than %zu nodes (billion laughs?)",
            s->limits.max_alias_nodes);
    return OAC_ELIMIT;
  }
  if(a->height && ld->nframes + a->height > s->limits.max_depth) {
    diag_at(s->diag, DIAG_ERROR, ld->file->name, mark_line(&ev->start_mark),
            mark_col(&ev->start_mark), "alias '*%.200s' nests deeper than %u levels", name,
            s->limits.max_depth);
    return OAC_ELIMIT;
  }
  ld->alias_total += a->size;
  a->node->aliased = 1;
  ld->file->naliases++;         /* overlays (§15.1): see doc_file.naliases */
  return add_node(ld, a->node, a->size, a->height);
}

static enum oac_result on_event(struct loader *ld, const yaml_event_t *ev)
{
  switch(ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    if(++ld->ndocs > 1)
      return err_at(ld, OAC_EDOC, &ev->start_mark,
                    "a second YAML document in the same file is not supported");
    return OAC_OK;
  case YAML_SCALAR_EVENT:
    return on_scalar(ld, ev);
  case YAML_SEQUENCE_START_EVENT:
    return on_start(ld, ev, DOC_SEQ, ev->data.sequence_start.anchor);
  case YAML_MAPPING_START_EVENT:
    return on_start(ld, ev, DOC_MAP, ev->data.mapping_start.anchor);
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT:
    return on_end(ld);
  case YAML_ALIAS_EVENT:
    return on_alias(ld, ev);
  default:
    return OAC_OK;
  }
}

/* libyaml does not accept JSON's UTF-16 surrogate escapes ("\ud83d\ude00"), which are
 * valid JSON. For JSON input (first non-blank byte '{' or '['), rewrite each pair as the
 * equivalent YAML escape "\U0001f600" and a lone surrogate as "\ufffd". Returns a new
 * buffer (oac_free) or NULL when nothing needs rewriting (or on allocation failure, with
 * *oom set). A rewritten line's later columns move left by 2 per pair in diagnostics. */
static char *json_surrogates(const char *d, size_t len, size_t *outlen, int *oom)
{
  size_t i = 0;
  *oom = 0;
  while(i < len && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
    i++;
  if(i >= len || (d[i] != '{' && d[i] != '['))
    return NULL;
  int found = 0;
  unsigned v;
  /* memchr from backslash to backslash: most documents have none to rewrite, and this
   * scan reads every byte of the document */
  const char *p = d + i, *end = d + len;
  while(end - p > 5 && (p = memchr(p, '\\', (size_t)(end - p - 5))) != NULL) {
    if(p[1] == 'u' && text_hex4(p + 2, &v) && v >= 0xd800 && v <= 0xdfff) {
      found = 1;
      break;
    }
    p += 2;
  }
  if(!found)
    return NULL;
  char *o = oac_malloc(len + 1);
  if(!o) {
    *oom = 1;
    return NULL;
  }
  size_t n = 0;
  for(size_t j = 0; j < len; j++) {
    if(d[j] != '\\' || j + 1 >= len) {
      o[n++] = d[j];
      continue;
    }
    if(d[j + 1] == 'u' && j + 5 < len && text_hex4(d + j + 2, &v) && v >= 0xd800 &&
       v <= 0xdfff) {
      unsigned lo;
      if(v < 0xdc00 && j + 11 < len && d[j + 6] == '\\' && d[j + 7] == 'u' &&
         text_hex4(d + j + 8, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
        unsigned cp = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
        n += (size_t)snprintf(o + n, len + 1 - n, "\\U%08x", cp);
        j += 11;
      }
      else {
        memcpy(o + n, "\\ufffd", 6);
        n += 6;
        j += 5;
      }
      continue;
    }
    o[n++] = d[j];
    o[n++] = d[j + 1];
    j++;
  }
  *outlen = n;
  return o;
}

/* Parse DATA into a new doc_file appended to the set. */
static enum oac_result parse_doc(struct doc_set *s, const char *name, const char *base,
                                 const char *data, size_t len, struct doc_file **out)
{
  struct doc_file *f = arena_calloc(&s->arena, sizeof(*f));
  if(!f)
    return OAC_ENOMEM;
  f->name = arena_strdup(&s->arena, name);
  f->base = arena_strdup(&s->arena, base);
  if(!f->name || !f->base)
    return OAC_ENOMEM;
  f->nbytes = len;
  f->checksum = oac_hash64(data, len, 0);

  int oom;
  size_t rlen = 0;
  char *rewritten = json_surrogates(data, len, &rlen, &oom);
  if(oom)
    return OAC_ENOMEM;
  if(rewritten) {
    data = rewritten;
    len = rlen;
  }

  struct loader ld;
  memset(&ld, 0, sizeof(ld));
  ld.s = s;
  ld.file = f;
  ld.data = (const unsigned char *)data;
  ld.len = len;

  yaml_parser_t p;
  if(!yaml_parser_initialize(&p)) {
    oac_free(rewritten);
    return OAC_ENOMEM;
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
  enum oac_result r = OAC_OK;
  for(;;) {
    yaml_event_t ev;
    if(!yaml_parser_parse(&p, &ev)) {
      r = parse_error(&ld, &p);
      break;
    }
    int end = ev.type == YAML_STREAM_END_EVENT;
    r = on_event(&ld, &ev);
    yaml_event_delete(&ev);
    if(r || end)
      break;
  }
  yaml_parser_delete(&p);
  loader_free(&ld);
  oac_free(rewritten);
  if(r)
    return r;
  if(!ld.root) {      /* an empty stream: a null document */
    yaml_mark_t m = { 0, 0, 0 };
    ld.root = new_node(&ld, DOC_SCALAR, &m);
    if(!ld.root)
      return OAC_ENOMEM;
    ld.root->str = "";
  }
  f->root = ld.root;
  struct doc_file **tail = &s->files;
  while(*tail)
    tail = &(*tail)->next;
  *tail = f;
  s->nfiles++;
  *out = f;
  return OAC_OK;
}

static struct doc_file *find_file(const struct doc_set *s, const char *base)
{
  for(struct doc_file *f = s->files; f; f = f->next)
    if(!strcmp(f->base, base))
      return f;
  return NULL;
}

static const struct doc_failure *find_failure(const struct doc_set *s, const char *base)
{
  for(const struct doc_failure *f = s->failed; f; f = f->next)
    if(!strcmp(f->base, base))
      return f;
  return NULL;
}

static void remember_failure(struct doc_set *s, const char *base, enum oac_result r)
{
  if(r == OAC_ENOMEM)
    return;
  struct doc_failure *f = arena_alloc(&s->arena, sizeof(*f));
  if(!f)
    return;
  f->base = arena_strdup(&s->arena, base);
  if(!f->base)
    return;
  f->result = r;
  f->next = s->failed;
  s->failed = f;
}

/* Read and parse NAME (shown in diagnostics) from BASE (absolute path or URL). */
static enum oac_result load_source(struct doc_set *s, const char *name, const char *base,
                                   struct doc_file **out)
{
  struct doc_file *f = find_file(s, base);
  if(f) {
    *out = f;
    return OAC_OK;
  }
  if(s->nfiles >= s->limits.max_files) {
    diag_at(s->diag, DIAG_ERROR, name, 0, 0, "more than %u files to load",
            s->limits.max_files);
    return OAC_ELIMIT;
  }
  struct buf b;
  buf_init(&b);
  enum oac_result r = text_is_http_url(base) ? read_url(s, name, base, &b)
                                             : read_path(s, name, base, &b);
  if(!r)
    r = parse_doc(s, name, base, b.data ? b.data : "", b.len, out);
  buf_free(&b);
  if(r)
    remember_failure(s, base, r);
  return r;
}

enum oac_result doc_load(struct doc_set *s, const char *source, struct doc_file **out)
{
  if(text_is_http_url(source))
    return load_source(s, source, source, out);
  char *base = path_absolute(&s->arena, source);
  if(!base)
    return OAC_ENOMEM;
  return load_source(s, source, base, out);
}

enum oac_result doc_load_rel(struct doc_set *s, const struct doc_file *from, const char *ref,
                             struct doc_file **out)
{
  char *name, *base;
  if(text_is_http_url(ref) || text_is_http_url(from->base)) {
    enum oac_result r = url_resolve(&s->arena, text_is_http_url(ref) ? ref : from->base, ref,
                                    &base);
    if(r == OAC_EDOC)
      diag_at(s->diag, DIAG_ERROR, from->name, 0, 0, "cannot resolve the URL '%.200s'", ref);
    if(r)
      return r;
    if(!text_is_http_url(base)) {   /* "file:///etc/passwd" in a downloaded document */
      diag_at(s->diag, DIAG_ERROR, from->name, 0, 0,
              "'%.200s' is not an http(s) URL: a downloaded document can only refer to "
              "http(s) URLs", base);
      return OAC_EDOC;
    }
    name = base;
  }
  else {
    char *path = pct_decode(&s->arena, ref);
    if(!path)
      return OAC_ENOMEM;
    if(path[0] == '/') {
      name = base = path_normalize(&s->arena, path);
    }
    else {
      base = path_join_dir(&s->arena, from->base, path);
      name = path_join_dir(&s->arena, from->name, path);
      if(base && base[0] != '/')
        base = path_absolute(&s->arena, base);  /* a doc_load_mem name */
    }
    if(!name || !base)
      return OAC_ENOMEM;
  }
  struct doc_file *f = find_file(s, base);
  if(f) {
    *out = f;
    return OAC_OK;
  }
  const struct doc_failure *fail = find_failure(s, base);
  if(fail)
    return fail->result;
  return load_source(s, name, base, out);
}

enum oac_result doc_load_mem(struct doc_set *s, const char *name, const char *data,
                             size_t len, struct doc_file **out)
{
  if(len > s->limits.max_bytes) {
    diag_at(s->diag, DIAG_ERROR, name, 0, 0, "the document is larger than %zu bytes",
            s->limits.max_bytes);
    return OAC_ELIMIT;
  }
  if(s->nfiles >= s->limits.max_files) {
    diag_at(s->diag, DIAG_ERROR, name, 0, 0, "more than %u files to load",
            s->limits.max_files);
    return OAC_ELIMIT;
  }
  char *base = text_is_http_url(name) ? arena_strdup(&s->arena, name)
                                      : path_absolute(&s->arena, name);
  if(!base)
    return OAC_ENOMEM;
  return parse_doc(s, name, base, data, len, out);
}
