#!/bin/sh
# fuzz/seeds.sh - fills the seed corpora of the fuzz harnesses from the test data:
#
#   sh fuzz/seeds.sh TOP_SRCDIR OUT [COMPILER]
#
# OUT/<harness>/ gets one file per seed, named by its content's checksum (a rerun adds
# nothing twice). Sources:
#   fuzz_compile  tests/data/compile/**/spec.*, tests/data/doc/**, tests/data/examples/*/
#                 spec.yaml, examples/*.yaml, tests/integration/*.yaml*, the Swagger
#                 documents of the Flow fixtures
#   fuzz_cache    the caches COMPILER (the built openapi-connector-compile) writes for
#                 examples/*.yaml, tests/data/compile/valid/* and tests/data/examples/*,
#                 each with flags 0 (as is) and 1 (checksums recomputed), 2 (lazy)
#   fuzz_request  tests/data/examples/*/*.request.json as POST/PUT /data or /data/delete
#                 (Schema URL = the case, as fuzz_request registers it), the Flow fixtures'
#                 requests against the pet store, their Authorization headers
#   fuzz_mapping  tests/integration/db.json and its arrays, the examples' expected answers,
#                 the Flow fixtures' answers, with load requests (listFilter) as control;
#                 paging mode: fuzz/inputs/fuzz_mapping/paged-* against each paged plan
#   fuzz_overlay  every compile case of tests/data with an `--overlay FILE` line in its
#                 `options` file: spec + "# ---- overlay ----" + the overlay; the same for
#                 each tests/data/overlay/CASE (openapi.yaml + overlay.*); every
#                 *.overlay.yaml / overlay*.yaml of tests/data, examples/, bench/ against the
#                 harness's fixed document (issue 17)
#   fuzz_paging   the string literals of tests/unit/check_link.c and check_answer_path.c
#                 (Link values, URLs, stored paths) as link, url and path inputs
# The Flow fixtures (/work/shared/flow-fixtures, FLOW_FIXTURES to change) are skipped when
# absent. The hand-written seeds in fuzz/inputs/<harness>/ are used by fuzz/run.sh directly.
set -eu

top=${1:?usage: seeds.sh TOP_SRCDIR OUT [COMPILER]}
out=${2:?usage: seeds.sh TOP_SRCDIR OUT [COMPILER]}
compiler=${3:-}
fixtures=${FLOW_FIXTURES:-/work/shared/flow-fixtures}
[ -d "$fixtures" ] || fixtures=

tmp=$(mktemp -d "${TMPDIR:-/tmp}/oac-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# add HARNESS: stdin becomes a seed file named by its checksum
add() {
  mkdir -p "$out/$1"
  cat >"$tmp/seed"
  sum=$(cksum <"$tmp/seed" | tr ' ' '-')
  mv "$tmp/seed" "$out/$1/seed-$sum"
}

# the bytes given as octal escapes (printf's %b), then a file
prefixed() {
  printf '%b' "$1"
  cat "$2"
}

# ---- fuzz_compile
for f in "$top"/tests/data/compile/*/*/spec.* "$top"/tests/data/examples/*/spec.yaml \
         "$top"/examples/*.yaml "$top"/tests/integration/*.yaml "$top"/tests/integration/*.yaml.in \
         $(find "$top/tests/data/doc" -type f 2>/dev/null) \
         ${fixtures:+"$fixtures"/service-swagger/*.json}; do
  [ -f "$f" ] && add fuzz_compile <"$f"
done

# ---- fuzz_overlay (issue 17): DOCUMENT "# ---- overlay ----" OVERLAY, or an overlay alone
for o in $(find "$top/tests/data" -name options -type f 2>/dev/null); do
  d=$(dirname "$o")
  spec=$(ls "$d"/spec.* 2>/dev/null | head -n 1)
  [ -n "$spec" ] || continue
  sed -n 's/^--overlay[[:space:]]\{1,\}//p' "$o" | while IFS= read -r ov; do
    [ -f "$d/$ov" ] || continue
    { cat "$spec"; printf '\n# ---- overlay ----\n'; cat "$d/$ov"; } | add fuzz_overlay
  done
done
for d in "$top"/tests/data/overlay/*/; do
  ov=$(ls "$d"overlay.* 2>/dev/null | head -n 1)
  [ -n "$ov" ] && [ -f "$d/openapi.yaml" ] || continue
  { cat "$d/openapi.yaml"; printf '\n# ---- overlay ----\n'; cat "$ov"; } | add fuzz_overlay
done
for f in $(find "$top/tests/data" "$top/examples" "$top/bench" \( -name '*.overlay.yaml' -o -name '*.overlay.json' \
             -o -name 'overlay*.yaml' -o -name 'overlay*.json' \) -type f 2>/dev/null); do
  add fuzz_overlay <"$f"
done

# ---- fuzz_cache
if [ -n "$compiler" ] && [ -x "$compiler" ]; then
  n=0
  for f in "$top"/examples/*.yaml "$top"/tests/data/compile/valid/*/spec.* \
           "$top"/tests/data/examples/*/spec.yaml; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    if "$compiler" -q --as "seed-$n" --server http://127.0.0.1:9 -o "$tmp/c.cache" "$f" \
         >/dev/null 2>&1; then
      for flags in '\0000' '\0001' '\0002'; do
        prefixed "$flags" "$tmp/c.cache" | add fuzz_cache
      done
    fi
    rm -f "$tmp/c.cache"
  done
else
  echo "seeds.sh: no compiler given: no cache seeds" >&2
fi

# ---- fuzz_request: [flags][route][suffix] NUL [Authorization] NUL [body]
# flags: 0 POST, 2 PUT (+8 CGI, +16 prefix /flow); routes: 0 /metadata, 2 /data,
# 3 /data/delete, 4 /health, 5 /authorization
for d in "$top"/tests/data/examples/*/; do
  case=$(basename "$d")
  for f in "$d"*.request.json; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    case $b in
      save*) hdr='\0002\0002' ;;
      delete*) hdr='\0000\0003' ;;
      *) hdr='\0000\0002' ;;
    esac
    { printf '%b\0\0' "$hdr"; sed "s|@SCHEMA@|$case|g" "$f"; } | add fuzz_request
    { printf '%b\0\0' "$(echo "$hdr" | sed 's/^\\0000/\\0010/;s/^\\0002/\\0012/')"
      sed "s|@SCHEMA@|$case|g" "$f"; } | add fuzz_request
  done
done
if [ -n "$fixtures" ]; then
  for f in $(find "$fixtures/service-sql" -name '*request*.json' 2>/dev/null); do
    case $f in
      */save/*) hdr='\0002\0002' ;;
      */delete/*) hdr='\0000\0003' ;;
      */describe/*) hdr='\0000\0000' ;;
      *) hdr='\0000\0002' ;;
    esac
    { printf '%b\0\0' "$hdr"; cat "$f"; } | add fuzz_request
  done
  for f in "$fixtures"/sdk-java/authorization-header-*.txt; do
    [ -f "$f" ] || continue
    { printf '%b' '\0000\0005\0000'; tr -d '\n' <"$f"
      printf '\000{"configurationValues":[{"developerName":"Schema URL","contentValue":"identity"}]}'
    } | add fuzz_request
  done
fi

# servers (§13.7): loads of the "servers" document with Server values (none of them is the
# closed port fuzz_request picks: each is a 400 until the fuzzer finds it)
for sv in '' ' http://127.0.0.1:9/pages/ ' 'http://localhost:9/pages' 'x'; do
  for t in Item CappedItem; do
    { printf '%b\0\0' '\0000\0002'
      printf '{"configurationValues":[{"developerName":"Schema URL","contentValue":"servers"},'
      printf '{"developerName":"Server","contentValue":"%s"}],' "$sv"
      printf '"objectDataType":{"developerName":"%s"},"listFilter":{"limit":5}}' "$t"
    } | add fuzz_request
  done
done

# ---- fuzz_mapping: [type lo][type hi][flags] ANSWER NUL [CONTROL]
answers=$tmp/answers
mkdir -p "$answers"
cp "$top/tests/integration/db.json" "$answers/db.json"
if command -v python3 >/dev/null 2>&1; then
  python3 - "$top/tests/integration/db.json" "$answers" <<'PY'
import json, sys
db = json.load(open(sys.argv[1]))
for k, v in db.items():
    json.dump(v, open(f"{sys.argv[2]}/{k}.json", "w"))
    if isinstance(v, list) and v:
        json.dump(v[0], open(f"{sys.argv[2]}/{k}-0.json", "w"))
PY
fi
i=0
for f in "$answers"/*.json "$top"/tests/data/examples/*/*.expect.json \
         ${fixtures:+$(find "$fixtures/service-sql" -name '*response*.json' 2>/dev/null)}; do
  [ -f "$f" ] || continue
  i=$((i + 1))
  for pick in 0 1 2 3 5 8; do
    { printf '%b' "\\0$(printf '%03o' "$pick")\\0000\\000$((i % 2))"; cat "$f"; } |
      add fuzz_mapping
  done
done
if [ -n "$fixtures" ]; then
  for f in $(find "$fixtures/service-sql" -name '*request*.json' 2>/dev/null); do
    { printf '%b' '\0000\0000\0000'; cat "$answers/pets.json"; printf '\000'; cat "$f"; } |
      add fuzz_mapping
  done
fi

# ---- fuzz_mapping paging mode (flags 2): the hand-written pages of fuzz/inputs/fuzz_mapping/
# paged-* (ANSWER NUL LINK [NUL TOTAL]) against each of the first 64 paged plans
for f in "$top"/fuzz/inputs/fuzz_mapping/paged-*-0; do
  [ -f "$f" ] || continue
  pick=0
  while [ $pick -lt 64 ]; do
    { printf '%b' "\\0$(printf '%03o' "$pick")\\0000\\0002"; tail -c +4 "$f"; } |
      add fuzz_mapping
    pick=$((pick + 1))
  done
done

# ---- fuzz_paging: [mode] REST; the string literals of the unit tests' tables (Link
# values, URLs, stored paths; adjacent literals joined, macros left out) as modes 0 link,
# 1 url and 3 path
if command -v python3 >/dev/null 2>&1; then
  python3 - "$tmp/paging" "$top/tests/unit/check_link.c" "$top/tests/unit/check_answer_path.c" <<'PY'
import ast, os, re, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
lit = re.compile(r'"(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*')
seen = set()
for f in sys.argv[2:]:
    for m in lit.finditer(open(f, encoding="utf-8", errors="replace").read()):
        try:
            s = "".join(ast.literal_eval(x) for x in re.findall(r'"(?:[^"\\\n]|\\.)*"', m.group(0)))
        except Exception:
            continue
        if len(s) < 2 or s in seen:
            continue
        seen.add(s)
        for mode in (0, 1, 3):
            open(f"{out}/{len(seen)}-{mode}", "wb").write(bytes([mode]) + s.encode("utf-8", "replace"))
PY
  for f in "$tmp"/paging/*; do
    [ -f "$f" ] && add fuzz_paging <"$f"
  done
fi

for h in fuzz_compile fuzz_cache fuzz_request fuzz_action fuzz_mapping fuzz_paging fuzz_overlay; do
  [ -d "$out/$h" ] && echo "seeds.sh: $h: $(ls "$out/$h" | wc -l) files in $out/$h (seeds and what the fuzzer added)"
done
exit 0
