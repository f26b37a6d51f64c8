// Mapping::trace() and input_field_for(): which record field each value of a mapped bundle came
// from, so a validator's "Bundle.entry[2].resource.valueQuantity.code" can be reported to the
// sender as "data.vitals.systolic". Checked on the shipped mappings and every golden input.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/json.hpp"
#include "mappers/mapping.hpp"
#include "unit/mappers/visit_fixtures.hpp"

namespace ilp::mappers {
namespace {

namespace fs = std::filesystem;
using Trace = std::vector<Mapping::FieldTrace>;

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

const Facility* facility_for(std::string_view key) {
  static const Facility kSukamaju = test::sukamaju();
  static const Facility kTanjung = test::tanjung();
  static const Facility kSentani = test::sentani();
  if (key == kSukamaju.key) return &kSukamaju;
  if (key == kTanjung.key) return &kTanjung;
  if (key == kSentani.key) return &kSentani;
  return nullptr;
}

// The value at a path of the trace's form ("Bundle.entry[0].resource.identifier[1].value",
// "data.diagnoses[1].icd10") under `root`, which the path calls `root_name`; nullptr when the
// path does not lead to a value.
const rapidjson::Value* resolve(const rapidjson::Value& root, std::string_view path,
                                std::string_view root_name) {
  if (!path.starts_with(root_name)) return nullptr;
  path.remove_prefix(root_name.size());
  const rapidjson::Value* v = &root;
  while (!path.empty()) {
    if (path[0] == '.') {
      path.remove_prefix(1);
      const auto end = std::min(path.find_first_of(".["), path.size());
      const std::string key(path.substr(0, end));
      path.remove_prefix(end);
      if (key.empty() || !v->IsObject()) return nullptr;
      const auto it = v->FindMember(key.c_str());
      if (it == v->MemberEnd()) return nullptr;
      v = &it->value;
    } else if (path[0] == '[') {
      const auto close = path.find(']');
      if (close == std::string_view::npos || close < 2) return nullptr;
      const std::string digits(path.substr(1, close - 1));
      if (digits.find_first_not_of("0123456789") != std::string::npos) return nullptr;
      const auto i = std::stoul(digits);
      path.remove_prefix(close + 1);
      if (!v->IsArray() || i >= v->Size()) return nullptr;
      v = &(*v)[static_cast<rapidjson::SizeType>(i)];
    } else {
      return nullptr;
    }
  }
  return v;
}

// fhir_path → input_path, failing on a path traced twice (each bundle position is written once).
std::map<std::string, std::string> by_path(const Trace& trace) {
  std::map<std::string, std::string> out;
  for (const auto& t : trace) {
    INFO(t.fhir_path);
    CHECK(out.emplace(t.fhir_path, t.input_path).second);
  }
  return out;
}

// One record mapped and traced through a compiled mapping.
struct Traced {
  MapResult result;
  rapidjson::Document bundle;
  Trace trace;
  std::map<std::string, std::string> fields;  // fhir_path → input_path

  // The input field traced at `fhir_path`, or "(not traced)".
  std::string at(const std::string& fhir_path) const {
    const auto it = fields.find(fhir_path);
    return it == fields.end() ? "(not traced)" : it->second;
  }
  // The bundle's value at `fhir_path` as compact JSON, or "(absent)".
  std::string value(std::string_view fhir_path) const {
    const auto* v = resolve(bundle, fhir_path, "Bundle");
    return v == nullptr ? "(absent)" : to_json(*v);
  }
};

Traced trace_record(const Mapping& m, const Facility& f, std::string_view record_id,
                    const rapidjson::Value& data) {
  const MapInput in{f, record_id, 1, data, test::fixed_now_ms(), "2014-06-03"};
  Traced out;
  out.result = m.map(in);
  INFO(outcome_to_storage(out.result.outcome));
  REQUIRE(out.result.ok());
  out.bundle = test::parse_or_fail(out.result.bundle_json);
  out.trace = m.trace(in);
  out.fields = by_path(out.trace);
  return out;
}

Traced trace_visit(const test::VisitCase& c) {
  return trace_record(test::shipped_mapping("visit"), test::sukamaju(), "RJ-2025-0001", c.data());
}

// A golden envelope, parsed, with what map() needs.
struct Envelope {
  rapidjson::Document doc;
  std::string kind;
  const Facility* facility = nullptr;
  std::string record_id;
  const rapidjson::Value* data = nullptr;
};

Envelope envelope(const fs::path& file) {
  Envelope e;
  e.doc = test::parse_or_fail(read_file(file));
  e.kind = std::string(string_member(e.doc, "kind").value_or(""));
  e.facility = facility_for(string_member(e.doc, "facility").value_or(""));
  e.record_id = std::string(string_member(e.doc, "record_id").value_or(""));
  e.data = member(e.doc, "data");
  REQUIRE_FALSE(e.kind.empty());
  REQUIRE(e.facility != nullptr);
  REQUIRE(e.data != nullptr);
  return e;
}

Traced trace_golden(const std::string& kind, const std::string& name) {
  const Envelope e =
      envelope(fs::path(ILP_SOURCE_DIR) / "tests" / "golden" / kind / (name + ".input.json"));
  return trace_record(test::shipped_mapping(kind), *e.facility, e.record_id, *e.data);
}

// ---- The shipped visit mapping ------------------------------------------------------------------

// tests/golden/visit/full-visit: entry 0 Encounter, 1–6 the vitals in the order sent (systolic
// first), 7–8 the Conditions with the primary diagnosis (data.diagnoses[1]) first, 9 Procedure.
TEST_CASE("trace names the record field behind the Encounter's values", "[unit][trace]") {
  const auto t = trace_golden("visit", "full-visit");
  CHECK(t.at("Bundle.entry[0].resource.period.start") == "data.arrived_at");
  CHECK(t.at("Bundle.entry[0].resource.period.end") == "data.finished_at");
  CHECK(t.at("Bundle.entry[0].resource.statusHistory[1].period.end") == "data.finished_at");
  CHECK(t.at("Bundle.entry[0].resource.identifier[0].value") == "data.visit_no");
  CHECK(t.at("Bundle.entry[0].resource.class.code") == "data.class");
  CHECK(t.at("Bundle.entry[0].resource.subject.reference") == "data.patient");
  CHECK(t.at("Bundle.entry[0].resource.subject.display") == "data.patient.name");
  CHECK(t.at("Bundle.entry[0].resource.participant[0].individual.reference") ==
        "data.practitioner");
  CHECK(t.at("Bundle.entry[0].resource.location[0].location.display") == "data.location");
  // The Encounter lists the diagnoses in order_by()'s order: the primary one sits at [1].
  CHECK(t.at("Bundle.entry[0].resource.diagnosis[0].condition.display") ==
        "data.diagnoses[1].display");
  CHECK(t.at("Bundle.entry[0].resource.diagnosis[1].condition.display") ==
        "data.diagnoses[0].display");
}

TEST_CASE("trace names the vital sign behind an Observation's value, code and unit",
          "[unit][trace]") {
  const auto t = trace_golden("visit", "full-visit");
  REQUIRE(t.value("Bundle.entry[1].resource.valueQuantity.value") == "128");
  CHECK(t.at("Bundle.entry[1].resource.valueQuantity.value") == "data.vitals.systolic");
  // Looked up by the vital's key: the field is the vital itself.
  CHECK(t.at("Bundle.entry[1].resource.valueQuantity.code") == "data.vitals.systolic");
  CHECK(t.at("Bundle.entry[1].resource.valueQuantity.unit") == "data.vitals.systolic");
  CHECK(t.at("Bundle.entry[1].resource.code.coding[0].code") == "data.vitals.systolic");
  CHECK(t.at("Bundle.entry[2].resource.valueQuantity.value") == "data.vitals.diastolic");
  CHECK(t.at("Bundle.entry[6].resource.valueQuantity.value") == "data.vitals.weight");
  // "${visit_no}-${item.key}": the first expression that reads a field.
  CHECK(t.at("Bundle.entry[1].resource.identifier[0].value") == "data.visit_no");
  CHECK(t.at("Bundle.entry[1].resource.effectiveDateTime") == "data.started_at");
}

TEST_CASE("trace follows order_by() back to the diagnosis's position in the record",
          "[unit][trace]") {
  const auto t = trace_golden("visit", "full-visit");
  REQUIRE(t.value("Bundle.entry[7].resource.code.coding[0].code") == R"("A01.0")");
  CHECK(t.at("Bundle.entry[7].resource.code.coding[0].code") == "data.diagnoses[1].icd10");
  CHECK(t.at("Bundle.entry[7].resource.code.coding[0].display") == "data.diagnoses[1].display");
  CHECK(t.at("Bundle.entry[8].resource.code.coding[0].code") == "data.diagnoses[0].icd10");
  CHECK(t.at("Bundle.entry[9].resource.code.coding[0].code") == "data.procedures[0].icd9cm");
  CHECK(t.at("Bundle.entry[9].resource.performedPeriod.end") == "data.finished_at");
}

TEST_CASE("values from constants, facility settings, ref(), org_ref() and index are not traced",
          "[unit][trace]") {
  const auto t = trace_golden("visit", "full-visit");
  for (const char* path : {
           "Bundle.entry[0].resource.resourceType",
           "Bundle.entry[0].resource.status",
           "Bundle.entry[0].resource.identifier[0].system",  // …/encounter/${facility.…}
           "Bundle.entry[0].resource.serviceProvider.reference",
           "Bundle.entry[0].resource.diagnosis[0].condition.reference",
           "Bundle.entry[0].resource.diagnosis[0].rank",
           "Bundle.entry[1].resource.encounter.reference",
           "Bundle.entry[1].resource.valueQuantity.system",
           "Bundle.entry[0].fullUrl",
           "Bundle.entry[0].request.url",
       }) {
    INFO(path);
    CHECK(t.value(path) != "(absent)");
    CHECK(t.at(path) == "(not traced)");
  }
  for (const auto& tr : t.trace) CHECK_FALSE(tr.input_path.empty());
}

TEST_CASE("entry indices in the trace skip vitals that when: drops", "[unit][trace]") {
  // pain_score is not in config/codes/vital-signs.csv: no Observation, so diastolic is entry 1.
  test::VisitCase c;
  c.set("vitals", R"({"pain_score": 3, "diastolic": 80, "systolic": 120})");
  const auto t = trace_visit(c);
  REQUIRE(t.value("Bundle.entry[1].resource.valueQuantity.value") == "80");
  CHECK(t.at("Bundle.entry[1].resource.valueQuantity.value") == "data.vitals.diastolic");
  CHECK(t.at("Bundle.entry[2].resource.valueQuantity.value") == "data.vitals.systolic");
  CHECK(t.value("Bundle.entry[2].resource.valueQuantity.value") == "120");
  for (const auto& tr : t.trace) CHECK(tr.input_path != "data.vitals.pain_score");
}

TEST_CASE("omitted optional members are not in the trace, a default is not the record's field",
          "[unit][trace]") {
  test::VisitCase c;
  c.set("diagnoses", R"([{"icd10": "A01.0"}])").remove("class").remove("procedures");
  const auto t = trace_visit(c);
  // The Condition (entry 5, after 4 vitals) has no display: neither in the bundle nor traced.
  REQUIRE(t.at("Bundle.entry[5].resource.code.coding[0].code") == "data.diagnoses[0].icd10");
  CHECK(t.value("Bundle.entry[5].resource.code.coding[0].display") == "(absent)");
  CHECK(t.at("Bundle.entry[5].resource.code.coding[0].display") == "(not traced)");
  CHECK(t.value("Bundle.entry[0].resource.diagnosis[0].condition.display") == "(absent)");
  CHECK(t.at("Bundle.entry[0].resource.diagnosis[0].condition.display") == "(not traced)");
  // class ?? 'outpatient': the code comes from the default, not from a field of the record.
  CHECK(t.value("Bundle.entry[0].resource.class.code") == R"("AMB")");
  CHECK(t.at("Bundle.entry[0].resource.class.code") == "(not traced)");
  CHECK(t.value("Bundle.entry[6]") == "(absent)");
  for (const auto& tr : t.trace) CHECK_FALSE(tr.fhir_path.starts_with("Bundle.entry[6]"));
}

TEST_CASE("list indices in the trace skip elements that when: drops", "[unit][trace]") {
  // The address has only a city code and an RT: they are the first two region codes.
  const auto doc = test::parse_or_fail(R"({
    "mother_nik": "3204016011000006", "name": "Bayi Ny. Nur Aisyah", "birth_date": "2025-11-28",
    "gender": "male", "birth_order": 1,
    "address": {"city": "Kabupaten Bandung", "city_code": "3204", "rt": "003"}})");
  const auto t = trace_record(test::shipped_mapping("patient"), test::sukamaju(), "BBL-1", doc);
  const std::string ext = "Bundle.entry[0].resource.address[0].extension[0].extension";
  REQUIRE(t.value(ext + "[0].valueCode") == R"("3204")");
  CHECK(t.at(ext + "[0].valueCode") == "data.address.city_code");
  CHECK(t.at(ext + "[1].valueCode") == "data.address.rt");
  CHECK(t.value(ext + "[2]") == "(absent)");
  CHECK(t.at("Bundle.entry[0].resource.address[0].city") == "data.address.city");
  CHECK(t.at("Bundle.entry[0].resource.address[0].line[0]") == "(not traced)");  // no line
  CHECK(t.at("Bundle.entry[0].resource.identifier[0].value") == "data.mother_nik");
  CHECK(t.at("Bundle.entry[0].resource.multipleBirthInteger") == "data.birth_order");
}

// ---- Every golden input -------------------------------------------------------------------------

TEST_CASE("every golden input's trace points into its bundle and at fields of its record",
          "[unit][trace]") {
  const fs::path root = fs::path(ILP_SOURCE_DIR) / "tests" / "golden";
  std::vector<fs::path> inputs;
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    for (const auto& e : fs::directory_iterator(dir.path())) {
      if (e.path().filename().string().ends_with(".input.json")) inputs.push_back(e.path());
    }
  }
  std::sort(inputs.begin(), inputs.end());
  REQUIRE(inputs.size() >= 40);

  std::set<std::string> kinds_traced;
  std::size_t tested_but_absent = 0;
  std::size_t from_location = 0;
  for (const auto& file : inputs) {
    INFO(file.parent_path().filename().string() << "/" << file.filename().string());
    const Envelope e = envelope(file);
    const Mapping& m = test::shipped_mapping(e.kind);
    const MapInput in{*e.facility, e.record_id, 1, *e.data, test::fixed_now_ms(), "2014-06-03"};
    const MapResult before = m.map(in);
    const Trace trace = m.trace(in);
    if (!before.ok()) {
      CHECK(trace.empty());  // a rejected record has no bundle to point into
      continue;
    }
    // Tracing leaves nothing behind: the next map() is byte for byte the same.
    CHECK(m.map(in).bundle_json == before.bundle_json);
    const auto bundle = test::parse_or_fail(before.bundle_json);
    CHECK_FALSE(trace.empty());
    by_path(trace);
    for (const auto& t : trace) {
      INFO(t.fhir_path << " <- " << t.input_path);
      CHECK(resolve(bundle, t.fhir_path, "Bundle") != nullptr);
      // A posyandu record that named no practitioner got its location's (facilities.yaml): the
      // trace points where the sender would have put it, which is where a fix would go.
      if (!before.notes.empty() && t.input_path.starts_with("data.practitioner")) {
        CHECK(resolve(*e.data, "data.practitioner", "data") == nullptr);
        ++from_location;
        continue;
      }
      if (resolve(*e.data, t.input_path, "data") == nullptr) {
        // Only a field an if() tested and did not find (glucose_type): it sits in an object
        // the record has.
        const auto parent = t.input_path.substr(0, t.input_path.find_last_of(".["));
        const auto* p = resolve(*e.data, parent, "data");
        CHECK((p != nullptr && p->IsObject()));
        ++tested_but_absent;
      }
    }
    kinds_traced.insert(e.kind);
  }
  CHECK(kinds_traced.size() == 13);
  CHECK(tested_but_absent <= 5);  // the 5 glucose codes of one screening case
  CHECK(from_location > 0);       // the posyandu case without practitioner
}

TEST_CASE("a value if() chose is traced to the field its condition tested, even when absent",
          "[unit][trace]") {
  // screening: lookup('vital-signs', if(glucose_type == 'fasting', 'glucose_fasting',
  // 'glucose_random')).code; without glucose_type the glucose is sent as random.
  const auto t = trace_golden("screening", "weight-without-height-no-bmi-wit-offset");
  std::string code_path;
  for (const auto& tr : t.trace) {
    if (tr.input_path == "data.glucose_mg_dl") {
      code_path =
          tr.fhir_path.substr(0, tr.fhir_path.find(".resource.")) + ".resource.code.coding[0].code";
    }
  }
  REQUIRE_FALSE(code_path.empty());
  CHECK(t.at(code_path) == "data.glucose_type");
}

// ---- A small template: whole objects, interpolation, each over a computed list ------------------

const CodeTables& no_tables() {
  static const CodeTables t;
  return t;
}

std::unique_ptr<Mapping> small_template() {
  CompileReport report;
  auto m = Mapping::compile(R"(kind: t
input:
  code: {type: string}
  meta: {type: object}
  absent: {type: string}
  xs: {type: array}
  xs[].c: {type: string}
  xs[].rank: {type: number}
resources:
  - name: r
    body:
      resourceType: Basic
      identifier:
        - system: "urn:x:${facility.key}"
          value: "${facility.key}-${code}"
      extra: "${meta}"
      gone: {a: "${absent}", b: "${absent}-x"}
      l:
        - first
        - each: "${order_by(xs, 'rank')}"
          when: "${item.c != 'skip'}"
          c: "${item.c}"
          i: "${index}"
)",
                            "t.yaml", no_tables(), report);
  for (const auto& e : report.errors) FAIL_CHECK(e);
  for (const auto& w : report.warnings) FAIL_CHECK(w);
  REQUIRE(m != nullptr);
  return m;
}

constexpr std::string_view kSmallRecord = R"({"code": "K1", "meta": {"x": 1, "y": [2]},
  "xs": [{"c": "b", "rank": 2}, {"c": "skip", "rank": 0}, {"c": "a", "rank": 1}]})";

TEST_CASE("an object written whole from one expression is traced at its member", "[unit][trace]") {
  const auto m = small_template();
  const auto data = test::parse_or_fail(kSmallRecord);
  const auto t = trace_record(*m, test::sukamaju(), "REC-1", data);
  CHECK(t.value("Bundle.entry[0].resource.extra") == R"({"x":1,"y":[2]})");
  CHECK(t.at("Bundle.entry[0].resource.extra") == "data.meta");
  CHECK(t.at("Bundle.entry[0].resource.extra.x") == "(not traced)");
}

TEST_CASE("interpolated text is traced to its first expression that reads a field",
          "[unit][trace]") {
  const auto m = small_template();
  const auto data = test::parse_or_fail(kSmallRecord);
  const auto t = trace_record(*m, test::sukamaju(), "REC-1", data);
  CHECK(t.value("Bundle.entry[0].resource.identifier[0].value") == R"("pkm-sukamaju-K1")");
  CHECK(t.at("Bundle.entry[0].resource.identifier[0].value") == "data.code");
  CHECK(t.at("Bundle.entry[0].resource.identifier[0].system") == "(not traced)");
  CHECK(t.value("Bundle.entry[0].resource.gone") == "(absent)");
  for (const auto& tr : t.trace) CHECK(tr.input_path != "data.absent");
}

TEST_CASE("list elements from each: are traced at their output index and source position",
          "[unit][trace]") {
  const auto m = small_template();
  const auto data = test::parse_or_fail(kSmallRecord);
  const auto t = trace_record(*m, test::sukamaju(), "REC-1", data);
  // Sorted by rank: skip (dropped by when:), a (xs[2]), b (xs[0]); after the constant "first".
  CHECK(t.value("Bundle.entry[0].resource.l") == R"(["first",{"c":"a","i":1},{"c":"b","i":2}])");
  CHECK(t.at("Bundle.entry[0].resource.l[1].c") == "data.xs[2].c");
  CHECK(t.at("Bundle.entry[0].resource.l[2].c") == "data.xs[0].c");
  CHECK(t.at("Bundle.entry[0].resource.l[1].i") == "(not traced)");
  CHECK(t.trace.size() == 4);  // identifier value, extra, l[1].c, l[2].c
}

// ---- input_field_for ----------------------------------------------------------------------------

TEST_CASE("input_field_for: an exact path gives that value's field", "[unit][trace]") {
  const auto t = trace_golden("visit", "full-visit");
  CHECK(input_field_for(t.trace, "Bundle.entry[0].resource.period.end") == "data.finished_at");
  CHECK(input_field_for(t.trace, "Bundle.entry[1].resource.valueQuantity.code") ==
        "data.vitals.systolic");
  CHECK(input_field_for(t.trace, "Bundle.entry[8].resource.code.coding[0].code") ==
        "data.diagnoses[0].icd10");
}

TEST_CASE("input_field_for: inside a value written whole gives the field it came from",
          "[unit][trace]") {
  const Trace trace{{"Bundle.entry[0].resource.extra", "data.meta"},
                    {"Bundle.entry[0].resource.extra.y", "data.meta.y"},
                    {"Bundle.entry[0].resource.code", "data.code"}};
  CHECK(input_field_for(trace, "Bundle.entry[0].resource.extra.x") == "data.meta");
  CHECK(input_field_for(trace, "Bundle.entry[0].resource.extra.y[0]") == "data.meta.y");
  CHECK(input_field_for(trace, "Bundle.entry[0].resource.code.coding[0].code") == "data.code");
  // Only at a '.' or '[': "codeX" is not inside "code".
  CHECK(input_field_for(trace, "Bundle.entry[0].resource.codeX") == "");
}

TEST_CASE("input_field_for: a parent gives the first field written inside it", "[unit][trace]") {
  const auto t = trace_golden("visit", "full-visit");
  CHECK(input_field_for(t.trace, "Bundle.entry[0].resource.period") == "data.arrived_at");
  CHECK(input_field_for(t.trace, "Bundle.entry[7].resource.code.coding[0]") ==
        "data.diagnoses[1].icd10");
  CHECK(input_field_for(t.trace, "Bundle.entry[1].resource.valueQuantity") ==
        "data.vitals.systolic");
  // entry[1] is not a parent of entry[10]…
  const Trace trace{{"Bundle.entry[10].resource.code", "data.code"}};
  CHECK(input_field_for(trace, "Bundle.entry[1]") == "");
  CHECK(input_field_for(trace, "Bundle.entry[10]") == "data.code");
}

TEST_CASE("input_field_for: no traced value at, around or inside the path gives nothing",
          "[unit][trace]") {
  const auto t = trace_golden("visit", "full-visit");
  CHECK(input_field_for(t.trace, "Bundle.entry[0].resource.serviceProvider.reference") == "");
  CHECK(input_field_for(t.trace, "Bundle.entry[42].resource.status") == "");
  CHECK(input_field_for(t.trace, "") == "");
  CHECK(input_field_for({}, "Bundle.entry[0].resource.period.end") == "");
}

TEST_CASE("a record that does not map has no trace", "[unit][trace]") {
  test::VisitCase c;
  c.set("patient.nik", R"("123")");
  const auto& m = test::shipped_mapping("visit");
  const Facility f = test::sukamaju();
  const MapInput in{f, "RJ-1", 1, c.data(), test::fixed_now_ms(), "2014-06-03"};
  REQUIRE_FALSE(m.map(in).ok());
  CHECK(m.trace(in).empty());
}

}  // namespace
}  // namespace ilp::mappers
