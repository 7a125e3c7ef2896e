#include "controller/cel/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "controller/cel/lexer.h"

namespace airunway::controller::cel {
namespace {

constexpr int kMaxDepth = 64;  // deeper expressions are refused rather than risking the stack

common::Error CheckError(std::string message) {
  return common::MakeError(common::ErrorCode::kInvalid, std::move(message), "CELCheckError");
}

// Functions callable as f(x...) → allowed argument counts.
const std::map<std::string, std::vector<std::size_t>, std::less<>> kGlobalFunctions = {
    {"size", {1}}, {"int", {1}}, {"uint", {1}}, {"double", {1}}, {"string", {1}},
    {"bool", {1}}, {"dyn", {1}}, {"type", {1}}, {"matches", {2}},
};
// Functions callable as x.f(...) → allowed argument counts (receiver not counted).
const std::map<std::string, std::vector<std::size_t>, std::less<>> kMemberFunctions = {
    {"size", {0}}, {"contains", {1}}, {"startsWith", {1}}, {"endsWith", {1}}, {"matches", {1}},
};
// Macros CEL defines that this subset does not evaluate.
constexpr std::string_view kUnsupportedMacros[] = {"all", "exists", "exists_one", "map", "filter"};
constexpr std::string_view kReservedWords[] = {"as", "break", "const", "continue", "else", "for",
                                               "function", "if", "import", "let", "loop", "package",
                                               "namespace", "return", "var", "void", "while"};

using ExprPtr = std::unique_ptr<Expr>;

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::vector<std::string>& variables)
      : tokens_(std::move(tokens)), variables_(variables) {}

  common::Result<std::shared_ptr<const Expr>> Run() {
    auto expr = Expression();
    if (!expr) return expr.error();
    if (Peek().kind != TokenKind::kEnd) return Syntax("extraneous input", Peek().offset);
    return std::shared_ptr<const Expr>(std::move(*expr));
  }

 private:
  using R = common::Result<ExprPtr>;

  const Token& Peek() const { return tokens_[pos_]; }
  bool Accept(TokenKind kind) {
    if (Peek().kind != kind) return false;
    ++pos_;
    return true;
  }
  static common::Error Syntax(std::string_view what, std::size_t offset) {
    return common::MakeError(common::ErrorCode::kInvalid, fmt::format("Syntax error: {} at offset {}", what, offset),
                             "CELSyntaxError");
  }
  static ExprPtr Node(Expr::Kind kind, std::size_t offset) {
    auto node = std::make_unique<Expr>();
    node->kind = kind;
    node->offset = offset;
    return node;
  }
  static ExprPtr Binary(Expr::Kind kind, std::string op, ExprPtr left, ExprPtr right, std::size_t offset) {
    auto node = Node(kind, offset);
    node->name = std::move(op);
    node->args.push_back(std::move(left));
    node->args.push_back(std::move(right));
    return node;
  }

  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    int& depth;
  };

  R Expression() {
    DepthGuard guard(depth_);
    if (depth_ > kMaxDepth) return Syntax("expression nested too deeply", Peek().offset);
    auto condition = Or();
    if (!condition) return condition;
    std::size_t offset = Peek().offset;
    if (!Accept(TokenKind::kQuestion)) return condition;
    auto then_branch = Or();
    if (!then_branch) return then_branch;
    if (!Accept(TokenKind::kColon)) return Syntax("missing ':' in conditional", Peek().offset);
    auto else_branch = Expression();
    if (!else_branch) return else_branch;
    auto node = Node(Expr::Kind::kTernary, offset);
    node->args.push_back(std::move(*condition));
    node->args.push_back(std::move(*then_branch));
    node->args.push_back(std::move(*else_branch));
    return node;
  }

  R Or() {
    auto left = And();
    if (!left) return left;
    ExprPtr result = std::move(*left);
    while (Peek().kind == TokenKind::kOr) {
      std::size_t offset = Peek().offset;
      ++pos_;
      auto right = And();
      if (!right) return right;
      result = Binary(Expr::Kind::kOr, "||", std::move(result), std::move(*right), offset);
    }
    return result;
  }

  R And() {
    auto left = Relation();
    if (!left) return left;
    ExprPtr result = std::move(*left);
    while (Peek().kind == TokenKind::kAnd) {
      std::size_t offset = Peek().offset;
      ++pos_;
      auto right = Relation();
      if (!right) return right;
      result = Binary(Expr::Kind::kAnd, "&&", std::move(result), std::move(*right), offset);
    }
    return result;
  }

  R Relation() {
    auto left = Addition();
    if (!left) return left;
    ExprPtr result = std::move(*left);
    while (true) {
      std::string op;
      switch (Peek().kind) {
        case TokenKind::kEq: op = "=="; break;
        case TokenKind::kNe: op = "!="; break;
        case TokenKind::kLt: op = "<"; break;
        case TokenKind::kLe: op = "<="; break;
        case TokenKind::kGt: op = ">"; break;
        case TokenKind::kGe: op = ">="; break;
        case TokenKind::kIn: op = "in"; break;
        default: return result;
      }
      std::size_t offset = Peek().offset;
      ++pos_;
      auto right = Addition();
      if (!right) return right;
      result = Binary(Expr::Kind::kBinary, op, std::move(result), std::move(*right), offset);
    }
  }

  R Addition() {
    auto left = Multiplication();
    if (!left) return left;
    ExprPtr result = std::move(*left);
    while (Peek().kind == TokenKind::kPlus || Peek().kind == TokenKind::kMinus) {
      std::string op = Peek().kind == TokenKind::kPlus ? "+" : "-";
      std::size_t offset = Peek().offset;
      ++pos_;
      auto right = Multiplication();
      if (!right) return right;
      result = Binary(Expr::Kind::kBinary, op, std::move(result), std::move(*right), offset);
    }
    return result;
  }

  R Multiplication() {
    auto left = Unary();
    if (!left) return left;
    ExprPtr result = std::move(*left);
    while (Peek().kind == TokenKind::kStar || Peek().kind == TokenKind::kSlash ||
           Peek().kind == TokenKind::kPercent) {
      std::string op = Peek().kind == TokenKind::kStar ? "*" : (Peek().kind == TokenKind::kSlash ? "/" : "%");
      std::size_t offset = Peek().offset;
      ++pos_;
      auto right = Unary();
      if (!right) return right;
      result = Binary(Expr::Kind::kBinary, op, std::move(result), std::move(*right), offset);
    }
    return result;
  }

  R Unary() {
    DepthGuard guard(depth_);
    if (depth_ > kMaxDepth) return Syntax("expression nested too deeply", Peek().offset);
    std::size_t offset = Peek().offset;
    if (Accept(TokenKind::kNot)) {
      auto operand = Unary();
      if (!operand) return operand;
      auto node = Node(Expr::Kind::kNot, offset);
      node->args.push_back(std::move(*operand));
      return node;
    }
    if (Accept(TokenKind::kMinus)) {
      // A negative literal is folded so that the int64 minimum can be written.
      if (Peek().kind == TokenKind::kInt && (pos_ + 1 >= tokens_.size() || !IsPostfix(tokens_[pos_ + 1].kind))) {
        const Token& literal = Peek();
        ++pos_;
        auto node = Node(Expr::Kind::kLiteral, offset);
        node->literal = Value::Int(literal.uint_value > static_cast<std::uint64_t>(INT64_MAX)
                                       ? INT64_MIN
                                       : -static_cast<std::int64_t>(literal.uint_value));
        return node;
      }
      auto operand = Unary();
      if (!operand) return operand;
      auto node = Node(Expr::Kind::kNeg, offset);
      node->args.push_back(std::move(*operand));
      return node;
    }
    return Member();
  }

  static bool IsPostfix(TokenKind kind) { return kind == TokenKind::kDot || kind == TokenKind::kLBracket; }

  R Member() {
    auto primary = Primary();
    if (!primary) return primary;
    ExprPtr result = std::move(*primary);
    while (true) {
      std::size_t offset = Peek().offset;
      if (Accept(TokenKind::kDot)) {
        if (Peek().kind != TokenKind::kIdent) return Syntax("expected a field name after '.'", Peek().offset);
        std::string field = Peek().text;
        ++pos_;
        if (Accept(TokenKind::kLParen)) {
          // Checked before the arguments, whose bound variables would read as undeclared.
          if (std::find(std::begin(kUnsupportedMacros), std::end(kUnsupportedMacros), field) !=
              std::end(kUnsupportedMacros)) {
            return CheckError(fmt::format("the '{}' macro is not supported by this CEL subset", field));
          }
          auto args = Arguments(TokenKind::kRParen);
          if (!args) return args.error();
          auto call = MemberCall(std::move(result), field, std::move(*args), offset);
          if (!call) return call;
          result = std::move(*call);
        } else {
          auto node = Node(Expr::Kind::kSelect, offset);
          node->name = field;
          node->args.push_back(std::move(result));
          result = std::move(node);
        }
      } else if (Accept(TokenKind::kLBracket)) {
        auto index = Expression();
        if (!index) return index;
        if (!Accept(TokenKind::kRBracket)) return Syntax("missing ']'", Peek().offset);
        result = Binary(Expr::Kind::kIndex, "[]", std::move(result), std::move(*index), offset);
      } else {
        return result;
      }
    }
  }

  common::Result<std::vector<ExprPtr>> Arguments(TokenKind close) {
    std::vector<ExprPtr> args;
    if (Accept(close)) return args;
    while (true) {
      auto arg = Expression();
      if (!arg) return arg.error();
      args.push_back(std::move(*arg));
      if (Accept(close)) return args;
      if (!Accept(TokenKind::kComma)) return Syntax("expected ',' or closing bracket", Peek().offset);
      if (Accept(close)) return args;  // trailing comma
    }
  }

  R MemberCall(ExprPtr target, const std::string& name, std::vector<ExprPtr> args, std::size_t offset) {
    auto known = kMemberFunctions.find(name);
    if (known == kMemberFunctions.end()) {
      return CheckError(fmt::format("undeclared reference to '{}' (in container '')", name));
    }
    if (std::find(known->second.begin(), known->second.end(), args.size()) == known->second.end()) {
      return CheckError(fmt::format("found no matching overload for '{}' applied to {} argument(s)", name,
                                    args.size()));
    }
    auto node = Node(Expr::Kind::kCall, offset);
    node->name = name;
    node->has_target = true;
    node->args.push_back(std::move(target));
    for (auto& arg : args) node->args.push_back(std::move(arg));
    return node;
  }

  R Primary() {
    const Token& token = Peek();
    std::size_t offset = token.offset;
    auto literal = [&](Value value) {
      ++pos_;
      auto node = Node(Expr::Kind::kLiteral, offset);
      node->literal = std::move(value);
      return node;
    };
    switch (token.kind) {
      case TokenKind::kInt:
        if (token.uint_value > static_cast<std::uint64_t>(INT64_MAX)) return Syntax("int literal out of range", offset);
        return literal(Value::Int(token.int_value));
      case TokenKind::kUint: return literal(Value::Uint(token.uint_value));
      case TokenKind::kDouble: return literal(Value::Double(token.double_value));
      case TokenKind::kString: return literal(Value::String(token.text));
      case TokenKind::kTrue: return literal(Value::Bool(true));
      case TokenKind::kFalse: return literal(Value::Bool(false));
      case TokenKind::kNull: return literal(Value::Null());
      case TokenKind::kLParen: {
        ++pos_;
        auto inner = Expression();
        if (!inner) return inner;
        if (!Accept(TokenKind::kRParen)) return Syntax("missing ')'", Peek().offset);
        return inner;
      }
      case TokenKind::kLBracket: {
        ++pos_;
        auto items = Arguments(TokenKind::kRBracket);
        if (!items) return items.error();
        auto node = Node(Expr::Kind::kList, offset);
        node->args = std::move(*items);
        return node;
      }
      case TokenKind::kLBrace: return MapLiteral();
      case TokenKind::kDot:
      case TokenKind::kIdent: return IdentOrCall();
      default: return Syntax("unexpected token", offset);
    }
  }

  R MapLiteral() {
    std::size_t offset = Peek().offset;
    ++pos_;
    auto node = Node(Expr::Kind::kMap, offset);
    if (Accept(TokenKind::kRBrace)) return node;
    while (true) {
      auto key = Expression();
      if (!key) return key;
      if (!Accept(TokenKind::kColon)) return Syntax("expected ':' in map literal", Peek().offset);
      auto value = Expression();
      if (!value) return value;
      node->args.push_back(std::move(*key));
      node->args.push_back(std::move(*value));
      if (Accept(TokenKind::kRBrace)) return node;
      if (!Accept(TokenKind::kComma)) return Syntax("expected ',' or '}' in map literal", Peek().offset);
      if (Accept(TokenKind::kRBrace)) return node;
    }
  }

  R IdentOrCall() {
    std::size_t offset = Peek().offset;
    Accept(TokenKind::kDot);  // a leading '.' names the root scope; same thing here
    if (Peek().kind != TokenKind::kIdent) return Syntax("expected an identifier", Peek().offset);
    std::string name = Peek().text;
    ++pos_;
    if (std::find(std::begin(kReservedWords), std::end(kReservedWords), name) != std::end(kReservedWords)) {
      return Syntax(fmt::format("reserved identifier: {}", name), offset);
    }
    if (Accept(TokenKind::kLParen)) {
      auto args = Arguments(TokenKind::kRParen);
      if (!args) return args.error();
      if (name == "has") {
        if (args->size() != 1 || (*args)[0]->kind != Expr::Kind::kSelect) {
          return CheckError("invalid argument to has() macro");
        }
        auto select = std::move((*args)[0]);
        select->kind = Expr::Kind::kHas;
        return select;
      }
      auto known = kGlobalFunctions.find(name);
      if (known == kGlobalFunctions.end()) {
        return CheckError(fmt::format("undeclared reference to '{}' (in container '')", name));
      }
      if (std::find(known->second.begin(), known->second.end(), args->size()) == known->second.end()) {
        return CheckError(fmt::format("found no matching overload for '{}' applied to {} argument(s)", name,
                                      args->size()));
      }
      auto node = Node(Expr::Kind::kCall, offset);
      node->name = name;
      node->args = std::move(*args);
      return node;
    }
    if (Peek().kind == TokenKind::kLBrace) return Syntax("message construction is not supported", offset);
    if (std::find(variables_.begin(), variables_.end(), name) == variables_.end()) {
      return CheckError(fmt::format("undeclared reference to '{}' (in container '')", name));
    }
    auto node = Node(Expr::Kind::kIdent, offset);
    node->name = name;
    return node;
  }

  std::vector<Token> tokens_;
  const std::vector<std::string>& variables_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

common::Result<std::shared_ptr<const Expr>> Parse(std::string_view expression,
                                                  const std::vector<std::string>& variables) {
  auto tokens = Tokenize(expression);
  if (!tokens) return tokens.error();
  return Parser(std::move(*tokens), variables).Run();
}

}  // namespace airunway::controller::cel
