// The CEL lexer: turns an expression into tokens (literals, identifiers, operators), with the
// byte offset of each for error messages. Supports the literal forms of the CEL spec: decimal
// and hex ints, `u`-suffixed uints, doubles with fraction/exponent, single-, double- and
// triple-quoted strings with escapes, raw strings (r'...'). Bytes literals are refused.
//
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace airunway::controller::cel {

enum class TokenKind {
  kInt, kUint, kDouble, kString, kIdent, kTrue, kFalse, kNull, kIn,
  kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr, kNot,
  kPlus, kMinus, kStar, kSlash, kPercent, kQuestion, kColon, kDot, kComma,
  kLBracket, kRBracket, kLParen, kRParen, kLBrace, kRBrace, kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // identifier name or decoded string literal
  std::int64_t int_value = 0;
  std::uint64_t uint_value = 0;
  double double_value = 0;
  std::size_t offset = 0;
};

// kInvalid with "Syntax error: <what> at offset N" on a malformed expression.
common::Result<std::vector<Token>> Tokenize(std::string_view expression);

}  // namespace airunway::controller::cel
