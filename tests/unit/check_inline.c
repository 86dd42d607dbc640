/* check_inline.c - inline documents (product.md §15.4): the --allow-host pattern matcher
 * (src/flow/host_pattern.c) and the eviction of DIR's caches (src/worker/inline.c). The
 * compile and the requests are in tests/integration/inline.sh. */
#include <check.h>
#include "check_main.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>
#include "../../src/flow/host_pattern.h"
#include "../../src/worker/inline.h"
#include "../../src/flow/config.h"
#include <cjson/cJSON.h>

/* Does URL match the patterns (a NULL-ended list)? */
static int matches(const char *url, ...)
{
  struct host_pattern p[8];
  size_t n = 0;
  va_list ap;
  va_start(ap, url);
  for(const char *s; (s = va_arg(ap, const char *)) && n < 8; n++) {
    char why[200];
    ck_assert_msg(!host_pattern_parse(s, &p[n], why, sizeof(why)), "pattern %s: %s", s, why);
  }
  va_end(ap);
  char host[300];
  return host_pattern_match(p, n, url, host, sizeof(host));
}

static int bad_pattern(const char *s)
{
  struct host_pattern p;
  char why[200];
  return host_pattern_parse(s, &p, why, sizeof(why)) != 0;
}

START_TEST(test_exact_and_case)
{
  ck_assert(matches("https://api.example.com/v1", "api.example.com", NULL));
  ck_assert(matches("HTTPS://API.Example.COM/v1", "api.example.com", NULL));
  ck_assert(matches("https://api.example.com/v1", "API.EXAMPLE.COM", NULL));
  ck_assert(!matches("https://example.com/", "api.example.com", NULL));
  ck_assert(!matches("https://api.example.com.evil.net/", "api.example.com", NULL));
  ck_assert(!matches("https://xapi.example.com/", "api.example.com", NULL));
  ck_assert(matches("https://api.example.com?x=1", "api.example.com", NULL));
  ck_assert(matches("https://api.example.com#f", "api.example.com", NULL));
  ck_assert(matches("https://b.org/", "a.org", "b.org", NULL));
}
END_TEST

START_TEST(test_wildcards)
{
  ck_assert(matches("https://a.example.com/", "*.example.com", NULL));
  ck_assert(matches("https://a.b.example.com/", "*.example.com", NULL));
  ck_assert(!matches("https://example.com/", "*.example.com", NULL));
  ck_assert(!matches("https://aexample.com/", "*.example.com", NULL));
  ck_assert(!matches("https://a.example.com.evil.net/", "*.example.com", NULL));
  ck_assert(matches("https://x.com/", "*.com", NULL));
  ck_assert(bad_pattern("*"));
  ck_assert(bad_pattern("*."));
  ck_assert(bad_pattern("a.*.com"));
  ck_assert(bad_pattern("*example.com"));
  ck_assert(bad_pattern("**.example.com"));
  ck_assert(bad_pattern("*.*.example.com"));
}
END_TEST

START_TEST(test_ports_and_schemes)
{
  /* scheme defaults to https, port to the scheme's */
  ck_assert(!matches("http://api.example.com/", "api.example.com", NULL));
  ck_assert(matches("https://api.example.com:443/", "api.example.com", NULL));
  ck_assert(matches("https://api.example.com:/", "api.example.com", NULL));
  ck_assert(!matches("https://api.example.com:8443/", "api.example.com", NULL));
  ck_assert(matches("https://api.example.com:8443/", "api.example.com:8443", NULL));
  ck_assert(!matches("https://api.example.com/", "api.example.com:8443", NULL));
  ck_assert(matches("http://api.example.com/", "http://api.example.com", NULL));
  ck_assert(matches("http://api.example.com:80/", "HTTP://api.example.com", NULL));
  ck_assert(!matches("https://api.example.com/", "http://api.example.com", NULL));
  ck_assert(!matches("http://api.example.com:8080/", "http://api.example.com", NULL));
  ck_assert(matches("http://api.example.com:8080/", "http://api.example.com:8080", NULL));
  ck_assert(matches("https://api.example.com/", "https://api.example.com:443", NULL));
  ck_assert(matches("http://a.example.com:3000/x", "http://*.example.com:3000", NULL));
  ck_assert(!matches("ftp://api.example.com/", "api.example.com", NULL));
  ck_assert(bad_pattern("ftp://api.example.com"));
  ck_assert(bad_pattern("api.example.com:0"));
  ck_assert(bad_pattern("api.example.com:65536"));
  ck_assert(bad_pattern("api.example.com:http"));
  ck_assert(bad_pattern("api.example.com/path"));
  ck_assert(bad_pattern("user@api.example.com"));
  ck_assert(bad_pattern(""));
  ck_assert(!matches("https://api.example.com:99999/", "api.example.com", NULL));
  ck_assert(!matches("https://api.example.com:44x/", "api.example.com", NULL));
}
END_TEST

START_TEST(test_ip_literals)
{
  ck_assert(matches("http://127.0.0.1:8080/", "http://127.0.0.1:8080", NULL));
  ck_assert(!matches("http://127.0.0.2:8080/", "http://127.0.0.1:8080", NULL));
  ck_assert(bad_pattern("*.0.0.1"));
  ck_assert(bad_pattern("127.1"));
  ck_assert(bad_pattern("*.1"));
  /* forms a resolver reads as 127.0.0.1 are not host names */
  ck_assert(!matches("https://127.1/", "*.localhost", "127.0.0.1", NULL));
  ck_assert(!matches("https://0x7f.0.0.1/", "127.0.0.1", NULL));
  ck_assert(!matches("https://2130706433/", "127.0.0.1", NULL));
  ck_assert(matches("https://[::1]/", "[::1]", NULL));
  ck_assert(matches("https://[0:0:0:0:0:0:0:1]:443/", "[::1]", NULL));
  ck_assert(matches("http://[FE80::1]:8080/", "http://[fe80::1]:8080", NULL));
  ck_assert(!matches("https://[::2]/", "[::1]", NULL));
  ck_assert(!matches("https://[::1]/", "localhost", NULL));
  ck_assert(!matches("https://localhost/", "[::1]", NULL));
  ck_assert(bad_pattern("[::1"));
  ck_assert(bad_pattern("[zz::1]"));
}
END_TEST

START_TEST(test_trailing_dots)
{
  ck_assert(matches("https://api.example.com./", "api.example.com", NULL));
  ck_assert(matches("https://api.example.com/", "api.example.com.", NULL));
  ck_assert(matches("https://a.example.com./", "*.example.com", NULL));
  ck_assert(!matches("https://api.example.com../", "api.example.com", NULL));
  ck_assert(!matches("https://api..example.com/", "api.example.com", NULL));
  ck_assert(!matches("https://.api.example.com/", "*.example.com", NULL));
}
END_TEST

START_TEST(test_tricks)
{
  ck_assert(!matches("https://allowed.com@evil.com/", "allowed.com", NULL));
  ck_assert(!matches("https://allowed.com@evil.com/", "evil.com", NULL));
  ck_assert(!matches("https://user:pw@allowed.com/", "allowed.com", NULL));
  ck_assert(!matches("https://evil.com\\@allowed.com/", "allowed.com", NULL));
  ck_assert(!matches("https://evil.com\\.allowed.com/", "*.allowed.com", NULL));
  ck_assert(!matches("https://%61llowed.com/", "allowed.com", NULL));
  ck_assert(!matches("https://allowed%2ecom/", "allowed.com", NULL));
  ck_assert(!matches("https://evil.com%2f.allowed.com/", "*.allowed.com", NULL));
  ck_assert(!matches("https://allowed.com /", "allowed.com", NULL));
  ck_assert(!matches("https:///allowed.com/", "allowed.com", NULL));
  ck_assert(!matches("//allowed.com/", "allowed.com", NULL));
  ck_assert(!matches("https://allowed.com:443:443/", "allowed.com", NULL));
  ck_assert(!matches("https://[::1]evil.com/", "[::1]", NULL));
  /* the path may hold anything: only the authority counts */
  ck_assert(matches("https://allowed.com/@evil.com", "allowed.com", NULL));
  ck_assert(matches("https://allowed.com?u=http://evil.com", "allowed.com", NULL));
  /* the host named for the message */
  struct host_pattern p;
  char host[300];
  ck_assert(!host_pattern_parse("allowed.com", &p, NULL, 0));
  ck_assert(!host_pattern_match(&p, 1, "https://Evil.COM:8443/x", host, sizeof(host)));
  ck_assert_str_eq(host, "evil.com:8443");
  ck_assert(!host_pattern_match(&p, 1, "https://evil.com/x", host, sizeof(host)));
  ck_assert_str_eq(host, "evil.com");
}
END_TEST

/* ---- eviction (inline.c) ------------------------------------------------------------- */

static char tmpdir[256];

static void make_cache(const char *name, size_t size, time_t age)
{
  char p[512];
  snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
  close(fd);
  struct timeval tv[2];
  gettimeofday(&tv[0], NULL);
  tv[0].tv_sec -= age;
  tv[1] = tv[0];
  ck_assert_int_eq(utimes(p, tv), 0);
}

static int present(const char *name)
{
  char p[512];
  struct stat st;
  snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
  return stat(p, &st) == 0;
}

static void cleanup_dir(void)
{
  DIR *d = opendir(tmpdir);
  struct dirent *e;
  while(d && (e = readdir(d))) {
    char p[512];
    if(e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
      continue;
    snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
    unlink(p);
  }
  if(d)
    closedir(d);
  rmdir(tmpdir);
}

static void setup_dir(void)
{
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_inline.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

#define H(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
             c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c ".cache"

/* The independent review's cases (issue 17): IPv4 in other spellings, IPv4-mapped IPv6,
 * IDN, odd ports, controls in the authority. */
START_TEST(test_review_cases)
{
  ck_assert(!matches("https://evilexample.com/", "*.example.com", NULL));
  ck_assert(!matches("https://0177.0.0.1/", "127.0.0.1", NULL));
  ck_assert(!matches("https://127.000.000.001/", "127.0.0.1", NULL));
  ck_assert(!matches("https://0x7f000001/", "127.0.0.1", NULL));
  ck_assert(!matches("https://017700000001/", "127.0.0.1", NULL));
  ck_assert(!matches("https://127.0.0.1.example.com/", "127.0.0.1", NULL));
  ck_assert(matches("https://127.0.0.1.example.com/", "*.example.com", NULL));
  ck_assert(!matches("https://[::ffff:127.0.0.1]/", "127.0.0.1", NULL));
  ck_assert(!matches("https://127.0.0.1/", "[::ffff:127.0.0.1]", NULL));
  ck_assert(matches("https://[::ffff:7f00:1]/", "[::ffff:127.0.0.1]", NULL));
  ck_assert(!matches("https://[fe80::1%25eth0]/", "[fe80::1]", NULL));
  ck_assert(!matches("http://169.254.169.254/latest/", "*.amazonaws.com", NULL));
  ck_assert(!matches("https://b\xc3\xbc" "cher.example.com/", "*.example.com", NULL));
  ck_assert(matches("https://xn--bcher-kva.example.com/", "*.example.com", NULL));
  ck_assert(matches("https://XN--BCHER-KVA.example.com/", "xn--bcher-kva.example.com", NULL));
  ck_assert(bad_pattern("b\xc3\xbc" "cher.example.com"));
  ck_assert(!matches("https://allowed.com\t.evil.com/", "allowed.com", NULL));
  ck_assert(!matches("https://allowed.com\n/", "allowed.com", NULL));
  ck_assert(!matches("https://allowed.com;@evil.com/", "allowed.com", NULL));
  ck_assert(!matches("https:allowed.com/", "allowed.com", NULL));
  ck_assert(!matches("https:/allowed.com/", "allowed.com", NULL));
  ck_assert(!matches(" https://evil.com/", "evil.com", NULL));
  ck_assert(matches("https://allowed.com:0443/", "allowed.com", NULL));
  ck_assert(!matches("https://allowed.com:443/", "http://allowed.com:443", NULL));
  ck_assert(matches("http://allowed.com:443/", "http://allowed.com:443", NULL));
  ck_assert(!matches("https://allowed.com:80/", "http://allowed.com", NULL));
}
END_TEST

START_TEST(test_evict_count)
{
  setup_dir();
  make_cache(H("a"), 100, 50);     /* oldest */
  make_cache(H("b"), 100, 40);
  make_cache(H("c"), 100, 30);
  make_cache(H("d"), 100, 10);
  make_cache(H("e"), 100, 60);     /* older still, but the one just compiled */
  make_cache("notes.txt", 100, 100);   /* not a cache: never touched */
  unsigned removed = inline_evict(tmpdir, 3, 1u << 30, H("e"));
  ck_assert_uint_eq(removed, 2);
  ck_assert(!present(H("a")));
  ck_assert(!present(H("b")));
  ck_assert(present(H("c")));
  ck_assert(present(H("d")));
  ck_assert(present(H("e")));
  ck_assert(present("notes.txt"));
  ck_assert_uint_eq(inline_evict(tmpdir, 3, 1u << 30, NULL), 0);
  cleanup_dir();
}
END_TEST

START_TEST(test_evict_bytes)
{
  setup_dir();
  make_cache(H("a"), 4000, 50);
  make_cache(H("b"), 3000, 40);
  make_cache(H("c"), 2000, 30);
  make_cache(H("d"), 1000, 10);
  /* 10000 bytes, at most 6000: a (4000) goes, then 6000 are left */
  ck_assert_uint_eq(inline_evict(tmpdir, 100, 6000, NULL), 1);
  ck_assert(!present(H("a")));
  ck_assert(present(H("b")) && present(H("c")) && present(H("d")));
  /* at most 2500: b and c go; d is the newest */
  ck_assert_uint_eq(inline_evict(tmpdir, 100, 2500, NULL), 2);
  ck_assert(present(H("d")));
  cleanup_dir();
}
END_TEST

/* ---- describe (inline.c): Schema Value listed after Schema URL ----------------------- */

START_TEST(test_describe)
{
  struct buf head, out;
  buf_init(&head);
  buf_init(&out);
  flow_describe_head(&head, 1);
  buf_puts(&head, ",\"install\":{\"typeElements\":[]}}");
  ck_assert_int_eq(inline_describe(head.data, head.len, &out), 0);
  cJSON *j = cJSON_ParseWithLength(out.data, out.len);
  ck_assert_ptr_nonnull(j);
  const cJSON *cv = cJSON_GetObjectItemCaseSensitive(j, "configurationValues");
  ck_assert_int_eq(cJSON_GetArraySize(cv), CFG_COUNT + 1);
  for(int i = 0; i <= CFG_COUNT; i++) {
    const cJSON *v = cJSON_GetArrayItem(cv, i);
    const char *name = cJSON_GetObjectItemCaseSensitive(v, "developerName")->valuestring;
    const char *want = i == 0 ? "Schema URL" : i == 1 ? "Schema Value" :
                       flow_config_names[i - 1];
    ck_assert_str_eq(name, want);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(v, "ordinal")->valueint, i);
    /* with Schema Value listed, nothing is required (product.md §4) */
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(v, "required")));
  }
  /* the rest of the body is kept */
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "providesIdentity")));
  ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(j, "install"));
  cJSON_Delete(j);
  /* a body of another shape is left alone */
  buf_reset(&out);
  ck_assert_int_eq(inline_describe("{\"x\":1}", 7, &out), -1);
  ck_assert_uint_eq(out.len, 0);
  /* without the option the compiled head is unchanged: Schema URL required */
  ck_assert_ptr_nonnull(strstr(head.data, "\"developerName\":\"Schema URL\",\"contentValue\":"
                               "null,\"contentType\":\"ContentString\",\"typeElementDeveloper"
                               "Name\":null,\"ordinal\":0,\"order\":0,\"required\":true"));
  ck_assert_ptr_null(strstr(head.data, "Schema Value"));
  buf_free(&head);
  buf_free(&out);
}
END_TEST

/* A cache removed between the compiler's rename and the worker's open (another process's
 * eviction, with a small --inline-max and many compiles at once) is compiled again, not a
 * 500. The fake compiler's first run exits 0 and leaves no cache (as if evicted at once);
 * its second runs the real compiler. */
#define REAL_COMPILER "src/compile/openapi-connector-compile"
static const char pet_doc[] =
  "openapi: 3.0.3\n"
  "info: {title: t, version: '1'}\n"
  "servers: [{url: 'https://api.example.com'}]\n"
  "paths:\n"
  "  /pets:\n"
  "    get:\n"
  "      responses: {'200': {description: ok, content: {application/json: {schema: "
  "{type: array, items: {$ref: '#/components/schemas/Pet'}}}}}}\n"
  "components:\n"
  "  schemas:\n"
  "    Pet:\n"
  "      x-flow-type: {name: Pet}\n"
  "      x-flow-query: {path: /pets, operation: get}\n"
  "      type: object\n"
  "      properties: {id: {type: string}}\n";

START_TEST(test_evicted_before_open)
{
  ck_assert_msg(!access(REAL_COMPILER, X_OK), "%s: run from the build directory",
                REAL_COMPILER);
  setup_dir();
  char real[4096], script[4200], marker[4200], body[13000];
  ck_assert_ptr_nonnull(realpath(REAL_COMPILER, real));
  snprintf(script, sizeof(script), "%s/.fake-compiler", tmpdir);
  snprintf(marker, sizeof(marker), "%s/.fake-ran", tmpdir);
  snprintf(body, sizeof(body), "#!/bin/sh\nif [ ! -e '%s' ]; then : > '%s'; exit 0; fi\n"
           "exec '%s' \"$@\"\n", marker, marker, real);
  int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0700);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, body, strlen(body)), (ssize_t)strlen(body));
  close(fd);
  struct inline_opts o;
  memset(&o, 0, sizeof(o));
  o.dir = tmpdir;
  o.compiler = script;
  o.allow_hosts[0] = "api.example.com";
  o.nallow_hosts = 1;
  struct inline_state *s = inline_new(&o, 1);
  ck_assert_ptr_nonnull(s);
  struct problem p;
  memset(&p, 0, sizeof(p));
  const char *reg = NULL;
  struct cache *c = inline_get(s, pet_doc, sizeof(pet_doc) - 1, 30000, &reg, &p);
  ck_assert_msg(c != NULL, "%d %s", p.status, p.msg);
  ck_assert_ptr_nonnull(reg);
  ck_assert(!strncmp(reg, "inline:", 7));
  inline_free(s);
  cleanup_dir();
}
END_TEST

/* Is PID gone (or a zombie waiting for its new parent)? */
static int gone(pid_t pid)
{
  char f[64], st[512];
  snprintf(f, sizeof(f), "/proc/%ld/stat", (long)pid);
  FILE *fp = fopen(f, "r");
  if(!fp)
    return 1;
  size_t n = fread(st, 1, sizeof(st) - 1, fp);
  fclose(fp);
  st[n] = '\0';
  const char *rp = strrchr(st, ')');
  return rp && (rp[2] == 'Z' || rp[2] == 'X');
}

/* A worker killed (SIGKILL) during a compile leaves no compiler running on without limit. */
START_TEST(test_compiler_dies_with_worker)
{
  setup_dir();
  char script[4200], pidf[4200], body[13000];
  snprintf(script, sizeof(script), "%s/.slow-compiler", tmpdir);
  snprintf(pidf, sizeof(pidf), "%s/.slow-pid", tmpdir);
  snprintf(body, sizeof(body), "#!/bin/sh\necho $$ > '%s.tmp'; mv '%s.tmp' '%s'\n"
           "exec sleep 60\n", pidf, pidf, pidf);
  int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0700);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, body, strlen(body)), (ssize_t)strlen(body));
  close(fd);
  pid_t w = fork();
  ck_assert_int_ge(w, 0);
  if(w == 0) {
    struct inline_opts o;
    memset(&o, 0, sizeof(o));
    o.dir = tmpdir;
    o.compiler = script;
    o.allow_hosts[0] = "api.example.com";
    o.nallow_hosts = 1;
    o.timeout_ms = 60000;
    struct inline_state *s = inline_new(&o, 1);
    struct problem p;
    const char *reg;
    inline_get(s, "x", 1, 60000, &reg, &p);
    _exit(0);
  }
  long pid = 0;
  for(int i = 0; i < 500 && !pid; i++) {
    FILE *fp = fopen(pidf, "r");
    if(fp) {
      if(fscanf(fp, "%ld", &pid) != 1)
        pid = 0;
      fclose(fp);
    }
    if(!pid)
      usleep(10000);
  }
  ck_assert_msg(pid > 0, "the compiler did not start");
  kill(w, SIGKILL);
  waitpid(w, NULL, 0);
  int dead = 0;
  for(int i = 0; i < 200 && !(dead = gone((pid_t)pid)); i++)
    usleep(10000);
  if(!dead)
    kill((pid_t)pid, SIGKILL);
  ck_assert_msg(dead, "the compiler (pid %ld) runs on after its worker was killed", pid);
  cleanup_dir();
}
END_TEST

/* A compile killed at --inline-timeout while the compiler writes its temporary file
 * ("<cache>.tmp.<pid>", which eviction does not count) leaves nothing in DIR. */
START_TEST(test_killed_compile_leaves_no_tmp)
{
  setup_dir();
  char script[4200];
  snprintf(script, sizeof(script), "%s/.tmp-compiler", tmpdir);
  static const char body[] =
    "#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ \"$1\" = -o ]; then out=$2; fi; shift; done\n"
    "echo partial > \"$out.tmp.$$\"\nexec sleep 30\n";
  int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0700);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
  close(fd);
  struct inline_opts o;
  memset(&o, 0, sizeof(o));
  o.dir = tmpdir;
  o.compiler = script;
  o.allow_hosts[0] = "api.example.com";
  o.nallow_hosts = 1;
  o.timeout_ms = 700;
  struct inline_state *s = inline_new(&o, 1);
  ck_assert_ptr_nonnull(s);
  struct problem p;
  memset(&p, 0, sizeof(p));
  const char *reg = NULL;
  ck_assert_ptr_null(inline_get(s, "x: 1\n", 5, 30000, &reg, &p));
  ck_assert_int_eq(p.status, 400);
  ck_assert_ptr_nonnull(strstr(p.msg, "--inline-timeout"));
  inline_free(s);
  DIR *d = opendir(tmpdir);
  ck_assert_ptr_nonnull(d);
  struct dirent *e;
  while((e = readdir(d)))
    ck_assert_msg(e->d_name[0] == '.', "left in DIR: %s", e->d_name);
  closedir(d);
  cleanup_dir();
}
END_TEST

/* The operator narrows --allow-host and restarts: a Schema Value compiled under the old
 * patterns must not be served from DIR; it compiles again under the new ones (refused). */
START_TEST(test_patterns_narrowed)
{
  ck_assert_msg(!access(REAL_COMPILER, X_OK), "%s: run from the build directory",
                REAL_COMPILER);
  setup_dir();
  struct inline_opts o;
  memset(&o, 0, sizeof(o));
  o.dir = tmpdir;
  o.compiler = REAL_COMPILER;
  o.allow_hosts[0] = "api.example.com";
  o.nallow_hosts = 1;
  struct inline_state *s = inline_new(&o, 1);
  struct problem p;
  memset(&p, 0, sizeof(p));
  const char *reg = NULL;
  ck_assert_msg(inline_get(s, pet_doc, sizeof(pet_doc) - 1, 30000, &reg, &p) != NULL, "%s",
                p.msg);
  inline_free(s);
  o.allow_hosts[0] = "other.example.com";
  s = inline_new(&o, 1);
  memset(&p, 0, sizeof(p));
  ck_assert_ptr_null(inline_get(s, pet_doc, sizeof(pet_doc) - 1, 30000, &reg, &p));
  ck_assert_int_eq(p.status, 400);
  ck_assert_ptr_nonnull(strstr(p.msg, "api.example.com"));
  inline_free(s);
  cleanup_dir();
}
END_TEST

/* A lock left by a worker killed during its compile (its pid written in it, no longer
 * running) is taken over at once, not after --inline-timeout and a margin. */
START_TEST(test_dead_holder_lock)
{
  ck_assert_msg(!access(REAL_COMPILER, X_OK), "%s: run from the build directory",
                REAL_COMPILER);
  setup_dir();
  struct inline_opts o;
  memset(&o, 0, sizeof(o));
  o.dir = tmpdir;
  o.compiler = REAL_COMPILER;
  o.allow_hosts[0] = "api.example.com";
  o.nallow_hosts = 1;
  struct inline_state *s = inline_new(&o, 1);
  struct problem p;
  memset(&p, 0, sizeof(p));
  const char *reg = NULL;
  ck_assert_msg(inline_get(s, pet_doc, sizeof(pet_doc) - 1, 30000, &reg, &p) != NULL, "%s",
                p.msg);
  char hex[80], path[512], lock[512];
  snprintf(hex, sizeof(hex), "%s", reg + 7);
  inline_free(s);
  snprintf(path, sizeof(path), "%s/%s.cache", tmpdir, hex);
  snprintf(lock, sizeof(lock), "%s/%s.lock", tmpdir, hex);
  ck_assert_int_eq(unlink(path), 0);
  /* a pid that ran and is gone */
  pid_t dead = fork();
  ck_assert_int_ge(dead, 0);
  if(!dead)
    _exit(0);
  waitpid(dead, NULL, 0);
  FILE *fp = fopen(lock, "w");
  ck_assert_ptr_nonnull(fp);
  fprintf(fp, "%ld\n", (long)dead);
  fclose(fp);
  s = inline_new(&o, 1);
  memset(&p, 0, sizeof(p));
  ck_assert_msg(inline_get(s, pet_doc, sizeof(pet_doc) - 1, 3000, &reg, &p) != NULL,
                "%d %s", p.status, p.msg);
  inline_free(s);
  ck_assert(access(lock, F_OK));
  cleanup_dir();
}
END_TEST

/* DIR holds caches the worker trusts as compiled and checked: one that other users may
 * write into (a pre-made /tmp/x, mode 0777) is refused at start-up. */
START_TEST(test_dir_others_writable)
{
  setup_dir();
  struct inline_opts o;
  memset(&o, 0, sizeof(o));
  o.dir = tmpdir;
  o.compiler = REAL_COMPILER;
  o.allow_hosts[0] = "api.example.com";
  o.nallow_hosts = 1;
  char why[512] = "";
  ck_assert_msg(!inline_opts_check(&o, why, sizeof(why)), "%s", why);
  ck_assert_int_eq(chmod(tmpdir, 0777), 0);
  ck_assert_int_eq(inline_opts_check(&o, why, sizeof(why)), -1);
  ck_assert_msg(strstr(why, "other users"), "%s", why);
  ck_assert_int_eq(chmod(tmpdir, 0770), 0);
  ck_assert_int_eq(inline_opts_check(&o, why, sizeof(why)), -1);
  ck_assert_int_eq(chmod(tmpdir, 0755), 0);
  ck_assert_msg(!inline_opts_check(&o, why, sizeof(why)), "%s", why);
  cleanup_dir();
}
END_TEST

/* A document whose own text says "out of memory" (quoted in a positioned diagnostic) is a
 * document error carrying its diagnostics, not the memory limit. A compiler message of
 * its own (no position) saying so is the limit. */
static void fake_stderr_compile(const char *line, int *status, char *msg, size_t msglen)
{
  setup_dir();
  char script[4200], body[1200];
  snprintf(script, sizeof(script), "%s/.say-compiler", tmpdir);
  snprintf(body, sizeof(body), "#!/bin/sh\necho '%s' >&2\nexit 1\n", line);
  int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0700);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, body, strlen(body)), (ssize_t)strlen(body));
  close(fd);
  struct inline_opts o;
  memset(&o, 0, sizeof(o));
  o.dir = tmpdir;
  o.compiler = script;
  o.allow_hosts[0] = "api.example.com";
  o.nallow_hosts = 1;
  struct inline_state *s = inline_new(&o, 1);
  struct problem p;
  memset(&p, 0, sizeof(p));
  const char *reg;
  ck_assert_ptr_null(inline_get(s, "x: 1\n", 5, 30000, &reg, &p));
  *status = p.status;
  snprintf(msg, msglen, "%s", p.msg);
  inline_free(s);
  cleanup_dir();
}

START_TEST(test_oom_words_in_document)
{
  int st;
  char msg[PROBLEM_MSG_MAX];
  fake_stderr_compile("<stdin>:3:7: error: $ref '\"'\"'out of memory'\"'\"' names another file",
                      &st, msg, sizeof(msg));
  ck_assert_int_eq(st, 400);
  ck_assert_msg(strstr(msg, "does not compile") && strstr(msg, "Schema Value:3:7"), "%s", msg);
  fake_stderr_compile("openapi-connector-compile: out of memory", &st, msg, sizeof(msg));
  ck_assert_int_eq(st, 400);
  ck_assert_msg(strstr(msg, "--inline-memory"), "%s", msg);
}
END_TEST

/* A new compiler (an upgrade, perhaps with a check the old one lacked) compiles DIR's
 * values again instead of serving caches the old one wrote. */
START_TEST(test_new_compiler_recompiles)
{
  ck_assert_msg(!access(REAL_COMPILER, X_OK), "%s: run from the build directory",
                REAL_COMPILER);
  setup_dir();
  char real[4096], script[4200], count[4200], body[13000];
  ck_assert_ptr_nonnull(realpath(REAL_COMPILER, real));
  snprintf(script, sizeof(script), "%s/.counting-compiler", tmpdir);
  snprintf(count, sizeof(count), "%s/.runs", tmpdir);
  for(int version = 1; version <= 2; version++) {
    snprintf(body, sizeof(body), "#!/bin/sh\n# version %d%s\necho run >> '%s'\n"
             "exec '%s' \"$@\"\n", version, version > 1 ? " (upgraded)" : "", count, real);
    unlink(script);
    int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    close(fd);
    struct inline_opts o;
    memset(&o, 0, sizeof(o));
    o.dir = tmpdir;
    o.compiler = script;
    o.allow_hosts[0] = "api.example.com";
    o.nallow_hosts = 1;
    struct inline_state *s = inline_new(&o, 1);
    struct problem p;
    memset(&p, 0, sizeof(p));
    const char *reg = NULL;
    ck_assert_msg(inline_get(s, pet_doc, sizeof(pet_doc) - 1, 30000, &reg, &p) != NULL, "%s",
                  p.msg);
    inline_free(s);
  }
  FILE *fp = fopen(count, "r");
  ck_assert_ptr_nonnull(fp);
  int runs = 0;
  char line[64];
  while(fgets(line, sizeof(line), fp))
    runs++;
  fclose(fp);
  ck_assert_int_eq(runs, 2);
  cleanup_dir();
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("inline");
  TCase *tc = tcase_create("host_pattern");
  tcase_add_test(tc, test_exact_and_case);
  tcase_add_test(tc, test_wildcards);
  tcase_add_test(tc, test_ports_and_schemes);
  tcase_add_test(tc, test_ip_literals);
  tcase_add_test(tc, test_trailing_dots);
  tcase_add_test(tc, test_tricks);
  tcase_add_test(tc, test_review_cases);
  suite_add_tcase(s, tc);
  tc = tcase_create("evict");
  tcase_add_test(tc, test_evict_count);
  tcase_add_test(tc, test_evict_bytes);
  tcase_add_test(tc, test_evicted_before_open);
  tcase_add_test(tc, test_compiler_dies_with_worker);
  tcase_add_test(tc, test_killed_compile_leaves_no_tmp);
  tcase_add_test(tc, test_patterns_narrowed);
  tcase_add_test(tc, test_dead_holder_lock);
  tcase_add_test(tc, test_dir_others_writable);
  tcase_add_test(tc, test_oom_words_in_document);
  tcase_add_test(tc, test_new_compiler_recompiles);
  suite_add_tcase(s, tc);
  tc = tcase_create("describe");
  tcase_add_test(tc, test_describe);
  suite_add_tcase(s, tc);
  return s;
}
