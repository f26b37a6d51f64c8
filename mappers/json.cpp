#include "mappers/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

namespace ilp::mappers {
namespace {

// Up to this many members an object's keys are checked for duplicates pair by pair.
constexpr rapidjson::SizeType kPairwiseMembers = 16;

// Walks the parsed tree once; depth is bounded by the limit so recursion cannot overflow.
std::optional<JsonError> check_tree(const rapidjson::Value& v, std::size_t depth,
                                    const JsonLimits& limits, std::string& path) {
  if (depth > limits.max_depth) {
    return JsonError{"JSON nested deeper than " + std::to_string(limits.max_depth), path, 0,
                     JsonError::Kind::kTooDeep};
  }
  if (v.IsObject()) {
    const auto n = v.MemberCount();
    if (n > 1 && n <= kPairwiseMembers) {
      // Small objects (nearly all of a record) are compared pair by pair, without a vector and a
      // sort per object; the duplicate reported is the same: the smallest name that repeats.
      const auto name = [&](rapidjson::SizeType i) {
        const auto& m = v.MemberBegin()[i].name;
        return std::string_view(m.GetString(), m.GetStringLength());
      };
      std::optional<std::string_view> dup;
      for (rapidjson::SizeType i = 0; i < n; ++i) {
        for (rapidjson::SizeType j = i + 1; j < n; ++j) {
          if (name(i) == name(j) && (!dup || name(i) < *dup)) dup = name(i);
        }
      }
      if (dup) {
        std::string p = path.empty() ? std::string(*dup) : path + "." + std::string(*dup);
        return JsonError{"duplicate key \"" + std::string(*dup) + "\"", p, 0,
                         JsonError::Kind::kDuplicateKey};
      }
    } else if (n > 1) {
      std::vector<std::string_view> names;
      names.reserve(n);
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        names.emplace_back(it->name.GetString(), it->name.GetStringLength());
      }
      std::sort(names.begin(), names.end());
      auto dup = std::adjacent_find(names.begin(), names.end());
      if (dup != names.end()) {
        std::string p = path.empty() ? std::string(*dup) : path + "." + std::string(*dup);
        return JsonError{"duplicate key \"" + std::string(*dup) + "\"", p, 0,
                         JsonError::Kind::kDuplicateKey};
      }
    }
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      const auto saved = path.size();
      if (!path.empty()) path += '.';
      path.append(it->name.GetString(), it->name.GetStringLength());
      if (auto e = check_tree(it->value, depth + 1, limits, path)) return e;
      path.resize(saved);
    }
  } else if (v.IsArray()) {
    std::size_t i = 0;
    for (const auto& e : v.GetArray()) {
      const auto saved = path.size();
      path += '.';
      path += std::to_string(i++);
      if (auto err = check_tree(e, depth + 1, limits, path)) return err;
      path.resize(saved);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<JsonError> parse_json_strict(std::string_view text, rapidjson::Document& doc,
                                           const JsonLimits& limits) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return JsonError{"empty body", "", 0, JsonError::Kind::kEmpty};
  }
  // RapidJSON takes a NUL byte for the end of the input, so `{…}\0anything` would parse as
  // `{…}` with the rest silently dropped. A raw NUL is never valid JSON (not even in a string).
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    return JsonError{"NUL byte at offset " + std::to_string(nul), "", nul,
                     JsonError::Kind::kSyntax};
  }
  // Iterative parsing keeps deep garbage from exhausting the stack; encoding is validated.
  // Trailing content after the root is a parse error (kParseErrorDocumentRootNotSingular).
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  doc.Parse<kFlags>(text.data(), text.size());
  if (doc.HasParseError()) {
    const auto code = doc.GetParseError();
    JsonError e;
    e.offset = doc.GetErrorOffset();
    e.message =
        std::string(rapidjson::GetParseError_En(code)) + " at offset " + std::to_string(e.offset);
    e.kind = code == rapidjson::kParseErrorStringInvalidEncoding ? JsonError::Kind::kEncoding
                                                                 : JsonError::Kind::kSyntax;
    return e;
  }
  std::string path;
  return check_tree(doc, 0, limits, path);
}

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string to_pretty_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

const rapidjson::Value* member(const rapidjson::Value& obj, std::string_view name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string_view> string_member(const rapidjson::Value& obj, std::string_view name) {
  const auto* v = member(obj, name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

const rapidjson::Value* at_path(const rapidjson::Value& root, std::string_view dotted) {
  const rapidjson::Value* cur = &root;
  while (!dotted.empty() && cur != nullptr) {
    const auto dot = dotted.find('.');
    const auto part = dotted.substr(0, dot);
    dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
    if (cur->IsArray()) {
      std::size_t idx = 0;
      auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), idx);
      if (ec != std::errc{} || p != part.data() + part.size() || idx >= cur->Size()) return nullptr;
      cur = &(*cur)[static_cast<rapidjson::SizeType>(idx)];
    } else {
      cur = member(*cur, part);
    }
  }
  return cur;
}

}  // namespace ilp::mappers
