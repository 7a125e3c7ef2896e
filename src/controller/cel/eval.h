// CEL evaluation: a compiled Program (parsed and checked once) evaluated against an
// Activation (variable name → Value).
//
// Semantics follow the CEL specification as cel-go implements it, because the reference
// controller's selection rules run on cel-go:
//   - selecting a missing map key is an error ("no such key: f"); has(a.f) tests only the
//     last field and is itself an error when `a` cannot be evaluated;
//   - && and || are commutative and absorb errors (false && err = false, true || err = true;
//     otherwise the error wins); non-bool operands are "no such overload";
//   - == and != never fail on mismatched types (heterogeneous equality: 1 == 1.0 is true,
//     1 == 'a' is false); < <= > >= compare numbers across int/uint/double and fail on
//     other mixtures;
//   - arithmetic does not mix numeric types (1 + 1.0 is "no such overload"), int overflow
//     and division or modulus by zero are errors.
//
// Thread-safety: a Program is immutable and may be evaluated from many threads at once.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "controller/cel/parser.h"
#include "controller/cel/value.h"

namespace airunway::controller::cel {

using Activation = std::map<std::string, Value, std::less<>>;

class Program {
 public:
  // Parses and checks `expression` for an environment that declares `variables`.
  static common::Result<Program> Compile(std::string_view expression, const std::vector<std::string>& variables);

  // The result; a runtime error comes back as an error Value, never as an exception.
  Value Evaluate(const Activation& activation) const;

 private:
  explicit Program(std::shared_ptr<const Expr> root) : root_(std::move(root)) {}
  std::shared_ptr<const Expr> root_;
};

}  // namespace airunway::controller::cel
