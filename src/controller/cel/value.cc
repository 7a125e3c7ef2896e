#include "controller/cel/value.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace airunway::controller::cel {

std::string_view Value::TypeName() const {
  switch (kind()) {
    case Kind::kNull: return "null_type";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kUint: return "uint";
    case Kind::kDouble: return "double";
    case Kind::kString: return "string";
    case Kind::kList: return "list";
    case Kind::kMap: return "map";
    case Kind::kError: return "error";
  }
  return "unknown";
}

Value FromJson(const boost::json::value& json) {
  switch (json.kind()) {
    case boost::json::kind::null: return Value::Null();
    case boost::json::kind::bool_: return Value::Bool(json.get_bool());
    case boost::json::kind::int64: return Value::Double(static_cast<double>(json.get_int64()));
    case boost::json::kind::uint64: return Value::Double(static_cast<double>(json.get_uint64()));
    case boost::json::kind::double_: return Value::Double(json.get_double());
    case boost::json::kind::string: return Value::String(std::string(json.get_string()));
    case boost::json::kind::array: {
      ValueList items;
      for (const auto& item : json.get_array()) items.push_back(FromJson(item));
      return Value::List(std::move(items));
    }
    case boost::json::kind::object: {
      ValueMap entries;
      for (const auto& [key, item] : json.get_object()) {
        entries.emplace_back(Value::String(std::string(key)), FromJson(item));
      }
      return Value::Map(std::move(entries));
    }
  }
  return Value::Null();
}

namespace {

// Compares two numbers of any numeric kind exactly: -1, 0, 1, or 2 when unordered (NaN).
int CompareNumbers(const Value& a, const Value& b) {
  using K = Value::Kind;
  auto cmp = [](auto x, auto y) { return x < y ? -1 : (x > y ? 1 : 0); };
  if (a.kind() == b.kind()) {
    switch (a.kind()) {
      case K::kInt: return cmp(a.as_int(), b.as_int());
      case K::kUint: return cmp(a.as_uint(), b.as_uint());
      default: break;
    }
  }
  if (a.kind() == K::kInt && b.kind() == K::kUint) {
    if (a.as_int() < 0) return -1;
    return cmp(static_cast<std::uint64_t>(a.as_int()), b.as_uint());
  }
  if (a.kind() == K::kUint && b.kind() == K::kInt) return -CompareNumbers(b, a);
  auto to_double = [](const Value& v) {
    switch (v.kind()) {
      case K::kInt: return static_cast<double>(v.as_int());
      case K::kUint: return static_cast<double>(v.as_uint());
      default: return v.as_double();
    }
  };
  double x = to_double(a);
  double y = to_double(b);
  if (std::isnan(x) || std::isnan(y)) return 2;
  return cmp(x, y);
}

}  // namespace

int CompareNumericValues(const Value& a, const Value& b) { return CompareNumbers(a, b); }

bool Equal(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.is_numeric() && b.is_numeric()) return CompareNumbers(a, b) == 0;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::kNull: return true;
    case K::kBool: return a.as_bool() == b.as_bool();
    case K::kString: return a.as_string() == b.as_string();
    case K::kList: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!Equal(x[i], y[i])) return false;
      }
      return true;
    }
    case K::kMap: {
      const auto& x = a.as_map();
      const auto& y = b.as_map();
      if (x.size() != y.size()) return false;
      for (const auto& [key, value] : x) {
        bool found = false;
        for (const auto& [other_key, other_value] : y) {
          if (Equal(key, other_key)) {
            if (!Equal(value, other_value)) return false;
            found = true;
            break;
          }
        }
        if (!found) return false;
      }
      return true;
    }
    default: return false;
  }
}

std::string DebugString(const Value& value) {
  using K = Value::Kind;
  switch (value.kind()) {
    case K::kNull: return "null";
    case K::kBool: return value.as_bool() ? "true" : "false";
    case K::kInt: return std::to_string(value.as_int());
    case K::kUint: return std::to_string(value.as_uint()) + "u";
    case K::kDouble: return fmt::format("{}", value.as_double());
    case K::kString: return "'" + value.as_string() + "'";
    case K::kError: return "error(" + value.error_message() + ")";
    case K::kList: {
      std::string out = "[";
      for (std::size_t i = 0; i < value.as_list().size(); ++i) {
        if (i > 0) out += ", ";
        out += DebugString(value.as_list()[i]);
      }
      return out + "]";
    }
    case K::kMap: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, item] : value.as_map()) {
        if (!first) out += ", ";
        first = false;
        out += DebugString(key) + ": " + DebugString(item);
      }
      return out + "}";
    }
  }
  return "?";
}

}  // namespace airunway::controller::cel
