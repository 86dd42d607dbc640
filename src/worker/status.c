/* status.c - the figures of /status and /metrics, shared by the pool (status.h). */
#include "status.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define NBUCKETS 12
#define NSLOTS 512
static const double bucket_le[NBUCKETS - 1] = {
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};
/* the same, as OpenMetrics wants "le" written (canonical: "1.0", not "1") */
static const char *const bucket_name[NBUCKETS] = {
  "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf"
};

struct block {
  uint64_t started;             /* wall-clock seconds */
  uint64_t started_mono;        /* monotonic seconds */
  uint64_t workers, busy_unused;
  uint64_t requests[SE_N][5];   /* by endpoint and status class 1xx..5xx */
  uint64_t causes[SC_N];
  uint64_t upstream[SU_N];
  uint64_t retries, pages, slow;
  uint64_t buckets[NBUCKETS];   /* cumulative counts are summed when written */
  uint64_t dur_us_sum;
  /* busy workers: one slot per process, so that a worker killed in a request is not
   * counted busy for ever (a slot whose process is gone is not counted, and is reused) */
  struct slot {
    int32_t pid;
    int32_t busy;
  } slots[NSLOTS];
};

static struct block *blk;

static uint64_t mono_sec(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec;
}

int status_init(unsigned workers)
{
  if(blk)
    return 0;
  void *p = mmap(NULL, sizeof(struct block), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if(p == MAP_FAILED)
    return -1;
  blk = p;
  blk->started = (uint64_t)time(NULL);
  blk->started_mono = mono_sec();
  blk->workers = workers ? workers : 1;
  return 0;
}

static void add(uint64_t *c, int64_t n)
{
  __atomic_fetch_add(c, (uint64_t)n, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *c)
{
  return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static int gone(int32_t pid)
{
  return kill((pid_t)pid, 0) && errno == ESRCH;
}

static struct slot *my_slot;
static pid_t my_pid;

static struct slot *slot_of_me(void)
{
  pid_t pid = getpid();
  if(my_slot && my_pid == pid)
    return my_slot;
  my_slot = NULL;
  for(int i = 0; i < NSLOTS; i++) {
    int32_t p = __atomic_load_n(&blk->slots[i].pid, __ATOMIC_RELAXED);
    if((p == 0 || (p != pid && gone(p))) &&
       __atomic_compare_exchange_n(&blk->slots[i].pid, &p, (int32_t)pid, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_RELAXED)) {
      my_slot = &blk->slots[i];
      my_pid = pid;
      break;
    }
  }
  return my_slot;
}

void status_busy(int delta)
{
  if(!blk && status_init(1))
    return;
  struct slot *s = slot_of_me();
  if(s)
    __atomic_store_n(&s->busy, delta > 0, __ATOMIC_RELAXED);
}

static uint64_t busy_now(void)
{
  uint64_t n = 0;
  for(int i = 0; i < NSLOTS; i++) {
    int32_t p = __atomic_load_n(&blk->slots[i].pid, __ATOMIC_RELAXED);
    if(p && __atomic_load_n(&blk->slots[i].busy, __ATOMIC_RELAXED) && !gone(p))
      n++;
  }
  return n;
}

void status_request(enum status_endpoint ep, int status, long long dur_us, int slow)
{
  if(!blk && status_init(1))
    return;
  int cls = status / 100 - 1;
  if(cls < 0 || cls > 4)
    cls = 4;
  add(&blk->requests[ep][cls], 1);
  double s = (double)dur_us / 1e6;
  size_t b = 0;
  while(b < NBUCKETS - 1 && s > bucket_le[b])
    b++;
  add(&blk->buckets[b], 1);
  add(&blk->dur_us_sum, dur_us > 0 ? dur_us : 0);
  if(slow)
    add(&blk->slow, 1);
}

void status_cause(enum status_cause c)
{
  if(blk || !status_init(1))
    add(&blk->causes[c], 1);
}

void status_upstream(enum status_upstream o)
{
  if(blk || !status_init(1))
    add(&blk->upstream[o], 1);
}

void status_retry(void)
{
  if(blk || !status_init(1))
    add(&blk->retries, 1);
}

void status_page(void)
{
  if(blk || !status_init(1))
    add(&blk->pages, 1);
}

/* ---- --status-allow ----------------------------------------------------------------- */

#define MAX_NETS 32
static struct net {
  int v6;
  unsigned char a[16];
  unsigned bits;
} nets[MAX_NETS];
static size_t nnets;
static int nets_set;

static int parse_net(const char *s, size_t n, struct net *out)
{
  char t[64];
  if(n == 0 || n >= sizeof(t))
    return -1;
  memcpy(t, s, n);
  t[n] = '\0';
  char *slash = strchr(t, '/');
  long bits = -1;
  if(slash) {
    char *end;
    *slash = '\0';
    bits = strtol(slash + 1, &end, 10);
    if(end == slash + 1 || *end)
      return -1;
  }
  memset(out, 0, sizeof(*out));
  if(inet_pton(AF_INET, t, out->a) == 1)
    out->v6 = 0;
  else if(inet_pton(AF_INET6, t, out->a) == 1)
    out->v6 = 1;
  else
    return -1;
  long max = out->v6 ? 128 : 32;
  if(bits < 0)
    bits = max;
  if(bits > max)
    return -1;
  out->bits = (unsigned)bits;
  return 0;
}

int status_allow_parse(const char *list, char *why, size_t whylen)
{
  nnets = 0;
  nets_set = 1;
  const char *p = list;
  while(*p) {
    size_t n = strcspn(p, ", \t");
    if(n) {
      if(nnets == MAX_NETS) {
        snprintf(why, whylen, "--status-allow: at most %d networks", MAX_NETS);
        return -1;
      }
      if(parse_net(p, n, &nets[nnets])) {
        snprintf(why, whylen, "--status-allow: not an address or CIDR network: %.*s",
                 (int)(n > 60 ? 60 : n), p);
        return -1;
      }
      nnets++;
    }
    p += n;
    if(*p)
      p++;
  }
  return 0;
}

static int in_net(const struct net *nt, int v6, const unsigned char *a)
{
  if(nt->v6 != v6)
    return 0;
  unsigned full = nt->bits / 8, rest = nt->bits % 8;
  if(memcmp(nt->a, a, full))
    return 0;
  if(!rest)
    return 1;
  unsigned char mask = (unsigned char)(0xffu << (8 - rest));
  return (nt->a[full] & mask) == (a[full] & mask);
}

int status_allowed(const char *remote_addr)
{
  if(!nets_set)
    status_allow_parse("127.0.0.1/8,::1", (char[8]){ 0 }, 8);
  unsigned char a[16];
  int v6;
  if(!remote_addr)
    return 0;
  if(inet_pton(AF_INET, remote_addr, a) == 1)
    v6 = 0;
  else if(inet_pton(AF_INET6, remote_addr, a) == 1) {
    v6 = 1;
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if(!memcmp(a, mapped, 12)) {           /* ::ffff:a.b.c.d is the IPv4 address */
      memmove(a, a + 12, 4);
      v6 = 0;
    }
  }
  else
    return 0;
  for(size_t i = 0; i < nnets; i++)
    if(in_net(&nets[i], v6, a))
      return 1;
  return 0;
}

/* ---- the figures ------------------------------------------------------------------- */

static const char *const ep_names[SE_N] = {
  "metadata", "load", "save", "delete", "authorization", "authentication", "directory",
  "action", "health", "status", "metrics", "other"
};
static const char *const cause_status[SC_N] = { "413", "503", "503", "503" };
static const char *const cause_names[SC_N] = {
  "body-too-large", "cache-unusable", "upstream-refusing", "health"
};
static const char *const up_names[SU_N] = {
  "2xx", "3xx", "4xx", "5xx", "timeout", "refused", "tls", "other"
};

static uint64_t uptime(void)
{
  uint64_t now = mono_sec();
  return now > blk->started_mono ? now - blk->started_mono : 0;
}

void status_json(struct buf *out)
{
  if(!blk && status_init(1)) {
    out->oom = 1;
    return;
  }
  char when[32];
  time_t t = (time_t)blk->started;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  uint64_t busy = busy_now(), total = blk->workers;
  buf_printf(out, "\"started\":\"%s\",\"uptimeSeconds\":%llu,\"workers\":{\"total\":%llu,"
             "\"busy\":%llu,\"idle\":%llu},\"requests\":{", when,
             (unsigned long long)uptime(), (unsigned long long)total,
             (unsigned long long)busy,
             (unsigned long long)(busy < total ? total - busy : 0));
  uint64_t all = 0;
  int first = 1;
  for(int e = 0; e < SE_N; e++) {
    uint64_t v[5], sum = 0;
    for(int c = 0; c < 5; c++)
      sum += v[c] = get(&blk->requests[e][c]);
    if(!sum)
      continue;
    all += sum;
    buf_printf(out, "%s\"%s\":{", first ? "" : ",", ep_names[e]);
    int f2 = 1;
    for(int c = 0; c < 5; c++)
      if(v[c]) {
        buf_printf(out, "%s\"%dxx\":%llu", f2 ? "" : ",", c + 1, (unsigned long long)v[c]);
        f2 = 0;
      }
    buf_putc(out, '}');
    first = 0;
  }
  buf_printf(out, "},\"requestsTotal\":%llu,\"causes\":{", (unsigned long long)all);
  for(int c = 0; c < SC_N; c++)
    buf_printf(out, "%s\"%s %s\":%llu", c ? "," : "", cause_status[c], cause_names[c],
               (unsigned long long)get(&blk->causes[c]));
  buf_puts(out, "},\"upstreamCalls\":{");
  for(int o = 0; o < SU_N; o++)
    buf_printf(out, "%s\"%s\":%llu", o ? "," : "", up_names[o],
               (unsigned long long)get(&blk->upstream[o]));
  buf_printf(out, "},\"retries\":%llu,\"pagesWalked\":%llu,\"slowRequests\":%llu,"
             "\"durationSeconds\":{\"sum\":%.6f,\"buckets\":{",
             (unsigned long long)get(&blk->retries), (unsigned long long)get(&blk->pages),
             (unsigned long long)get(&blk->slow), (double)get(&blk->dur_us_sum) / 1e6);
  uint64_t cum = 0;
  for(int b = 0; b < NBUCKETS; b++) {
    cum += get(&blk->buckets[b]);
    buf_printf(out, "%s\"%s\":%llu", b ? "," : "", bucket_name[b], (unsigned long long)cum);
  }
  buf_puts(out, "}}");
}

void status_metrics(struct buf *out)
{
  if(!blk && status_init(1)) {
    out->oom = 1;
    return;
  }
  uint64_t busy = busy_now(), total = blk->workers;
  buf_printf(out, "# TYPE openapi_connector_start_time_seconds gauge\n"
             "# UNIT openapi_connector_start_time_seconds seconds\n"
             "# HELP openapi_connector_start_time_seconds When the pool started.\n"
             "openapi_connector_start_time_seconds %llu\n"
             "# TYPE openapi_connector_workers gauge\n"
             "# HELP openapi_connector_workers Worker processes by state.\n"
             "openapi_connector_workers{state=\"busy\"} %llu\n"
             "openapi_connector_workers{state=\"idle\"} %llu\n",
             (unsigned long long)blk->started, (unsigned long long)busy,
             (unsigned long long)(busy < total ? total - busy : 0));
  buf_puts(out, "# TYPE openapi_connector_requests counter\n"
           "# HELP openapi_connector_requests Requests answered, by endpoint and status "
           "class.\n");
  for(int e = 0; e < SE_N; e++)
    for(int c = 0; c < 5; c++) {
      uint64_t v = get(&blk->requests[e][c]);
      if(v)
        buf_printf(out, "openapi_connector_requests_total{endpoint=\"%s\",class=\"%dxx\"} "
                   "%llu\n", ep_names[e], c + 1, (unsigned long long)v);
    }
  buf_puts(out, "# TYPE openapi_connector_refusals counter\n"
           "# HELP openapi_connector_refusals 413 and 503 answers by cause.\n");
  for(int c = 0; c < SC_N; c++)
    buf_printf(out, "openapi_connector_refusals_total{status=\"%s\",cause=\"%s\"} %llu\n",
               cause_status[c], cause_names[c], (unsigned long long)get(&blk->causes[c]));
  buf_puts(out, "# TYPE openapi_connector_upstream_calls counter\n"
           "# HELP openapi_connector_upstream_calls Calls to the APIs by outcome.\n");
  for(int o = 0; o < SU_N; o++)
    buf_printf(out, "openapi_connector_upstream_calls_total{outcome=\"%s\"} %llu\n",
               up_names[o], (unsigned long long)get(&blk->upstream[o]));
  buf_printf(out, "# TYPE openapi_connector_retries counter\n"
             "# HELP openapi_connector_retries Upstream calls repeated.\n"
             "openapi_connector_retries_total %llu\n"
             "# TYPE openapi_connector_pages counter\n"
             "# HELP openapi_connector_pages Pages walked through paged APIs.\n"
             "openapi_connector_pages_total %llu\n"
             "# TYPE openapi_connector_slow_requests counter\n"
             "# HELP openapi_connector_slow_requests Requests slower than --slow-request.\n"
             "openapi_connector_slow_requests_total %llu\n",
             (unsigned long long)get(&blk->retries), (unsigned long long)get(&blk->pages),
             (unsigned long long)get(&blk->slow));
  buf_puts(out, "# TYPE openapi_connector_request_duration_seconds histogram\n"
           "# UNIT openapi_connector_request_duration_seconds seconds\n"
           "# HELP openapi_connector_request_duration_seconds Time to answer a request.\n");
  uint64_t cum = 0;
  for(int b = 0; b < NBUCKETS; b++) {
    cum += get(&blk->buckets[b]);
    buf_printf(out, "openapi_connector_request_duration_seconds_bucket{le=\"%s\"} %llu\n",
               bucket_name[b], (unsigned long long)cum);
  }
  buf_printf(out, "openapi_connector_request_duration_seconds_count %llu\n"
             "openapi_connector_request_duration_seconds_sum %.6f\n",
             (unsigned long long)cum, (double)get(&blk->dur_us_sum) / 1e6);
}
