#include "kubesim/selectors.h"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "kubesim/names.h"

namespace airunway::kubesim {
namespace {

// ---- label selector lexer ----

enum class Tok { kIdentifier, kOpenParen, kCloseParen, kComma, kEquals, kDoubleEquals, kNotEquals,
                 kBang, kGreater, kLess, kEnd };

struct Token {
  Tok type = Tok::kEnd;
  std::string text;
};

bool IsSpecial(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (IsSpace(c)) {
      ++i;
      continue;
    }
    if (IsSpecial(c)) {
      char next = i + 1 < text.size() ? text[i + 1] : '\0';
      if (c == '=' && next == '=') {
        tokens.push_back({Tok::kDoubleEquals, "=="});
        i += 2;
      } else if (c == '!' && next == '=') {
        tokens.push_back({Tok::kNotEquals, "!="});
        i += 2;
      } else {
        Tok type = c == '=' ? Tok::kEquals : c == '!' ? Tok::kBang : c == '(' ? Tok::kOpenParen
                 : c == ')' ? Tok::kCloseParen : c == ',' ? Tok::kComma : c == '>' ? Tok::kGreater : Tok::kLess;
        tokens.push_back({type, std::string(1, c)});
        ++i;
      }
      continue;
    }
    std::size_t start = i;
    while (i < text.size() && !IsSpace(text[i]) && !IsSpecial(text[i])) ++i;
    tokens.push_back({Tok::kIdentifier, std::string(text.substr(start, i - start))});
  }
  tokens.push_back({Tok::kEnd, ""});
  return tokens;
}

// Recursive-descent parser over the token list; errors are plain strings that the caller
// turns into a 400.
class LabelParser {
 public:
  explicit LabelParser(std::string_view text) : tokens_(Tokenize(text)) {}

  std::string Parse(std::vector<LabelRequirement>& out) {
    while (true) {
      const Token& head = Peek();
      if (head.type == Tok::kEnd) return {};
      if (head.type != Tok::kIdentifier && head.type != Tok::kBang) {
        return fmt::format("found '{}', expected: !, identifier, or 'end of string'", head.text);
      }
      LabelRequirement requirement;
      if (std::string error = ParseRequirement(requirement); !error.empty()) {
        return "unable to parse requirement: " + error;
      }
      out.push_back(std::move(requirement));
      const Token& after = Next();
      if (after.type == Tok::kEnd) return {};
      if (after.type != Tok::kComma) {
        return fmt::format("found '{}', expected: ',' or 'end of string'", after.text);
      }
      const Token& following = Peek();
      if (following.type != Tok::kIdentifier && following.type != Tok::kBang) {
        return fmt::format("found '{}', expected: identifier after ','", following.text);
      }
    }
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }

  std::string ParseRequirement(LabelRequirement& r) {
    bool negated_existence = false;
    Token key = Next();
    if (key.type == Tok::kBang) {
      negated_existence = true;
      key = Next();
    }
    if (key.type != Tok::kIdentifier) return fmt::format("found '{}', expected: identifier", key.text);
    if (auto errors = IsQualifiedName(key.text); !errors.empty()) {
      return "key: " + InvalidValueMessage(key.text, Join(errors));
    }
    r.key = key.text;
    Tok next = Peek().type;
    if (negated_existence || next == Tok::kEnd || next == Tok::kComma) {
      r.op = negated_existence ? SelectorOp::kDoesNotExist : SelectorOp::kExists;
      return {};
    }
    const Token& op = Next();
    switch (op.type) {
      case Tok::kEquals:
      case Tok::kDoubleEquals: r.op = SelectorOp::kEquals; break;
      case Tok::kNotEquals: r.op = SelectorOp::kNotEquals; break;
      case Tok::kGreater: r.op = SelectorOp::kGreaterThan; break;
      case Tok::kLess: r.op = SelectorOp::kLessThan; break;
      case Tok::kIdentifier:
        if (op.text == "in") { r.op = SelectorOp::kIn; break; }
        if (op.text == "notin") { r.op = SelectorOp::kNotIn; break; }
        [[fallthrough]];
      default:
        return fmt::format("found '{}', expected: in, notin, =, ==, !=, gt, lt", op.text);
    }
    std::string error = (r.op == SelectorOp::kIn || r.op == SelectorOp::kNotIn) ? ParseSet(r.values)
                                                                               : ParseExact(r.values);
    if (!error.empty()) return error;
    std::sort(r.values.begin(), r.values.end());
    r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
    if (r.op == SelectorOp::kGreaterThan || r.op == SelectorOp::kLessThan) {
      if (r.values.size() != 1) return "for 'Gt', 'Lt' operators, exactly one value is required";
      std::int64_t ignored = 0;
      const std::string& v = r.values.front();
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ignored);
      if (ec != std::errc() || end != v.data() + v.size()) {
        return "for 'Gt', 'Lt' operators, the value must be an integer";
      }
      return {};
    }
    for (std::size_t i = 0; i < r.values.size(); ++i) {
      if (auto errors = IsValidLabelValue(r.values[i]); !errors.empty()) {
        return fmt::format("values[{}][{}]: {}", i, r.key, InvalidValueMessage(r.values[i], Join(errors)));
      }
    }
    return {};
  }

  std::string ParseExact(std::vector<std::string>& values) {
    const Token& t = Peek();
    if (t.type == Tok::kEnd || t.type == Tok::kComma) {
      values.emplace_back();  // `a=` selects an empty value
      return {};
    }
    const Token& value = Next();
    if (value.type != Tok::kIdentifier) return fmt::format("found '{}', expected: identifier", value.text);
    values.push_back(value.text);
    return {};
  }

  std::string ParseSet(std::vector<std::string>& values) {
    const Token& open = Next();
    if (open.type != Tok::kOpenParen) return fmt::format("found '{}' expected: '('", open.text);
    if (Peek().type == Tok::kCloseParen) {  // "()" is the set holding the empty value
      Next();
      values.emplace_back();
      return {};
    }
    // A list of identifiers separated by commas; an empty slot (`(,a)`, `(a,)`) is "".
    bool expect_value = true;
    while (true) {
      const Token& t = Next();
      if (t.type == Tok::kIdentifier && expect_value) {
        values.push_back(t.text);
        expect_value = false;
      } else if (t.type == Tok::kComma) {
        if (expect_value) values.emplace_back();
        expect_value = true;
      } else if (t.type == Tok::kCloseParen) {
        if (expect_value) values.emplace_back();
        return {};
      } else if (expect_value) {
        return fmt::format("found '{}', expected: ',', or identifier", t.text);
      } else {
        return fmt::format("found '{}', expected: ',' or ')'", t.text);
      }
    }
  }

  static std::string Join(const std::vector<std::string>& errors) {
    std::string out;
    for (const auto& e : errors) {
      if (!out.empty()) out += "; ";
      out += e;
    }
    return out;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

bool ParseInt(std::string_view text, std::int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool Contains(const std::vector<std::string>& values, std::string_view v) {
  return std::binary_search(values.begin(), values.end(), v);
}

std::string_view OpText(SelectorOp op) {
  switch (op) {
    case SelectorOp::kEquals: return "=";
    case SelectorOp::kNotEquals: return "!=";
    case SelectorOp::kIn: return " in ";
    case SelectorOp::kNotIn: return " notin ";
    case SelectorOp::kGreaterThan: return ">";
    case SelectorOp::kLessThan: return "<";
    case SelectorOp::kExists:
    case SelectorOp::kDoesNotExist: return "";
  }
  return "";
}

}  // namespace

ApiResult<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector selector;
  LabelParser parser(text);
  if (std::string error = parser.Parse(selector.requirements_); !error.empty()) return BadRequest(std::move(error));
  return selector;
}

ApiResult<LabelSelector> LabelSelector::FromJson(const boost::json::object& json) {
  LabelSelector selector;
  if (const auto* match_labels = json.if_contains("matchLabels"); match_labels && !match_labels->is_null()) {
    if (!match_labels->is_object()) return BadRequest("selector.matchLabels must be an object");
    for (const auto& [key, value] : match_labels->get_object()) {
      if (!value.is_string()) return BadRequest(fmt::format("selector.matchLabels[{}] must be a string", std::string_view(key)));
      if (auto errors = IsQualifiedName(key); !errors.empty()) {
        return BadRequest(fmt::format("invalid label key \"{}\": {}", std::string_view(key), errors.front()));
      }
      selector.requirements_.push_back({std::string(key), SelectorOp::kEquals, {std::string(value.get_string())}});
    }
  }
  if (const auto* expressions = json.if_contains("matchExpressions"); expressions && !expressions->is_null()) {
    if (!expressions->is_array()) return BadRequest("selector.matchExpressions must be an array");
    for (const auto& item : expressions->get_array()) {
      if (!item.is_object()) return BadRequest("selector.matchExpressions entries must be objects");
      const auto& expr = item.get_object();
      LabelRequirement r;
      if (const auto* key = expr.if_contains("key"); key && key->is_string()) r.key = key->get_string();
      std::string op;
      if (const auto* o = expr.if_contains("operator"); o && o->is_string()) op = o->get_string();
      if (const auto* values = expr.if_contains("values"); values && values->is_array()) {
        for (const auto& v : values->get_array()) {
          if (v.is_string()) r.values.emplace_back(v.get_string());
        }
      }
      if (op == "In") r.op = SelectorOp::kIn;
      else if (op == "NotIn") r.op = SelectorOp::kNotIn;
      else if (op == "Exists") r.op = SelectorOp::kExists;
      else if (op == "DoesNotExist") r.op = SelectorOp::kDoesNotExist;
      else return BadRequest(fmt::format("\"{}\" is not a valid label selector operator", op));
      bool set_op = r.op == SelectorOp::kIn || r.op == SelectorOp::kNotIn;
      if (set_op && r.values.empty()) return BadRequest("for 'in', 'notin' operators, values set can't be empty");
      if (!set_op && !r.values.empty()) return BadRequest("values set must be empty for exists and does not exist");
      std::sort(r.values.begin(), r.values.end());
      r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
      selector.requirements_.push_back(std::move(r));
    }
  }
  std::sort(selector.requirements_.begin(), selector.requirements_.end(),
            [](const LabelRequirement& a, const LabelRequirement& b) { return a.key < b.key; });
  return selector;
}

bool LabelSelector::MatchesLabels(const boost::json::object* labels) const {
  for (const auto& r : requirements_) {
    const boost::json::value* found = labels ? labels->if_contains(r.key) : nullptr;
    const bool present = found && found->is_string();
    std::string_view value = present ? std::string_view(found->get_string()) : std::string_view();
    switch (r.op) {
      case SelectorOp::kEquals:
      case SelectorOp::kIn:
        if (!present || !Contains(r.values, value)) return false;
        break;
      case SelectorOp::kNotEquals:
      case SelectorOp::kNotIn:
        if (present && Contains(r.values, value)) return false;
        break;
      case SelectorOp::kExists:
        if (!present) return false;
        break;
      case SelectorOp::kDoesNotExist:
        if (present) return false;
        break;
      case SelectorOp::kGreaterThan:
      case SelectorOp::kLessThan: {
        std::int64_t have = 0;
        std::int64_t want = 0;
        if (!present || r.values.size() != 1 || !ParseInt(value, have) || !ParseInt(r.values.front(), want)) {
          return false;
        }
        if (r.op == SelectorOp::kGreaterThan ? !(have > want) : !(have < want)) return false;
        break;
      }
    }
  }
  return true;
}

bool LabelSelector::Matches(const boost::json::object& object) const {
  if (requirements_.empty()) return true;
  const boost::json::object* labels = nullptr;
  if (const auto* metadata = object.if_contains("metadata"); metadata && metadata->is_object()) {
    if (const auto* l = metadata->get_object().if_contains("labels"); l && l->is_object()) labels = &l->get_object();
  }
  return MatchesLabels(labels);
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (const auto& r : requirements_) {
    if (!out.empty()) out += ",";
    if (r.op == SelectorOp::kDoesNotExist) out += "!";
    out += r.key;
    out += OpText(r.op);
    if (r.op == SelectorOp::kIn || r.op == SelectorOp::kNotIn) {
      out += "(";
      for (std::size_t i = 0; i < r.values.size(); ++i) {
        if (i > 0) out += ",";
        out += r.values[i];
      }
      out += ")";
    } else if (r.op != SelectorOp::kExists && r.op != SelectorOp::kDoesNotExist && !r.values.empty()) {
      out += r.values.front();
    }
  }
  return out;
}

// ---- field selectors ----

ApiResult<FieldSelector> FieldSelector::Parse(std::string_view text) {
  FieldSelector selector;
  // Split on commas that are not escaped.
  std::vector<std::string_view> terms;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] == '\\') {
      ++i;
      continue;
    }
    if (i == text.size() || text[i] == ',') {
      terms.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  for (std::string_view term : terms) {
    if (term.empty()) continue;
    // The first operator position wins; at one position "!=" and "==" beat "=".
    std::size_t at = std::string_view::npos;
    std::size_t op_len = 0;
    bool negated = false;
    for (std::size_t i = 0; i < term.size(); ++i) {
      if (term[i] == '\\') {
        ++i;
        continue;
      }
      if (term.substr(i, 2) == "!=") { at = i; op_len = 2; negated = true; break; }
      if (term.substr(i, 2) == "==") { at = i; op_len = 2; break; }
      if (term[i] == '=') { at = i; op_len = 1; break; }
    }
    if (at == std::string_view::npos) {
      return BadRequest(fmt::format("invalid selector: '{}'; can't understand '{}'", text, term));
    }
    FieldRequirement r;
    r.field = std::string(term.substr(0, at));
    r.negated = negated;
    std::string_view raw = term.substr(at + op_len);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      char c = raw[i];
      if (c == '\\') {
        if (i + 1 >= raw.size() || (raw[i + 1] != '\\' && raw[i + 1] != ',' && raw[i + 1] != '=' && raw[i + 1] != '!')) {
          return BadRequest(fmt::format("invalid field selector: invalid escape sequence in '{}'", raw));
        }
        r.value += raw[++i];
        continue;
      }
      if (c == '=' || c == ',' || (c == '!' && i + 1 < raw.size() && raw[i + 1] == '=')) {
        return BadRequest(fmt::format("invalid field selector: unescaped '{}' in '{}'", c, raw));
      }
      r.value += c;
    }
    selector.requirements_.push_back(std::move(r));
  }
  return selector;
}

std::optional<ApiStatus> FieldSelector::CheckSupported(const std::vector<std::string>& supported) const {
  for (const auto& r : requirements_) {
    if (r.field == "metadata.name" || r.field == "metadata.namespace") continue;
    if (std::find(supported.begin(), supported.end(), r.field) != supported.end()) continue;
    return BadRequest(fmt::format("field label not supported: {}", r.field));
  }
  return std::nullopt;
}

bool FieldSelector::Matches(const boost::json::object& object) const {
  for (const auto& r : requirements_) {
    bool equal = FieldValue(object, r.field) == r.value;
    if (equal == r.negated) return false;
  }
  return true;
}

std::string FieldValue(const boost::json::object& object, std::string_view path) {
  const boost::json::object* current = &object;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = path.find('.', start);
    std::string_view key = path.substr(start, dot == std::string_view::npos ? path.size() - start : dot - start);
    const boost::json::value* v = current->if_contains(key);
    if (!v) return {};
    if (dot == std::string_view::npos) {
      if (v->is_string()) return std::string(v->get_string());
      if (v->is_null()) return {};
      if (v->is_object() || v->is_array()) return {};
      return boost::json::serialize(*v);
    }
    if (!v->is_object()) return {};
    current = &v->get_object();
    start = dot + 1;
  }
}

}  // namespace airunway::kubesim
