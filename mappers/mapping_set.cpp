#include "mappers/mapping_set.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ilp::mappers {

std::shared_ptr<const MappingSet> MappingSet::load(const std::string& mappings_dir,
                                                   const std::string& codes_dir,
                                                   CompileReport& report) {
  namespace fs = std::filesystem;
  const auto errors_before = report.errors.size();
  std::shared_ptr<MappingSet> set(new MappingSet());
  set->tables_ = CodeTables::load(codes_dir, report.errors);

  std::error_code ec;
  if (!fs::is_directory(mappings_dir, ec)) {
    report.errors.push_back(mappings_dir + ": the mappings folder does not exist");
    return nullptr;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(mappings_dir, ec)) {
    const auto ext = e.path().extension();
    if (ext == ".yaml" || ext == ".yml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    auto m = Mapping::compile(s.str(), p.string(), set->tables_, report);
    if (!m) continue;
    const std::string stem = p.stem().string();
    if (m->kind() != stem) {
      report.errors.push_back(p.string() + ": kind: " + m->kind() +
                              " does not match the file name (" + stem + ".yaml)");
      continue;
    }
    set->note_references(s.str());
    set->mappings_[m->kind()] = std::move(m);
  }
  if (set->mappings_.empty() && report.errors.size() == errors_before) {
    report.errors.push_back(mappings_dir + ": no mapping files (<kind>.yaml)");
  }
  if (report.errors.size() != errors_before) return nullptr;
  return set;
}

// The text is scanned rather than the compiled templates: the reference may sit in any
// expression (`ref('episode') ?? concat('EpisodeOfCare?identifier=…')`). A type named in a
// comment only costs a cache entry now and then.
void MappingSet::note_references(std::string_view text) {
  constexpr std::string_view kMarker = "?identifier=";
  for (auto at = text.find(kMarker); at != std::string_view::npos;
       at = text.find(kMarker, at + kMarker.size())) {
    auto begin = at;
    while (begin > 0 && std::isalpha(static_cast<unsigned char>(text[begin - 1])) != 0) --begin;
    if (begin < at && std::isupper(static_cast<unsigned char>(text[begin])) != 0) {
      referenced_types_.emplace(text.substr(begin, at - begin));
    }
  }
}

bool MappingSet::referenced_by_identifier(std::string_view type) const {
  return referenced_types_.find(type) != referenced_types_.end();
}

const Mapping* MappingSet::find(std::string_view kind) const {
  const auto it = mappings_.find(kind);
  return it == mappings_.end() ? nullptr : it->second.get();
}

std::vector<std::string> MappingSet::kinds() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : mappings_) out.push_back(k);
  return out;
}

}  // namespace ilp::mappers
