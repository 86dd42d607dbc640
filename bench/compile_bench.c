/* compile_bench.c - how the compile step compares with libyaml alone on one document.
 *
 * Usage: compile_bench [-n RUNS] [--server URL] [--overlay OVERLAY]... FILE
 *        compile_bench --each [-n RUNS] [--server URL] FILE...|-
 *
 * Reads FILE into memory once, then alternates RUNS times (default 5, after one untimed
 * warm-up of each):
 *   load     yaml_parser_load() of the whole document into a yaml_document_t
 *   compile  compile_document() (load into the project's tree, $ref, x-flow, types, plans,
 *            describe JSON) + describe_build() if it was not built + cache_build_image()
 * Both read the same in-memory bytes, and neither counts its teardown. Prints one
 * "key value" line per figure (medians, MB/s, ratio compile/load, cache size); bench/compile
 * turns them into the table of BENCHMARKS.md. Run by bench/compile, built on demand with
 * make bench/compile_bench (never by default).
 *
 * --overlay OVERLAY (repeatable; product.md §17's overlay row): a third step joins the
 * alternation, the same full compile with the overlays applied (compile_opts.overlays, as
 * the compiler's --overlay: each overlay file read and applied on every run), and the
 * figures of that step follow (overlay_median_ms ..., overlay_ratio = its median / the
 * plain compile's median).
 *
 * --each (make check-corpus, scripts/check-corpus.sh): one line per FILE (FILE "-": the
 * file names are read from stdin, one a line), tab-separated: path, bytes, load ms, compile
 * ms, status (ok, yaml-error, compile-error, read-error), types; each figure is the
 * minimum of RUNS (default 3) alternated runs, no separate warm-up, in CPU time (user +
 * system, CLOCK_PROCESS_CPUTIME_ID: the corpus check runs jobs side by side). --server is the
 * compiler's --server (a document without a usable server URL compiles).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "common/buf.h"
#include "common/mem.h"
#include "compile/cache_write.h"
#include "compile/compile.h"

/* Wall time, or (--each) the process's CPU time, user + system: --each runs beside other
 * jobs, and a compile preempted for a while is not a slower compile. */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(bench_clock, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof(*v), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int read_file(const char *path, char **data, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if(!f) {
    fprintf(stderr, "compile_bench: %s: %s\n", path, strerror(errno));
    return -1;
  }
  struct buf b;
  buf_init(&b);
  char chunk[65536];
  size_t n;
  while((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    buf_append(&b, chunk, n);
  int err = ferror(f);
  fclose(f);
  if(err || buf_failed(&b)) {
    fprintf(stderr, "compile_bench: %s: read failed\n", path);
    buf_free(&b);
    return -1;
  }
  *data = buf_steal(&b, len);
  if(!*data) {
    /* an empty file: give the callers a valid pointer */
    *data = oac_malloc(1);
    if(!*data)
      return -1;
    (*data)[0] = '\0';
  }
  return 0;
}

static const char *server;   /* --server */
/* --overlay (product.md §17): applied by run_compile when its USE_OVERLAYS is set */
static const char **overlays;
static size_t noverlays;
static int quiet_failures;   /* --each: the status column says it */

/* libyaml alone: events -> yaml_document_t. Returns ms, or -1 on a YAML error. */
static double run_load(const char *data, size_t len, size_t *nodes)
{
  yaml_parser_t p;
  yaml_document_t doc;
  if(!yaml_parser_initialize(&p))
    return -1;
  double t0 = now_ms();
  yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
  int ok = yaml_parser_load(&p, &doc);
  double t1 = now_ms();
  if(!ok) {
    if(!quiet_failures)
      fprintf(stderr, "compile_bench: libyaml: %s at offset %zu\n",
              p.problem ? p.problem : "error", p.problem_offset);
    yaml_parser_delete(&p);
    return -1;
  }
  if(nodes)
    *nodes = (size_t)(doc.nodes.top - doc.nodes.start);
  yaml_document_delete(&doc);
  yaml_parser_delete(&p);
  return t1 - t0;
}

/* The full compile, up to the cache image in memory. Returns ms, or -1 on failure. */
static double run_compile(const char *path, const char *data, size_t len, size_t *cache_size,
                          size_t *ntypes, unsigned *warnings, int use_overlays)
{
  struct compile_opts o;
  struct diag d;
  struct doc_set s;
  struct model m;
  struct buf img;
  memset(&o, 0, sizeof(o));
  o.source = path;
  o.server = server;
  o.data = data;
  o.data_len = len;
  if(use_overlays) {
    o.overlays = overlays;
    o.noverlays = noverlays;
  }
  diag_init(&d, NULL);
  doc_set_init(&s, &d);
  model_init(&m);
  buf_init(&img);

  double t0 = now_ms();
  enum oac_result r = compile_document(&o, &s, &d, &m);
  if(!r && !m.describe)
    r = describe_build(&m);
  if(!r)
    r = cache_build_image(&m, &img);
  double t1 = now_ms();

  double ms = t1 - t0;
  if(r) {
    if(!quiet_failures) {
      fprintf(stderr, "compile_bench: compile failed: %s\n", oac_result_str(r));
      if(d.text.data)
        fprintf(stderr, "%.2000s", d.text.data);
    }
    ms = -1;
  }
  else {
    if(cache_size)
      *cache_size = img.len;
    if(ntypes)
      *ntypes = m.ntypes;
    if(warnings)
      *warnings = d.warnings;
  }
  buf_free(&img);
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
  return ms;
}

/* --each: one line per document (see the head comment). Returns 0, or 2 on a read error
 * of the list itself. */
static void each_one(const char *path, int runs)
{
  char *data;
  size_t len;
  if(read_file(path, &data, &len)) {
    printf("%s\t0\t-1\t-1\tread-error\t0\n", path);
    fflush(stdout);
    return;
  }
  double lmin = -1, cmin = -1;
  size_t ntypes = 0;
  const char *status = "ok";
  for(int i = 0; i < runs; i++) {
    double l = run_load(data, len, NULL);
    if(l < 0) {
      status = "yaml-error";
      break;
    }
    double c = run_compile(path, data, len, NULL, &ntypes, NULL, 1);
    if(c < 0) {
      status = "compile-error";
      lmin = l;
      break;
    }
    if(lmin < 0 || l < lmin)
      lmin = l;
    if(cmin < 0 || c < cmin)
      cmin = c;
  }
  printf("%s\t%zu\t%.3f\t%.3f\t%s\t%zu\n", path, len, lmin, cmin, status, ntypes);
  fflush(stdout);
  oac_free(data);
}

static int each(char **files, int nfiles, int runs)
{
  quiet_failures = 1;
  bench_clock = CLOCK_PROCESS_CPUTIME_ID;
  if(nfiles == 1 && !strcmp(files[0], "-")) {
    char line[8192];
    while(fgets(line, sizeof(line), stdin)) {
      size_t n = strlen(line);
      while(n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
      if(n)
        each_one(line, runs);
    }
    return ferror(stdin) ? 2 : 0;
  }
  for(int i = 0; i < nfiles; i++)
    each_one(files[i], runs);
  return 0;
}

int main(int argc, char **argv)
{
  int runs = -1, each_mode = 0, nfiles = 0;
  const char *path = NULL;
  char **files = oac_malloc((size_t)argc * sizeof(*files));
  overlays = oac_malloc((size_t)argc * sizeof(*overlays));
  if(!files || !overlays)
    return 2;
  for(int i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "-n") && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if(*end || v < 1 || v > 1000) {
        fprintf(stderr, "compile_bench: -n wants 1..1000\n");
        return 2;
      }
      runs = (int)v;
    }
    else if(!strcmp(argv[i], "--server") && i + 1 < argc)
      server = argv[++i];
    else if(!strcmp(argv[i], "--overlay") && i + 1 < argc)
      overlays[noverlays++] = argv[++i];
    else if(!strcmp(argv[i], "--each"))
      each_mode = 1;
    else if(argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "usage: compile_bench [-n RUNS] [--server URL] [--overlay OVERLAY]... "
                      "FILE\n"
                      "       compile_bench --each [-n RUNS] [--server URL] FILE...|-\n");
      return 2;
    }
    else
      path = files[nfiles++] = argv[i];
  }
  if(each_mode) {
    int r = nfiles ? each(files, nfiles, runs < 0 ? 3 : runs) : 2;
    oac_free(files);
    oac_free(overlays);
    if(!nfiles)
      fprintf(stderr, "usage: compile_bench --each [-n RUNS] [--server URL] FILE...|-\n");
    return r;
  }
  oac_free(files);
  if(runs < 0)
    runs = 5;
  if(!noverlays) {
    oac_free(overlays);
    overlays = NULL;
  }
  if(!path || nfiles != 1) {
    fprintf(stderr, "usage: compile_bench [-n RUNS] [--server URL] [--overlay OVERLAY]... "
                    "FILE\n");
    return 2;
  }

  char *data;
  size_t len;
  if(read_file(path, &data, &len))
    return 2;

  double *load = calloc((size_t)runs, sizeof(double));
  double *comp = calloc((size_t)runs, sizeof(double));
  double *ovl = calloc((size_t)runs, sizeof(double));
  if(!load || !comp || !ovl) {
    fprintf(stderr, "compile_bench: out of memory\n");
    return 2;
  }
  size_t nodes = 0, cache_size = 0, ntypes = 0, ov_cache_size = 0, ov_ntypes = 0;
  unsigned warnings = 0, ov_warnings = 0;
  int rc = 0;

  /* warm-up, untimed: page in the code, let malloc grow its arenas */
  if(run_load(data, len, &nodes) < 0 ||
     run_compile(path, data, len, &cache_size, &ntypes, &warnings, 0) < 0 ||
     (noverlays &&
      run_compile(path, data, len, &ov_cache_size, &ov_ntypes, &ov_warnings, 1) < 0)) {
    rc = 1;
    goto out;
  }
  for(int i = 0; i < runs; i++) {
    load[i] = run_load(data, len, NULL);
    /* with overlays, the two compiles take turns going first */
    if(noverlays && i % 2)
      ovl[i] = run_compile(path, data, len, NULL, NULL, NULL, 1);
    comp[i] = run_compile(path, data, len, NULL, NULL, NULL, 0);
    if(noverlays && !(i % 2))
      ovl[i] = run_compile(path, data, len, NULL, NULL, NULL, 1);
    if(load[i] < 0 || comp[i] < 0 || (noverlays && ovl[i] < 0)) {
      rc = 1;
      goto out;
    }
  }

  double load_min = load[0], comp_min = comp[0];
  for(int i = 1; i < runs; i++) {
    if(load[i] < load_min)
      load_min = load[i];
    if(comp[i] < comp_min)
      comp_min = comp[i];
  }
  double lm = median(load, runs), cm = median(comp, runs);
  double mb = (double)len / 1e6;
  printf("file %s\n", path);
  printf("bytes %zu\n", len);
  printf("runs %d\n", runs);
  printf("yaml_nodes %zu\n", nodes);
  printf("load_median_ms %.1f\n", lm);
  printf("load_min_ms %.1f\n", load_min);
  printf("load_mb_s %.1f\n", mb / (lm / 1e3));
  printf("compile_median_ms %.1f\n", cm);
  printf("compile_min_ms %.1f\n", comp_min);
  printf("compile_mb_s %.1f\n", mb / (cm / 1e3));
  printf("ratio %.2f\n", cm / lm);
  printf("cache_bytes %zu\n", cache_size);
  printf("types %zu\n", ntypes);
  printf("warnings %u\n", warnings);
  if(noverlays) {
    double ov_min = ovl[0];
    for(int i = 1; i < runs; i++)
      if(ovl[i] < ov_min)
        ov_min = ovl[i];
    double om = median(ovl, runs);
    printf("overlays %zu\n", noverlays);
    printf("overlay_median_ms %.1f\n", om);
    printf("overlay_min_ms %.1f\n", ov_min);
    printf("overlay_mb_s %.1f\n", mb / (om / 1e3));
    printf("overlay_ratio %.2f\n", om / cm);
    printf("overlay_cache_bytes %zu\n", ov_cache_size);
    printf("overlay_types %zu\n", ov_ntypes);
    printf("overlay_warnings %u\n", ov_warnings);
  }

out:
  free(load);
  free(comp);
  free(ovl);
  oac_free(data);
  oac_free(overlays);
  return rc;
}
