#pragma once
// The values template expressions compute with (config/mappings/LANGUAGE.md, "Expressions").
//
// Most values are views: a field of the record points into the parsed input, a literal into the
// compiled template, a table cell into the loaded code table. All of those outlive one mapping,
// so evaluating `${patient.name}` copies nothing; only computed text (utc(), concat()) owns.

#include <rapidjson/document.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/code_tables.hpp"

namespace ilp::mappers::tmpl {

class Val {
 public:
  enum class Kind : std::uint8_t {
    kMissing,  // the record has no such field: the key holding it is left out
    kNull,
    kBool,
    kInt,
    kDouble,
    kString,
    kJson,   // an object or array of the input
    kRow,    // a code-table row (lookup())
    kEntry,  // {key, value} of entries()
    kList,   // a computed list (entries(), order_by())
  };

  Val() = default;
  static Val null() { return Val(Kind::kNull); }
  static Val boolean(bool b) {
    Val v(Kind::kBool);
    v.num_.b = b;
    return v;
  }
  static Val integer(std::int64_t i) {
    Val v(Kind::kInt);
    v.num_.i = i;
    return v;
  }
  static Val real(double d) {
    Val v(Kind::kDouble);
    v.num_.d = d;
    return v;
  }
  // A view that must outlive the mapping of one record.
  static Val view(std::string_view s) {
    Val v(Kind::kString);
    v.view_ = s;
    return v;
  }
  static Val text(std::string s) {
    Val v(Kind::kString);
    v.owned_ = std::make_shared<const std::string>(std::move(s));
    v.view_ = *v.owned_;
    return v;
  }
  static Val json(const rapidjson::Value& j);  // scalars become their own kinds
  static Val row(const CodeRow& r) {
    Val v(Kind::kRow);
    v.ptr_.row = &r;
    return v;
  }
  static Val entry(std::string_view key, const rapidjson::Value& value) {
    Val v(Kind::kEntry);
    v.view_ = key;
    v.ptr_.json = &value;
    return v;
  }
  static Val list(std::vector<Val> items) {
    Val v(Kind::kList);
    v.list_ = std::make_shared<const std::vector<Val>>(std::move(items));
    return v;
  }

  Kind kind() const { return kind_; }
  bool missing() const { return kind_ == Kind::kMissing; }
  // Missing, null or blank text: what `exists()` and `??` treat as "no value".
  bool empty() const;
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kDouble; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool as_bool() const { return kind_ == Kind::kBool && num_.b; }
  std::int64_t as_int() const { return num_.i; }
  double as_double() const { return kind_ == Kind::kInt ? static_cast<double>(num_.i) : num_.d; }
  std::string_view str() const { return view_; }   // kString; kEntry: the key
  bool owns() const { return owned_ != nullptr; }  // computed text: copy it before the Val dies
  const rapidjson::Value* json_ptr() const { return ptr_.json; }  // kJson, kEntry
  const CodeRow* row_ptr() const { return ptr_.row; }
  const std::vector<Val>* list_ptr() const { return list_.get(); }

  bool is_object() const { return kind_ == Kind::kJson && ptr_.json->IsObject(); }
  bool is_array() const { return kind_ == Kind::kJson && ptr_.json->IsArray(); }
  bool is_list() const { return kind_ == Kind::kList || is_array(); }
  std::size_t list_size() const;
  Val list_at(std::size_t i) const;

  // `.name` on an object, a table row or an entry; missing otherwise.
  Val member(std::string_view name) const;
  // Text form for concat() and interpolation; false for lists, objects and rows.
  bool append_text(std::string& out) const;
  // The type's name in messages ("text", "number", "list", …).
  std::string_view type_name() const;

 private:
  explicit Val(Kind k) : kind_(k) {}
  Kind kind_ = Kind::kMissing;
  union {
    bool b;
    std::int64_t i;
    double d;
  } num_{};
  union {
    const rapidjson::Value* json;
    const CodeRow* row;
  } ptr_{};
  std::string_view view_;
  std::shared_ptr<const std::string> owned_;
  std::shared_ptr<const std::vector<Val>> list_;
};

}  // namespace ilp::mappers::tmpl
