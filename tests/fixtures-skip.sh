#!/bin/sh
# fixtures-skip.sh - proves that check_fixtures (the tests reading the shared Flow fixtures)
# reports a skip, not a pass, when the fixtures are absent, and still fails and passes on
# its own when they are there: it runs the program with OAC_FLOW_FIXTURES pointing at
#   - a directory that does not exist            -> exit 77 and a "SKIP: <reason>" line
#   - an empty directory (no fixture group)       -> exit 77 and a "SKIP: <reason>" line
#   - sdk-java headers with a wrong value         -> exit 1 (a fixture test fails)
#   - sdk-java headers with the expected values   -> exit 0 and Check's summary line
set -u
builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
prog=$builddir/tests/unit/check_fixtures
[ -x "$prog" ] || { echo "fixtures-skip.sh: $prog is not built (make check builds it)"; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oac-fixtures.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0; failn=0

expect() {  # expect NAME DIR STATUS PATTERN
  out=$(OAC_FLOW_FIXTURES=$2 CK_VERBOSITY=normal "$prog" 2>&1); rc=$?
  if [ "$rc" -eq "$3" ] && printf '%s\n' "$out" | grep -q -- "$4"; then
    pass=$((pass + 1)); echo "ok: $1"
  else
    failn=$((failn + 1)); echo "FAIL: $1 (exit $rc, wanted $3 and \"$4\")"; printf '%s\n' "$out"
  fi
}

expect "no fixture directory: a skip with its reason" "$tmp/missing" 77 \
  "^SKIP: no Flow fixtures: $tmp/missing is not a directory"
mkdir "$tmp/empty"
expect "a directory without fixture groups: a skip with its reason" "$tmp/empty" 77 \
  "^SKIP: .*holds none of the fixture groups"

# The two Authorization headers the sdk-java group holds, written here (not copied): the
# values check_fixtures.c expects of them.
mkdir -p "$tmp/good/sdk-java" "$tmp/bad/sdk-java"
printf '%s\n' 'ManyWhoTenantId%3Dt%26ManyWhoToken%3DabcQ%253D%253D%26DirectoryId%3DUNAUTHENTICATED%26Email%3Dadmin%40manywho.com%26Token%3DNONE%26UserId%3DPUBLIC_USER%26FirstName%3D%26LastName%3D' \
  > "$tmp/good/sdk-java/authorization-header-public-user.txt"
printf '%s\n' 'ManyWhoTenantId%3D59a962d4-46e1-44b9-9882-2717663fc5ec%26DirectoryId%3DUNAUTHENTICATED%26Token%3DNONE%26UserId%3DPUBLIC_USER' \
  > "$tmp/good/sdk-java/authorization-header-example-token.txt"
cp "$tmp/good/sdk-java/authorization-header-example-token.txt" "$tmp/bad/sdk-java/"
sed 's/admin%40manywho.com/someone%40example.com/' \
  "$tmp/good/sdk-java/authorization-header-public-user.txt" \
  > "$tmp/bad/sdk-java/authorization-header-public-user.txt"
expect "a fixture that differs: a failure" "$tmp/bad" 1 "Checks: 2, Failures: 1"
expect "fixtures as expected: a pass" "$tmp/good" 0 "^100%: Checks: 2, Failures: 0, Errors: 0"

echo "fixtures-skip.sh: $pass ok, $failn failed"
[ "$failn" -eq 0 ]
