#include "controller/cel/eval.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <regex>

namespace airunway::controller::cel {
namespace {

using K = Value::Kind;

Value NoOverload(std::string_view op, const Value& a) {
  return Value::Error(fmt::format("no such overload: {}({})", op, a.TypeName()));
}
Value NoOverload(std::string_view op, const Value& a, const Value& b) {
  return Value::Error(fmt::format("no such overload: {}({}, {})", op, a.TypeName(), b.TypeName()));
}

// The number of Unicode code points in UTF-8 text (CEL's size() of a string).
std::int64_t CodePoints(const std::string& text) {
  std::int64_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

const Value* FindKey(const ValueMap& map, const Value& key) {
  for (const auto& [candidate, value] : map) {
    if (Equal(candidate, key)) return &value;
  }
  return nullptr;
}

Value Arithmetic(const std::string& op, const Value& a, const Value& b) {
  if (a.kind() == K::kInt && b.kind() == K::kInt) {
    std::int64_t x = a.as_int();
    std::int64_t y = b.as_int();
    std::int64_t out = 0;
    if (op == "+") {
      if (__builtin_add_overflow(x, y, &out)) return Value::Error("integer overflow");
    } else if (op == "-") {
      if (__builtin_sub_overflow(x, y, &out)) return Value::Error("integer overflow");
    } else if (op == "*") {
      if (__builtin_mul_overflow(x, y, &out)) return Value::Error("integer overflow");
    } else if (op == "/") {
      if (y == 0) return Value::Error("division by zero");
      if (x == std::numeric_limits<std::int64_t>::min() && y == -1) return Value::Error("integer overflow");
      out = x / y;
    } else {
      if (y == 0) return Value::Error("modulus by zero");
      if (x == std::numeric_limits<std::int64_t>::min() && y == -1) return Value::Error("integer overflow");
      out = x % y;
    }
    return Value::Int(out);
  }
  if (a.kind() == K::kUint && b.kind() == K::kUint) {
    std::uint64_t x = a.as_uint();
    std::uint64_t y = b.as_uint();
    std::uint64_t out = 0;
    if (op == "+") {
      if (__builtin_add_overflow(x, y, &out)) return Value::Error("unsigned integer overflow");
    } else if (op == "-") {
      if (__builtin_sub_overflow(x, y, &out)) return Value::Error("unsigned integer overflow");
    } else if (op == "*") {
      if (__builtin_mul_overflow(x, y, &out)) return Value::Error("unsigned integer overflow");
    } else if (op == "/") {
      if (y == 0) return Value::Error("division by zero");
      out = x / y;
    } else {
      if (y == 0) return Value::Error("modulus by zero");
      out = x % y;
    }
    return Value::Uint(out);
  }
  if (a.kind() == K::kDouble && b.kind() == K::kDouble && op != "%") {
    double x = a.as_double();
    double y = b.as_double();
    if (op == "+") return Value::Double(x + y);
    if (op == "-") return Value::Double(x - y);
    if (op == "*") return Value::Double(x * y);
    return Value::Double(x / y);  // IEEE: division by zero gives ±Inf or NaN, as in CEL
  }
  if (op == "+" && a.kind() == K::kString && b.kind() == K::kString) {
    return Value::String(a.as_string() + b.as_string());
  }
  if (op == "+" && a.kind() == K::kList && b.kind() == K::kList) {
    ValueList items = a.as_list();
    items.insert(items.end(), b.as_list().begin(), b.as_list().end());
    return Value::List(std::move(items));
  }
  return NoOverload(op, a, b);
}

Value Compare(const std::string& op, const Value& a, const Value& b) {
  int order = 0;
  if (a.is_numeric() && b.is_numeric()) {
    order = CompareNumericValues(a, b);
    if (order == 2) return Value::Bool(false);  // NaN is unordered
  } else if (a.kind() == K::kString && b.kind() == K::kString) {
    int c = a.as_string().compare(b.as_string());
    order = c < 0 ? -1 : (c > 0 ? 1 : 0);
  } else if (a.kind() == K::kBool && b.kind() == K::kBool) {
    order = static_cast<int>(a.as_bool()) - static_cast<int>(b.as_bool());
  } else {
    return NoOverload(op, a, b);
  }
  if (op == "<") return Value::Bool(order < 0);
  if (op == "<=") return Value::Bool(order <= 0);
  if (op == ">") return Value::Bool(order > 0);
  return Value::Bool(order >= 0);
}

Value Membership(const Value& element, const Value& container) {
  if (container.kind() == K::kList) {
    for (const auto& item : container.as_list()) {
      if (Equal(item, element)) return Value::Bool(true);
    }
    return Value::Bool(false);
  }
  if (container.kind() == K::kMap) return Value::Bool(FindKey(container.as_map(), element) != nullptr);
  return NoOverload("in", element, container);
}

Value Size(const Value& v) {
  switch (v.kind()) {
    case K::kString: return Value::Int(CodePoints(v.as_string()));
    case K::kList: return Value::Int(static_cast<std::int64_t>(v.as_list().size()));
    case K::kMap: return Value::Int(static_cast<std::int64_t>(v.as_map().size()));
    default: return NoOverload("size", v);
  }
}

Value Matches(const Value& text, const Value& pattern) {
  if (text.kind() != K::kString || pattern.kind() != K::kString) return NoOverload("matches", text, pattern);
  try {
    // CEL uses RE2; ECMAScript agrees with it on the patterns selection rules use. Like RE2's
    // MatchString, a match anywhere in the text counts.
    std::regex re(pattern.as_string(), std::regex::ECMAScript);
    return Value::Bool(std::regex_search(text.as_string(), re));
  } catch (const std::regex_error&) {
    return Value::Error(fmt::format("invalid regular expression: {}", pattern.as_string()));
  }
}

Value Convert(const std::string& to, const Value& v) {
  if (to == "dyn") return v;
  if (to == "type") return Value::String(std::string(v.TypeName()));
  if (to == "string") {
    switch (v.kind()) {
      case K::kString: return v;
      case K::kBool: return Value::String(v.as_bool() ? "true" : "false");
      case K::kInt: return Value::String(std::to_string(v.as_int()));
      case K::kUint: return Value::String(std::to_string(v.as_uint()));
      case K::kDouble: return Value::String(fmt::format("{}", v.as_double()));
      default: return NoOverload("string", v);
    }
  }
  if (to == "bool") {
    if (v.kind() == K::kBool) return v;
    if (v.kind() == K::kString) {
      const auto& s = v.as_string();
      if (s == "true" || s == "True" || s == "TRUE" || s == "t" || s == "1") return Value::Bool(true);
      if (s == "false" || s == "False" || s == "FALSE" || s == "f" || s == "0") return Value::Bool(false);
      return Value::Error(fmt::format("type conversion error from 'string' to 'bool'"));
    }
    return NoOverload("bool", v);
  }
  if (to == "double") {
    switch (v.kind()) {
      case K::kDouble: return v;
      case K::kInt: return Value::Double(static_cast<double>(v.as_int()));
      case K::kUint: return Value::Double(static_cast<double>(v.as_uint()));
      case K::kString: {
        try {
          std::size_t used = 0;
          double d = std::stod(v.as_string(), &used);
          if (used == v.as_string().size()) return Value::Double(d);
        } catch (const std::exception&) {
        }
        return Value::Error("type conversion error from 'string' to 'double'");
      }
      default: return NoOverload("double", v);
    }
  }
  if (to == "int") {
    switch (v.kind()) {
      case K::kInt: return v;
      case K::kUint:
        if (v.as_uint() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          return Value::Error("range error converting uint to int");
        }
        return Value::Int(static_cast<std::int64_t>(v.as_uint()));
      case K::kDouble: {
        double d = v.as_double();
        if (!std::isfinite(d) || d <= -9223372036854775808.0 || d >= 9223372036854775807.0) {
          return Value::Error("range error converting double to int");
        }
        return Value::Int(static_cast<std::int64_t>(d));  // truncates toward zero, as CEL does
      }
      case K::kString: {
        try {
          std::size_t used = 0;
          long long i = std::stoll(v.as_string(), &used, 10);
          if (used == v.as_string().size()) return Value::Int(i);
        } catch (const std::exception&) {
        }
        return Value::Error("type conversion error from 'string' to 'int'");
      }
      default: return NoOverload("int", v);
    }
  }
  if (to == "uint") {
    switch (v.kind()) {
      case K::kUint: return v;
      case K::kInt:
        if (v.as_int() < 0) return Value::Error("range error converting int to uint");
        return Value::Uint(static_cast<std::uint64_t>(v.as_int()));
      case K::kDouble: {
        double d = v.as_double();
        if (!std::isfinite(d) || d < 0 || d >= 18446744073709551615.0) {
          return Value::Error("range error converting double to uint");
        }
        return Value::Uint(static_cast<std::uint64_t>(d));
      }
      default: return NoOverload("uint", v);
    }
  }
  return Value::Error(fmt::format("no such function: {}", to));
}

Value StringFunction(const std::string& name, const Value& target, const Value& arg) {
  if (name == "matches") return Matches(target, arg);
  if (target.kind() != K::kString || arg.kind() != K::kString) return NoOverload(name, target, arg);
  const std::string& s = target.as_string();
  const std::string& t = arg.as_string();
  if (name == "contains") return Value::Bool(s.find(t) != std::string::npos);
  if (name == "startsWith") return Value::Bool(s.compare(0, t.size(), t) == 0 && s.size() >= t.size());
  return Value::Bool(s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0);
}

class Evaluator {
 public:
  explicit Evaluator(const Activation& activation) : activation_(activation) {}

  Value Eval(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kLiteral: return e.literal;
      case Expr::Kind::kIdent: {
        auto found = activation_.find(e.name);
        if (found == activation_.end()) return Value::Error(fmt::format("no such attribute: {}", e.name));
        return found->second;
      }
      case Expr::Kind::kSelect:
      case Expr::Kind::kHas: {
        Value operand = Eval(*e.args[0]);
        if (operand.is_error()) return operand;
        if (operand.kind() != K::kMap) {
          return Value::Error(fmt::format("type '{}' does not support field selection", operand.TypeName()));
        }
        const Value* field = FindKey(operand.as_map(), Value::String(e.name));
        if (e.kind == Expr::Kind::kHas) return Value::Bool(field != nullptr);
        if (field == nullptr) return Value::Error(fmt::format("no such key: {}", e.name));
        return *field;
      }
      case Expr::Kind::kIndex: {
        Value container = Eval(*e.args[0]);
        if (container.is_error()) return container;
        Value index = Eval(*e.args[1]);
        if (index.is_error()) return index;
        return Index(container, index);
      }
      case Expr::Kind::kList: {
        ValueList items;
        for (const auto& arg : e.args) {
          Value item = Eval(*arg);
          if (item.is_error()) return item;
          items.push_back(std::move(item));
        }
        return Value::List(std::move(items));
      }
      case Expr::Kind::kMap: {
        ValueMap entries;
        for (std::size_t i = 0; i + 1 < e.args.size(); i += 2) {
          Value key = Eval(*e.args[i]);
          if (key.is_error()) return key;
          if (key.kind() != K::kString && key.kind() != K::kInt && key.kind() != K::kUint &&
              key.kind() != K::kBool) {
            return Value::Error(fmt::format("unsupported key type: {}", key.TypeName()));
          }
          if (FindKey(entries, key) != nullptr) {
            return Value::Error(fmt::format("Failed with repeated key: {}", DebugString(key)));
          }
          Value value = Eval(*e.args[i + 1]);
          if (value.is_error()) return value;
          entries.emplace_back(std::move(key), std::move(value));
        }
        return Value::Map(std::move(entries));
      }
      case Expr::Kind::kAnd:
      case Expr::Kind::kOr: return Logical(e);
      case Expr::Kind::kNot: {
        Value operand = Eval(*e.args[0]);
        if (operand.is_error()) return operand;
        if (!operand.is_bool()) return NoOverload("!_", operand);
        return Value::Bool(!operand.as_bool());
      }
      case Expr::Kind::kNeg: {
        Value operand = Eval(*e.args[0]);
        if (operand.is_error()) return operand;
        if (operand.kind() == K::kInt) {
          if (operand.as_int() == std::numeric_limits<std::int64_t>::min()) return Value::Error("integer overflow");
          return Value::Int(-operand.as_int());
        }
        if (operand.kind() == K::kDouble) return Value::Double(-operand.as_double());
        return NoOverload("-_", operand);
      }
      case Expr::Kind::kTernary: {
        Value condition = Eval(*e.args[0]);
        if (condition.is_error()) return condition;
        if (!condition.is_bool()) return NoOverload("_?_:_", condition);
        return Eval(*e.args[condition.as_bool() ? 1 : 2]);
      }
      case Expr::Kind::kBinary: {
        Value left = Eval(*e.args[0]);
        if (left.is_error()) return left;
        Value right = Eval(*e.args[1]);
        if (right.is_error()) return right;
        const std::string& op = e.name;
        if (op == "==") return Value::Bool(Equal(left, right));
        if (op == "!=") return Value::Bool(!Equal(left, right));
        if (op == "in") return Membership(left, right);
        if (op == "<" || op == "<=" || op == ">" || op == ">=") return Compare(op, left, right);
        return Arithmetic(op, left, right);
      }
      case Expr::Kind::kCall: return Call(e);
    }
    return Value::Error("unknown expression");
  }

 private:
  // Both sides are evaluated so that an error on one side can be absorbed by the other.
  Value Logical(const Expr& e) {
    const bool is_and = e.kind == Expr::Kind::kAnd;
    Value left = Eval(*e.args[0]);
    if (left.is_bool() && left.as_bool() != is_and) return left;  // short circuit
    Value right = Eval(*e.args[1]);
    if (right.is_bool() && right.as_bool() != is_and) return right;
    if (left.is_bool() && right.is_bool()) return Value::Bool(is_and);
    if (left.is_error()) return left;
    if (right.is_error()) return right;
    return NoOverload(is_and ? "_&&_" : "_||_", left, right);
  }

  static Value Index(const Value& container, const Value& index) {
    if (container.kind() == K::kList) {
      const auto& list = container.as_list();
      std::int64_t i = 0;
      if (index.kind() == K::kInt) {
        i = index.as_int();
      } else if (index.kind() == K::kUint) {
        i = index.as_uint() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                ? std::numeric_limits<std::int64_t>::max()
                : static_cast<std::int64_t>(index.as_uint());
      } else if (index.kind() == K::kDouble && std::trunc(index.as_double()) == index.as_double() &&
                 std::isfinite(index.as_double())) {
        i = static_cast<std::int64_t>(index.as_double());
      } else {
        return NoOverload("_[_]", container, index);
      }
      if (i < 0 || static_cast<std::uint64_t>(i) >= list.size()) {
        return Value::Error(fmt::format("index out of bounds: {}", i));
      }
      return list[static_cast<std::size_t>(i)];
    }
    if (container.kind() == K::kMap) {
      const Value* found = FindKey(container.as_map(), index);
      if (found == nullptr) {
        return Value::Error(fmt::format("no such key: {}",
                                        index.kind() == K::kString ? index.as_string() : DebugString(index)));
      }
      return *found;
    }
    return NoOverload("_[_]", container, index);
  }

  Value Call(const Expr& e) {
    std::vector<Value> args;
    for (const auto& arg : e.args) {
      Value v = Eval(*arg);
      if (v.is_error()) return v;
      args.push_back(std::move(v));
    }
    if (e.name == "size") return Size(args[0]);
    if (e.has_target) return StringFunction(e.name, args[0], args[1]);
    if (e.name == "matches") return Matches(args[0], args[1]);
    return Convert(e.name, args[0]);
  }

  const Activation& activation_;
};

}  // namespace

common::Result<Program> Program::Compile(std::string_view expression, const std::vector<std::string>& variables) {
  auto root = Parse(expression, variables);
  if (!root) return root.error();
  return Program(std::move(*root));
}

Value Program::Evaluate(const Activation& activation) const { return Evaluator(activation).Eval(*root_); }

}  // namespace airunway::controller::cel
