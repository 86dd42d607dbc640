/* main.c - openapi-connector, the worker: FastCGI responder or CGI program.
 *
 * libfcgi decides the mode: FCGX_IsCGI() is false when fd 0 is a listening socket (the
 * web server or cgi-fcgi spawned us as FastCGI), true otherwise. FCGX_Accept_r has no CGI
 * mode of its own, so the CGI path reads the environment and stdin itself and serves one
 * request. Both paths fill the same struct http_request for worker_handle().
 */
#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../common/buf.h"
#include "client_token.h"
#include "handler.h"
#include "log.h"
#include "pool.h"
#include "status.h"
#include "snapshot.h"   /* shared caches (§16.3) */
#include "procs.h"
#include "try.h"

static volatile sig_atomic_t hup, term, in_request;

static void on_hup(int sig)
{
  (void)sig;
  hup = 1;
}

/* SIGTERM: an idle worker ends at once (its log lines written); a busy one finishes the
 * request in hand first. */
static void on_term(int sig)
{
  (void)sig;
  if(!in_request) {
    log_flush();
    _exit(0);
  }
  term = 1;
}

struct pool_cfg {
  struct worker_opts o;
  const char *listen, *pid_file;
  int workers, daemon, socket_mode;
  unsigned long max_requests;
  /* §16.1: processes and sockets */
  struct procs_ids ids;
  int allow_root, check_config, cli_pool, activated;
  const char *log_file;         /* §16.1: --check-config checks it as --user, not opened */
};

/* Spawners such as `cgi-fcgi -start` close stdout/stderr: a log line must land in
 * /dev/null then, never on a socket that a later open() would get as fd 2. */
static void ensure_std_fds(void)
{
  for(int fd = 0; fd <= 2; fd++)
    if(fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      int n = open("/dev/null", O_RDWR);
      if(n >= 0 && n != fd) {
        dup2(n, fd);
        close(n);
      }
    }
}

static void usage(FILE *f)
{
  fputs("usage: openapi-connector [options]\n"
        "Serves Boomi Flow connector requests for the APIs compiled into the cache directory.\n"
        "Run by a web server as a FastCGI or CGI program (the mode is detected).\n\n"
        "  --cache-dir DIR        compiled caches (env OPENAPI_CONNECTOR_CACHE_DIR; default\n"
        "                         " OAC_DEFAULT_CACHE_DIR ")\n"
        "  --prefix PATH          mount point to strip from REQUEST_URI; without it the\n"
        "                         path's ending is matched (env OPENAPI_CONNECTOR_PREFIX)\n"
        "  --connect-timeout S    upstream connect timeout in seconds (default 5;\n"
        "                         env OPENAPI_CONNECTOR_CONNECT_TIMEOUT)\n"
        "  --timeout S            upstream total timeout in seconds (default 15;\n"
        "                         env OPENAPI_CONNECTOR_TIMEOUT)\n"
        "  --ca-file FILE         CA bundle for https upstreams (env OPENAPI_CONNECTOR_CA_FILE)\n"
        "  --max-pages N          pages one load may walk through a paged API (default 100;\n"
        "                         env OPENAPI_CONNECTOR_MAX_PAGES)\n"
        "  --token-cache DIR      OAuth 2.0 client-credentials tokens shared by processes\n"
        "                         (CGI), mode 0700 (env OPENAPI_CONNECTOR_TOKEN_CACHE)\n"
        "  --log-level L          error, warn, info (default), debug\n"
        "                         (env OPENAPI_CONNECTOR_LOG_LEVEL)\n"
        /* shared caches (§16.3) */
        "  --snapshot-dir DIR     verified copies of the caches that FastCGI workers share\n"
        "                         (env OPENAPI_CONNECTOR_SNAPSHOT_DIR; default\n"
        "                         " OAC_DEFAULT_SNAPSHOT_DIR "; \"\" for none)\n\n"
        "Health, status, metrics, logs:\n"
        "  --health-strict        /health answers 503 when any cache is refused or not\n"
        "                         loaded for a limit (env\n"
        "                         OPENAPI_CONNECTOR_HEALTH_STRICT=1)\n"
        "  --status               serve /status (JSON) and /metrics (OpenMetrics) to the\n"
        "                         --status-allow addresses (env OPENAPI_CONNECTOR_STATUS=1)\n"
        "  --status-allow CIDRS   who may read them (default 127.0.0.1/8,::1; env\n"
        "                         OPENAPI_CONNECTOR_STATUS_ALLOW)\n"
        "  --slow-request MS      log requests slower than MS milliseconds (env\n"
        "                         OPENAPI_CONNECTOR_SLOW_REQUEST)\n"
        "  --log-file FILE        log there instead of stderr; reopened on SIGUSR1 (env\n"
        "                         OPENAPI_CONNECTOR_LOG_FILE)\n\n"
        "Inline documents (the Schema Value configuration value; off by default):\n"
        "  --inline-documents DIR compile Schema Values into DIR (env\n"
        "                         OPENAPI_CONNECTOR_INLINE_DOCUMENTS); needs --allow-host\n"
        "  --allow-host PATTERN   [http://|https://]host[:port], host exact or *.domain:\n"
        "                         the hosts an inline document may call; repeatable (env\n"
        "                         OPENAPI_CONNECTOR_ALLOW_HOST, patterns separated by commas)\n"
        "  --compiler PATH        the compiler run for them (default\n"
        "                         " OAC_DEFAULT_COMPILER ";\n"
        "                         env OPENAPI_CONNECTOR_COMPILER)\n"
        "  --inline-timeout S     a compile's time limit (default 10;\n"
        "                         env OPENAPI_CONNECTOR_INLINE_TIMEOUT)\n"
        "  --inline-memory MIB    a compile's memory limit, RLIMIT_AS (default 512;\n"
        "                         env OPENAPI_CONNECTOR_INLINE_MEMORY)\n"
        "  --inline-max N         caches DIR keeps (default 100, and 256 MiB in all;\n"
        "                         env OPENAPI_CONNECTOR_INLINE_MAX)\n\n"
        "Own pool (for mod_proxy_fcgi, nginx, lighttpd \"socket\"):\n"
        "  --listen ADDR          HOST:PORT or /path.sock: run a master that forks the workers\n"
        "  --workers N            exactly N workers (default 2)\n"
        "  --max-requests N       a worker is replaced after N requests (default unlimited)\n"
        "  --pid-file FILE        the master's PID\n"
        "  --socket-mode MODE     permissions of a socket path, octal (e.g. 0660 for a\n"
        "                         web server in the pool's group; default: the umask's)\n"
        "  --daemon               detach (default: stay in the foreground)\n"
        "  --user NAME            drop root for this account once the socket is bound\n"
        "  --group NAME           with --user: this group instead of the account's\n"
        "  --allow-root           let the pool run as root (it refuses without --user)\n"
        "  --check-config         check the options, the cache directory (as --user) and\n"
        "                         the socket, print what was found, exit 0 or 1\n"
        "  The pool options have environment variables, OPENAPI_CONNECTOR_ and the\n"
        "  name in upper case with '-' as '_': OPENAPI_CONNECTOR_LISTEN, _WORKERS,\n"
        "  _MAX_REQUESTS, _PID_FILE, _SOCKET_MODE, _DAEMON=1, _USER, _GROUP,\n"
        "  _ALLOW_ROOT=1; the command line wins.\n"
        "  Started by systemd socket activation (LISTEN_FDS, fd 3), the pool serves that\n"
        "  socket and reports readiness with sd_notify.\n"
        "  --help, --version\n\n"
        "Trying a compiled document from the command line (prints each API call and the\n"
        "Flow answer; exit 0 for a 2xx answer, 1 otherwise, 2 for a bad command line):\n"
        "  openapi-connector --try REGISTRATION [options] describe\n"
        "  openapi-connector --try REGISTRATION [options] load TYPE [--id ID]\n"
        "      [--where 'PROP=VALUE'...] [--sort PROP[:desc]...] [--limit N]\n"
        "      [--offset-token T] [--search TEXT]\n"
        "  openapi-connector --try REGISTRATION [options] save TYPE --object JSON [--id ID]\n"
        "  openapi-connector --try REGISTRATION [options] delete TYPE (--id ID | --object JSON)\n"
        "  openapi-connector --try REGISTRATION [options] action SLUG [--input 'NAME=VALUE'...]\n"
        "      [--object-input 'NAME=JSON'...] [--outcome NAME...]\n"
        "  See `openapi-connector --try --help` for the options.\n", f);
}

long seconds_to_ms(const char *s, const char *what)
{
  char *end;
  double v = s ? strtod(s, &end) : 0;
  if(!s || end == s || *end || v <= 0 || v > 3600) {
    fprintf(stderr, "openapi-connector: %s must be a number of seconds (0 < s <= 3600)\n",
            what);
    exit(2);
  }
  return (long)(v * 1000 + 0.5);
}

unsigned long count_arg(const char *s, const char *what, unsigned long min)
{
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if(!*s || *end || v < min || v > 100000000UL || s[0] == '-') {
    fprintf(stderr, "openapi-connector: %s needs a number >= %lu\n", what, min);
    exit(2);
  }
  return v;
}

static int socket_mode_arg(const char *s)
{
  char *end;
  unsigned long v = strtoul(s, &end, 8);
  if(!*s || *end || v > 0777 || s[0] == '-') {
    fprintf(stderr, "openapi-connector: --socket-mode needs an octal mode such as 0660\n");
    exit(2);
  }
  return (int)v;
}

/* inline documents (§15.4): OPENAPI_CONNECTOR_ALLOW_HOST holds patterns separated by commas
 * or white space; they are kept here (the environment's string is not changed). */
static void env_allow_hosts(struct inline_opts *o, const char *e)
{
  static char copy[8192];
  if(strlen(e) >= sizeof(copy)) {
    fprintf(stderr, "openapi-connector: OPENAPI_CONNECTOR_ALLOW_HOST is too long\n");
    exit(2);
  }
  memcpy(copy, e, strlen(e) + 1);
  for(char *save = NULL, *t = strtok_r(copy, ", \t\n", &save); t;
      t = strtok_r(NULL, ", \t\n", &save)) {
    if(o->nallow_hosts == INLINE_MAX_PATTERNS) {
      fprintf(stderr, "openapi-connector: at most %d --allow-host patterns\n",
              INLINE_MAX_PATTERNS);
      exit(2);
    }
    o->allow_hosts[o->nallow_hosts++] = t;
  }
}

/* health, status, metrics, logs (§16.4): a yes/no variable ("1", "yes", "true" = yes) */
static int env_flag(const char *name)
{
  const char *e = getenv(name);
  return e && (!strcmp(e, "1") || !strcasecmp(e, "yes") || !strcasecmp(e, "true"));
}

/* The worker's defaults from the environment (also --try's); the token directory's. */
static const char *env_defaults(struct worker_opts *o)
{
  const char *e;
  o->cache_dir = (e = getenv("OPENAPI_CONNECTOR_CACHE_DIR")) && *e ? e : OAC_DEFAULT_CACHE_DIR;
  o->prefix = (e = getenv("OPENAPI_CONNECTOR_PREFIX")) && *e ? e : NULL;
  if((e = getenv("OPENAPI_CONNECTOR_CONNECT_TIMEOUT")) && *e)
    o->up.connect_timeout_ms = seconds_to_ms(e, "OPENAPI_CONNECTOR_CONNECT_TIMEOUT");
  if((e = getenv("OPENAPI_CONNECTOR_TIMEOUT")) && *e)
    o->up.timeout_ms = seconds_to_ms(e, "OPENAPI_CONNECTOR_TIMEOUT");
  if((e = getenv("OPENAPI_CONNECTOR_CA_FILE")) && *e)
    o->up.ca_file = e;
  if((e = getenv("OPENAPI_CONNECTOR_MAX_PAGES")) && *e)
    o->max_pages = count_arg(e, "OPENAPI_CONNECTOR_MAX_PAGES", 1);
  /* inline documents (§15.4) */
  if((e = getenv("OPENAPI_CONNECTOR_INLINE_DOCUMENTS")) && *e)
    o->inl.dir = e;
  if((e = getenv("OPENAPI_CONNECTOR_ALLOW_HOST")) && *e)
    env_allow_hosts(&o->inl, e);
  if((e = getenv("OPENAPI_CONNECTOR_COMPILER")) && *e)
    o->inl.compiler = e;
  if((e = getenv("OPENAPI_CONNECTOR_INLINE_TIMEOUT")) && *e)
    o->inl.timeout_ms = seconds_to_ms(e, "OPENAPI_CONNECTOR_INLINE_TIMEOUT");
  if((e = getenv("OPENAPI_CONNECTOR_INLINE_MEMORY")) && *e)
    o->inl.memory_mib = count_arg(e, "OPENAPI_CONNECTOR_INLINE_MEMORY", 16);
  if((e = getenv("OPENAPI_CONNECTOR_INLINE_MAX")) && *e)
    o->inl.max = count_arg(e, "OPENAPI_CONNECTOR_INLINE_MAX", 1);
  /* health, status, metrics, logs (§16.4) */
  o->health_strict = env_flag("OPENAPI_CONNECTOR_HEALTH_STRICT");
  o->status = env_flag("OPENAPI_CONNECTOR_STATUS");
  if((e = getenv("OPENAPI_CONNECTOR_SLOW_REQUEST")) && *e)
    o->slow_request_ms = count_arg(e, "OPENAPI_CONNECTOR_SLOW_REQUEST", 1);
  if((e = getenv("OPENAPI_CONNECTOR_LOG_LEVEL")) && *e && log_level_parse(e) >= 0)
    log_level = log_level_parse(e);
  return (e = getenv("OPENAPI_CONNECTOR_TOKEN_CACHE")) && *e ? e : NULL;
}

/* §11/§16.1: the own pool's options from the environment (the command line wins; they are
 * no usage error without --listen, so one environment can serve every mode) */
static void env_pool(struct pool_cfg *pc)
{
  const char *e;
  if((e = getenv("OPENAPI_CONNECTOR_LISTEN")) && *e)
    pc->listen = e;
  if((e = getenv("OPENAPI_CONNECTOR_WORKERS")) && *e)
    pc->workers = (int)count_arg(e, "OPENAPI_CONNECTOR_WORKERS", 1);
  if((e = getenv("OPENAPI_CONNECTOR_MAX_REQUESTS")) && *e)
    pc->max_requests = count_arg(e, "OPENAPI_CONNECTOR_MAX_REQUESTS", 1);
  if((e = getenv("OPENAPI_CONNECTOR_PID_FILE")) && *e)
    pc->pid_file = e;
  if((e = getenv("OPENAPI_CONNECTOR_DAEMON")) && *e && strcmp(e, "0"))
    pc->daemon = 1;
  if((e = getenv("OPENAPI_CONNECTOR_SOCKET_MODE")) && *e)
    pc->socket_mode = socket_mode_arg(e);
  if((e = getenv("OPENAPI_CONNECTOR_USER")) && *e)
    pc->ids.user = e;
  if((e = getenv("OPENAPI_CONNECTOR_GROUP")) && *e)
    pc->ids.group = e;
  if((e = getenv("OPENAPI_CONNECTOR_ALLOW_ROOT")) && *e && strcmp(e, "0"))
    pc->allow_root = 1;
}

static void parse_args(int argc, char **argv, struct pool_cfg *pc)
{
  struct worker_opts *o = &pc->o;
  static const struct option opts[] = {
    { "cache-dir", required_argument, NULL, 'd' },
    { "prefix", required_argument, NULL, 'p' },
    { "connect-timeout", required_argument, NULL, 'c' },
    { "timeout", required_argument, NULL, 't' },
    { "ca-file", required_argument, NULL, 'a' },
    { "log-level", required_argument, NULL, 'l' },
    { "max-pages", required_argument, NULL, 'g' },
    { "token-cache", required_argument, NULL, 'T' },
    { "listen", required_argument, NULL, 'L' },
    { "workers", required_argument, NULL, 'w' },
    { "max-requests", required_argument, NULL, 'm' },
    { "pid-file", required_argument, NULL, 'P' },
    { "daemon", no_argument, NULL, 'D' },
    { "socket-mode", required_argument, NULL, 'M' },
    /* §16.1 */
    { "user", required_argument, NULL, 270 },
    { "group", required_argument, NULL, 271 },
    { "allow-root", no_argument, NULL, 272 },
    { "check-config", no_argument, NULL, 273 },
    /* inline documents (§15.4) */
    { "inline-documents", required_argument, NULL, 256 },
    { "allow-host", required_argument, NULL, 257 },
    { "compiler", required_argument, NULL, 258 },
    { "inline-timeout", required_argument, NULL, 259 },
    { "inline-memory", required_argument, NULL, 260 },
    { "inline-max", required_argument, NULL, 261 },
    /* health, status, metrics, logs (§16.4) */
    { "health-strict", no_argument, NULL, 300 },
    { "status", no_argument, NULL, 301 },
    { "status-allow", required_argument, NULL, 302 },
    { "slow-request", required_argument, NULL, 303 },
    { "log-file", required_argument, NULL, 304 },
    { "snapshot-dir", required_argument, NULL, 262 },   /* shared caches (§16.3) */
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
  };
  const char *token_cache = env_defaults(o);
  /* shared caches (§16.3): the snapshot directory, "" for none */
  const char *snapshots = getenv("OPENAPI_CONNECTOR_SNAPSHOT_DIR");
  if(!snapshots)
    snapshots = OAC_DEFAULT_SNAPSHOT_DIR;
  env_pool(pc);
  int ch, cli_hosts = 0;
  /* health, status, metrics, logs (§16.4) */
  const char *e = getenv("OPENAPI_CONNECTOR_STATUS_ALLOW");
  const char *status_allow = e && *e ? e : NULL;
  const char *log_file = (e = getenv("OPENAPI_CONNECTOR_LOG_FILE")) && *e ? e : NULL;
  while((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch(ch) {
    case 'd': o->cache_dir = optarg; break;
    case 'p': o->prefix = optarg; break;
    case 'c': o->up.connect_timeout_ms = seconds_to_ms(optarg, "--connect-timeout"); break;
    case 't': o->up.timeout_ms = seconds_to_ms(optarg, "--timeout"); break;
    case 'a': o->up.ca_file = optarg; break;
    case 'g': o->max_pages = count_arg(optarg, "--max-pages", 1); break;
    case 'T': token_cache = optarg; break;
    case 'l':
      if(log_level_parse(optarg) < 0) {
        fprintf(stderr, "openapi-connector: --log-level: error, warn, info or debug\n");
        exit(2);
      }
      log_level = log_level_parse(optarg);
      break;
    case 'L': pc->listen = optarg; break;
    case 'w': pc->workers = (int)count_arg(optarg, "--workers", 1); pc->cli_pool = 1; break;
    case 'm': pc->max_requests = count_arg(optarg, "--max-requests", 1); pc->cli_pool = 1;
      break;
    case 'P': pc->pid_file = optarg; pc->cli_pool = 1; break;
    case 'D': pc->daemon = 1; pc->cli_pool = 1; break;
    case 'M': pc->socket_mode = socket_mode_arg(optarg); pc->cli_pool = 1; break;
    /* §16.1 */
    case 270: pc->ids.user = optarg; pc->cli_pool = 1; break;
    case 271: pc->ids.group = optarg; pc->cli_pool = 1; break;
    case 272: pc->allow_root = 1; pc->cli_pool = 1; break;
    case 273: pc->check_config = 1; break;
    /* inline documents (§15.4); --allow-host on the command line replaces the
     * environment's patterns */
    case 256: o->inl.dir = optarg; break;
    case 257:
      if(!cli_hosts++)
        o->inl.nallow_hosts = 0;
      if(o->inl.nallow_hosts == INLINE_MAX_PATTERNS) {
        fprintf(stderr, "openapi-connector: at most %d --allow-host patterns\n",
                INLINE_MAX_PATTERNS);
        exit(2);
      }
      o->inl.allow_hosts[o->inl.nallow_hosts++] = optarg;
      break;
    case 258: o->inl.compiler = optarg; break;
    case 259: o->inl.timeout_ms = seconds_to_ms(optarg, "--inline-timeout"); break;
    case 260: o->inl.memory_mib = count_arg(optarg, "--inline-memory", 16); break;
    case 261: o->inl.max = count_arg(optarg, "--inline-max", 1); break;
    /* health, status, metrics, logs (§16.4) */
    case 300: o->health_strict = 1; break;
    case 301: o->status = 1; break;
    case 302: status_allow = optarg; break;
    case 303: o->slow_request_ms = count_arg(optarg, "--slow-request", 1); break;
    case 304: log_file = optarg; break;
    case 262: snapshots = optarg; break;   /* shared caches (§16.3) */
    case 'h': usage(stdout); exit(0);
    case 'V': printf("openapi-connector %s\n", PACKAGE_VERSION); exit(0);
    default: usage(stderr); exit(2);
    }
  }
  if(optind < argc) {
    usage(stderr);
    exit(2);
  }
  snapshot_set_dir(snapshots);   /* shared caches (§16.3) */
  char why[512];
  /* health, status, metrics, logs (§16.4) */
  if(status_allow && status_allow_parse(status_allow, why, sizeof(why))) {
    fprintf(stderr, "openapi-connector: %s\n", why);
    exit(2);
  }
  /* §16.1: --check-config does not create the log file; it checks it as --user */
  pc->log_file = log_file;
  if(pc->check_config)
    log_file = NULL;
  if(log_file && log_open_file(log_file)) {
    fprintf(stderr, "openapi-connector: --log-file %s: %s%s\n", log_file, strerror(errno),
            errno == EACCES ? " (permission denied for this user)" : "");
    exit(2);
  }
  if(log_file)
    log_reopen_on_usr1();
  /* inline documents (§15.4): patterns, DIR and the compiler checked before serving */
  if(o->inl.dir && inline_opts_check(&o->inl, why, sizeof(why))) {
    fprintf(stderr, "openapi-connector: %s\n", why);
    exit(2);
  }
  /* OAuth 2.0 client credentials (§13.6): the directory the processes share tokens in */
  if(token_cache && client_token_set_dir(token_cache, why, sizeof(why))) {
    fprintf(stderr, "openapi-connector: --token-cache: %s\n", why);
    exit(2);
  }
}

/* CONTENT_LENGTH: -1 when absent or not a number (a value or none, like a lookup). */
static long long content_length(const char *s)
{
  if(!s || !*s)
    return -1;
  char *end;
  long long n = strtoll(s, &end, 10);
  return *end || n < 0 ? -1 : n;
}

static void put_uint(struct buf *h, size_t v)
{
  char d[24];
  size_t k = sizeof(d);
  do
    d[--k] = (char)('0' + v % 10);
  while(v /= 10);
  buf_append(h, d + k, sizeof(d) - k);
}

/* The CGI header block, assembled without printf: it is written for every request. */
static void header_text(struct buf *h, const struct http_response *rs, int head)
{
  static const struct { int code; const char *line; } reasons[] = {
    { 200, "Status: 200 OK\r\n" }, { 400, "Status: 400 Bad Request\r\n" },
    { 401, "Status: 401 Unauthorized\r\n" }, { 404, "Status: 404 Not Found\r\n" },
    { 405, "Status: 405 Method Not Allowed\r\n" },
    { 413, "Status: 413 Payload Too Large\r\n" },
    { 500, "Status: 500 Internal Server Error\r\n" },
    { 501, "Status: 501 Not Implemented\r\n" }, { 502, "Status: 502 Bad Gateway\r\n" },
    { 503, "Status: 503 Service Unavailable\r\n" },
    { 504, "Status: 504 Gateway Timeout\r\n" },
  };
  size_t i = 0;
  while(i < sizeof(reasons) / sizeof(reasons[0]) && reasons[i].code != rs->status)
    i++;
  if(i < sizeof(reasons) / sizeof(reasons[0]))
    buf_puts(h, reasons[i].line);
  else {
    buf_puts(h, "Status: ");
    put_uint(h, (size_t)rs->status);
    buf_puts(h, "\r\n");
  }
  buf_puts(h, "Content-Type: ");
  buf_puts(h, rs->content_type ? rs->content_type : "application/json");  /* §16.4 */
  buf_puts(h, "\r\nContent-Length: ");
  put_uint(h, head ? 0 : rs->direct_len);
  buf_puts(h, "\r\n");
  if(rs->problem)
    buf_puts(h, "X-ManyWho-Service-Problem-Kind: service\r\n");
  if(rs->allow) {
    buf_puts(h, "Allow: ");
    buf_puts(h, rs->allow);
    buf_puts(h, "\r\n");
  }
  buf_puts(h, "\r\n");
}

static int serve_cgi(struct worker *w)
{
  struct http_request rq = { 0 };
  struct http_response rs = { 0 };
  struct buf body, h;
  buf_init(&body);
  buf_init(&h);
  buf_init(&rs.body);
  rq.method = getenv("REQUEST_METHOD");
  rq.uri = getenv("REQUEST_URI");
  rq.path_info = getenv("PATH_INFO");
  rq.authorization = getenv("HTTP_AUTHORIZATION");
  rq.remote_addr = getenv("REMOTE_ADDR");       /* §16.4: --status-allow */
  long long cl = content_length(getenv("CONTENT_LENGTH"));
  if(cl > (long long)worker_max_body(w))
    rq.body_too_large = 1;
  else if(cl > 0) {
    if(buf_reserve(&body, (size_t)cl + 1) == OAC_OK) {
      size_t got = fread(body.data, 1, (size_t)cl, stdin);
      body.len = got;
      body.data[got] = '\0';
      rq.body = body.data;
      rq.body_len = body.len;
    }
    else
      rq.body_unread = 1;
  }
  worker_handle(w, &rq, &rs);
  int head = rq.method && !strcmp(rq.method, "HEAD");
  header_text(&h, &rs, head);
  fwrite(h.data, 1, h.len, stdout);
  if(!head)
    fwrite(rs.direct, 1, rs.direct_len, stdout);
  int r = fflush(stdout) ? 1 : 0;
  buf_free(&body);
  buf_free(&h);
  buf_free(&rs.body);
  return r;
}

/* The parameters the worker reads, in one pass over the request's environment (instead of
 * one FCGX_GetParam scan each). */
static void params_of(char **envp, struct http_request *rq, const char **clen)
{
  static const struct { const char *name; size_t len; int slot; } want[] = {
    { "REQUEST_METHOD=", 15, 0 }, { "REQUEST_URI=", 12, 1 }, { "PATH_INFO=", 10, 2 },
    { "HTTP_AUTHORIZATION=", 19, 3 }, { "CONTENT_LENGTH=", 15, 4 },
    { "REMOTE_ADDR=", 12, 5 },                  /* §16.4: --status-allow */
  };
  const char **slot[6] = { &rq->method, &rq->uri, &rq->path_info, &rq->authorization, clen,
                           &rq->remote_addr };
  for(char **e = envp; e && *e; e++) {
    char c = **e;
    if(c != 'R' && c != 'P' && c != 'H' && c != 'C')
      continue;
    for(size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
      if(c == want[i].name[0] && !strncmp(*e, want[i].name, want[i].len)) {
        *slot[want[i].slot] = *e + want[i].len;
        break;
      }
  }
}

static int serve_fcgi(struct worker *w, int lsock, unsigned long max_requests)
{
  FCGX_Request req;
  unsigned long served = 0;
  struct http_response rs = { 0 };
  struct buf body, h;
  buf_init(&body);
  buf_init(&h);
  buf_init(&rs.body);
  if(FCGX_InitRequest(&req, lsock, 0)) {
    log_msg(LOG_ERROR, "FCGX_InitRequest failed");
    return 1;
  }
  /* The listening socket is made non-blocking (every process that accepts on it is a
   * worker): an accept that would wait returns -EAGAIN instead, and the worker, idle now,
   * writes the log lines it held back for a waiting request (which, in a pool, another
   * worker may have taken), then waits for the next connection. */
  int fl = fcntl(lsock, F_GETFL);
  if(fl >= 0 && !(fl & O_NONBLOCK))
    fcntl(lsock, F_SETFL, fl | O_NONBLOCK);
  /* libfcgi drops a connection when a signal interrupts its first wait for the request's
   * data (its select() after accept is not restarted), and a write it sees cut short by
   * one fails the answer: SIGHUP, SIGTERM and the snapshot lease signal (§16.3, which
   * comes whenever a mapped snapshot is truncated or written to) are held while libfcgi
   * reads or writes, and let in while the worker waits for a connection (ppoll) and while
   * it handles a request. */
  sigset_t held;
  sigemptyset(&held);
  sigaddset(&held, SIGHUP);
  sigaddset(&held, SIGTERM);
  sigaddset(&held, snapshot_lease_signal());
  sigprocmask(SIG_BLOCK, &held, NULL);
  log_batch(1);
  while(!term) {
    log_reopen_pending();                       /* §16.4: SIGUSR1 between requests */
    int acc = FCGX_Accept_r(&req);
    if(acc == -EAGAIN || acc == -EWOULDBLOCK) {
      log_flush();
      struct pollfd p = { lsock, POLLIN, 0 };
      /* §16.4: SIGUSR1 is taken only here (idle) or between requests: in an accept it
       * would make libfcgi drop the connection */
      if(log_wait_poll(&p, 1, &held) < 0 && errno != EINTR)
        break;
      continue;
    }
    if(acc < 0)
      break;
    in_request = 1;
    if(hup) {
      hup = 0;
      worker_recheck_caches(w);
    }
    struct http_request rq = { 0 };
    const char *clen = NULL;
    params_of(req.envp, &rq, &clen);
    long long cl = content_length(clen);
    buf_reset(&body);
    if(cl > (long long)worker_max_body(w))
      rq.body_too_large = 1;
    else if(cl > 0 && buf_reserve(&body, (size_t)cl + 1))
      rq.body_unread = 1;
    else if(cl > 0) {
      int got = FCGX_GetStr(body.data, (int)cl, req.in);
      body.len = got > 0 ? (size_t)got : 0;
      body.data[body.len] = '\0';
      rq.body = body.data;
      rq.body_len = body.len;
    }
    sigprocmask(SIG_UNBLOCK, &held, NULL);
    worker_handle(w, &rq, &rs);
    sigprocmask(SIG_BLOCK, &held, NULL);
    int head = rq.method && !strcmp(rq.method, "HEAD");
    buf_reset(&h);
    header_text(&h, &rs, head);
    FCGX_PutStr(h.data, (int)h.len, req.out);
    if(!head)
      FCGX_PutStr(rs.direct, (int)rs.direct_len, req.out);
    /* the log line stays in the batch: the next accept writes it when no request is
     * waiting (it would block), before this worker waits for one */
    FCGX_Finish_r(&req);
    /* a huge answer should not pin its memory in an idle worker */
    if(rs.body.cap > (1u << 20)) {
      buf_free(&rs.body);
      buf_init(&rs.body);
    }
    if(body.cap > (1u << 20) || buf_failed(&body)) {
      buf_free(&body);
      buf_init(&body);
    }
    in_request = 0;
    if(max_requests && ++served >= max_requests)
      break;                                    /* the pool starts a fresh worker */
  }
  log_batch(0);
  sigprocmask(SIG_UNBLOCK, &held, NULL);
  buf_free(&body);
  buf_free(&h);
  buf_free(&rs.body);
  return 0;
}

static void fcgi_signals(void)
{
  log_reopen_on_usr1();                         /* §16.4: --log-file rotated */
  log_usr1_block();
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_hup;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &sa, NULL);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
}

static int pool_serve(void *arg, int lsock, unsigned long max);

/* §16.1: the pool's privilege drop (pool.h), once its socket is bound */
static int pool_drop(void *arg)
{
  struct pool_cfg *pc = arg;
  char why[512];
  /* the socket path and the PID file belong to the account: the socket's group, with
   * --socket-mode 0660, is the web server's way in */
  if(pc->ids.user && geteuid() == 0 && strchr(pc->listen, '/') && !pc->activated &&
     chown(pc->listen, pc->ids.uid, pc->ids.gid))
    log_msg(LOG_WARN, "chown %s: %s", pc->listen, strerror(errno));
  /* the PID file through the descriptor the pool locked: never whatever the path names
   * by now */
  if(pc->ids.user && geteuid() == 0 && pool_pid_fd() >= 0 &&
     fchown(pool_pid_fd(), pc->ids.uid, pc->ids.gid))
    log_msg(LOG_WARN, "chown %s: %s", pc->pid_file, strerror(errno));
  /* §16.4: the log file opened as root, so that the account can reopen it on SIGUSR1
   * (logrotate's "create" gives the new file the old one's owner) */
  if(pc->ids.user && geteuid() == 0 && log_file_path() &&
     chown(log_file_path(), pc->ids.uid, pc->ids.gid))
    log_msg(LOG_WARN, "chown %s: %s", log_file_path(), strerror(errno));
  if(procs_drop(&pc->ids, why, sizeof(why))) {
    fprintf(stderr, "openapi-connector: %s\n", why);
    return 2;
  }
  if(pc->ids.user)
    log_msg(LOG_INFO, "running as %s (uid %ld, gid %ld)", pc->ids.user, (long)pc->ids.uid,
            (long)pc->ids.gid);
  return 0;
}

/* §16.1: the pool's start - socket activation, --check-config, the root refusal. -1 when
 * this is no pool (FastCGI child or CGI), else the exit status. */
static int pool_main(struct pool_cfg *pc)
{
  int fd = procs_listen_fd();
  if(fd == -2)
    return 2;
  if(fd < 0 && !pc->listen && !pc->check_config)
    return -1;
  char why[512];
  if(procs_ids_resolve(&pc->ids, why, sizeof(why))) {
    fprintf(stderr, "openapi-connector: %s\n", why);
    return 2;
  }
  if(pc->check_config)
    return procs_check_config(pc->o.cache_dir, snapshot_dir(), pc->log_file,
                              fd >= 0 ? NULL : pc->listen, pc->pid_file, &pc->ids);
  if(geteuid() == 0 && !pc->ids.user && !pc->allow_root) {
    fprintf(stderr, "openapi-connector: refusing to run the pool as root: give --user NAME "
            "(and --group NAME) to drop root once the socket is bound, or --allow-root "
            "(env OPENAPI_CONNECTOR_ALLOW_ROOT=1) to run it as root anyway\n");
    return 2;
  }
  if(FCGX_Init()) {
    fprintf(stderr, "openapi-connector: FCGX_Init failed\n");
    return 1;
  }
  if(fd >= 0) {
    if(pc->listen)
      log_msg(LOG_INFO, "socket activation: serving systemd's socket, not --listen %s",
              pc->listen);
    pc->listen = "systemd's socket (fd 3)";
    pc->activated = 1;
  }
  /* §16.4: the figures the pool's workers share, mapped before they are forked */
  if(pc->o.status && status_init((unsigned)pc->workers))
    log_msg(LOG_WARN, "--status: cannot map the shared figures: %s", strerror(errno));
  struct pool_opts po = { pc->listen, pc->workers, pc->max_requests, pc->daemon, pc->pid_file,
                          pc->socket_mode, pool_serve, pc, fd >= 0 ? fd : 0, pool_drop };
  return pool_run(&po);
}

/* A pool worker's life (pool.h): its own worker state, created after the fork. */
static int pool_serve(void *arg, int lsock, unsigned long max)
{
  struct pool_cfg *pc = arg;
  fcgi_signals();
  struct worker *w = worker_new(&pc->o);
  if(!w) {
    log_msg(LOG_ERROR, "cannot start a worker: out of memory");
    return 1;
  }
  int r = serve_fcgi(w, lsock, max);
  worker_free(w);
  return r;
}

int main(int argc, char **argv)
{
  ensure_std_fds();
  signal(SIGPIPE, SIG_IGN);
  struct pool_cfg pc;
  memset(&pc, 0, sizeof(pc));
  pc.workers = 2;
  pc.socket_mode = -1;
  if(try_wanted(argc, argv)) {                  /* --try (§16.5): no FastCGI loop */
    const char *token_cache = env_defaults(&pc.o);
    return try_main(argc, argv, &pc.o, token_cache);
  }
  /* §16.1: process titles for the pool (the argv and environment area kept for them) */
  if(getenv("LISTEN_FDS") || getenv("OPENAPI_CONNECTOR_LISTEN"))
    argv = procs_title_init(argc, argv);
  else
    for(int i = 1; i < argc; i++)
      if(!strncmp(argv[i], "--listen", 8)) {
        argv = procs_title_init(argc, argv);
        break;
      }
  parse_args(argc, argv, &pc);
  int pr = pool_main(&pc);                      /* §16.1 */
  if(pr >= 0)
    return pr;
  if(FCGX_Init()) {
    fprintf(stderr, "openapi-connector: FCGX_Init failed\n");
    return 1;
  }
  /* §16.4: the figures of a single FastCGI worker or CGI process (the pool maps them in
   * pool_main, before its workers are forked) */
  if(pc.o.status && status_init(1))
    log_msg(LOG_WARN, "--status: cannot map the shared figures: %s", strerror(errno));
  if(pc.cli_pool) {
    fprintf(stderr, "openapi-connector: --workers, --max-requests, --pid-file, --socket-mode, "
            "--daemon, --user, --group and --allow-root go with --listen\n");
    return 2;
  }
  struct worker_opts *o = &pc.o;
  o->cgi = FCGX_IsCGI();
  struct worker *w = worker_new(o);
  if(!w) {
    log_msg(LOG_ERROR, "cannot start: out of memory");
    return 1;
  }
  if(!o->cgi) {
    fcgi_signals();
    log_msg(LOG_INFO, "FastCGI worker started (cache directory %s)", o->cache_dir);
  }
  int r = o->cgi ? serve_cgi(w) : serve_fcgi(w, 0, 0);
  worker_free(w);
  return r;
}
