#!/bin/sh
# Our structural verdict (ilp-gateway validate --r4) against @medplum/core's, for the 720 official
# FHIR R4 examples and every golden bundle. The comparison and the list of known disagreements are
# in agreement.mjs and validator-disagreements.json next to this script.
#
#   tests/oracle/agreement.sh path/to/ilp-gateway
#
# Exit codes: those of agreement.mjs; 2 also when the examples package or node is missing.
set -eu

BIN=${1:?usage: agreement.sh ILP_GATEWAY_BINARY}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PKG="$REPO/.cache/fhir/hl7.fhir.r4.examples-4.0.1/package"

fail() {
  echo "==============================================================================" >&2
  for line in "$@"; do echo "agreement: $line" >&2; done
  echo "==============================================================================" >&2
  exit 2
}

[ -x "$BIN" ] || fail "ilp-gateway binary not found or not executable: $BIN"
command -v node >/dev/null 2>&1 || fail "node is not installed; run scripts/setup"
[ -d "$PKG" ] || fail "the official FHIR R4 examples are missing: $PKG" \
  "run: node scripts/update-profiles --fetch"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# The official examples: the package's resources, without the conformance resources (profiles,
# value sets, search parameters, ...) that scripts/update-profiles reads the structure from.
ls "$PKG" | grep '\.json$' \
  | grep -Ev '^(SearchParameter|ValueSet|CodeSystem|StructureDefinition|ConceptMap|OperationDefinition|CapabilityStatement|ImplementationGuide|NamingSystem|CompartmentDefinition|GraphDefinition|MessageDefinition|StructureMap|TerminologyCapabilities|package)' \
  | grep -vx 'ig-r4.json' | sed "s|^|$PKG/|" > "$TMP/files"
n_official=$(wc -l < "$TMP/files")
[ "$n_official" -eq 720 ] || fail "expected the 720 official examples in $PKG, found $n_official" \
  "run: node scripts/update-profiles --fetch"
find "$REPO/tests/golden" -name '*.bundle.json' | sort >> "$TMP/files"

# The CLI prints "ok   FILE (N resources)", or "FAIL FILE" then one "     EXPR: TEXT (rule_id)" per
# problem; it exits 1 when any file is not valid, which is expected here (xargs turns that into
# 123; 124-127 and 2 are real failures).
# --max-mb 64: the official examples include four bundles of 9 to 35 MB (64 MiB covers them). A
# CLI without the option ignores it and reports those files as r4.size, which agreement.mjs leaves
# out of the comparison and counts.
set +e
(cd "$REPO" && xargs "$BIN" validate --profiles "$REPO/fhir_profiles" --r4 --en --max-mb 64 < "$TMP/files") > "$TMP/out" 2> "$TMP/err"
rc=$?
set -e
[ "$rc" -eq 0 ] || [ "$rc" -eq 123 ] || fail "ilp-gateway validate exited with $rc:" "$(tail -5 "$TMP/err")"

awk '
  /^ok   / { if (f != "") print f "\t" v "\t" r; f = substr($0, 6); sub(/ \([0-9]+ resources\)$/, "", f); v = "ok"; r = ""; next }
  /^FAIL / { if (f != "") print f "\t" v "\t" r; f = substr($0, 6); v = "fail"; r = ""; next }
  /^     / { if (match($0, /\([a-z0-9.-]+\)$/)) { id = substr($0, RSTART + 1, RLENGTH - 2); r = (r == "" ? id : r "," id) } }
  END { if (f != "") print f "\t" v "\t" r }
' "$TMP/out" > "$TMP/verdicts"

# Every file must have a verdict: a crash or a skipped file must not shrink the comparison.
n_files=$(wc -l < "$TMP/files")
n_verdicts=$(wc -l < "$TMP/verdicts")
[ "$n_files" -eq "$n_verdicts" ] || fail "ilp-gateway validate gave $n_verdicts verdicts for $n_files files:" "$(tail -5 "$TMP/err")"

set +e
node "$HERE/agreement.mjs" --verdicts "$TMP/verdicts" --base "$REPO"
rc=$?
exit $rc
