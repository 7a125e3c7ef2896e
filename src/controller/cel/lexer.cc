#include "controller/cel/lexer.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace airunway::controller::cel {
namespace {

common::Error SyntaxError(std::string_view what, std::size_t offset) {
  return common::MakeError(common::ErrorCode::kInvalid,
                           fmt::format("Syntax error: {} at offset {}", what, offset), "CELSyntaxError");
}

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

void AppendUtf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  common::Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      SkipSpaceAndComments();
      Token token;
      token.offset = pos_;
      if (pos_ >= text_.size()) {
        tokens.push_back(token);
        return tokens;
      }
      if (auto status = Next(token); !status) return status.error();
      tokens.push_back(std::move(token));
    }
  }

 private:
  char Peek(std::size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

  void SkipSpaceAndComments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++pos_;
      } else if (c == '/' && Peek(1) == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        return;
      }
    }
  }

  common::Status Next(Token& token) {
    const char c = Peek();
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) return Number(token);
    if ((c == 'r' || c == 'R') && (Peek(1) == '\'' || Peek(1) == '"')) {
      ++pos_;
      return String(token, /*raw=*/true);
    }
    if ((c == 'b' || c == 'B') && (Peek(1) == '\'' || Peek(1) == '"')) {
      return SyntaxError("bytes literals are not supported", pos_);
    }
    if (c == '\'' || c == '"') return String(token, /*raw=*/false);
    if (IsIdentStart(c)) {
      std::size_t start = pos_;
      while (IsIdentChar(Peek())) ++pos_;
      token.text = std::string(text_.substr(start, pos_ - start));
      if (token.text == "true") token.kind = TokenKind::kTrue;
      else if (token.text == "false") token.kind = TokenKind::kFalse;
      else if (token.text == "null") token.kind = TokenKind::kNull;
      else if (token.text == "in") token.kind = TokenKind::kIn;
      else token.kind = TokenKind::kIdent;
      return {};
    }
    auto two = [&](char second) { return Peek(1) == second; };
    auto take = [&](TokenKind kind, std::size_t length) {
      token.kind = kind;
      pos_ += length;
      return common::Status();
    };
    switch (c) {
      case '=': if (two('=')) return take(TokenKind::kEq, 2); break;
      case '!': return two('=') ? take(TokenKind::kNe, 2) : take(TokenKind::kNot, 1);
      case '<': return two('=') ? take(TokenKind::kLe, 2) : take(TokenKind::kLt, 1);
      case '>': return two('=') ? take(TokenKind::kGe, 2) : take(TokenKind::kGt, 1);
      case '&': if (two('&')) return take(TokenKind::kAnd, 2); break;
      case '|': if (two('|')) return take(TokenKind::kOr, 2); break;
      case '+': return take(TokenKind::kPlus, 1);
      case '-': return take(TokenKind::kMinus, 1);
      case '*': return take(TokenKind::kStar, 1);
      case '/': return take(TokenKind::kSlash, 1);
      case '%': return take(TokenKind::kPercent, 1);
      case '?': return take(TokenKind::kQuestion, 1);
      case ':': return take(TokenKind::kColon, 1);
      case '.': return take(TokenKind::kDot, 1);
      case ',': return take(TokenKind::kComma, 1);
      case '[': return take(TokenKind::kLBracket, 1);
      case ']': return take(TokenKind::kRBracket, 1);
      case '(': return take(TokenKind::kLParen, 1);
      case ')': return take(TokenKind::kRParen, 1);
      case '{': return take(TokenKind::kLBrace, 1);
      case '}': return take(TokenKind::kRBrace, 1);
      default: break;
    }
    return SyntaxError(fmt::format("token recognition error at: '{}'", c), pos_);
  }

  common::Status Number(Token& token) {
    const std::size_t start = pos_;
    if (Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X')) {
      pos_ += 2;
      std::size_t digits = pos_;
      while (std::isxdigit(static_cast<unsigned char>(Peek())) != 0) ++pos_;
      if (pos_ == digits) return SyntaxError("malformed hex literal", start);
      return IntegerLiteral(token, std::string(text_.substr(digits, pos_ - digits)), 16, start);
    }
    bool is_double = false;
    while (IsDigit(Peek())) ++pos_;
    if (Peek() == '.' && IsDigit(Peek(1))) {
      is_double = true;
      ++pos_;
      while (IsDigit(Peek())) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      std::size_t save = pos_;
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!IsDigit(Peek())) {
        pos_ = save;
      } else {
        is_double = true;
        while (IsDigit(Peek())) ++pos_;
      }
    }
    std::string literal(text_.substr(start, pos_ - start));
    if (is_double) {
      token.kind = TokenKind::kDouble;
      errno = 0;
      token.double_value = std::strtod(literal.c_str(), nullptr);
      if (errno == ERANGE) return SyntaxError("double literal out of range", start);
      return {};
    }
    return IntegerLiteral(token, literal, 10, start);
  }

  common::Status IntegerLiteral(Token& token, const std::string& digits, int base, std::size_t start) {
    errno = 0;
    if (Peek() == 'u' || Peek() == 'U') {
      ++pos_;
      token.kind = TokenKind::kUint;
      token.uint_value = std::strtoull(digits.c_str(), nullptr, base);
      if (errno == ERANGE) return SyntaxError("uint literal out of range", start);
      return {};
    }
    token.kind = TokenKind::kInt;
    // Kept unsigned here: "-9223372036854775808" is a negation of a literal one past the
    // int64 maximum; the parser folds the sign in.
    token.uint_value = std::strtoull(digits.c_str(), nullptr, base);
    if (errno == ERANGE || token.uint_value > static_cast<std::uint64_t>(INT64_MAX) + 1) {
      return SyntaxError("int literal out of range", start);
    }
    token.int_value = token.uint_value > static_cast<std::uint64_t>(INT64_MAX)
                          ? INT64_MIN
                          : static_cast<std::int64_t>(token.uint_value);
    return {};
  }

  common::Status String(Token& token, bool raw) {
    const std::size_t start = pos_;
    const char quote = Peek();
    const bool triple = Peek(1) == quote && Peek(2) == quote;
    pos_ += triple ? 3 : 1;
    token.kind = TokenKind::kString;
    while (true) {
      if (pos_ >= text_.size()) return SyntaxError("unterminated string literal", start);
      char c = text_[pos_];
      if (c == quote && (!triple || (Peek(1) == quote && Peek(2) == quote))) {
        pos_ += triple ? 3 : 1;
        return {};
      }
      if (!triple && (c == '\n' || c == '\r')) return SyntaxError("newline in string literal", pos_);
      if (c == '\\' && !raw) {
        if (auto status = Escape(token.text); !status) return status;
        continue;
      }
      token.text += c;
      ++pos_;
    }
  }

  common::Status Escape(std::string& out) {
    const std::size_t start = pos_;
    ++pos_;
    char c = Peek();
    ++pos_;
    switch (c) {
      case 'a': out += '\a'; return {};
      case 'b': out += '\b'; return {};
      case 'f': out += '\f'; return {};
      case 'n': out += '\n'; return {};
      case 'r': out += '\r'; return {};
      case 't': out += '\t'; return {};
      case 'v': out += '\v'; return {};
      case '\\': case '\'': case '"': case '`': case '?': out += c; return {};
      case 'x': case 'u': case 'U': {
        std::size_t length = c == 'x' ? 2 : (c == 'u' ? 4 : 8);
        if (pos_ + length > text_.size()) return SyntaxError("malformed escape", start);
        std::uint32_t code = 0;
        for (std::size_t i = 0; i < length; ++i) {
          char h = text_[pos_ + i];
          if (std::isxdigit(static_cast<unsigned char>(h)) == 0) return SyntaxError("malformed escape", start);
          code = code * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(h)) != 0
                                                           ? h - '0'
                                                           : (std::tolower(static_cast<unsigned char>(h)) - 'a' + 10));
        }
        pos_ += length;
        if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return SyntaxError("invalid code point", start);
        AppendUtf8(out, code);
        return {};
      }
      default:
        if (c >= '0' && c <= '3' && IsOctal(Peek()) && IsOctal(Peek(1))) {
          std::uint32_t code = static_cast<std::uint32_t>((c - '0') * 64 + (Peek() - '0') * 8 + (Peek(1) - '0'));
          pos_ += 2;
          AppendUtf8(out, code);
          return {};
        }
        return SyntaxError("invalid escape sequence", start);
    }
  }

  static bool IsOctal(char c) { return c >= '0' && c <= '7'; }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

common::Result<std::vector<Token>> Tokenize(std::string_view expression) { return Lexer(expression).Run(); }

}  // namespace airunway::controller::cel
