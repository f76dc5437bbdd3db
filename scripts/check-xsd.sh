#!/usr/bin/env bash
# Checks the XML schemas under xsd/ with libxml2 (xmllint), the way the gateway uses them:
#  (a) builds a bundle schema that xs:import's every .xsd under xsd/ (one per targetNamespace,
#      dependencies first, as gateway/xml/schema-set.ts does) and proves it compiles with no error
#      or warning;
#  (b) validates every shared sample message against the bundle;
#  (c) validates the fixtures in tests/fixtures/xsd/: every file must validate, except
#      invalid-*.xml, which must be rejected.
# Exits non-zero on any unexpected result.
#
# Usage: scripts/check-xsd.sh            (from anywhere)
# Env:   XMLLINT (default xmllint), SAMPLES_DIR (default ../shared/docs/samples beside the repo),
#        XSD_FOLDERS (space-separated, default xsd/; a later folder's namespace replaces an earlier one)
set -u -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
XMLLINT="${XMLLINT:-xmllint}"
SAMPLES_DIR="${SAMPLES_DIR:-$ROOT/../shared/docs/samples}"
FIXTURES_DIR="$ROOT/tests/fixtures/xsd"
read -r -a FOLDERS <<< "${XSD_FOLDERS:-$ROOT/xsd}"

command -v "$XMLLINT" >/dev/null || { echo "xmllint not found (set XMLLINT)" >&2; exit 2; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
BUNDLE="$TMP/__bundle__.xsd"
failures=0
fail() { echo "FAIL  $*"; failures=$((failures + 1)); }

# --- (a) bundle --------------------------------------------------------------------------------
# namespace -> file (later folder wins), then sort by number of xs:import (dependencies first),
# then namespace, exactly like discoverSchemas() in gateway/xml/schema-set.ts.
declare -A BY_NS=()
for folder in "${FOLDERS[@]}"; do
  folder="$(cd "$folder" && pwd)" || { echo "no such folder: $folder" >&2; exit 2; }
  while IFS= read -r file; do
    ns="$(grep -o 'targetNamespace *= *["'"'"'][^"'"'"']*' "$file" | head -1 | sed -E 's/^targetNamespace *= *["'"'"']//')"
    if [ -z "$ns" ]; then echo "WARN  $file has no targetNamespace, skipped"; continue; fi
    BY_NS["$ns"]="$file"
  done < <(find "$folder" -name '*.xsd' | LC_ALL=C sort)
done
if [ "${#BY_NS[@]}" -eq 0 ]; then echo "no .xsd files found" >&2; exit 2; fi

{
  echo '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:cim-gateway:bundle" elementFormDefault="qualified">'
  for ns in "${!BY_NS[@]}"; do
    file="${BY_NS[$ns]}"
    printf '%s\t%s\t%s\n' "$(grep -oE '<(xs|xsd):import\b' "$file" | wc -l)" "$ns" "$file"
  done | LC_ALL=C sort -t $'\t' -k1,1n -k2,2 | while IFS=$'\t' read -r _ ns file; do
    echo "  <xs:import namespace=\"$ns\" schemaLocation=\"$file\"/>"
  done
  echo '</xs:schema>'
} > "$BUNDLE"

echo "== bundle (${#BY_NS[@]} schemas)"
sed -n 's/.*namespace="\([^"]*\)" schemaLocation="\([^"]*\)".*/   \1  <-  \2/p' "$BUNDLE" | sed "s|$ROOT/||"

# Compile: validate a document no schema declares. Exit 3 = "validation failed" (expected: the
# schema compiled); 5 = schema compilation error. Any parser error or warning also fails.
echo '<probe xmlns="urn:cim-gateway:probe"/>' > "$TMP/probe.xml"
# A replaced namespace (a later folder's schema) makes libxml2 skip the relative imports of the
# replaced file with a warning: that is the intended effect, reported as a note, not a failure.
"$XMLLINT" --noout --schema "$BUNDLE" "$TMP/probe.xml" > "$TMP/compile.all" 2>&1
rc=$?
grep -E 'Skipping import of schema located at .* since this namespace was already imported' "$TMP/compile.all" \
  | sed -E "s/.*Skipping import of schema located at '([^']*)'.*imported with the schema located at '([^']*)'.*/NOTE  replaced: \1 -> \2/" \
  | sed "s|$ROOT/||g" | sort -u
grep -vE 'Skipping import of schema located at|probe.xml' "$TMP/compile.all" > "$TMP/compile.out"
if [ "$rc" -ne 3 ] || grep -qiE 'error|warning' "$TMP/compile.out"; then
  fail "bundle does not compile cleanly (xmllint exit $rc):"
  sed 's/^/      /' "$TMP/compile.out"
  if [ "$rc" -eq 5 ]; then echo; echo "check-xsd: the bundle does not compile; nothing validated"; exit 1; fi
else
  echo "OK    bundle compiles (no errors, no warnings)"
fi

# Each schema on its own too: its relative imports must resolve without the bundle.
for ns in "${!BY_NS[@]}"; do echo "${BY_NS[$ns]}"; done | LC_ALL=C sort | while IFS= read -r file; do
  out="$("$XMLLINT" --noout --schema "$file" "$TMP/probe.xml" 2>&1)"; rc=$?
  if [ "$rc" -ne 3 ] || grep -qiE 'parser error|parser warning|failed to compile|warning' <<< "$out"; then
    echo "FAIL  ${file#$ROOT/} does not compile on its own (exit $rc):"; sed 's/^/      /' <<< "$out"
    echo x >> "$TMP/standalone-failures"
  fi
done
if [ -s "$TMP/standalone-failures" ]; then failures=$((failures + $(wc -l < "$TMP/standalone-failures")));
else echo "OK    every schema also compiles on its own"; fi

# --- helpers -------------------------------------------------------------------------------------
expect_valid() {
  local f="$1" label="$2" out
  if out="$("$XMLLINT" --noout --schema "$BUNDLE" "$f" 2>&1)"; then
    echo "OK    valid     $label"
  else
    fail "expected valid: $label"; sed 's/^/      /' <<< "$out"
  fi
}
expect_invalid() {
  local f="$1" label="$2" out rc
  out="$("$XMLLINT" --noout --schema "$BUNDLE" "$f" 2>&1)"; rc=$?
  if [ "$rc" -eq 3 ]; then
    echo "OK    rejected  $label: $(grep -m1 -E 'Schemas validity error|element' <<< "$out" | sed -E 's/^[^:]*:[0-9]+: //' | cut -c1-160)"
  else
    fail "expected a validation error (exit 3), got exit $rc: $label"; sed 's/^/      /' <<< "$out"
  fi
}

# --- (b) shared samples --------------------------------------------------------------------------
echo "== samples ($SAMPLES_DIR)"
if [ -d "$SAMPLES_DIR" ]; then
  n=0
  for f in "$SAMPLES_DIR"/*.xml; do
    [ -e "$f" ] || continue
    n=$((n + 1)); expect_valid "$f" "samples/$(basename "$f")"
  done
  [ "$n" -gt 0 ] || fail "no samples in $SAMPLES_DIR"
else
  fail "samples folder not found: $SAMPLES_DIR"
fi

# --- (c) fixtures ----------------------------------------------------------------------------------
echo "== fixtures (tests/fixtures/xsd)"
n=0
for f in "$FIXTURES_DIR"/*.xml; do
  [ -e "$f" ] || continue
  n=$((n + 1)); name="$(basename "$f")"
  case "$name" in
    invalid-*) expect_invalid "$f" "$name" ;;
    *)         expect_valid "$f" "$name" ;;
  esac
done
[ "$n" -gt 0 ] || fail "no fixtures in $FIXTURES_DIR"

echo
if [ "$failures" -gt 0 ]; then echo "check-xsd: $failures failure(s)"; exit 1; fi
echo "check-xsd: all good"
