/* paging_upstream - the paged API of bench/run's paging group: one small HTTP/1.1 server on
 * loopback that both rows call (the worker's paged load and bench/relay_fcgi).
 *
 *   paging_upstream PORT PAGES
 *
 * serves PAGES pages of 100 items (PAGES * 100 items in all) in offset style, as
 * product.md §12.1 describes it and bench/paging.yaml marks it:
 *
 *   GET /items?offset=K&limit=L   200 {"data":[items K .. K+L-1],"has_more":BOOL}
 *
 * limit defaults to 100 and is capped at 100 (the `maximum` of the document's limit
 * parameter); offset defaults to 0; has_more is true while items remain after the page.
 * A bad number is a 400. Item i (0-based) is about 200 bytes of JSON:
 *
 *   {"id":"item-000042","name":"Item 42 widget","category":"hardware","note":"...",
 *    "price":42.25,"active":true,"updatedAt":"2026-01-01T00:42:00Z"}
 *
 * and exactly one item in 100 (i % 100 == 37) is named "Item N needle widget": a CONTAINS
 * "needle" criterion on name matches 1% of the list, one item per page. No other text of
 * an answer contains "needle".
 *
 *   GET /stats                    200 {"requests":N,"connections":M,"items":T}
 *
 * counts the /items requests and the connections accepted so far (bench/run checks with it
 * that a walk made one request per page over one connection). Anything else is a 404.
 *
 * Connections are kept alive (HTTP/1.1 default; "Connection: close" and HTTP/1.0 without
 * keep-alive close after the answer); several at once are served by one poll() loop, since
 * lighttpd's FastCGI backends each keep their own connection. SIGTERM or SIGINT stops it.
 *
 * Build: make bench/paging_upstream (or gcc -O2 bench/paging_upstream.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* accept4 */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define PAGE_ITEMS 100
#define MAX_CONNS 64
#define IN_CAP 16384

struct buf {
  char *data;
  size_t len, cap, off;         /* off: bytes already written (output) */
};

struct conn {
  int fd;
  char in[IN_CAP];
  size_t in_len;
  struct buf out;
  int close_after;              /* close once out is written */
};

static volatile sig_atomic_t stop;
static long total_items;
static unsigned long n_requests, n_connections;

static void on_signal(int sig)
{
  (void)sig;
  stop = 1;
}

static void die(const char *what)
{
  fprintf(stderr, "paging_upstream: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void buf_reserve(struct buf *b, size_t more)
{
  if(b->len + more <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 32768;
  while(cap < b->len + more)
    cap *= 2;
  char *bigger = realloc(b->data, cap);
  if(!bigger) {
    fprintf(stderr, "paging_upstream: out of memory\n");
    exit(1);
  }
  b->data = bigger;
  b->cap = cap;
}

static void buf_printf(struct buf *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

static void buf_printf(struct buf *b, const char *fmt, ...)
{
  for(;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if(n < 0) {
      fprintf(stderr, "paging_upstream: vsnprintf failed\n");
      exit(1);
    }
    if((size_t)n < room) {
      b->len += (size_t)n;
      return;
    }
    buf_reserve(b, (size_t)n + 1);
  }
}

/* About 200 bytes per item; the note pads it and never says "needle". */
static void put_item(struct buf *b, long i)
{
  buf_printf(b, "{\"id\":\"item-%06ld\",\"name\":\"Item %ld %s\",\"category\":\"%s\","
             "\"note\":\"A plain item of the paging benchmark, one of a hundred on its page.\","
             "\"price\":%ld.%02ld,\"active\":%s,\"updatedAt\":\"2026-01-01T%02ld:%02ld:00Z\"}",
             i, i, i % 100 == 37 ? "needle widget" : "widget",
             (i % 3 == 0) ? "hardware" : (i % 3 == 1) ? "garden" : "kitchen",
             i % 1000, i % 100, i % 2 ? "true" : "false", (i / 60) % 24, i % 60);
}

/* The value of query parameter NAME as a non-negative number: 1 found, 0 absent, -1 bad. */
static int query_num(const char *query, size_t qlen, const char *name, long *v)
{
  size_t nl = strlen(name);
  const char *p = query, *end = query + qlen;
  while(p < end) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *stop_at = amp ? amp : end;
    if((size_t)(stop_at - p) > nl && !memcmp(p, name, nl) && p[nl] == '=') {
      const char *d = p + nl + 1;
      if(d == stop_at)
        return -1;
      long n = 0;
      for(; d < stop_at; d++) {
        if(*d < '0' || *d > '9' || n > 100000000L)
          return -1;
        n = n * 10 + (*d - '0');
      }
      *v = n;
      return 1;
    }
    p = amp ? amp + 1 : end;
  }
  return 0;
}

static void respond(struct conn *c, int status, const char *reason, const struct buf *body)
{
  buf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n%s\r\n", status, reason, body->len,
             c->close_after ? "Connection: close\r\n" : "");
  buf_reserve(&c->out, body->len);
  memcpy(c->out.data + c->out.len, body->data, body->len);
  c->out.len += body->len;
}

/* One request (line + headers, LEN bytes up to and including the blank line). */
static void handle(struct conn *c, const char *req, size_t len)
{
  static struct buf body;
  body.len = 0;
  buf_reserve(&body, 1);
  const char *eol = memchr(req, '\r', len);     /* found: the request ends in CRLF CRLF */
  const char *sp1 = memchr(req, ' ', (size_t)(eol - req));
  const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
  int http10 = sp2 && (size_t)(eol - sp2 - 1) == 8 && !memcmp(sp2 + 1, "HTTP/1.0", 8);
  /* Connection header: close, or keep-alive for HTTP/1.0 */
  int keep = !http10;
  for(const char *h = eol + 2; h < req + len - 2;) {
    const char *e = memchr(h, '\r', (size_t)(req + len - h));
    if(!e)
      break;
    if((size_t)(e - h) > 11 && !strncasecmp(h, "connection:", 11)) {
      const char *v = h + 11;
      while(v < e && *v == ' ')
        v++;
      if((size_t)(e - v) >= 5 && !strncasecmp(v, "close", 5))
        keep = 0;
      else if((size_t)(e - v) >= 10 && !strncasecmp(v, "keep-alive", 10))
        keep = 1;
    }
    h = e + 2;
  }
  c->close_after = !keep;
  if(!sp1 || !sp2) {
    c->close_after = 1;
    buf_printf(&body, "{\"error\":\"bad request line\"}");
    respond(c, 400, "Bad Request", &body);
    return;
  }
  const char *target = sp1 + 1;
  size_t tlen = (size_t)(sp2 - target);
  const char *q = memchr(target, '?', tlen);
  size_t plen = q ? (size_t)(q - target) : tlen;
  const char *query = q ? q + 1 : target + tlen;
  size_t qlen = q ? tlen - plen - 1 : 0;
  int is_get = (size_t)(sp1 - req) == 3 && !memcmp(req, "GET", 3);

  if(is_get && plen == 6 && !memcmp(target, "/stats", 6)) {
    buf_printf(&body, "{\"requests\":%lu,\"connections\":%lu,\"items\":%ld}", n_requests,
               n_connections, total_items);
    respond(c, 200, "OK", &body);
    return;
  }
  if(!is_get || plen != 6 || memcmp(target, "/items", 6)) {
    buf_printf(&body, "{\"error\":\"not found\",\"detail\":\"GET /items or /stats\"}");
    respond(c, 404, "Not Found", &body);
    return;
  }
  n_requests++;
  long offset = 0, limit = PAGE_ITEMS;
  int ro = query_num(query, qlen, "offset", &offset);
  int rl = query_num(query, qlen, "limit", &limit);
  if(ro < 0 || rl < 0) {
    buf_printf(&body, "{\"error\":\"offset and limit must be non-negative integers\"}");
    respond(c, 400, "Bad Request", &body);
    return;
  }
  if(limit > PAGE_ITEMS)
    limit = PAGE_ITEMS;
  long end = offset + limit < total_items ? offset + limit : total_items;
  buf_printf(&body, "{\"data\":[");
  for(long i = offset; i < end; i++) {
    if(i > offset)
      buf_printf(&body, ",");
    put_item(&body, i);
  }
  buf_printf(&body, "],\"has_more\":%s}", end < total_items ? "true" : "false");
  respond(c, 200, "OK", &body);
}

/* Handle every complete request in c->in; 0 = keep the connection, -1 = drop it. */
static int consume(struct conn *c)
{
  for(;;) {
    char *hend = NULL;
    for(size_t i = 0; i + 3 < c->in_len; i++)
      if(c->in[i] == '\r' && !memcmp(c->in + i, "\r\n\r\n", 4)) {
        hend = c->in + i + 4;
        break;
      }
    if(!hend)
      return c->in_len == IN_CAP ? -1 : 0;
    size_t hlen = (size_t)(hend - c->in);
    /* A GET has no body; anything with one is not for this server. */
    handle(c, c->in, hlen);
    memmove(c->in, hend, c->in_len - hlen);
    c->in_len -= hlen;
    if(c->close_after) {
      c->in_len = 0;
      return 0;
    }
  }
}

/* Write what can be written; -1 on error. */
static int flush_out(struct conn *c)
{
  while(c->out.off < c->out.len) {
    ssize_t n = send(c->fd, c->out.data + c->out.off, c->out.len - c->out.off, MSG_NOSIGNAL);
    if(n < 0) {
      if(errno == EINTR)
        continue;
      if(errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      return -1;
    }
    c->out.off += (size_t)n;
  }
  c->out.off = c->out.len = 0;
  return 0;
}

int main(int argc, char **argv)
{
  if(argc != 3) {
    fprintf(stderr, "usage: paging_upstream PORT PAGES\n");
    return 2;
  }
  char *end;
  long port = strtol(argv[1], &end, 10);
  if(*end || port <= 0 || port > 65535) {
    fprintf(stderr, "paging_upstream: bad port %s\n", argv[1]);
    return 2;
  }
  long pages = strtol(argv[2], &end, 10);
  if(*end || pages <= 0 || pages > 100000) {
    fprintf(stderr, "paging_upstream: bad page count %s\n", argv[2]);
    return 2;
  }
  total_items = pages * PAGE_ITEMS;

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if(lfd < 0)
    die("socket");
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
    die("bind");
  if(listen(lfd, 128) < 0)
    die("listen");
  fprintf(stderr, "paging_upstream: 127.0.0.1:%ld, %ld pages of %d items\n", port, pages,
          PAGE_ITEMS);

  static struct conn conns[MAX_CONNS];
  for(int i = 0; i < MAX_CONNS; i++)
    conns[i].fd = -1;
  struct pollfd pfd[MAX_CONNS + 1];
  int idx[MAX_CONNS + 1];
  while(!stop) {
    int n = 0;
    pfd[n].fd = lfd;
    pfd[n].events = POLLIN;
    idx[n++] = -1;
    for(int i = 0; i < MAX_CONNS; i++) {
      if(conns[i].fd < 0)
        continue;
      pfd[n].fd = conns[i].fd;
      pfd[n].events = conns[i].out.len > conns[i].out.off ? POLLOUT : POLLIN;
      idx[n++] = i;
    }
    if(poll(pfd, (nfds_t)n, -1) < 0) {
      if(errno == EINTR)
        continue;
      die("poll");
    }
    for(int k = 1; k < n; k++) {
      if(!pfd[k].revents)
        continue;
      struct conn *c = &conns[idx[k]];
      int drop = 0;
      if(pfd[k].revents & POLLOUT) {
        drop = flush_out(c) < 0;
        if(!drop && c->out.len == 0 && c->close_after)
          drop = 1;
      } else if(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t r = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);
        if(r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
          continue;
        if(r <= 0)
          drop = 1;
        else {
          c->in_len += (size_t)r;
          drop = consume(c) < 0 || flush_out(c) < 0;
          if(!drop && c->out.len == 0 && c->close_after)
            drop = 1;
        }
      }
      if(drop) {
        close(c->fd);
        c->fd = -1;
        c->in_len = 0;
        c->out.len = c->out.off = 0;
        c->close_after = 0;
      }
    }
    if(pfd[0].revents & POLLIN) {
      for(;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if(fd < 0)
          break;
        int slot = -1;
        for(int i = 0; i < MAX_CONNS && slot < 0; i++)
          if(conns[i].fd < 0)
            slot = i;
        if(slot < 0) {
          close(fd);
          continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        conns[slot].fd = fd;
        n_connections++;
      }
    }
  }
  for(int i = 0; i < MAX_CONNS; i++) {
    if(conns[i].fd >= 0)
      close(conns[i].fd);
    free(conns[i].out.data);
  }
  close(lfd);
  return 0;
}
