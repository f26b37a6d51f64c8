#pragma once
// Walking one YAML config file and collecting every problem as "file:line: message", shared by
// the readers of gateway.yaml and facilities.yaml (config.cpp, locations.cpp). Internal to
// gateway/config.

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace ilp::gateway::config {

// yaml-cpp throws when indexing into a node that does not exist; a missing section must read
// as "not given", so every lookup goes through here.
inline YAML::Node child(const YAML::Node& map, const std::string& key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node v = map[key];
  return v.IsDefined() ? v : YAML::Node(YAML::NodeType::Undefined);
}

// Collects problems as "file:line: message" while walking one YAML file.
class Reader {
 public:
  Reader(std::string file, std::vector<std::string>& problems)
      : file_(std::move(file)), problems_(problems) {}

  void problem(const YAML::Node& at, const std::string& msg) {
    std::ostringstream os;
    os << file_;
    if (at.IsDefined() && at.Mark().line >= 0) os << ":" << at.Mark().line + 1;
    os << ": " << msg;
    problems_.push_back(os.str());
  }
  void problem(const std::string& msg) { problems_.push_back(file_ + ": " + msg); }

  // Rejects keys outside `allowed`; `where` names the map for the message.
  void known_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                  const std::string& where) {
    if (!map.IsDefined() || map.IsNull()) return;
    if (!map.IsMap()) {
      problem(map, where + " must be a mapping");
      return;
    }
    for (const auto& kv : map) {
      const auto key = kv.first.as<std::string>();
      bool ok = false;
      for (auto a : allowed) ok = ok || a == key;
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        problem(kv.first, "unknown key \"" + (where.empty() ? "" : where + ".") + key +
                              "\" (known: " + list + ")");
      }
    }
  }

  void str(const YAML::Node& map, const char* key, std::string& out, const std::string& where) {
    const auto n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsScalar()) return problem(n, where + key + " must be a string");
    out = n.Scalar();
  }

  void boolean(const YAML::Node& map, const char* key, bool& out, const std::string& where) {
    const auto n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) return;
    bool v = out;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
      return problem(n, where + key + " must be true or false");
    }
    out = v;
  }

  template <class Int>
  void integer(const YAML::Node& map, const char* key, Int& out, const std::string& where,
               long long min, long long max) {
    const auto n = child(map, key);
    if (!n.IsDefined() || n.IsNull()) return;
    long long v = 0;
    if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v)) {
      return problem(n, where + key + " must be a whole number");
    }
    if (v < min || v > max) {
      return problem(n, where + key + " must be between " + std::to_string(min) + " and " +
                            std::to_string(max));
    }
    out = static_cast<Int>(v);
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::string>& problems_;
};

}  // namespace ilp::gateway::config
