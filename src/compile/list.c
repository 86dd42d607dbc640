/* list.c - `openapi-connector-compile --list`: the vendor's "preview actions & types".
 * One block per generated type (helper types and types from other files included): its
 * origin, content types, the operations it supports with method and path, and its
 * properties with Flow content type, database type and the type they refer to. */
#include <string.h>
#include "compile.h"
#include "paging.h"
#include "../flow/config.h"
#include "../flow/http_status.h"

static const char *const op_names[OP_MAX] = { "load", "query", "save", "update", "delete" };

/* servers (§13.7): list L of the model after PREFIX, comma-separated. */
static void list_servers(const struct model *m, size_t l, const char *prefix, FILE *out)
{
  if(l >= m->nserver_lists)
    return;
  fprintf(out, "%s", prefix);
  for(size_t i = 0; i < m->server_lists[l].n; i++)
    fprintf(out, "%s%s", i ? ", " : "", m->server_lists[l].urls[i]);
  fprintf(out, "\n");
}

/* ---- message actions (product.md §14; issue 16) ---- */

static const char *const in_words[] = { "body", "query", "path", "header", "cookie" };

static void list_actions(const struct model *m, FILE *out)
{
  fprintf(out, "\n%zu actions\n", m->nactions);
  for(size_t i = 0; i < m->nactions; i++) {
    const struct model_action *a = &m->actions[i];
    const struct model_plan *p = &a->plan;
    fprintf(out, "\nACTION actions/%s  \"%s\"%s\n", a->slug, a->name,
            a->flags & CA_F_EXPLICIT ? "" : "  (x-flow-actions: all)");
    fprintf(out, "  from:          %s\n", a->where ? a->where : "?");
    fprintf(out, "  call:          %s %s%s\n", flow_method_name((unsigned)p->method), p->path,
            p->flags & PLAN_F_EXAMPLE ? "  (example)" : "");
    if(p->server_list)
      list_servers(m, p->server_list, "                 servers: ", out);
    if(p->body_type)
      fprintf(out, "                 body: %s, emptyAs %s\n", p->body_type,
              p->empty_as == CEA_OMIT ? "omit" : p->empty_as == CEA_NULL ? "null" : "empty");
    for(size_t k = 0; k < p->nparams; k++)
      if(p->params[k].src != PSRC_INPUT)
        fprintf(out, "                 bound: %s %s <- %s%s%s\n", in_words[p->params[k].in < 5 ?
                p->params[k].in : 0], p->params[k].name,
                p->params[k].src == PSRC_CONFIG ? "config " :
                p->params[k].src == PSRC_USER ? "$User." : "", p->params[k].arg ?
                p->params[k].arg : "", p->params[k].flags & CPA_F_SECRET ? " [secret]" : "");
    fprintf(out, "  %-32s %-16s %s\n", "INPUT", "CONTENT TYPE", "FROM");
    for(size_t k = 0; k < a->ninputs; k++) {
      const struct model_input *in = &a->inputs[k];
      fprintf(out, "  %-32s %-16s %s%s%s%s%s%s%s%s%s%s\n", in->name, flow_ctype_name(in->ctype),
              in_words[in->in < 5 ? in->in : 0], in->param ? " " : "",
              in->param ? in->param : "",
              in->type >= 0 && (size_t)in->type < m->ntypes ? " " : "",
              in->type >= 0 && (size_t)in->type < m->ntypes ? m->types[in->type].name : "",
              in->flags & CI_F_REQUIRED ? " [required]" : "",
              in->flags & CI_F_ARRAY ? " [comma-separated]" :
              in->flags & CI_F_JSON ? " [JSON]" : in->flags & CI_F_TEXT ? " [text]" : "",
              in->flags & CI_F_DEFAULT ? " [default " : "",
              in->flags & CI_F_DEFAULT && in->def ? in->def : "",
              in->flags & CI_F_DEFAULT ? "]" : "");
    }
    fprintf(out, "  outputs:       ");
    if(a->response_ctype != CT_NONE)
      fprintf(out, "Response (%s%s%s), ", flow_ctype_name(a->response_ctype),
              a->response_type >= 0 ? " " : "",
              a->response_type >= 0 ? m->types[a->response_type].name : "");
    fprintf(out, "Status Code, Error Message, Response Body\n");
    fprintf(out, "  outcomes:      ");
    for(size_t k = 0; k < a->noutcomes; k++) {
      const struct model_outcome *o = &a->outcomes[k];
      const char *reason = o->status >= 100 ? http_reason(o->status) : NULL;
      if(!o->status)
        fprintf(out, "default");
      else if(o->status < 10)
        fprintf(out, "%uxx", o->status);
      else
        fprintf(out, "%u%s%s", o->status, reason ? " " : "", reason ? reason : "");
      fprintf(out, "%s%s%s, ", o->description ? " \"" : "",
              o->description ? o->description : "", o->description ? "\"" : "");
    }
    fprintf(out, "success, error\n");
  }
}

void list_print(const struct model *m, FILE *out)
{
  size_t helpers = 0;
  for(size_t i = 0; i < m->ntypes; i++)
    helpers += (m->types[i].flags & CT_F_HELPER) != 0;
  fprintf(out, "%s%s%s  ->  %s\n", m->title ? m->title : "(untitled)",
          m->api_version ? " " : "", m->api_version ? m->api_version : "",
          m->server_url ? m->server_url : "(no server)");
  list_servers(m, 0, "servers: ", out);   /* §13.7: the default first */
  /* overlays (§15.1): name and checksum of each, in the order applied */
  if(m->overlays && *m->overlays) {
    fprintf(out, "Overlays:\n");
    for(const char *l = m->overlays; *l;) {
      const char *e = strchr(l, '\n');
      size_t len = e ? (size_t)(e - l) : strlen(l);
      if(len > 17)
        fprintf(out, "  %.*s  (checksum %.16s)\n", (int)(len - 17), l + 17, l);
      l += len + (e != NULL);
    }
  }
  fprintf(out, "%zu types (%zu generated helper types)\n", m->ntypes, helpers);
  for(size_t i = 0; i < m->ntypes; i++) {
    const struct model_type *t = &m->types[i];
    fprintf(out, "\nTYPE %s%s\n", t->name, t->flags & CT_F_HELPER ? "  (helper)" : "");
    fprintf(out, "  from:          %s\n", t->where ? t->where : "?");
    if(t->content_types)
      fprintf(out, "  content types: %s\n", t->content_types);
    fprintf(out, "  operations:   ");
    int any = 0;
    for(int op = 0; op < OP_MAX; op++)
      if(t->plans[op].present) {
        fprintf(out, " %s", op_names[op]);
        any = 1;
      }
    fprintf(out, "%s\n", any ? "" : " (none)");
    for(int op = 0; op < OP_MAX; op++) {
      const struct model_plan *p = &t->plans[op];
      if(!p->present)
        continue;
      fprintf(out, "    %-7s %-6s %s%s\n", op_names[op],
              flow_method_name((unsigned)p->method), p->path,
              p->flags & PLAN_F_EXAMPLE ? "  (example)" : "");
      if(p->server_list)   /* §13.7: its own servers */
        list_servers(m, p->server_list, "            servers: ", out);
      if(p->items)
        fprintf(out, "            list at: %s\n", p->items);
      if(p->flags & PLAN_F_BODY)               /* body media type, emptyAs (issue 15) */
        fprintf(out, "            body: %s, emptyAs %s\n", p->body_type ? p->body_type : "?",
                p->empty_as == CEA_OMIT ? "omit" : p->empty_as == CEA_NULL ? "null" : "empty");
      if(p->paging && p->paging->description)
        fprintf(out, "            %s\n", p->paging->description);
    }
    fprintf(out, "  %-32s %-16s %-20s %s\n", "PROPERTY", "CONTENT TYPE", "DATABASE TYPE",
            "TYPE");
    for(size_t j = 0; j < t->nprops; j++) {
      const struct model_prop *p = &t->props[j];
      int part = (int)j == t->external_id_prop && !t->neid;
      for(size_t k = 0; k < t->neid; k++)      /* composite keys (§13.9) */
        part |= t->eid_props[k] == j;
      fprintf(out, "  %-32s %-16s %-20s %s%s%s\n", p->name, flow_ctype_name(p->ctype),
              p->db_type ? p->db_type : "", p->ref_type >= 0 ? m->types[p->ref_type].name : "",
              part ? (t->neid ? " [external id part]" : " [external id]") : "",
              p->flags & CP_READONLY ? " [read-only]" :
              p->flags & CP_CUSTOM ? " [custom]" : "");
    }
  }
  if(m->nactions)
    list_actions(m, out);   /* message actions (§14) */
}
