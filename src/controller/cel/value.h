// cel::Value: the dynamically typed values a CEL expression works on — null, bool, int,
// uint, double, string, list, map — plus an Error value that carries a runtime error through
// the evaluator (CEL's && and || may absorb it, everything else propagates it).
//
// Lists and maps share their elements (copying a Value is cheap); values are immutable once
// built. FromJson converts a JSON document the way the controller feeds ModelDeployment specs
// to selection rules.
//
// Thread-safety: immutable values; safe to share between threads once built.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace airunway::controller::cel {

class Value;
using ValueList = std::vector<Value>;
using ValueMap = std::vector<std::pair<Value, Value>>;  // insertion order; small maps only

struct NullValue {
  friend bool operator==(NullValue, NullValue) { return true; }
};
struct ErrorValue {
  std::string message;
};

class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kUint, kDouble, kString, kList, kMap, kError };

  Value() : data_(NullValue{}) {}
  static Value Null() { return Value(); }
  static Value Bool(bool b) { return Value(Data(b)); }
  static Value Int(std::int64_t i) { return Value(Data(i)); }
  static Value Uint(std::uint64_t u) { return Value(Data(u)); }
  static Value Double(double d) { return Value(Data(d)); }
  static Value String(std::string s) { return Value(Data(std::move(s))); }
  static Value List(ValueList items) { return Value(Data(std::make_shared<const ValueList>(std::move(items)))); }
  static Value Map(ValueMap entries) { return Value(Data(std::make_shared<const ValueMap>(std::move(entries)))); }
  static Value Error(std::string message) { return Value(Data(ErrorValue{std::move(message)})); }

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_error() const { return kind() == Kind::kError; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_numeric() const { return kind() == Kind::kInt || kind() == Kind::kUint || kind() == Kind::kDouble; }

  bool as_bool() const { return std::get<bool>(data_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(data_); }
  std::uint64_t as_uint() const { return std::get<std::uint64_t>(data_); }
  double as_double() const { return std::get<double>(data_); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const ValueList& as_list() const { return *std::get<std::shared_ptr<const ValueList>>(data_); }
  const ValueMap& as_map() const { return *std::get<std::shared_ptr<const ValueMap>>(data_); }
  const std::string& error_message() const { return std::get<ErrorValue>(data_).message; }

  // The CEL type name: "null_type", "bool", "int", "uint", "double", "string", "list", "map".
  std::string_view TypeName() const;

 private:
  using Data = std::variant<NullValue, bool, std::int64_t, std::uint64_t, double, std::string,
                            std::shared_ptr<const ValueList>, std::shared_ptr<const ValueMap>, ErrorValue>;
  explicit Value(Data data) : data_(std::move(data)) {}
  Data data_;
};

// JSON → Value. Every JSON number becomes a double, as the reference's rules see numbers
// after a round trip through a generic JSON map.
Value FromJson(const boost::json::value& json);

// CEL heterogeneous equality: numbers compare by value across int/uint/double, values of
// different types are unequal (not an error), lists and maps compare element-wise.
bool Equal(const Value& a, const Value& b);

// Orders two numeric values of any numeric kind exactly: -1, 0 or 1, or 2 when unordered
// (a NaN is involved). Both must be numeric.
int CompareNumericValues(const Value& a, const Value& b);

// A short rendering for messages and tests ("'vllm'", "1", "[1, 2]").
std::string DebugString(const Value& value);

}  // namespace airunway::controller::cel
