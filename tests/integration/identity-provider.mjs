// identity-provider.mjs - the OAuth 2.0 / OpenID Connect provider and the bearer-protected
// API of tests/integration/identity.sh (node ESM; oauth2-mock-server 8.2.3 used as a
// library, nothing else beyond node's own modules).
//
//   node identity-provider.mjs --lib DIR/oauth2-mock-server/dist/index.mjs
//        --client-id ID --client-secret SECRET --secrets FILE --ports-file FILE
//        [--port P] [--api-port Q]
//
// (--lib may also come from the environment as OAC_OAUTH2_MOCK_SERVER.) Ports 0 (the
// default) let the system choose; once both listen, the ports file gets one line
// "PROVIDER_PORT API_PORT". Every request is logged on stdout, one line each, without any
// secret (no token, no client secret, no code).
//
// The provider, on 127.0.0.1:PORT (issuer http://127.0.0.1:PORT, the library's discovery
// document at /.well-known/openid-configuration), is made strict by hooks on the
// library's events:
//   /authorize  issues a code only for response_type=code and the configured client id
//               (else the redirect carries error=unauthorized_client and no code). The code
//               remembers the client id and redirect_uri. login_hint=userinfo-401 marks it:
//               the tokens it yields are refused by /userinfo (401).
//   /token      grant_type=authorization_code or client_credentials, form-encoded; the
//               client authenticates
//               with client_secret_basic (Authorization: Basic, RFC 6749 §2.3.1 form-
//               encoding of id and secret accepted) or client_secret_post (client_id and
//               client_secret in the body): wrong or missing -> 401 {"error":
//               "invalid_client"}. The code must have been issued by /authorize, to the
//               same client, and never used before, and redirect_uri must be the one given
//               at /authorize: otherwise 400 {"error":"invalid_grant"}. A used code is
//               gone even when the exchange fails after it was found.
//               client_credentials (product.md §13.6): the same client authentication,
//               then an access token whose expires_in is the API's /_cc setting (3600 at
//               first); each request is counted, with its method, scope and other form
//               fields (never the secret), for GET /_cc.
//   /userinfo   only "Authorization: Bearer <an access token /token issued>" (not one from
//               a marked code): {sub: "u-ann", email, given_name, family_name,
//               preferred_username, name}; else 401 {"error":"invalid_token"}.
// Access tokens are JWTs with a random jti, so no two are alike. Every token issued
// (access, id and refresh) and the client secret are appended to the secrets file, one per
// line as "KIND VALUE", for the test to look for in the logs afterwards.
//
// The API, on 127.0.0.1:API_PORT: GET /pets and GET /pets/{id} answer JSON only with
// "Authorization: Bearer <an access token /token issued>"; else 401 {"error":"no token"}.
// Its /_cc routes (no token needed) steer and report the client-credentials grant:
// GET /_cc -> {requests, client_secret_basic, client_secret_post, refused, scopes: [...],
// params: [{field: value, ...} of each request without grant_type, scope, client_id and
// client_secret], apiCalls, api401}; POST /_cc/reset zeroes them; POST
// /_cc/expires_in/N sets the expires_in of the next tokens (-1: none in the answer);
// POST /_cc/revoke forgets every client-credentials token issued so far (the API then
// answers 401 to them).
import { appendFileSync, writeFileSync, renameSync } from "node:fs";
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";

function usage(msg) {
  process.stderr.write(`identity-provider.mjs: ${msg}\n`);
  process.exit(2);
}

const args = { port: "0", "api-port": "0", lib: process.env.OAC_OAUTH2_MOCK_SERVER };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i];
  if (!k.startsWith("--") || i + 1 >= process.argv.length) usage(`bad argument ${k}`);
  args[k.slice(2)] = process.argv[i + 1];
}
for (const k of ["lib", "client-id", "client-secret", "secrets", "ports-file"])
  if (!args[k]) usage(`--${k} is required`);

const CLIENT_ID = args["client-id"];
const CLIENT_SECRET = args["client-secret"];
const USER = {
  sub: "u-ann", email: "ann@example.com", given_name: "Ann", family_name: "Lee",
  preferred_username: "ann", name: "Ann Lee",
};
const PETS = [
  { id: 1, name: "Rex", status: "available" },
  { id: 2, name: "Tom", status: "sold" },
];

const log = (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
const secret = (kind, value) => appendFileSync(args.secrets, `${kind} ${value}\n`);

const codes = new Map();    // code -> {clientId, redirectUri, userinfo401}
const cc = {};              // the client-credentials counters (GET /_cc)
let ccExpiresIn = 3600;
function ccReset() {
  Object.assign(cc, { requests: 0, client_secret_basic: 0, client_secret_post: 0,
                      refused: 0, scopes: [], params: [], apiCalls: 0, api401: 0 });
}
ccReset();
const tokens = new Map();   // access token -> {userinfo401}

const { OAuth2Server } = await import(pathToFileURL(args.lib).href);
const server = new OAuth2Server();
await server.issuer.keys.generate("RS256");
secret("client_secret", CLIENT_SECRET);

// --- /authorize ---------------------------------------------------------------------------

server.service.on("beforeAuthorizeRedirect", (redirect, req) => {
  const q = req.query;
  const code = redirect.url.searchParams.get("code");
  if (!code) {
    log(`authorize: no code (response_type ${q.response_type})`);
    return;
  }
  if (q.client_id !== CLIENT_ID) {
    redirect.url.searchParams.delete("code");
    redirect.url.searchParams.set("error", "unauthorized_client");
    log(`authorize: unknown client_id ${JSON.stringify(q.client_id)}: no code`);
    return;
  }
  const userinfo401 = q.login_hint === "userinfo-401";
  codes.set(code, { clientId: q.client_id, redirectUri: q.redirect_uri, userinfo401 });
  log(`authorize: code issued (scope ${JSON.stringify(q.scope)}, redirect_uri ` +
      `${q.redirect_uri}${userinfo401 ? ", its tokens get 401 at /userinfo" : ""})`);
});

// --- /token -------------------------------------------------------------------------------

// RFC 6749 §2.3.1: client_secret_basic form-encodes id and secret before base64
function formDecode(s) {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}
const sameCred = (got, want) => got === want || formDecode(got) === want;

// {ok, method, why}: who the client says it is, and whether that is the configured client
function clientAuth(req) {
  const body = req.body || {};
  const h = req.headers.authorization;
  if (h !== undefined) {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(h);
    if (!m) return { ok: false, why: "Authorization header is not Basic" };
    const plain = Buffer.from(m[1], "base64").toString("utf8");
    const colon = plain.indexOf(":");
    if (colon < 0) return { ok: false, why: "Basic credentials without ':'" };
    const id = plain.slice(0, colon), sec = plain.slice(colon + 1);
    if (!sameCred(id, CLIENT_ID) || !sameCred(sec, CLIENT_SECRET))
      return { ok: false, method: "client_secret_basic", why: "wrong client id or secret" };
    // the body may repeat the id (RFC 6749 §4.1.3), but must not contradict it
    if ((body.client_id !== undefined && body.client_id !== CLIENT_ID) ||
        (body.client_secret !== undefined && body.client_secret !== CLIENT_SECRET))
      return { ok: false, method: "client_secret_basic", why: "body contradicts Basic" };
    return { ok: true, method: "client_secret_basic" };
  }
  if (body.client_secret === undefined)
    return { ok: false, why: "no client authentication" };
  if (body.client_id !== CLIENT_ID || body.client_secret !== CLIENT_SECRET)
    return { ok: false, method: "client_secret_post", why: "wrong client id or secret" };
  return { ok: true, method: "client_secret_post" };
}

server.service.on("beforeTokenSigning", (token) => {
  token.payload.sub = USER.sub;
  token.payload.jti = randomUUID();
});

server.service.on("beforeResponse", (response, req) => {
  const body = req.body || {};
  // Like many real providers, the description repeats what was sent (the code): the
  // worker must not pass that on to Flow. The log gets only WHY.
  const refuse = (status, error, why) => {
    response.statusCode = status;
    response.body = { error, error_description: `${why} (code ${body.code})` };
    if (status === 401 && req.res) req.res.set("WWW-Authenticate", 'Basic realm="token"');
    log(`token: ${status} ${error} (${why})`);
  };
  if (!(req.headers["content-type"] || "").startsWith("application/x-www-form-urlencoded"))
    return refuse(400, "invalid_request", "the body is not form-encoded");
  if (body.grant_type === "client_credentials") {
    cc.requests++;
    const auth = clientAuth(req);
    if (!auth.ok) {
      cc.refused++;
      return refuse(401, "invalid_client", `${auth.method || "?"}: ${auth.why}`);
    }
    cc[auth.method]++;
    cc.scopes.push(body.scope === undefined ? null : body.scope);
    const extra = {};
    for (const [k, v] of Object.entries(body))
      if (!["grant_type", "scope", "client_id", "client_secret"].includes(k)) extra[k] = v;
    cc.params.push(extra);
    const rb = response.body;
    if (ccExpiresIn < 0) delete rb.expires_in;
    else rb.expires_in = ccExpiresIn;
    tokens.set(rb.access_token, { userinfo401: true, cc: true });
    secret("access_token", rb.access_token);
    log(`token: 200 client_credentials (${auth.method}, scope ${JSON.stringify(body.scope)}, ` +
        `expires_in ${ccExpiresIn})`);
    return;
  }
  if (body.grant_type !== "authorization_code")
    return refuse(400, "unsupported_grant_type", `grant_type ${body.grant_type}`);
  const auth = clientAuth(req);
  if (!auth.ok)
    return refuse(401, "invalid_client", `${auth.method || "?"}: ${auth.why}`);
  const issued = typeof body.code === "string" ? codes.get(body.code) : undefined;
  if (!issued)
    return refuse(400, "invalid_grant", "unknown or already used code");
  codes.delete(body.code);                          // one use, whatever happens next
  if (issued.clientId !== CLIENT_ID)
    return refuse(400, "invalid_grant", "the code was issued to another client");
  if (body.redirect_uri !== issued.redirectUri)
    return refuse(400, "invalid_grant",
                  `redirect_uri ${JSON.stringify(body.redirect_uri)} is not the authorize one`);
  const rb = response.body;
  tokens.set(rb.access_token, { userinfo401: issued.userinfo401 });
  secret("access_token", rb.access_token);
  if (rb.id_token) secret("id_token", rb.id_token);
  if (rb.refresh_token) secret("refresh_token", rb.refresh_token);
  log(`token: 200 tokens issued (${auth.method})`);
});

// --- /userinfo ----------------------------------------------------------------------------

function bearer(req) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization || "");
  return m ? tokens.get(m[1]) : undefined;
}

server.service.on("beforeUserinfo", (response, req) => {
  const t = bearer(req);
  if (!t || t.userinfo401) {
    response.statusCode = 401;
    response.body = { error: "invalid_token" };
    if (req.res) req.res.set("WWW-Authenticate", 'Bearer error="invalid_token"');
    log(`userinfo: 401 (${!req.headers.authorization ? "no Authorization header" :
      !t ? "not a token issued here" : "a token of a userinfo-401 code"})`);
    return;
  }
  response.body = { ...USER };
  log("userinfo: 200");
});

// --- the API ------------------------------------------------------------------------------

const api = createServer((req, res) => {
  const send = (status, body, why) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
    log(`api: ${req.method} ${req.url} -> ${status}${why ? ` (${why})` : ""}`);
  };
  req.resume();
  const ctl = /^\/_cc(?:\/(reset|revoke|expires_in)(?:\/(-?\d+))?)?$/.exec(req.url);
  if (ctl) {
    if (!ctl[1] && req.method === "GET") return send(200, { ...cc, expiresIn: ccExpiresIn });
    if (req.method !== "POST") return send(405, { error: "method not allowed" });
    if (ctl[1] === "reset") ccReset();
    else if (ctl[1] === "revoke") {
      for (const [t, v] of tokens) if (v.cc) tokens.delete(t);
    } else if (ctl[2] !== undefined) ccExpiresIn = Number(ctl[2]);
    else return send(400, { error: "expires_in/N" });
    return send(200, { ok: true });
  }
  if (req.url.startsWith("/pets")) cc.apiCalls++;
  if (!bearer(req)) {
    if (req.url.startsWith("/pets")) cc.api401++;
    return send(401, { error: "no token" },
                req.headers.authorization ? "not a token issued here" : "no Authorization");
  }
  const path = new URL(req.url, "http://x").pathname;
  if (req.method !== "GET") return send(405, { error: "method not allowed" });
  if (path === "/pets") return send(200, PETS);
  const m = /^\/pets\/([^/]+)$/.exec(path);
  const pet = m && PETS.find((p) => String(p.id) === decodeURIComponent(m[1]));
  if (pet) return send(200, pet);
  return send(404, { error: "not found" });
});

// --- start, stop --------------------------------------------------------------------------

await server.start(Number(args.port), "127.0.0.1");
const port = server.address().port;
server.issuer.url = `http://127.0.0.1:${port}`;   // the library would say localhost
await new Promise((resolve, reject) => {
  api.once("error", reject);
  api.listen(Number(args["api-port"]), "127.0.0.1", resolve);
});
const apiPort = api.address().port;
writeFileSync(`${args["ports-file"]}.tmp`, `${port} ${apiPort}\n`);
renameSync(`${args["ports-file"]}.tmp`, args["ports-file"]);
log(`listening: provider http://127.0.0.1:${port} (issuer ${server.issuer.url}), ` +
    `api http://127.0.0.1:${apiPort}`);

// Nothing to save: stop at once (closing the servers would wait for keep-alive clients).
for (const sig of ["SIGTERM", "SIGINT"])
  process.on(sig, () => {
    log(`${sig}: stopping`);
    process.exit(0);
  });
