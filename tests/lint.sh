#!/bin/sh
# lint.sh - bans unsafe C library functions in src/ (curl's checksrc habit).
#
# sprintf/vsprintf (use snprintf, buf_printf), strcpy/strcat (use memcpy with a length,
# struct buf), strtok (not reentrant), atoi (no error detection: use strtol/strtoul), gets.
# The match is on a word boundary followed by "(", so snprintf, vsnprintf, strtok_r and
# fgets pass. Run by make check (TESTS) and by make lint.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
banned='sprintf|vsprintf|strcpy|strcat|strtok|atoi|gets'

if [ ! -d "$srcdir/src" ]; then
  echo "lint: $srcdir/src not found" >&2
  exit 99
fi

hits=$(find "$srcdir/src" -type f \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort |
  xargs grep -nE "(^|[^A-Za-z0-9_])($banned)[[:space:]]*\(" /dev/null 2>/dev/null)

files=$(find "$srcdir/src" -type f \( -name '*.c' -o -name '*.h' \) | wc -l)
if [ -n "$hits" ]; then
  echo "lint: banned functions ($banned) used in src/:"
  printf '%s\n' "$hits" | sed "s|^$srcdir/||"
  echo "lint: FAIL"
  exit 1
fi
echo "lint: $files files in src/ checked, no banned function ($banned)"
exit 0
