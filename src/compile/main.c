/* main.c - openapi-connector-compile: the command line around compile_document().
 * Exit status: 0 ok, 1 the document has errors, 2 usage or I/O errors. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "compile.h"
#include "cache_write.h"
#include "../cache/cache.h"
#include "../flow/host_pattern.h"     /* --allow-host (§15.4) */
#include "overlay.h"              /* overlays (issue 17, §15.1) */
#include "../common/mem.h"

#ifndef OAC_DEFAULT_CACHE_DIR
#define OAC_DEFAULT_CACHE_DIR "/var/lib/openapi-connector/spec-cache"
#endif

static void usage(FILE *f)
{
  fprintf(f,
    "usage: openapi-connector-compile [OPTIONS] SOURCE\n"
    "       openapi-connector-compile [OPTIONS] --overlay FILE... [SOURCE]\n"
    "Compile an OpenAPI 3 document (YAML or JSON, file or http(s) URL) with x-flow-*\n"
    "extensions into a binary spec cache for openapi-connector.\n\n"
    "  --check            validate only, write nothing\n"
    "  --list             print every generated type, its properties and operations\n"
    "  --as URL           register the cache under URL (the connector's Schema URL);\n"
    "                     default: SOURCE as written\n"
    "  --server URL       one more upstream base URL, the default (the document's\n"
    "                     servers stay allowed; default: its first)\n"
    "  --server-variable NAME=V1,V2\n"
    "                     the allowed values of server variable NAME (a subset of its\n"
    "                     enum); repeatable (default: $OPENAPI_CONNECTOR_SERVER_VARIABLE,\n"
    "                     NAME=V1,V2;NAME2=V3...)\n"
    "  -o, --output FILE  write the cache to FILE instead of the cache directory\n"
    "  --cache-dir DIR    cache directory (default: $OPENAPI_CONNECTOR_CACHE_DIR,\n"
    "                     else %s)\n"
    "  --ca-file FILE     CA bundle for https downloads\n"
    /* inline documents (issue 17, §15.4) */
    "  --offline          open nothing but SOURCE: file or URL $refs, externalValue,\n"
    "                     openIdConnectUrl and relative server URLs are errors\n"
    "  --allow-host PATTERN\n"
    "                     every URL of the document must match a pattern\n"
    "                     [http://|https://]host[:port] (host exact or *.domain);\n"
    "                     repeatable\n"
    "  SOURCE -           read the document from standard input\n"
    "  --overlay FILE     apply an OpenAPI Overlay (1.0 or 1.1, YAML or JSON) to SOURCE\n"
    "                     first; repeatable, applied in order. Without SOURCE, the first\n"
    "                     overlay's `extends` names the document\n"
    "  --print-document   print the document after the overlays as JSON, write no cache\n"
    /* issue 17: --infer, --emit-overlay (product.md §15.3) */
    "  --infer[=all|crud] add CRUD marks and actions inferred from REST conventions\n"
    "                     (crud: CRUD marks only); explicit marks always win\n"
    "  --emit-overlay FILE\n"
    "                     with --infer: write what was inferred as an Overlay 1.1\n"
    "                     document, to review and keep (--overlay FILE, no --infer)\n"
    "  -q, --quiet        no summary line\n"
    "  -h, --help         this help\n"
    "  -V, --version      print the version\n\n"
    "Diagnostics: FILE:LINE:COL: error|warning: message\n"
    "Exit status: 0 ok, 1 the document has errors, 2 usage or I/O errors.\n",
    OAC_DEFAULT_CACHE_DIR);
}

static int exit_for(enum oac_result r)
{
  return r == OAC_OK ? 0 : r == OAC_EDOC || r == OAC_ELIMIT ? 1 : 2;
}

/* "4 actions, " for the summary line, or "" for a document without message actions */
static const char *actions_count(const struct model *m, char *buf, size_t size)
{
  if(!m->nactions)
    return "";
  snprintf(buf, size, "%zu action%s, ", m->nactions, m->nactions == 1 ? "" : "s");
  return buf;
}

/* overlays (§15.1): --print-document writes the root document after the overlays to stdout
 * as JSON (to compare with the OAI compliant sets), and nothing else */
static enum oac_result print_document(const struct compile_opts *o, struct doc_set *s)
{
  struct doc_file *f = NULL;
  if(o->ca_file)
    s->ca_file = (char *)o->ca_file;
  enum oac_result r = o->data ? doc_load_mem(s, o->source, o->data, o->data_len, &f)
                              : doc_load(s, o->source, &f);
  if(!r)
    r = overlay_apply_all(s, f, o->overlays, o->noverlays, &s->arena, NULL);
  if(!r) {
    struct buf b;
    buf_init(&b);
    r = doc_to_json(f->root, &b);
    if(r == OAC_ELIMIT)
      fprintf(stderr, "openapi-connector-compile: the document is nested too deeply to "
              "print\n");
    else if(!r && (fwrite(b.data ? b.data : "", 1, b.len, stdout) != b.len ||
                   fputc('\n', stdout) == EOF || fflush(stdout)))
      r = OAC_EIO;
    buf_free(&b);
  }
  if(r == OAC_ENOMEM)
    fprintf(stderr, "openapi-connector-compile: out of memory\n");
  return r;
}

int main(int argc, char **argv)
{
  char nact[48];
  enum { OPT_CHECK = 256, OPT_LIST, OPT_AS, OPT_SERVER, OPT_CACHE_DIR, OPT_CA,
         OPT_SERVER_VAR, OPT_OFFLINE, OPT_ALLOW_HOST,
         OPT_OVERLAY, OPT_PRINT_DOC /* overlays (§15.1) */,
         OPT_INFER, OPT_EMIT_OVERLAY /* --infer (§15.3) */ };
  static const struct option longopts[] = {
    { "check", no_argument, NULL, OPT_CHECK },
    { "list", no_argument, NULL, OPT_LIST },
    { "as", required_argument, NULL, OPT_AS },
    { "server", required_argument, NULL, OPT_SERVER },
    { "server-variable", required_argument, NULL, OPT_SERVER_VAR },
    { "output", required_argument, NULL, 'o' },
    { "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
    { "ca-file", required_argument, NULL, OPT_CA },
    { "overlay", required_argument, NULL, OPT_OVERLAY },        /* §15.1 */
    { "print-document", no_argument, NULL, OPT_PRINT_DOC },     /* §15.1 */
    { "infer", optional_argument, NULL, OPT_INFER },              /* issue 17 */
    { "emit-overlay", required_argument, NULL, OPT_EMIT_OVERLAY },
    { "quiet", no_argument, NULL, 'q' },
    { "offline", no_argument, NULL, OPT_OFFLINE },              /* §15.4 */
    { "allow-host", required_argument, NULL, OPT_ALLOW_HOST },  /* §15.4 */
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
  };
  struct compile_opts o;
  const char *output = NULL, *cache_dir = getenv("OPENAPI_CONNECTOR_CACHE_DIR");
  int check = 0, list = 0, quiet = 0, ch;
  memset(&o, 0, sizeof(o));
  /* servers (§13.7): --server-variable, repeatable */
  const char *vars[64];
  size_t nvars = 0;
  /* inline documents (§15.4): --allow-host, repeatable */
  const char *hosts[64];
  size_t nhosts = 0;
  /* overlays (§15.1): --overlay, repeatable, in order; --print-document */
  const char *overlays[64];
  size_t noverlays = 0;
  int print_doc = 0;
  while((ch = getopt_long(argc, argv, "o:qhV", longopts, NULL)) != -1) {
    switch(ch) {
    case OPT_CHECK: check = 1; break;
    case OPT_LIST: list = 1; break;
    case OPT_AS: o.as = optarg; break;
    case OPT_SERVER: o.server = optarg; break;
    case OPT_SERVER_VAR:
      if(nvars < sizeof(vars) / sizeof(vars[0]))
        vars[nvars++] = optarg;
      else {
        fprintf(stderr, "openapi-connector-compile: at most 64 --server-variable options\n");
        return 2;
      }
      break;
    case OPT_INFER:                     /* issue 17: --infer[=all|crud] */
      if(!optarg || !strcmp(optarg, "all"))
        o.infer = INFER_ALL;
      else if(!strcmp(optarg, "crud"))
        o.infer = INFER_CRUD;
      else {
        fprintf(stderr, "openapi-connector-compile: --infer=%s: expected all or crud\n",
                optarg);
        return 2;
      }
      break;
    case OPT_EMIT_OVERLAY: o.emit_overlay = optarg; break;
    case 'o': output = optarg; break;
    case OPT_CACHE_DIR: cache_dir = optarg; break;
    case OPT_CA: o.ca_file = optarg; break;
    case OPT_OVERLAY:           /* §15.1 */
      if(noverlays == sizeof(overlays) / sizeof(overlays[0])) {
        fprintf(stderr, "openapi-connector-compile: at most 64 --overlay options\n");
        return 2;
      }
      overlays[noverlays++] = optarg;
      break;
    case OPT_PRINT_DOC: print_doc = 1; break;
    case 'q': quiet = 1; break;
    case OPT_OFFLINE: o.offline = 1; break;
    case OPT_ALLOW_HOST:
      if(nhosts == sizeof(hosts) / sizeof(hosts[0])) {
        fprintf(stderr, "openapi-connector-compile: at most 64 --allow-host options\n");
        return 2;
      }
      hosts[nhosts++] = optarg;
      break;
    case 'h': usage(stdout); return 0;
    case 'V': printf("openapi-connector-compile %s (cache format %u)\n",
                     OAC_COMPILER_VERSION, CACHE_FORMAT_VERSION); return 0;
    default: usage(stderr); return 2;
    }
  }
  /* overlays (§15.1): without SOURCE, the first overlay's `extends` (resolved below) */
  if(optind != argc - 1 && !(optind == argc && noverlays)) {
    fprintf(stderr, "openapi-connector-compile: %s\n", optind >= argc ?
            "missing SOURCE" : "only one SOURCE may be given");
    usage(stderr);
    return 2;
  }
  o.allow_hosts = hosts;
  o.nallow_hosts = nhosts;
  for(size_t i = 0; i < nhosts; i++) {         /* a bad pattern is a usage error (§15.4) */
    struct host_pattern hp;
    char why[256];
    if(host_pattern_parse(hosts[i], &hp, why, sizeof(why))) {
      fprintf(stderr, "openapi-connector-compile: --allow-host '%s': %s\n", hosts[i], why);
      return 2;
    }
  }
  o.source = optind < argc ? argv[optind] : NULL;
  o.overlays = overlays;
  o.noverlays = noverlays;
  if(o.emit_overlay && o.infer == INFER_NONE) {   /* issue 17: --infer (§15.3) */
    fprintf(stderr, "openapi-connector-compile: --emit-overlay needs --infer\n");
    return 2;
  }
  /* servers (§13.7): without the option, OPENAPI_CONNECTOR_SERVER_VARIABLE holds the same,
   * one NAME=V1,V2 after another, separated by ';' */
  static char env_vars[8192];
  const char *ev = getenv("OPENAPI_CONNECTOR_SERVER_VARIABLE");
  if(!nvars && ev && *ev) {
    if(strlen(ev) >= sizeof(env_vars)) {
      fprintf(stderr, "openapi-connector-compile: OPENAPI_CONNECTOR_SERVER_VARIABLE is too "
              "long\n");
      return 2;
    }
    memcpy(env_vars, ev, strlen(ev) + 1);
    for(char *save = NULL, *t = strtok_r(env_vars, ";", &save); t;
        t = strtok_r(NULL, ";", &save)) {
      if(nvars == sizeof(vars) / sizeof(vars[0])) {
        fprintf(stderr, "openapi-connector-compile: at most 64 server variables\n");
        return 2;
      }
      vars[nvars++] = t;
    }
  }
  o.server_vars = vars;
  o.nserver_vars = nvars;
  if(o.as && !*o.as) {
    fprintf(stderr, "openapi-connector-compile: --as needs a non-empty value\n");
    return 2;
  }
  if(!cache_dir || !*cache_dir)
    cache_dir = OAC_DEFAULT_CACHE_DIR;
  /* inline documents (§15.4): SOURCE "-" is standard input, named "<stdin>" */
  struct buf in;
  buf_init(&in);
  if(o.source && !strcmp(o.source, "-")) {
    char chunk[65536];
    size_t got;
    while((got = fread(chunk, 1, sizeof(chunk), stdin)) > 0 && in.len <= (256u << 20))
      buf_append(&in, chunk, got);
    if(ferror(stdin) || buf_failed(&in)) {
      fprintf(stderr, "openapi-connector-compile: cannot read standard input%s\n",
              buf_failed(&in) ? ": out of memory" : "");
      buf_free(&in);
      return 2;
    }
    o.source = "<stdin>";
    o.data = in.data ? in.data : "";
    o.data_len = in.len;
  }
  /* overlays (§15.1): `extends` of the first overlay, only when no SOURCE is given */
  char *extends = NULL;
  if(!o.source && o.offline) {    /* inline documents (§15.4): nothing but the document */
    fprintf(stderr, "openapi-connector-compile: --offline opens no other document: give "
            "SOURCE (the first overlay's extends is not used)\n");
    return 2;
  }
  if(!o.source) {
    struct diag ed;
    diag_init(&ed, stderr);
    enum oac_result er = overlay_extends(overlays[0], &ed, &extends);
    diag_free(&ed);
    if(er) {
      if(er == OAC_ENOMEM)
        fprintf(stderr, "openapi-connector-compile: out of memory\n");
      return exit_for(er);
    }
    if(!extends) {
      fprintf(stderr, "openapi-connector-compile: missing SOURCE (and the first overlay, "
              "%s, has no extends)\n", overlays[0]);
      usage(stderr);
      return 2;
    }
    o.source = extends;
  }

  struct diag d;
  struct doc_set s;
  struct model m;
  diag_init(&d, stderr);
  doc_set_init(&s, &d);
  model_init(&m);
  enum oac_result r;
  if(print_doc) {               /* overlays (§15.1): the document after them, as JSON */
    r = print_document(&o, &s);
    model_free(&m);
    doc_set_free(&s);
    diag_free(&d);
    oac_free(extends);
    buf_free(&in);
    return exit_for(r);
  }
  r = compile_document(&o, &s, &d, &m);
  if(r == OAC_OK && list)
    list_print(&m, stdout);
  char path[4096];
  if(r == OAC_OK && !check) {
    if(output)
      snprintf(path, sizeof(path), "%s", output);
    else {
      char name[32];
      const char *reg = m.registration;
      cache_default_name(reg, strlen(reg), name);
      if(!mkdir(cache_dir, 0755))
        chmod(cache_dir, 0755);   /* §16.4 (issue 18): a new directory 0755 whatever the umask */
      else if(errno != EEXIST) {
        fprintf(stderr, "openapi-connector-compile: cannot create cache directory %s: %s\n",
                cache_dir, strerror(errno));
        r = OAC_EIO;
      }
      snprintf(path, sizeof(path), "%s/%s", cache_dir, name);
    }
    if(r == OAC_OK) {
      r = cache_write_file(&m, path);
      if(r == OAC_EIO)
        fprintf(stderr, "openapi-connector-compile: cannot write %s: %s\n", path,
                strerror(errno));
      else if(r == OAC_ELIMIT)
        fprintf(stderr, "openapi-connector-compile: cannot write %s: over the cache "
                "format's size limit (32-bit offsets: 4 GiB per cache)\n", path);
      else if(r)
        fprintf(stderr, "openapi-connector-compile: cannot write %s: %s\n", path,
                oac_result_str(r));
    }
    if(r == OAC_OK) {
      /* self-check: the file must read back cleanly, every section verified */
      struct cache c;
      struct cache_error err;
      if(cache_open(&c, path, CACHE_VERIFY_ALL, &err) != OAC_OK) {
        fprintf(stderr, "openapi-connector-compile: internal error: %s\n", err.msg);
        r = OAC_EINTERNAL;
      }
      else {
        if(!quiet)
          fprintf(stderr, "%s: %zu types, %s%u warnings -> %s (%zu bytes, registered as "
                  "%s)\n", o.source, m.ntypes, actions_count(&m, nact, sizeof(nact)),
                  d.warnings, path, c.size, m.registration);
        cache_close(&c);
      }
    }
  }
  else if(r == OAC_OK && !quiet)
    fprintf(stderr, "%s: ok, %zu types, %s%u warnings\n", o.source, m.ntypes,
            actions_count(&m, nact, sizeof(nact)), d.warnings);
  else if(r == OAC_ENOMEM)
    fprintf(stderr, "openapi-connector-compile: out of memory\n");
  model_free(&m);
  doc_set_free(&s);
  diag_free(&d);
  buf_free(&in);
  oac_free(extends);
  return exit_for(r);
}
