#include "mappers/template_value.hpp"

#include <charconv>

namespace ilp::mappers::tmpl {

Val Val::json(const rapidjson::Value& j) {
  switch (j.GetType()) {
    case rapidjson::kNullType:
      return null();
    case rapidjson::kFalseType:
      return boolean(false);
    case rapidjson::kTrueType:
      return boolean(true);
    case rapidjson::kStringType:
      return view(std::string_view(j.GetString(), j.GetStringLength()));
    case rapidjson::kNumberType:
      if (j.IsInt64()) return integer(j.GetInt64());
      return real(j.GetDouble());
    default: {
      Val v(Kind::kJson);
      v.ptr_.json = &j;
      return v;
    }
  }
}

bool Val::empty() const {
  if (kind_ == Kind::kMissing || kind_ == Kind::kNull) return true;
  if (kind_ != Kind::kString) return false;
  return view_.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::size_t Val::list_size() const {
  if (kind_ == Kind::kList) return list_->size();
  if (is_array()) return ptr_.json->Size();
  return 0;
}

Val Val::list_at(std::size_t i) const {
  if (kind_ == Kind::kList) return (*list_)[i];
  return json((*ptr_.json)[static_cast<rapidjson::SizeType>(i)]);
}

Val Val::member(std::string_view name) const {
  switch (kind_) {
    case Kind::kJson: {
      if (!ptr_.json->IsObject()) return {};
      const auto it =
          ptr_.json->FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
      return it == ptr_.json->MemberEnd() ? Val() : json(it->value);
    }
    case Kind::kRow: {
      const auto cell = ptr_.row->get(name);
      if (!cell || cell->empty()) return {};
      return view(*cell);
    }
    case Kind::kEntry:
      if (name == "key") return view(view_);
      if (name == "value") return json(*ptr_.json);
      return {};
    default:
      return {};
  }
}

bool Val::append_text(std::string& out) const {
  switch (kind_) {
    case Kind::kString:
      out += view_;
      return true;
    case Kind::kInt:
      out += std::to_string(num_.i);
      return true;
    case Kind::kDouble: {
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof buf, num_.d);
      out.append(buf, r.ptr);
      return true;
    }
    case Kind::kBool:
      out += num_.b ? "true" : "false";
      return true;
    default:
      return false;
  }
}

std::string_view Val::type_name() const {
  switch (kind_) {
    case Kind::kMissing:
      return "nothing";
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "true/false";
    case Kind::kInt:
    case Kind::kDouble:
      return "number";
    case Kind::kString:
      return "text";
    case Kind::kJson:
      return ptr_.json->IsArray() ? "list" : "object";
    case Kind::kRow:
      return "table row";
    case Kind::kEntry:
      return "entry";
    case Kind::kList:
      return "list";
  }
  return "value";
}

}  // namespace ilp::mappers::tmpl
