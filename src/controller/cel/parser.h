// The CEL parser and checker: builds the syntax tree of an expression with CEL's precedence
// (?: < || < && < relations < + - < * / % < unary < member/index/call), expands the has()
// macro, and checks what a CEL environment with the given variables would refuse at compile
// time: undeclared identifiers, unknown functions and wrong arities, has() on anything but a
// field selection. Unsupported parts of CEL (comprehension macros, message construction,
// bytes) are refused here too, so a rule that uses them is reported, not silently false.
//
// Thread-safety: Parse is a pure function; the returned tree is immutable.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "controller/cel/value.h"

namespace airunway::controller::cel {

struct Expr {
  enum class Kind {
    kLiteral,   // literal
    kIdent,     // name
    kSelect,    // args[0].name
    kHas,       // has(args[0].name)
    kIndex,     // args[0][args[1]]
    kCall,      // name(args...) or, with has_target, args[0].name(args[1..])
    kList,      // [args...]
    kMap,       // {args[0]: args[1], ...}
    kAnd, kOr,  // args[0] && args[1]
    kNot, kNeg, // !args[0], -args[0]
    kTernary,   // args[0] ? args[1] : args[2]
    kBinary,    // args[0] <name> args[1]: == != < <= > >= in + - * / %
  };
  Kind kind = Kind::kLiteral;
  Value literal;
  std::string name;
  bool has_target = false;
  std::vector<std::unique_ptr<Expr>> args;
  std::size_t offset = 0;
};

// kInvalid with the first syntax or check error ("Syntax error: ...", "undeclared reference
// to 'x' (in container '')", "found no matching overload for 'f' ...").
common::Result<std::shared_ptr<const Expr>> Parse(std::string_view expression,
                                                  const std::vector<std::string>& variables);

}  // namespace airunway::controller::cel
