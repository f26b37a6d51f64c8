# Seed corpora and dictionaries of the fuzz targets, sourced by tests/fuzz/run. Each
# seed_<target> writes inputs with `seed NAME < bytes` or `seed_text NAME TEXT` (no fork: for the
# thousands of record mutations) into the target's corpus; each dict_<target> prints a libFuzzer
# dictionary. ROOT is the repository.
# shellcheck shell=bash

rep() { local s; printf -v s '%*s' "$2" ''; printf '%s' "${s// /$1}"; }
compact() {  # compact FILE: one line of JSON when jq is there, the file as is otherwise
  if command -v jq >/dev/null 2>&1 && jq -c . "$1" 2>/dev/null; then return; fi
  cat "$1"
}
dict_tokens() { local t; for t in "$@"; do printf '"%s"\n' "$t"; done; }

# ---- validate: Validator::validate on any bytes --------------------------------------------------
seed_validate() {
  local f pretty ex step i s EXAMPLES
  # Profile examples (may not exist yet) and the mapped golden bundles, compact as the gateway
  # validates them; one golden stays pretty-printed.
  shopt -s nullglob globstar
  for f in "$ROOT"/fhir_profiles/examples/**/*.json "$ROOT"/tests/golden/*/*.bundle.json; do
    compact "$f" | seed "$(basename "$f")"
  done
  pretty=("$ROOT"/tests/golden/visit/*.bundle.json)
  [ ${#pretty[@]} -gt 0 ] && seed pretty.json <"${pretty[0]}"

  # ~50 official FHIR R4 examples, spread over the sorted list, under the input size limit.
  EXAMPLES=${ILP_FHIR_EXAMPLES_DIR:-$ROOT/.cache/fhir/hl7.fhir.r4.examples-4.0.1/package}
  if [ -d "$EXAMPLES" ]; then
    mapfile -t ex < <(find "$EXAMPLES" -maxdepth 1 -name '*.json' -size -60k -printf '%f\n' |
      grep -Ev '^(SearchParameter|ValueSet|CodeSystem|StructureDefinition|ConceptMap|OperationDefinition|CapabilityStatement|ImplementationGuide|NamingSystem|CompartmentDefinition|GraphDefinition|MessageDefinition|StructureMap|TerminologyCapabilities|package)' |
      grep -v '^ig-r4\.json$' | LC_ALL=C sort)
    if [ ${#ex[@]} -gt 0 ]; then
      step=$(( (${#ex[@]} + 49) / 50 ))
      for ((i = 0; i < ${#ex[@]}; i += step)); do
        compact "$EXAMPLES/${ex[$i]}" | seed "${ex[$i]}"
      done
    fi
  else
    say "no official examples at $EXAMPLES (node scripts/update-profiles --fetch); seeding without them"
  fi

  # Hand-made nasty inputs.
  { rep '[' 10000; } | seed deep-array.json
  { rep '{"a":' 10000; printf 1; rep '}' 10000; } | seed deep-object.json
  { printf '{"resourceType":"Patient","extension":'; rep '[' 70; rep ']' 70; printf '}'; } | seed deep-in-resource.json
  { printf '{"resourceType":"Patient","contained":['; for _ in $(seq 40); do printf '{"resourceType":"Patient","contained":['; done
    printf '{"resourceType":"Patient"}'; for _ in $(seq 40); do printf ']}'; done; printf ']}'; } | seed contained-chain.json
  printf '{"resourceType":"Patient","gender":"male","gender":"female"}' | seed duplicate-key.json
  printf '{"resourceType":"Patient","resourceType":"Observation"}' | seed duplicate-resourcetype.json
  printf '{"resourceType":"Patient","deceasedBoolean":true,"deceasedDateTime":"2020-01-01"}' | seed deceased-both.json
  printf '{"resourceType":"Patient","birthDate":"1990-01-01","_birthDate":{"id":"x"},"_birthDate":{}}' | seed underscore-twice.json
  printf '{"resourceType":"Patient","deceasedBoolean":true,"_deceasedDateTime":{"id":"a"}}' | seed underscore-other-choice.json
  printf '{"resourceType":"Patient","name":[{"given":["A",null],"_given":[null,{"id":"g"}]}]}' | seed null-aligned.json
  printf '{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e999}}' | seed 1e999.json
  printf '{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":-1e-400}}' | seed tiny.json
  printf '{"resourceType":"Patient","multipleBirthInteger":99999999999999999999999}' | seed bigint.json
  printf '{"resourceType":"Patient","multipleBirthInteger":18446744073709551615}' | seed uint64.json
  printf '{"resourceType":"Patient","multipleBirthInteger":-9223372036854775808}' | seed int64-min.json
  printf '{"resourceType":"Patient","multipleBirthInteger":1.0}' | seed int-as-decimal.json
  printf '{"resourceType":"Patient","name":[{"text":"\xff\xfe\xc0\x80\xed\xa0\x80"}]}' | seed invalid-utf8.json
  printf '{"resourceType":"Patient","\xe2\x82":1}' | seed invalid-utf8-key.json
  printf '{"resourceType":"Patient","name":[{"text":"\\ud800"}]}' | seed lone-surrogate.json
  printf '{"resourceType":"Patient","gender":"ma\\u0000le","id":"a\x01b"}' | seed control-chars.json
  printf '\xef\xbb\xbf{"resourceType":"Patient"}' | seed bom.json
  printf '{"resourceType":"Patient"}\x00{"x":1}' | seed trailing-nul.json
  { printf '{"resourceType":"Patient","name":[{"text":"'; rep x 60000; printf '"}]}'; } | seed huge-string.json
  { printf '{"resourceType":"Patient","'; rep k 30000; printf '":1}'; } | seed huge-key.json
  { printf '{"resourceType":"Patient","identifier":['; for i in $(seq 2000); do printf '{"value":"%d"},' "$i"; done; printf '{}]}'; } | seed many-items.json
  printf '{"resourceType":"Foo"}' | seed unknown-type.json
  printf '{"resourceType":"DomainResource"}' | seed abstract-type.json
  printf '{"resourceType":"Quantity","value":1}' | seed datatype-as-resource.json
  printf '{"resourceType":123}' | seed type-number.json
  printf '{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Nope"}},{"resource":[]},{"fullUrl":"urn:uuid:1"}]}' | seed bundle-bad-entries.json
  printf '{"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"Organization/1"},"period":{"start":"2025-03-14T08:20:00+00:00","end":"2025-03-14T08:00:00+00:00"}}' | seed encounter-backwards.json
  for s in '' 'null' '[]' '{}' '"x"' '0' 'true' '{' '{"resourceType":' '{"resourceType":"Patient"' '{"resourceType":"Patient"}}'; do
    printf '%s' "$s" | seed tiny.json
  done
}

dict_validate() {
  # A dictionary of resource type names and element keys makes mutations land on real FHIR.
  {
    for t in '{' '}' '[' ']' ':' ',' 'null' 'true' 'false' '\"' '\"resourceType\":' '\"_' '\"urn:uuid:' \
             '\"http://' '1e999' '-0' '2025-03-14T08:20:00+07:00' '\"{org}\"' '\"10000004\"'; do
      printf '"%s"\n' "$t"
    done
    if [ -f "$ROOT/fhir_profiles/r4/types.tsv" ]; then
      awk -F'\t' '!/^#/ && $1 ~ /^[A-Za-z]+$/ { printf "\"\\\"%s\\\"\"\n", $1 }' "$ROOT/fhir_profiles/r4/types.tsv"
    fi
    if [ -f "$ROOT/fhir_profiles/r4/elements.tsv" ]; then
      awk -F'\t' '!/^#/ { n = split($1, p, "."); k = p[n]; sub(/\[x\]$/, "", k);
                          if (k ~ /^[A-Za-z]+$/ && !seen[k]++) printf "\"\\\"%s\\\":\"\n", k }' \
        "$ROOT/fhir_profiles/r4/elements.tsv"
    fi
  }
}

# ---- http: one connection's bytes, byte 0 = limits and read size (see http_fuzz.cpp) -----------
seed_http() {
  local body bundle patient req mode name
  body=$(compact "$ROOT/config/examples/visit/visit-1.json")
  bundle=$(compact "$ROOT/tests/golden/patient/newborn-without-nik.bundle.json")
  patient=$(jq -c '.entry[0].resource' "$ROOT/tests/golden/patient/newborn-without-nik.bundle.json" 2>/dev/null || echo '{"resourceType":"Patient"}')
  local auth=$'Authorization: Bearer demo-key-sukamaju\r\n'
  local H=$'Host: gw\r\n'
  # http_req NAME BYTES: the request under four modes: shipped limits all at once, in 7-byte
  # reads, tight limits in 1-byte reads and all at once.
  http_req() {
    for mode in '\x00' '\x07' '\x81' '\x80'; do
      { printf "$mode"; printf '%s' "$2"; } | seed "$1"
    done
  }
  cl() { printf 'Content-Length: %d\r\n' "${#1}"; }  # bytes: LC_ALL=C below
  local LC_ALL=C
  http_req get.http "GET /healthz HTTP/1.1"$'\r\n'"$H"$'\r\n'
  http_req get-http10.http $'GET /healthz HTTP/1.0\r\n\r\n'
  http_req post-record.http "POST /api/v1/records HTTP/1.1"$'\r\n'"$H$auth"$'Content-Type: application/json\r\n'"$(cl "$body")"$'\r\n'"$body"
  http_req post-fhir.http "POST /fhir/r4 HTTP/1.1"$'\r\n'"$H$auth"$'Content-Type: application/fhir+json\r\nX-Record-Id: FB-1\r\n'"$(cl "$bundle")"$'\r\n'"$bundle"
  http_req post-fhir-patient.http "POST /fhir/r4/Patient HTTP/1.1"$'\r\n'"$H$auth"$'Content-Type: application/fhir+json\r\nX-Record-Id: P-1\r\n'"$(cl "$patient")"$'\r\n'"$patient"
  http_req record-id-not-utf8.http "POST /fhir/r4/Patient HTTP/1.1"$'\r\n'"$H$auth"$'X-Record-Id: P-\xff\xfe\r\n'"$(cl "$patient")"$'\r\n'"$patient"
  http_req record-id-overlong.http "POST /fhir/r4 HTTP/1.1"$'\r\n'"$H"$'X-Record-Id: \xc0\xaf\r\n'"$(cl "$bundle")"$'\r\n'"$bundle"
  http_req chunked.http "POST /api/v1/records HTTP/1.1"$'\r\n'"$H$auth"$'Transfer-Encoding: chunked\r\n\r\n5\r\n{"kin\r\n3;ext=1\r\nd":\r\n0\r\n\r\n'
  http_req chunked-trailers.http "POST /fhir/r4 HTTP/1.1"$'\r\n'"$H"$'Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Trailer: v\r\nX-Record-Id: t\r\n\r\n'
  http_req chunked-big-extension.http "POST / HTTP/1.1"$'\r\n'"$H"$'Transfer-Encoding: chunked\r\n\r\n2;'"$(rep e 5000)"$'\r\n{}\r\n0\r\n\r\n'
  http_req chunked-huge-size.http "POST / HTTP/1.1"$'\r\n'"$H"$'Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n'
  http_req chunked-over-body.http "POST / HTTP/1.1"$'\r\n'"$H"$'Transfer-Encoding: chunked\r\n\r\n12d\r\n'"$(rep x 301)"$'\r\n0\r\n\r\n'
  http_req big-trailer.http "POST / HTTP/1.1"$'\r\n'"$H"$'Transfer-Encoding: chunked\r\n\r\n0\r\nX: '"$(rep t 20000)"$'\r\n\r\n'
  http_req huge-field.http "GET / HTTP/1.1"$'\r\n'"$H"'X-Big: '"$(rep a 20000)"$'\r\n\r\n'
  local many="" i
  for i in $(seq 400); do many+="X-F$i: $(rep f 40)"$'\r\n'; done
  http_req many-fields.http "GET / HTTP/1.1"$'\r\n'"$H$many"$'\r\n'
  http_req long-target.http "GET /$(rep t 16000) HTTP/1.1"$'\r\n'"$H"'X: '"$(rep v 8000)"$'\r\n\r\n'
  http_req near-limit.http "GET / HTTP/1.1"$'\r\n'"$H"'X: '"$(rep a 16300)"$'\r\n\r\n'
  http_req pipelined.http "GET /a HTTP/1.1"$'\r\n'"$H"$'\r\n'"GET /b?x=1&y=%41 HTTP/1.1"$'\r\n'"$H"$'\r\n'"POST /c HTTP/1.1"$'\r\n'"$H"$'Content-Length: 2\r\n\r\n{}GET /d HTTP/1.1\r\n'"$H"$'\r\n'
  http_req pipelined-chunked.http "POST /a HTTP/1.1"$'\r\n'"$H"$'Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\nGET /b HTTP/1.1\r\n'"$H"$'\r\n'
  http_req te-and-cl.http "POST / HTTP/1.1"$'\r\n'"$H"$'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n'
  http_req te-gzip.http "POST / HTTP/1.1"$'\r\n'"$H"$'Transfer-Encoding: gzip\r\n\r\n'
  http_req te-gzip-chunked.http "POST / HTTP/1.1"$'\r\n'"$H"$'Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'
  # The first finding: a parameter list without a coding name in front of chunked.
  http_req te-param-no-name.http "POST / HTTP/1.1"$'\r\n'"$H"$'Transfer-Encoding: ;ext='"$(rep b 75)"$'zip, chunked\r\n\r\n0\r\n\r\n'
  http_req te-chunked-param.http "POST / HTTP/1.1"$'\r\n'"$H"$'Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n'
  http_req te-two-fields.http "POST / HTTP/1.1"$'\r\n'"$H"$'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
  http_req two-hosts.http $'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
  http_req no-host.http $'GET / HTTP/1.1\r\n\r\n'
  http_req cl-list.http "POST / HTTP/1.1"$'\r\n'"$H"$'Content-Length: 1, 2\r\n\r\nab'
  http_req cl-huge.http "POST / HTTP/1.1"$'\r\n'"$H"$'Content-Length: 99999999999999999999\r\n\r\n'
  http_req expect.http "POST /api/v1/records HTTP/1.1"$'\r\n'"$H"$'Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}'
  http_req obs-fold.http "GET / HTTP/1.1"$'\r\n'"$H"$'X: a\r\n b\r\n\r\n'
  http_req bare-lf.http $'GET / HTTP/1.1\nHost: x\n\n'
  http_req nul-in-field.http "GET / HTTP/1.1"$'\r\n'"$H"$'X: a\x01b\r\n\r\n'
  http_req accept-language.http "GET /api/v1/records?status=queued&limit=5 HTTP/1.1"$'\r\n'"$H$auth"$'Accept-Language: en-US,en;q=0.9\r\n\r\n'
  http_req batch.http "POST /api/v1/records:batch HTTP/1.1"$'\r\n'"$H$auth"$'Content-Type: application/x-ndjson\r\n'"$(cl "$body"$'\n'"$body")"$'\r\n'"$body"$'\n'"$body"
  printf '' | seed empty.http
}

dict_http() {
  dict_tokens '\x0d\x0a' '\x0d\x0a\x0d\x0a' ': ' 'HTTP/1.1' 'HTTP/1.0' 'GET ' 'POST ' 'Host: ' \
    'Content-Length: ' 'Transfer-Encoding: ' 'chunked' 'gzip' 'identity' 'Expect: 100-continue' \
    'Connection: close' 'Connection: keep-alive' 'Authorization: Bearer ' 'demo-key-sukamaju' \
    'Content-Type: ' 'application/json' 'application/fhir+json' 'application/x-ndjson' \
    'X-Record-Id: ' 'Accept-Language: en' '/api/v1/records' '/api/v1/records:batch' '/fhir/r4' \
    '/fhir/r4/Patient' '0\x0d\x0a\x0d\x0a' ';ext=' '%' '%00' '%ff' '?' '&' '=' '\xff' '\xc0\xaf' \
    '\xed\xa0\x80'
}

# ---- envelope and map_validate: records -------------------------------------------------------
# The example records of every kind (config/examples/, docs/examples/) and the golden inputs.
record_files() {
  shopt -s nullglob globstar
  printf '%s\n' "$ROOT"/config/examples/*/*.json "$ROOT"/docs/examples/**/*.json \
    "$ROOT"/tests/golden/*/*.input.json | grep -v '/sim-seed\.json$'
}

seed_envelope() {
  local f t name ff=$'\xff' c3=$'\xc3' LC_ALL=C
  while IFS= read -r f; do
    name=${f##*/}
    t=$(compact "$f")
    seed_text "$name" "$t"
    printf '%s\0{"x":1}' "$t" | seed "nul-tail-$name"
    seed_text "record-id-not-utf8-$name" "${t/\"record_id\":\"/\"record_id\":\"$ff}"
    seed_text "cut-utf8-$name" "${t/\"data\":/\"data\":$c3}"
    command -v jq >/dev/null 2>&1 || continue
    while IFS= read -r t; do seed_text "mutated-$name" "$t"; done < <(
      jq -c 'del(.kind), del(.facility), del(.record_id), del(.data), .kind = 1, .facility = [],
             .record_id = "", .record_id = ("x" * 200), .data = [], .data = null, .kind = "nope",
             .facility = "pkm-tanjung", .facility = "pkm-nope", .extra = true' "$f" 2>/dev/null)
  done < <(record_files)
  # FHIR pass-through bodies, with and without an X-Record-Id line (see envelope_fuzz.cpp).
  for f in "$ROOT"/tests/golden/*/*.bundle.json; do
    name=$(basename "$f")
    t=$(compact "$f")
    printf '%s' "$t" | seed "$name"
    printf 'X-Record-Id: FB-1\n%s' "$t" | seed "record-id-$name"
    printf 'X-Record-Id: FB-\xff\n%s' "$t" | seed "record-id-not-utf8-$name"
    command -v jq >/dev/null 2>&1 || continue
    jq -c '.entry[0].resource' "$f" | seed "resource-$name"
    jq -c '.type = "batch", del(.entry[0].request), .entry[0].request.method = "DELETE",
           del(.entry[0].fullUrl)' "$f" | while IFS= read -r t; do printf '%s' "$t" | seed "mutated-$name"; done
  done
  for t in '' 'null' '[]' '{}' '"x"' '0' '{' '{"kind":"visit"}' '{"kind":"visit","kind":"visit"}' \
           '{"resourceType":"Bundle"}' '{"resourceType":"Patient"}'; do
    printf '%s' "$t" | seed tiny.json
  done
  printf '\xef\xbb\xbf{}' | seed bom.json
  { rep '[' 5000; } | seed deep.json
}

seed_map_validate() {
  local f t name
  while IFS= read -r f; do
    name=${f##*/}
    seed_text "$name" "$(compact "$f")"
    command -v jq >/dev/null 2>&1 || continue
    case $name in rejected-*) continue ;; esac
    # Each leaf of the record's data removed, null, of the other type, with a NUL, very long.
    while IFS= read -r t; do seed_text "leaf-$name" "$t"; done < <(
      jq -c '. as $r | [$r.data | paths(scalars)] | .[] as $p | ["data"] + $p | . as $q |
             ($r | delpaths([$q])), ($r | setpath($q; null)),
             ($r | setpath($q; ($r | getpath($q)) | if type == "string" then 0 else "x" end)),
             ($r | setpath($q; ($r | getpath($q)) |
                   if type == "string" then . + "\u0000" elif type == "number" then 0 - . else . end)),
             ($r | setpath($q; ($r | getpath($q)) | tostring * 40))' "$f" 2>/dev/null)
  done < <(record_files)
}

# Envelope fields, every key and short string value of the example records, the kinds.
dict_records() {
  dict_tokens '{' '}' '[' ']' ':' ',' 'null' 'true' 'false' '\"' '\\u0000' '\"kind\":' \
    '\"facility\":' '\"record_id\":' '\"data\":' '\"pkm-sukamaju\"' '\"resourceType\":' \
    '2025-03-14T08:20:00' '+07:00' '-1' '1e999' '0.0000001'
  local kinds
  kinds=$(find "$ROOT/config/mappings" -name '*.yaml' -printf '%f\n' | sed 's/\.yaml$//')
  for k in $kinds; do printf '"\\"%s\\""\n' "$k"; done
  command -v jq >/dev/null 2>&1 || return 0
  record_files | xargs jq -r '[paths | .[-1] | strings] | .[]' 2>/dev/null | LC_ALL=C sort -u |
    awk '/^[A-Za-z0-9_]+$/ { printf "\"\\\"%s\\\":\"\n", $0 }'
  record_files | xargs jq -r '.. | strings' 2>/dev/null | LC_ALL=C sort -u |
    awk 'length($0) <= 40 && /^[A-Za-z0-9_:.+ -]+$/ { printf "\"\\\"%s\\\"\"\n", $0 }'
}
dict_envelope() { dict_records; }
dict_map_validate() { dict_records; }
