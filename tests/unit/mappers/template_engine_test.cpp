// The mapping-template engine, construct by construct and function by function
// (config/mappings/LANGUAGE.md), on small inline templates.
#include <catch2/catch.hpp>

#include "mappers/json.hpp"
#include "mappers/mapping.hpp"
#include "unit/mappers/visit_fixtures.hpp"

namespace ilp::mappers {
namespace {

const CodeTables& tables() {
  static const CodeTables t = [] {
    CodeTables ts;
    std::string error;
    ts.add(CodeTable::parse("vaccines",
                            "# test table\n"
                            "local_code,system,code,display,group_code,ideal_max_age_days\n"
                            "BCG,http://sys-ids.kemkes.go.id/kfa,93001019,BCG vaccine,VG57,60\n"
                            "\"HB,0\",http://sys-ids.kemkes.go.id/kfa,,Hepatitis B,VG45,7\n",
                            "vaccines.csv", error));
    REQUIRE(error.empty());
    return ts;
  }();
  return t;
}

std::unique_ptr<Mapping> compile(const std::string& yaml, CompileReport& report) {
  return Mapping::compile(yaml, "t.yaml", tables(), report);
}

std::unique_ptr<Mapping> compile_ok(const std::string& yaml) {
  CompileReport report;
  auto m = compile(yaml, report);
  for (const auto& e : report.errors) FAIL_CHECK(e);
  for (const auto& w : report.warnings) FAIL_CHECK(w);
  REQUIRE(m != nullptr);
  return m;
}

// A template whose single resource's body is `body` (indented YAML under body:).
std::string one(const std::string& input, const std::string& body) {
  return "kind: t\ninput:\n" + input +
         "resources:\n  - name: r\n    body:\n      resourceType: Basic\n" + body;
}

struct Mapped {
  MapResult result;
  rapidjson::Document bundle;
};

Mapped run(const Mapping& m, std::string_view data_json, int revision = 1,
           const Facility& f = test::sukamaju()) {
  Mapped out;
  const auto data = test::parse_or_fail(data_json);
  out.result = m.map(MapInput{f, "REC-1", revision, data, test::fixed_now_ms(), "2014-06-03",
                              &Pseudonymizer::for_tests()});
  if (out.result.ok()) out.bundle = test::parse_or_fail(out.result.bundle_json);
  return out;
}

// The first resource of a mapped bundle, as compact JSON.
std::string first(const Mapped& m) {
  INFO(outcome_to_storage(m.result.outcome));
  REQUIRE(m.result.ok());
  return to_json(m.bundle["entry"][0]["resource"]);
}

std::string first_issue(const MapResult& r) {
  REQUIRE_FALSE(r.ok());
  return r.outcome.issues[0].expression + " | " + r.outcome.issues[0].text.en;
}

const std::string kX = "  x: {type: number}\n  s: {type: string}\n  b: {type: boolean}\n";

TEST_CASE("a value that is one expression keeps its JSON type", "[unit][template]") {
  auto m = compile_ok(one(kX, "      n: \"${x}\"\n      t: \"${s}\"\n      f: \"${b}\"\n"));
  CHECK(first(run(*m, R"({"x": 120, "s": "a", "b": false})")) ==
        R"({"resourceType":"Basic","n":120,"t":"a","f":false})");
  CHECK(first(run(*m, R"({"x": 36.8})")) == R"({"resourceType":"Basic","n":36.8})");
}

TEST_CASE("text around expressions makes text, and a missing part drops the whole string",
          "[unit][template]") {
  auto m = compile_ok(one(kX, "      v: \"${s}-${x} kg\"\n"));
  CHECK(first(run(*m, R"({"x": 3, "s": "a"})")) == R"({"resourceType":"Basic","v":"a-3 kg"})");
  CHECK(first(run(*m, R"({"s": "a"})")) == R"({"resourceType":"Basic"})");
}

TEST_CASE("plain YAML scalars are written with their YAML type, quoted ones as text",
          "[unit][template]") {
  auto m =
      compile_ok(one("  s: {type: string}\n",
                     "      a: 1\n      b: 2.5\n      c: true\n      d: \"01\"\n      e: ~\n"));
  CHECK(first(run(*m, "{}")) == R"({"resourceType":"Basic","a":1,"b":2.5,"c":true,"d":"01"})");
}

TEST_CASE("objects and lists left empty are omitted", "[unit][template]") {
  auto m = compile_ok(one(kX, "      o: {v: \"${x}\"}\n      l: [\"${s}\"]\n      k: keep\n"));
  CHECK(first(run(*m, "{}")) == R"({"resourceType":"Basic","k":"keep"})");
  CHECK(first(run(*m, R"({"x": 1, "s": "y"})")) ==
        R"({"resourceType":"Basic","o":{"v":1},"l":["y"],"k":"keep"})");
}

TEST_CASE("when: on an object keeps or drops it, a list-valued when is FHIR data",
          "[unit][template]") {
  auto m = compile_ok(one(kX,
                          "      o: {when: \"${b}\", v: 1}\n"
                          "      repeat: {when: [MORN, EVE]}\n"));
  CHECK(first(run(*m, R"({"b": true})")) ==
        R"({"resourceType":"Basic","o":{"v":1},"repeat":{"when":["MORN","EVE"]}})");
  CHECK(first(run(*m, R"({"b": false})")) ==
        R"({"resourceType":"Basic","repeat":{"when":["MORN","EVE"]}})");
}

TEST_CASE("each: and as: on list elements repeat them with item and index", "[unit][template]") {
  auto m = compile_ok(one("  xs: {type: array}\n  xs[].c: {type: string}\n",
                          "      l:\n"
                          "        - first\n"
                          "        - each: \"${xs}\"\n"
                          "          as: e\n"
                          "          when: \"${e.c != 'skip'}\"\n"
                          "          c: \"${e.c}\"\n"
                          "          i: \"${index}\"\n"));
  CHECK(first(run(*m, R"({"xs": [{"c": "a"}, {"c": "skip"}, {"c": "b"}]})")) ==
        R"({"resourceType":"Basic","l":["first",{"c":"a","i":0},{"c":"b","i":2}]})");
}

TEST_CASE("each: and when: on resources emit one resource per kept element, named name.index",
          "[unit][template]") {
  auto m = compile_ok(
      "kind: t\ninput:\n  xs: {type: array}\n  xs[].c: {type: string}\n  b: {type: boolean}\n"
      "resources:\n"
      "  - name: head\n    when: \"${b}\"\n    body: {resourceType: Basic, n: \"${len(xs)}\"}\n"
      "  - name: item\n    each: \"${xs}\"\n    when: \"${item.c != 'skip'}\"\n"
      "    body: {resourceType: Basic, c: \"${item.c}\", head: \"${ref('head')}\","
      " me: \"${ref('item', index)}\"}\n");
  const auto r = run(*m, R"({"b": false, "xs": [{"c": "a"}, {"c": "skip"}, {"c": "b"}]})");
  REQUIRE(r.result.ok());
  REQUIRE(r.result.resources.size() == 2);
  CHECK(r.result.resources[0].name == "item.0");
  CHECK(r.result.resources[1].name == "item.2");
  // ref() to a resource that was not emitted is missing, so the key disappears.
  CHECK(to_json(r.bundle["entry"][1]["resource"]) ==
        R"({"resourceType":"Basic","c":"b","me":")" + r.result.resources[1].local + R"("})");
}

TEST_CASE("urn:uuids are deterministic per record and revision", "[unit][template]") {
  auto m = compile_ok(one(kX, "      v: \"${x}\"\n"));
  const auto a = run(*m, R"({"x": 1})");
  const auto b = run(*m, R"({"x": 1})");
  const auto c = run(*m, R"({"x": 1})", 2);
  CHECK(a.result.bundle_json == b.result.bundle_json);
  CHECK(a.result.resources[0].local != c.result.resources[0].local);
}

TEST_CASE("operators: ??, and/or/not, comparisons and arithmetic", "[unit][template]") {
  auto m = compile_ok(one(kX,
                          "      d: \"${s ?? 'none'}\"\n"
                          "      a: \"${x > 1 and not b}\"\n"
                          "      o: \"${b or x == 2}\"\n"
                          "      p: \"${(x + 1) * 3 - x / 2}\"\n"
                          "      m: \"${-x}\"\n"
                          "      e: \"${s == null}\"\n"));
  CHECK(first(run(*m, R"({"x": 2, "b": false})")) ==
        R"({"resourceType":"Basic","d":"none","a":true,"o":true,"p":8.0,"m":-2,"e":true})");
  // Arithmetic on a missing value is missing, so the key goes.
  CHECK(first(run(*m, R"({"b": true, "s": " "})")) ==
        R"({"resourceType":"Basic","d":"none","a":false,"o":true,"e":false})");
}

TEST_CASE("utc, date and days_between use the facility's zone", "[unit][template]") {
  auto m = compile_ok(one("  t: {type: datetime}\n  born: {type: date}\n",
                          "      u: \"${utc(t)}\"\n      d: \"${date(t)}\"\n"
                          "      age: \"${days_between(born, t)}\"\n"));
  const std::string in = R"({"t": "2025-03-01T06:30:00", "born": "2025-01-30"})";
  CHECK(first(run(*m, in)) ==
        R"({"resourceType":"Basic","u":"2025-02-28T23:30:00+00:00","d":"2025-03-01","age":30})");
  CHECK(first(run(*m, in, 1, test::sentani())) ==
        R"({"resourceType":"Basic","u":"2025-02-28T21:30:00+00:00","d":"2025-03-01","age":30})");
}

TEST_CASE("utc(t, minutes) shifts the instant, across midnight and the month", "[unit][template]") {
  auto m = compile_ok(one("  t: {type: datetime}\n",
                          "      before: \"${utc(t, -1)}\"\n      after: \"${utc(t, 45)}\"\n"));
  CHECK(first(run(*m, R"({"t": "2025-03-01T07:00:30"})")) ==
        R"({"resourceType":"Basic","before":"2025-02-28T23:59:30+00:00",)"
        R"("after":"2025-03-01T00:45:30+00:00"})");
}

TEST_CASE("utc()'s minutes must be a whole number within a day", "[unit][template]") {
  auto m = compile_ok(
      one("  t: {type: datetime}\n  n: {type: number}\n", "      u: \"${utc(t, n)}\"\n"));
  for (const char* n : {"1.5", "1441", "-1441"}) {
    INFO(n);
    const auto r = run(*m, std::string(R"({"t": "2025-03-01T07:00:00", "n": )") + n + "}");
    CHECK_THAT(first_issue(r.result), Catch::Contains("minutes must be a whole number"));
  }
}

TEST_CASE("lookup reads code, display, system and extra columns, no row is missing",
          "[unit][template]") {
  auto m = compile_ok(one("  v: {type: string}\n",
                          "      c: \"${lookup('vaccines', v).code}\"\n"
                          "      g: \"${lookup('vaccines', v).group_code}\"\n"
                          "      n: \"${number(lookup('vaccines', v).ideal_max_age_days)}\"\n"
                          "      e: \"${exists(lookup('vaccines', v))}\"\n"));
  CHECK(first(run(*m, R"({"v": "BCG"})")) ==
        R"({"resourceType":"Basic","c":"93001019","g":"VG57","n":60,"e":true})");
  // A quoted cell with a comma, and an empty code cell, which is missing.
  CHECK(first(run(*m, R"({"v": "HB,0"})")) ==
        R"({"resourceType":"Basic","g":"VG45","n":7,"e":true})");
  CHECK(first(run(*m, R"({"v": "XYZ"})")) == R"({"resourceType":"Basic","e":false})");
}

TEST_CASE("patient_ref, practitioner_ref, location_ref/name and org_ref", "[unit][template]") {
  auto m =
      compile_ok(one("  p: {type: patient}\n  d: {type: practitioner}\n  l: {type: location}\n",
                     "      p: \"${patient_ref(p)}\"\n      d: \"${practitioner_ref(d)}\"\n"
                     "      l: \"${location_ref(l)}\"\n      n: \"${location_name(l)}\"\n"
                     "      o: \"${org_ref()}\"\n"));
  const std::string kid = R"("name": "Bayi", "birth_date": "2025-01-01", "gender": "male")";
  CHECK(
      first(run(*m, R"({"p": {"nik": "3204010101900001", )" + kid +
                        R"(}, "d": {"ihs_number": "N10000001", "name": "dr"}, "l": "KIA"})")) ==
      R"({"resourceType":"Basic","p":"Patient?identifier=https://fhir.kemkes.go.id/id/nik|3204010101900001",)"
      R"("d":"Practitioner/N10000001","l":"Location/c87e0ca7-badc-4c60-9080-277aaaf27a88",)"
      R"("n":"Ruang KIA","o":"Organization/10000004"})");
  CHECK(
      first(run(*m, R"({"p": {"mother_nik": "3204014102950002", )" + kid + "}}")) ==
      R"({"resourceType":"Basic","p":"Patient?identifier=https://fhir.kemkes.go.id/id/nik-ibu|3204014102950002","o":"Organization/10000004"})");
  CHECK(first(run(*m, R"({"p": {"ihs_number": "P02478375538", "nik": "3204010101900001", )" + kid +
                          "}}")) ==
        R"({"resourceType":"Basic","p":"Patient/P02478375538","o":"Organization/10000004"})");
}

TEST_CASE("text and number functions", "[unit][template]") {
  auto m = compile_ok(one(kX,
                          "      c: \"${concat(s, '-', x, '-', b)}\"\n"
                          "      u: \"${upper(s)}\"\n      l: \"${lower('AbC')}\"\n"
                          "      t: \"${string(x)}\"\n      n: \"${number('36,8')}\"\n"
                          "      bad: \"${number('abc')}\"\n"
                          "      r0: \"${round(x)}\"\n      r1: \"${round(x, 1)}\"\n"
                          "      co: \"${coalesce(null, '', s, 'z')}\"\n"
                          "      i: \"${if(b, 'yes', 'no')}\"\n      i2: \"${if(b, 'yes')}\"\n"
                          "      len: \"${len(s)}\"\n"));
  CHECK(first(run(*m, R"({"x": 2.46, "s": "aé", "b": false})")) ==
        R"({"resourceType":"Basic","c":"aé-2.46-false","u":"Aé","l":"abc","t":"2.46","n":36.8,)"
        R"("r0":2,"r1":2.5,"co":"aé","i":"no","len":2})");
}

TEST_CASE("entries and order_by", "[unit][template]") {
  auto m = compile_ok(
      one("  o: {type: object}\n  xs: {type: array}\n  xs[].k: {type: number}\n",
          "      e: [{each: \"${entries(o)}\", k: \"${item.key}\", v: \"${item.value}\"}]\n"
          "      s: [{each: \"${order_by(xs, 'k', 'desc')}\", k: \"${item.k}\"}]\n"
          "      a: [{each: \"${order_by(xs, 'k')}\", k: \"${item.k}\"}]\n"));
  CHECK(first(run(*m, R"({"o": {"b": 1, "a": 2}, "xs": [{"k": 2}, {"k": 9}, {}, {"k": 5}]})")) ==
        R"({"resourceType":"Basic","e":[{"k":"b","v":1},{"k":"a","v":2}],)"
        R"("s":[{"k":9},{"k":5},{"k":2}],"a":[{"k":2},{"k":5},{"k":9}]})");
}

TEST_CASE("facility and record fields are built in", "[unit][template]") {
  auto m = compile_ok(
      one("  facility: {type: string}\n",
          "      f: \"${facility.key}/${facility.organization_id}/${facility.timezone}\"\n"
          "      n: \"${facility.name}\"\n      r: \"${record.id}#${record.revision}\"\n"
          "      d: \"${data.facility}\"\n"));
  CHECK(first(run(*m, R"({"facility": "mine"})", 3)) ==
        R"({"resourceType":"Basic","f":"pkm-sukamaju/10000004/Asia/Jakarta",)"
        R"("n":"Puskesmas Sukamaju","r":"REC-1#3","d":"mine"})");
}

// ---- compile errors ---------------------------------------------------------------------------

std::string compile_error(const std::string& yaml) {
  CompileReport report;
  auto m = compile(yaml, report);
  CHECK(m == nullptr);
  REQUIRE_FALSE(report.errors.empty());
  return report.errors[0];
}

TEST_CASE("a YAML syntax error is refused with file and line", "[unit][template]") {
  CHECK_THAT(compile_error("kind: t\ninput: {a: {type: string}\nresources: [\n"),
             Catch::StartsWith("t.yaml:"));
}

TEST_CASE("expression errors name file, line and the expression", "[unit][template]") {
  CHECK(compile_error(one(kX, "      v: \"${nosuch(x)}\"\n")) ==
        "t.yaml:10: in ${nosuch(x)}: unknown function 'nosuch' (see config/mappings/LANGUAGE.md "
        "for the list)");
  CHECK_THAT(compile_error(one(kX, "      v: \"${utc(x, 1, 2)}\"\n")),
             Catch::Contains("utc() takes 1 to 2 argument(s), not 3"));
  CHECK_THAT(compile_error(one(kX, "      v: \"${lookup('nosuch', x)}\"\n")),
             Catch::Contains("there is no code table 'nosuch'"));
  CHECK_THAT(compile_error(one(kX, "      v: \"${ref('nosuch')}\"\n")),
             Catch::Contains("no resource is named 'nosuch'"));
  CHECK_THAT(compile_error(one(kX, "      v: \"${x +}\"\n")),
             Catch::Contains("the expression ends too early"));
  CHECK_THAT(compile_error(one(kX, "      v: \"${x\"\n")), Catch::Contains("is never closed"));
  CHECK_THAT(compile_error(one(kX, "      v: \"${'abc}\"\n")), Catch::Contains("never closed"));
  CHECK_THAT(compile_error(one(kX, "      v: \"${x < 1 < 2}\"\n")),
             Catch::Contains("comparisons cannot be chained"));
  CHECK_THAT(compile_error(one(kX, "      v: \"${index}\"\n")),
             Catch::Contains("'index' is only known inside an each:"));
  CHECK_THAT(compile_error(one(kX, "      v: \"${facility.nik}\"\n")),
             Catch::Contains("facility has key, name, organization_id and timezone"));
}

TEST_CASE("structure errors: unknown keys, types, rules, duplicates, bodies", "[unit][template]") {
  CHECK_THAT(
      compile_error(
          "kind: t\nfoo: 1\ninput: {}\nresources: [{name: r, body: {resourceType: Basic}}]\n"),
      Catch::Contains("t.yaml:2: unknown key 'foo'"));
  CHECK_THAT(compile_error(one("  a: {type: text}\n", "")), Catch::Contains("unknown type 'text'"));
  CHECK_THAT(compile_error(one("  a: {type: string, maximum: 3}\n", "")),
             Catch::Contains("unknown rule 'maximum'"));
  CHECK_THAT(compile_error(one("  a: {type: code, table: nosuch}\n", "")),
             Catch::Contains("there is no code table 'nosuch'"));
  CHECK_THAT(compile_error(one("  a: {type: datetime, after: b}\n", "")),
             Catch::Contains("refers to 'b', which is not declared"));
  CHECK_THAT(compile_error("kind: t\ninput: {}\nresources:\n  - {name: r, body: {id: 1}}\n"),
             Catch::Contains("must start with resourceType"));
  CHECK_THAT(compile_error("kind: t\ninput: {}\nresources:\n"
                           "  - {name: r, body: {resourceType: Basic}}\n"
                           "  - {name: r, body: {resourceType: Basic}}\n"),
             Catch::Contains("two resources are named 'r'"));
  CHECK_THAT(compile_error(one(kX, "      a: 1\n      a: 2\n")), Catch::StartsWith("t.yaml:"));
}

TEST_CASE("a field the input declaration does not declare is a warning, not an error",
          "[unit][template]") {
  CompileReport report;
  auto m = compile(one(kX, "      v: \"${vitals.bmi}\"\n"), report);
  CHECK(m != nullptr);
  REQUIRE(report.warnings.size() == 1);
  CHECK(report.warnings[0] ==
        "t.yaml:10: ${vitals.bmi} uses 'vitals.bmi', which the input declaration does not declare");
}

// ---- evaluation errors and input checks -------------------------------------------------------

TEST_CASE("each: over something that is not a list rejects the record naming the field",
          "[unit][template]") {
  CompileReport report;  // warns that s[] is not declared: s is declared as text
  auto m = compile(one(kX, "      l: [{each: \"${s}\", v: \"${item}\"}]\n"), report);
  REQUIRE(m != nullptr);
  const auto r = run(*m, R"({"s": "not a list"})");
  CHECK(first_issue(r.result) ==
        "data.s | mapping t.yaml:10 could not evaluate ${s} for this record: each: needs a list, "
        "got text");
  CHECK(r.result.bundle_json.empty());
  CHECK(r.result.resources.empty());
}

TEST_CASE("a function given the wrong kind of value rejects the record, never a half bundle",
          "[unit][template]") {
  auto m = compile_ok(one(kX, "      u: \"${utc(s)}\"\n"));
  const auto r = run(*m, R"({"s": "yesterday"})");
  CHECK_THAT(first_issue(r.result), Catch::StartsWith("data.s | mapping t.yaml:10"));
  CHECK(r.result.bundle_json.empty());
}

TEST_CASE("a table row cannot be written as a JSON value", "[unit][template]") {
  auto m = compile_ok(one("  v: {type: string}\n", "      r: \"${lookup('vaccines', v)}\"\n"));
  CHECK_THAT(first_issue(run(*m, R"({"v": "BCG"})").result),
             Catch::Contains("a table row cannot be written as a JSON value"));
}

TEST_CASE("a location code the facility does not have is an error, not a missing location",
          "[unit][template]") {
  auto m = compile_ok(one("  room: {type: string}\n", "      l: \"${location_ref(room)}\"\n"));
  CHECK_THAT(
      first_issue(run(*m, R"({"room": "GIGI"})").result),
      Catch::Contains("data.room | mapping t.yaml:8") &&
          Catch::Contains("location code 'GIGI' is not in the locations of Puskesmas Sukamaju"));
  CHECK(first(run(*m, "{}")) == R"({"resourceType":"Basic"})");
}

TEST_CASE("declared rules: required, required_unless, values, table, integer, max_items",
          "[unit][template]") {
  auto m =
      compile_ok(one("  a: {type: string, required: true}\n"
                     "  b: {type: string}\n"
                     "  c: {type: string, required_unless: b}\n"
                     "  d: {type: code, values: [x, y]}\n"
                     "  v: {type: code, table: vaccines}\n"
                     "  n: {type: integer, min: 1}\n"
                     "  l: {type: array, max_items: 2}\n",
                     ""));
  const auto r = run(*m, R"({"d": "z", "v": "XX", "n": 1.5, "l": [1, 2, 3]})").result;
  std::vector<std::string> got;
  for (const auto& i : r.outcome.issues) got.push_back(i.expression + " " + i.code);
  CHECK(got == std::vector<std::string>{"data.a required", "data.c required", "data.d value",
                                        "data.v code-invalid", "data.n value", "data.l value"});
  CHECK(r.outcome.issues[3].text.id ==
        "v tidak ada di tabel kode 'vaccines' (config/codes/vaccines.csv).");
  CHECK(run(*m, R"({"a": "1", "b": "2", "d": "y", "v": "BCG", "n": 3, "l": []})").result.ok());
}

TEST_CASE("declared rules: not_future dates and scalar values", "[unit][template]") {
  auto m =
      compile_ok(one("  born: {type: date, not_future: true}\n  expires: {type: date}\n"
                     "  v: {type: scalar, required: true}\n",
                     ""));
  // Now is 2025-12-31T00:00Z: 07:00 on 31 December in Jakarta.
  const auto bad = run(*m, R"({"born": "2026-01-01", "expires": "2027-01-01", "v": {}})").result;
  REQUIRE(bad.outcome.issues.size() == 2);
  CHECK(bad.outcome.issues[0].expression == "data.born");
  CHECK(bad.outcome.issues[1].expression == "data.v");
  CHECK(bad.outcome.issues[1].code == "invalid");
  CHECK(run(*m, R"({"born": "2025-12-31", "v": 13.5})").result.ok());
  CHECK(run(*m, R"({"v": "reaktif"})").result.ok());
  CHECK(run(*m, R"({"v": true})").result.ok());
  CHECK(run(*m, R"({"v": " "})").result.outcome.issues.at(0).code == "required");
}

TEST_CASE("declared comparisons: below, after and not_before", "[unit][template]") {
  auto m =
      compile_ok(one("  hi: {type: number}\n  lo: {type: number, below: hi}\n"
                     "  t0: {type: datetime}\n  t1: {type: datetime, after: t0}\n"
                     "  t2: {type: datetime, not_before: t0}\n",
                     ""));
  const auto bad = run(*m, R"({"hi": 80, "lo": 80, "t0": "2025-01-01T10:00:00",
                               "t1": "2025-01-01T10:00:00", "t2": "2025-01-01T09:59:00"})");
  REQUIRE(bad.result.outcome.issues.size() == 3);
  CHECK(bad.result.outcome.issues[0].expression == "data.lo");
  CHECK(bad.result.outcome.issues[1].expression == "data.t1");
  CHECK(bad.result.outcome.issues[2].expression == "data.t2");
  CHECK(run(*m, R"({"hi": 120, "lo": 80, "t0": "2025-01-01T10:00:00",
                    "t1": "2025-01-01T10:00:01", "t2": "2025-01-01T10:00:00"})")
            .result.ok());
}

TEST_CASE("the patient key follows the declared patient block", "[unit][template]") {
  auto m = compile_ok(
      "kind: t\npatient: p\ninput:\n  p: {type: patient}\nresources:\n"
      "  - {name: r, body: {resourceType: Basic}}\n");
  const auto r = run(*m, R"({"p": {"nik": "3204010101900001", "name": "B",
                                   "birth_date": "1990-01-01", "gender": "male"}})");
  REQUIRE(r.result.ok());
  CHECK(r.result.patient_key.size() == 64);
  CHECK(r.result.patient_key.find("3204010101900001") == std::string::npos);
}

}  // namespace

namespace ilp::mappers {

TEST_CASE("within_days refuses a record past the limit at its field, and only then",
          "[unit][template]") {
  const auto m = compile_ok(
      one("  born: {type: date}\n  at: {type: datetime}\n"
          "  code: {type: code, values: [A], within_days: {from: born, to: at, max: 28}}\n",
          "      v: \"${code}\"\n"));
  // 28 days after birth (local dates) is still inside; 29 is not.
  CHECK(run(*m, R"({"born":"2025-01-01","at":"2025-01-29T23:00:00","code":"A"})").result.ok());
  const auto late = run(*m, R"({"born":"2025-01-01","at":"2025-01-30T08:00:00","code":"A"})");
  CHECK(first_issue(late.result) ==
        "data.code | code applies only up to 28 days after born; this record is 29 days after it.");
  // Local dates: 2025-01-29T20:00Z is already 01-30 in WIB.
  CHECK_FALSE(
      run(*m, R"({"born":"2025-01-01","at":"2025-01-29T20:00:00Z","code":"A"})").result.ok());
  // Nothing to compare: no issue from this rule (the fields report their own problems).
  CHECK(run(*m, R"({"at":"2025-06-01T08:00:00","code":"A"})").result.ok());
  CHECK(run(*m, R"({"born":"2025-01-01","at":"2025-06-01T08:00:00"})").result.ok());
}

TEST_CASE("within_days needs from, to and max, naming declared fields", "[unit][template]") {
  CHECK_THAT(compile_error(one("  c: {type: code, values: [A], within_days: {from: x, max: 2}}\n",
                               "      v: \"${c}\"\n")),
             Catch::Contains("within_days needs from:, to: and max: (days)"));
  CHECK_THAT(compile_error(one("  at: {type: datetime}\n"
                               "  c: {type: code, values: [A], within_days: {from: nosuch, to: "
                               "at, max: 2}}\n",
                               "      v: \"${c}\"\n")),
             Catch::Contains("refers to 'nosuch', which is not declared"));
}

}  // namespace ilp::mappers

namespace {
std::string updating(const std::string& identifier) {
  return "kind: t\ninput:\n  s: {type: string}\nresources:\n  - name: r\n"
         "    update: by_identifier\n    body:\n      resourceType: EpisodeOfCare\n" +
         identifier + "      status: finished\n";
}
}  // namespace

TEST_CASE("update: by_identifier writes a conditional update found by the facility identifier",
          "[unit][template]") {
  const auto m = compile_ok(
      updating("      identifier:\n        - {system: 'http://other.example/x', value: o}\n"
               "        - {system: 'http://sys-ids.kemkes.go.id/episode-of-care/1', value: "
               "'anc-${s}'}\n"));
  const auto r = run(*m, R"({"s":"K1"})");
  REQUIRE(r.result.ok());
  const auto& request = r.bundle["entry"][0]["request"];
  CHECK(std::string(request["method"].GetString()) == "PUT");
  CHECK(std::string(request["url"].GetString()) ==
        "EpisodeOfCare?identifier=http://sys-ids.kemkes.go.id/episode-of-care/1|anc-K1");
}

TEST_CASE("an update URL percent-encodes a value with a space, '&', '%' or a non-ASCII letter",
          "[unit][template]") {
  const auto m = compile_ok(updating(
      "      identifier:\n        - {system: 'http://sys-ids.kemkes.go.id/x/1', value: '${s}'}\n"));
  const auto r = run(*m, R"({"s":"KH 2025&31%é|2"})");
  REQUIRE(r.result.ok());
  CHECK(std::string(r.bundle["entry"][0]["request"]["url"].GetString()) ==
        "EpisodeOfCare?identifier=http://sys-ids.kemkes.go.id/x/1|KH%202025%2631%25%C3%A9|2");
  // The body keeps the value as typed: only the URL is encoded.
  CHECK(std::string(r.bundle["entry"][0]["resource"]["identifier"][0]["value"].GetString()) ==
        "KH 2025&31%é|2");
}

TEST_CASE("an update whose identifier came out empty rejects the record, naming the resource",
          "[unit][template]") {
  const auto m = compile_ok(updating(
      "      identifier:\n        - {system: 'http://sys-ids.kemkes.go.id/x/1', value: '${s}'}\n"));
  const auto r = run(*m, R"({})");
  REQUIRE_FALSE(r.result.ok());
  CHECK_THAT(r.result.outcome.issues[0].text.en, Catch::Contains("resource \"r\" updates one"));
  CHECK(r.result.bundle_json.empty());
}

TEST_CASE("update: takes only by_identifier and needs an identifier in the body",
          "[unit][template]") {
  CHECK_THAT(
      compile_error("kind: t\ninput: {}\nresources:\n"
                    "  - {name: r, update: yes, body: {resourceType: Basic, identifier: []}}\n"),
      Catch::Contains("update: is by_identifier"));
  CHECK_THAT(compile_error(
                 "kind: t\ninput: {}\nresources:\n"
                 "  - {name: r, update: by_identifier, body: {resourceType: Basic, status: x}}\n"),
             Catch::Contains("needs an identifier:"));
}

TEST_CASE("expected_days notes a visit outside its usual window and still maps it",
          "[unit][template]") {
  const auto m = compile_ok(
      one("  born: {type: datetime}\n  at: {type: datetime}\n"
          "  code: {type: code, values: [A, B], expected_days: {from: born, to: at, A: [0, 2], "
          "B: [3, 7]}}\n",
          "      v: \"${code}\"\n"));
  const auto inside =
      run(*m, R"({"born":"2025-01-01T23:00:00","at":"2025-01-03T08:00:00","code":"A"})");
  REQUIRE(inside.result.ok());
  CHECK(inside.result.notes.empty());
  const auto late =
      run(*m, R"({"born":"2025-01-01T23:00:00","at":"2025-01-12T08:00:00","code":"B"})");
  REQUIRE(late.result.ok());
  REQUIRE(late.result.notes.size() == 1);
  CHECK(late.result.notes[0] == "code B 11 days after born, usually 3-7");
  // Without the time it counts from, nothing to say.
  const auto unknown = run(*m, R"({"at":"2025-01-12T08:00:00","code":"B"})");
  REQUIRE(unknown.result.ok());
  CHECK(unknown.result.notes.empty());
}

TEST_CASE("expected_days needs from, to and [min, max] windows", "[unit][template]") {
  CHECK_THAT(compile_error(one("  a: {type: datetime}\n"
                               "  c: {type: code, expected_days: {from: a, to: a}}\n",
                               "")),
             Catch::Contains("expected_days needs from:, to: and <value>: [min, max]"));
  CHECK_THAT(compile_error(one("  a: {type: datetime}\n"
                               "  c: {type: code, expected_days: {from: a, to: a, X: [5, 1]}}\n",
                               "")),
             Catch::Contains("expected_days X is [min, max] with min <= max"));
  CHECK_THAT(
      compile_error(one("  a: {type: datetime}\n"
                        "  c: {type: code, expected_days: {from: nosuch, to: a, X: [0, 1]}}\n",
                        "")),
      Catch::Contains("refers to 'nosuch', which is not declared"));
}

}  // namespace ilp::mappers
