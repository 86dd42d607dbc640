#!/bin/sh
# lint.sh - house rules on src/ that a compiler does not check (curl's checksrc habit).
#
# 1. Unsafe C library functions: sprintf/vsprintf (use snprintf, buf_printf), strcpy/strcat
#    (use memcpy with a length, struct buf), strtok (not reentrant), atoi (no error
#    detection: use strtol/strtoul), gets. The match is on a word boundary followed by "(",
#    so snprintf, vsnprintf, strtok_r and fgets pass.
# 2. Raw allocation: malloc/calloc/realloc/free/strdup/strndup only in src/common/mem.c;
#    everything else uses oac_malloc & co. (mem.h), so the chaos test can fail any
#    allocation. Comment lines are not code and are skipped.
#    buf_reserve() returns enum oac_result (OAC_OK on success) since the error convention
#    was unified; it used to return 1 on success, so `!buf_reserve(` is a caller that
#    still reads the old polarity and is refused.
# 3. Include directions (docs/internals/README.md, architecture notes): common includes
#    nothing of ours; cache includes common; flow includes cache and common; compile and
#    worker include flow, cache and common, and never each other.
# Run by make check (TESTS) and by make lint. Exit 0 clean, 1 on any finding.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}

if [ ! -d "$srcdir/src" ]; then
  echo "lint: $srcdir/src not found" >&2
  exit 99
fi

fail=0
list=$(find "$srcdir/src" -type f \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort)
files=$(printf '%s\n' "$list" | wc -l)

# 1. banned functions
banned='sprintf|vsprintf|strcpy|strcat|strtok|atoi|gets'
hits=$(printf '%s\n' "$list" |
  xargs grep -nE "(^|[^A-Za-z0-9_])($banned)[[:space:]]*\(" /dev/null 2>/dev/null)
if [ -n "$hits" ]; then
  echo "lint: banned functions ($banned) used in src/:"
  printf '%s\n' "$hits" | sed "s|^$srcdir/||"
  fail=1
fi

# 2. raw allocation outside the wrappers
alloc='malloc|calloc|realloc|free|strdup|strndup'
hits=$(printf '%s\n' "$list" | grep -v '/src/common/mem\.c$' |
  xargs grep -nE "(^|[^A-Za-z0-9_])($alloc)[[:space:]]*\(" /dev/null 2>/dev/null |
  grep -vE '^[^:]*:[0-9]+:[[:space:]]*(/?\*|//)')
if [ -n "$hits" ]; then
  echo "lint: raw allocation ($alloc) outside src/common/mem.c (use oac_malloc & co., mem.h):"
  printf '%s\n' "$hits" | sed "s|^$srcdir/||"
  fail=1
fi

# 2b. the old polarity of buf_reserve
hits=$(printf '%s\n' "$list" | xargs grep -nE '![[:space:]]*buf_reserve[[:space:]]*\(' /dev/null 2>/dev/null)
if [ -n "$hits" ]; then
  echo "lint: !buf_reserve(...) reads the old polarity (it returns OAC_OK, i.e. 0, on success):"
  printf '%s\n' "$hits" | sed "s|^$srcdir/||"
  fail=1
fi

# 3. include directions: the layer of each file and of each "..." header it includes
allowed() {  # allowed FROM TO -> 0 if layer FROM may include layer TO
  [ "$1" = "$2" ] && return 0
  case "$1:$2" in
    cache:common) return 0 ;;
    flow:cache|flow:common) return 0 ;;
    compile:flow|compile:cache|compile:common) return 0 ;;
    worker:flow|worker:cache|worker:common) return 0 ;;
  esac
  return 1
}
bad=$(printf '%s\n' "$list" | while IFS= read -r f; do
  from=${f#"$srcdir"/src/}; from=${from%%/*}
  grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
    inc=$(printf '%s\n' "$line" | sed -E 's/^[0-9]+:[^"]*"([^"]*)".*/\1/')
    case $inc in
      ../*) to=${inc#../}; to=${to%%/*} ;;
      */*) to=${inc%%/*} ;;
      *) to=$from ;;
    esac
    case $to in common|cache|flow|compile|worker) ;; *) continue ;; esac
    allowed "$from" "$to" || echo "src/$from/${f##*/}:${line%%:*}: $from includes $to ($inc)"
  done
done)
if [ -n "$bad" ]; then
  echo "lint: include direction broken (common <- cache <- flow <- compile, worker; compile and worker never include each other):"
  printf '%s\n' "$bad"
  fail=1
fi

if [ $fail -ne 0 ]; then
  echo "lint: FAIL"
  exit 1
fi
echo "lint: $files files in src/ checked: no banned function ($banned), no raw allocation, include directions kept"
exit 0
