#include "kubesim/structural_schema.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <regex>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "common/time.h"
#include "kubesim/patch.h"

namespace airunway::kubesim {

namespace json = boost::json;

namespace {

// ---- schema accessors ----

const json::object* SubSchema(const json::object& schema, std::string_view key) {
  const json::value* v = schema.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

bool Flag(const json::object& schema, std::string_view key) {
  const json::value* v = schema.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

std::string_view TypeOf(const json::object& schema) {
  const json::value* v = schema.if_contains("type");
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

const json::value* DefaultOf(const json::object* schema) {
  if (schema == nullptr) return nullptr;
  const json::value* v = schema->if_contains("default");
  return v != nullptr && !v->is_null() ? v : nullptr;
}

bool Nullable(const json::object* schema) { return schema != nullptr && Flag(*schema, "nullable"); }

// The schema of a member `key` of an object described by `schema`: its property, else the
// additionalProperties schema.
const json::object* MemberSchema(const json::object* schema, std::string_view key) {
  if (schema == nullptr) return nullptr;
  if (const json::object* properties = SubSchema(*schema, "properties")) {
    if (const json::object* p = SubSchema(*properties, key)) return p;
  }
  return SubSchema(*schema, "additionalProperties");
}

std::string Child(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return path + "." + std::string(key);
}

std::string Index(const std::string& path, std::size_t i) { return fmt::format("{}[{}]", path, i); }

// ---- defaulting ----

void PruneNulls(json::value& x, const json::object* schema) {
  if (x.is_object()) {
    json::object& o = x.get_object();
    for (auto it = o.begin(); it != o.end();) {
      const json::object* member = MemberSchema(schema, it->key());
      if (it->value().is_null() && member != nullptr && !Nullable(member) && DefaultOf(member) == nullptr) {
        it = o.erase(it);
      } else {
        PruneNulls(it->value(), member);
        ++it;
      }
    }
  } else if (x.is_array()) {
    const json::object* items = schema != nullptr ? SubSchema(*schema, "items") : nullptr;
    for (auto& item : x.get_array()) PruneNulls(item, items);
  }
}

void Default(json::value& x, const json::object* schema) {
  if (schema == nullptr) return;
  if (x.is_object()) {
    json::object& o = x.get_object();
    const json::object* properties = SubSchema(*schema, "properties");
    if (properties != nullptr) {
      for (const auto& [key, prop] : *properties) {
        if (!prop.is_object()) continue;
        const json::value* def = DefaultOf(&prop.get_object());
        if (def == nullptr) continue;
        const json::value* current = o.if_contains(key);
        if (current == nullptr || (current->is_null() && !Nullable(&prop.get_object()))) o[key] = *def;
      }
    }
    const json::object* additional = SubSchema(*schema, "additionalProperties");
    for (auto& member : o) {
      const json::object* prop = properties != nullptr ? SubSchema(*properties, member.key()) : nullptr;
      if (prop != nullptr) {
        Default(member.value(), prop);
      } else if (additional != nullptr) {
        if (member.value().is_null() && !Nullable(additional) && DefaultOf(additional) != nullptr) {
          member.value() = *DefaultOf(additional);
        }
        Default(member.value(), additional);
      }
    }
  } else if (x.is_array()) {
    const json::object* items = SubSchema(*schema, "items");
    for (auto& item : x.get_array()) {
      if (item.is_null() && items != nullptr && !Nullable(items) && DefaultOf(items) != nullptr) {
        item = *DefaultOf(items);
      }
      Default(item, items);
    }
  }
}

// ---- pruning ----

void Prune(json::value& x, const json::object* schema, bool keep_type_meta) {
  if (schema == nullptr) return;
  if (x.is_object()) {
    json::object& o = x.get_object();
    const json::object* properties = SubSchema(*schema, "properties");
    const json::value* additional = schema->if_contains("additionalProperties");
    const bool preserve = Flag(*schema, "x-kubernetes-preserve-unknown-fields") ||
                          (additional != nullptr && additional->is_bool() && additional->get_bool());
    const bool embedded = Flag(*schema, "x-kubernetes-embedded-resource");
    const bool type_meta = keep_type_meta || embedded;
    for (auto it = o.begin(); it != o.end();) {
      const std::string_view key = it->key();
      if (type_meta && (key == "apiVersion" || key == "kind" || key == "metadata")) {
        // metadata is ObjectMeta, handled by the object-meta code, never by the schema.
        if (key != "metadata") {
          if (const json::object* p = properties != nullptr ? SubSchema(*properties, key) : nullptr) {
            Prune(it->value(), p, false);
          }
        }
        ++it;
        continue;
      }
      if (const json::object* p = properties != nullptr ? SubSchema(*properties, key) : nullptr) {
        Prune(it->value(), p, false);
        ++it;
      } else if (additional != nullptr && additional->is_object()) {
        Prune(it->value(), &additional->get_object(), false);
        ++it;
      } else if (preserve) {
        ++it;
      } else {
        it = o.erase(it);
      }
    }
  } else if (x.is_array()) {
    if (const json::object* items = SubSchema(*schema, "items")) {
      for (auto& item : x.get_array()) Prune(item, items, false);
    }
  }
}

// ---- validation messages ----

// How field.Error renders a bad value: numbers and booleans plainly, strings quoted, anything
// else as JSON.
std::string BadValue(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return GoQuote(v.get_string());
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
    case json::kind::bool_: return GoFormat(v);
    default: return GoJson(v);
  }
}

struct Causes {
  std::vector<StatusCause> list;

  void Add(std::string type, std::string message, std::string field) {
    list.push_back(StatusCause{std::move(type), std::move(message), std::move(field)});
  }
  void Required(const std::string& field) { Add("FieldValueRequired", "Required value", field); }
  void Invalid(const std::string& field, const json::value& value, const std::string& detail) {
    Add("FieldValueInvalid", fmt::format("Invalid value: {}: {}", BadValue(value), detail), field);
  }
  void TypeInvalid(const std::string& field, const json::value& value, const std::string& detail) {
    Add("FieldValueTypeInvalid", fmt::format("Invalid value: {}: {}", BadValue(value), detail), field);
  }
  // kube-openapi reports anyOf/oneOf/allOf/not failures as plain errors, which the apiserver
  // attaches to the (nil) root path.
  void Composite(const std::string& detail) {
    Add("FieldValueInvalid", fmt::format("Invalid value: \"\": {}", detail), "<nil>");
  }
};

std::string_view JsonTypeName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64: return "integer";
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "";
}

bool IsNumber(const json::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }

double AsDouble(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return 0;
}

std::optional<double> NumberAt(const json::object& schema, std::string_view key) {
  const json::value* v = schema.if_contains(key);
  if (v == nullptr || !IsNumber(*v)) return std::nullopt;
  return AsDouble(*v);
}

std::optional<std::int64_t> IntAt(const json::object& schema, std::string_view key) {
  auto d = NumberAt(schema, key);
  if (!d) return std::nullopt;
  return static_cast<std::int64_t>(*d);
}

// A schema bound as kube-openapi prints it: integral data against an integer rendering of
// the bound, floating data against the float rendering.
std::string Bound(const json::value& data, double bound) {
  if (data.is_int64() || data.is_uint64()) return std::to_string(static_cast<std::int64_t>(bound));
  return GoFloat(bound);
}

std::size_t RuneCount(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

const std::regex* CompiledPattern(const std::string& pattern, std::string* error) {
  thread_local std::unordered_map<std::string, std::shared_ptr<std::regex>> cache;
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second.get();
  try {
    auto compiled = std::make_shared<std::regex>(pattern, std::regex::ECMAScript);
    if (cache.size() > 512) cache.clear();
    return cache.emplace(pattern, std::move(compiled)).first->second.get();
  } catch (const std::regex_error& e) {
    *error = e.what();
    return nullptr;
  }
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool ValidFormat(std::string_view format, std::string_view value) {
  if (format == "date-time" || format == "datetime") return common::ParseRfc3339(value).has_value();
  if (format == "date") {
    return value.size() == 10 && value[4] == '-' && value[7] == '-' && IsDigits(value.substr(0, 4)) &&
           IsDigits(value.substr(5, 2)) && IsDigits(value.substr(8, 2));
  }
  if (format == "uuid") {
    static const std::regex kUuid(
        "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$");
    return std::regex_match(value.begin(), value.end(), kUuid);
  }
  if (format == "ipv4") {
    static const std::regex kIpv4(
        "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$");
    return std::regex_match(value.begin(), value.end(), kIpv4);
  }
  if (format == "byte") {
    static const std::regex kBase64("^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$");
    return std::regex_match(value.begin(), value.end(), kBase64);
  }
  return true;  // other formats are accepted leniently
}

void Validate(const json::value& x, const json::object& s, const std::string& path, Causes& out);

std::vector<StatusCause> ValidateAlone(const json::value& x, const json::object& s, const std::string& path) {
  Causes sub;
  Validate(x, s, path, sub);
  return std::move(sub.list);
}

void Append(Causes& out, std::vector<StatusCause> more) {
  for (auto& c : more) out.list.push_back(std::move(c));
}

void ValidateCombinators(const json::value& x, const json::object& s, const std::string& path, Causes& out) {
  const std::string quoted = GoQuote(path);
  if (const json::value* all = s.if_contains("allOf"); all != nullptr && all->is_array()) {
    std::size_t validated = 0;
    std::size_t total = 0;
    for (const auto& sub : all->get_array()) {
      if (!sub.is_object()) continue;
      ++total;
      auto errors = ValidateAlone(x, sub.get_object(), path);
      if (errors.empty()) ++validated;
      Append(out, std::move(errors));
    }
    if (validated != total) {
      out.Composite(fmt::format("{} must validate all the schemas (allOf){}", quoted,
                                validated == 0 ? ". None validated" : ""));
    }
  }
  if (const json::value* any = s.if_contains("anyOf"); any != nullptr && any->is_array()) {
    std::optional<std::vector<StatusCause>> best;
    bool ok = false;
    for (const auto& sub : any->get_array()) {
      if (!sub.is_object()) continue;
      auto errors = ValidateAlone(x, sub.get_object(), path);
      if (errors.empty()) {
        ok = true;
        break;
      }
      if (!best || errors.size() < best->size()) best = std::move(errors);
    }
    if (!ok) {
      out.Composite(fmt::format("{} must validate at least one schema (anyOf)", quoted));
      if (best) Append(out, std::move(*best));
    }
  }
  if (const json::value* one = s.if_contains("oneOf"); one != nullptr && one->is_array()) {
    std::optional<std::vector<StatusCause>> best;
    int validated = 0;
    for (const auto& sub : one->get_array()) {
      if (!sub.is_object()) continue;
      auto errors = ValidateAlone(x, sub.get_object(), path);
      if (errors.empty()) {
        ++validated;
      } else if (validated == 0 && (!best || errors.size() < best->size())) {
        best = std::move(errors);
      }
    }
    if (validated != 1) {
      out.Composite(fmt::format("{} must validate one and only one schema (oneOf). {}", quoted,
                                validated == 0 ? std::string("Found none valid")
                                               : fmt::format("Found {} valid alternatives", validated)));
      if (validated == 0 && best) Append(out, std::move(*best));
    }
  }
  if (const json::object* negated = SubSchema(s, "not")) {
    if (ValidateAlone(x, *negated, path).empty()) {
      out.Composite(fmt::format("{} must not validate the schema (not)", quoted));
    }
  }
}

void ValidateString(const std::string& v, const json::value& x, const json::object& s,
                    const std::string& path, Causes& out) {
  if (auto max = IntAt(s, "maxLength"); max && static_cast<std::int64_t>(RuneCount(v)) > *max) {
    out.Add("FieldValueTooLong",
            fmt::format("Too long: may not be more than {} {}", *max, *max == 1 ? "byte" : "bytes"), path);
    return;
  }
  if (auto min = IntAt(s, "minLength"); min && static_cast<std::int64_t>(RuneCount(v)) < *min) {
    out.Invalid(path, x, fmt::format("{} in body should be at least {} chars long", path, *min));
    return;
  }
  if (const json::value* p = s.if_contains("pattern"); p != nullptr && p->is_string()) {
    const std::string pattern(p->get_string());
    std::string error;
    const std::regex* re = CompiledPattern(pattern, &error);
    if (re == nullptr) {
      out.Invalid(path, x, fmt::format("{} in body should match '{}, but pattern is invalid: {}'", path,
                                       pattern, error));
    } else if (!std::regex_search(v, *re)) {
      out.Invalid(path, x, fmt::format("{} in body should match '{}'", path, pattern));
    }
  }
}

void ValidateNumber(const json::value& x, const json::object& s, const std::string& path, Causes& out) {
  const double data = AsDouble(x);
  if (auto factor = NumberAt(s, "multipleOf"); factor && *factor > 0) {
    const double quotient = data / *factor;
    if (std::fabs(quotient - std::round(quotient)) > 1e-9) {
      out.Invalid(path, x, fmt::format("{} in body should be a multiple of {}", path, Bound(x, *factor)));
    }
  }
  if (auto min = NumberAt(s, "minimum")) {
    const bool exclusive = Flag(s, "exclusiveMinimum");
    if (exclusive ? data <= *min : data < *min) {
      out.Invalid(path, x, fmt::format("{} in body should be greater than {}{}", path,
                                       exclusive ? "" : "or equal to ", Bound(x, *min)));
    }
  }
  if (auto max = NumberAt(s, "maximum")) {
    const bool exclusive = Flag(s, "exclusiveMaximum");
    if (exclusive ? data >= *max : data > *max) {
      out.Invalid(path, x, fmt::format("{} in body should be less than {}{}", path,
                                       exclusive ? "" : "or equal to ", Bound(x, *max)));
    }
  }
}

void ValidateArray(const json::array& list, const json::object& s, const std::string& path, Causes& out) {
  if (const json::object* items = SubSchema(s, "items")) {
    for (std::size_t i = 0; i < list.size(); ++i) Validate(list[i], *items, Index(path, i), out);
  }
  const auto size = static_cast<std::int64_t>(list.size());
  if (auto min = IntAt(s, "minItems"); min && size < *min) {
    out.Invalid(path, json::value(size), fmt::format("{} in body should have at least {} items", path, *min));
  }
  if (auto max = IntAt(s, "maxItems"); max && size > *max) {
    out.Add("FieldValueTooMany",
            fmt::format("Too many: {}: must have at most {} {}", size, *max, *max == 1 ? "item" : "items"), path);
  }
  if (Flag(s, "uniqueItems")) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      for (std::size_t j = i + 1; j < list.size(); ++j) {
        if (JsonEqual(list[i], list[j])) {
          out.Invalid(path, json::value(""), fmt::format("{} in body shouldn't contain duplicates", path));
          return;
        }
      }
    }
  }
}

void ValidateEnum(const json::value& x, const json::object& s, const std::string& path, Causes& out) {
  const json::value* values = s.if_contains("enum");
  if (values == nullptr || !values->is_array() || values->get_array().empty()) return;
  for (const auto& allowed : values->get_array()) {
    if (JsonEqual(allowed, x)) return;
  }
  std::string supported;
  for (const auto& allowed : values->get_array()) {
    if (!supported.empty()) supported += ", ";
    supported += GoQuote(allowed.is_string() ? std::string(allowed.get_string()) : GoJson(allowed));
  }
  out.Add("FieldValueNotSupported",
          fmt::format("Unsupported value: {}: supported values: {}", BadValue(x.is_null() ? json::value("") : x),
                      supported),
          path);
}

void ValidateObject(const json::object& o, const json::object& s, const std::string& path, Causes& out) {
  const auto size = static_cast<std::int64_t>(o.size());
  if (auto min = IntAt(s, "minProperties"); min && size < *min) {
    out.Invalid(path, json::value(size), fmt::format("{} in body should have at least {} properties", path, *min));
  }
  if (auto max = IntAt(s, "maxProperties"); max && size > *max) {
    out.Add("FieldValueTooMany",
            fmt::format("Too many: {}: must have at most {} {}", size, *max, *max == 1 ? "item" : "items"), path);
  }
  const json::object* properties = SubSchema(s, "properties");
  const json::value* additional = s.if_contains("additionalProperties");
  if (additional != nullptr && additional->is_bool() && !additional->get_bool()) {
    for (const auto& member : o) {
      if (properties == nullptr || !properties->contains(member.key())) {
        out.Invalid(path, json::value(member.key()),
                    fmt::format("{}.{} in body is a forbidden property", path, std::string_view(member.key())));
      }
    }
  } else if (additional != nullptr && additional->is_object()) {
    for (const auto& member : o) {
      if (properties == nullptr || !properties->contains(member.key())) {
        Validate(member.value(), additional->get_object(), Child(path, member.key()), out);
      }
    }
  }
  if (properties != nullptr) {
    for (const auto& [key, prop] : *properties) {
      const json::value* v = o.if_contains(key);
      if (v != nullptr && prop.is_object()) Validate(*v, prop.get_object(), Child(path, key), out);
    }
  }
  if (const json::value* required = s.if_contains("required"); required != nullptr && required->is_array()) {
    for (const auto& k : required->get_array()) {
      if (k.is_string() && !o.contains(k.get_string())) out.Required(Child(path, k.get_string()));
    }
  }
}

void Validate(const json::value& x, const json::object& s, const std::string& path, Causes& out) {
  // type
  std::string type(TypeOf(s));
  if (Flag(s, "x-kubernetes-int-or-string")) type = "integer,string";
  if (x.is_null()) {
    if (!type.empty() && !Flag(s, "nullable")) {
      out.TypeInvalid(path, json::value("null"), fmt::format("{} in body must be of type {}: \"null\"", path, type));
    }
    ValidateEnum(x, s, path, out);
    return;
  }
  if (!type.empty()) {
    const std::string_view actual = JsonTypeName(x);
    auto allows = [&](std::string_view t) {
      std::size_t start = 0;
      while (start <= type.size()) {
        const std::size_t comma = type.find(',', start);
        const std::string_view piece =
            std::string_view(type).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (piece == t) return true;
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return false;
    };
    const bool float_int = actual == "number" && allows("integer") && std::trunc(x.get_double()) == x.get_double();
    const bool int_float = actual == "integer" && allows("number");
    if (!allows(actual) && !float_int && !int_float) {
      out.TypeInvalid(path, json::value(actual),
                      fmt::format("{} in body must be of type {}: {}", path, type, GoQuote(actual)));
      return;
    }
  }
  ValidateCombinators(x, s, path, out);
  if (x.is_string()) {
    const std::string v(x.get_string());
    ValidateString(v, x, s, path, out);
    if (const json::value* f = s.if_contains("format"); f != nullptr && f->is_string() && !ValidFormat(f->get_string(), v)) {
      out.TypeInvalid(path, x, fmt::format("{} in body must be of type {}: {}", path,
                                           std::string_view(f->get_string()), GoQuote(v)));
    }
  }
  if (IsNumber(x)) ValidateNumber(x, s, path, out);
  if (x.is_array()) ValidateArray(x.get_array(), s, path, out);
  ValidateEnum(x, s, path, out);
  if (x.is_object()) ValidateObject(x.get_object(), s, path, out);
}

// ---- embedded resources and list types ----

void ValidateEmbedded(const json::value& x, const json::object* s, const std::string& path, Causes& out) {
  if (s == nullptr) return;
  if (x.is_object()) {
    const json::object& o = x.get_object();
    if (Flag(*s, "x-kubernetes-embedded-resource")) {
      for (const char* field : {"apiVersion", "kind"}) {
        const json::value* v = o.if_contains(field);
        const std::string child = Child(path, field);
        if (v == nullptr) {
          out.Required(child);
        } else if (!v->is_string()) {
          out.Invalid(child, *v, "must be a string");
        } else if (v->get_string().empty()) {
          out.Invalid(child, *v, "must not be empty");
        }
      }
    }
    for (const auto& member : o) {
      if (member.key() == "metadata" && path.empty()) continue;
      ValidateEmbedded(member.value(), MemberSchema(s, member.key()), Child(path, member.key()), out);
    }
  } else if (x.is_array()) {
    const json::object* items = SubSchema(*s, "items");
    const json::array& list = x.get_array();
    for (std::size_t i = 0; i < list.size(); ++i) ValidateEmbedded(list[i], items, Index(path, i), out);
  }
}

void ValidateListTypes(const json::value& x, const json::object* s, const std::string& path, Causes& out) {
  if (s == nullptr) return;
  if (x.is_object()) {
    for (const auto& member : x.get_object()) {
      ValidateListTypes(member.value(), MemberSchema(s, member.key()), Child(path, member.key()), out);
    }
    return;
  }
  if (!x.is_array()) return;
  const json::array& list = x.get_array();
  const json::value* list_type = s->if_contains("x-kubernetes-list-type");
  if (list_type != nullptr && list_type->is_string()) {
    // The key of each item: the item itself for a set; the object of its map keys for a map.
    std::vector<json::value> keys;
    bool is_map = list_type->get_string() == "map";
    bool usable = list_type->get_string() == "set" || is_map;
    if (is_map) {
      std::vector<std::string> map_keys;
      if (const json::value* mk = s->if_contains("x-kubernetes-list-map-keys"); mk != nullptr && mk->is_array()) {
        for (const auto& k : mk->get_array()) {
          if (k.is_string()) map_keys.emplace_back(k.get_string());
        }
      }
      for (std::size_t i = 0; i < list.size() && usable; ++i) {
        if (!list[i].is_null() && !list[i].is_object()) {
          out.Invalid(Index(path, i), list[i], "must be an object for an array of list-type map");
          usable = false;
          break;
        }
        json::object key;
        if (list[i].is_object()) {
          for (const auto& k : map_keys) {
            if (const json::value* v = list[i].get_object().if_contains(k)) key[k] = *v;
          }
        }
        keys.emplace_back(std::move(key));
      }
    } else if (usable) {
      keys.assign(list.begin(), list.end());
    }
    if (usable) {
      for (std::size_t i = 1; i < keys.size(); ++i) {
        std::size_t earlier = 0;
        for (std::size_t j = 0; j < i; ++j) {
          if (JsonEqual(keys[i], keys[j])) ++earlier;
        }
        // Only the second appearance of a value is reported, as the apiserver does.
        if (earlier == 1) {
          out.Add("FieldValueDuplicate", fmt::format("Duplicate value: {}", BadValue(keys[i])), Index(path, i));
        }
      }
    }
  }
  const json::object* items = SubSchema(*s, "items");
  for (std::size_t i = 0; i < list.size(); ++i) ValidateListTypes(list[i], items, Index(path, i), out);
}

// ---- structural check of the schema itself ----

enum class Level { kRoot, kItem, kField };

void CheckStructural(const json::object& s, Level level, const std::string& path, Causes& out) {
  const std::string_view type = TypeOf(s);
  const bool int_or_string = Flag(s, "x-kubernetes-int-or-string");
  const bool preserve = Flag(s, "x-kubernetes-preserve-unknown-fields");
  const bool embedded = Flag(s, "x-kubernetes-embedded-resource");

  if (s.contains("type") && !type.empty()) {
    static const char* kTypes[] = {"array", "boolean", "integer", "number", "object", "string"};
    if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) {
      out.Add("FieldValueNotSupported",
              fmt::format("Unsupported value: {}: supported values: \"array\", \"boolean\", \"integer\", "
                          "\"number\", \"object\", \"string\"",
                          GoQuote(type)),
              path + ".type");
    }
  }
  if (type == "array" && SubSchema(s, "items") == nullptr) {
    out.Add("FieldValueRequired", "Required value: must be specified", path + ".items");
  }
  if (const json::object* items = SubSchema(s, "items")) CheckStructural(*items, Level::kItem, path + ".items", out);
  if (const json::object* properties = SubSchema(s, "properties")) {
    for (const auto& [key, prop] : *properties) {
      if (!prop.is_object()) continue;
      const std::string child = fmt::format("{}.properties[{}]", path, std::string_view(key));
      if (key == "metadata" && (level == Level::kRoot || embedded)) {
        const json::object& meta = prop.get_object();
        if (!TypeOf(meta).empty() && TypeOf(meta) != "object") {
          out.Invalid(child + ".type", json::value(TypeOf(meta)), "must be object");
        }
        if (level == Level::kRoot) {
          bool only_names = true;
          for (const auto& [mk, mv] : meta) {
            if (mk == "type") continue;
            if (mk == "properties" && mv.is_object()) {
              for (const auto& [pk, pv] : mv.get_object()) {
                (void)pv;
                if (pk != "name" && pk != "generateName") only_names = false;
              }
              continue;
            }
            only_names = false;
          }
          if (!only_names) {
            out.Add("FieldValueForbidden",
                    "Forbidden: must not specify anything other than name and generateName, but metadata is "
                    "implicitly specified",
                    child);
          }
          continue;
        }
      }
      CheckStructural(prop.get_object(), Level::kField, child, out);
    }
  }
  if (const json::value* additional = s.if_contains("additionalProperties")) {
    if (level == Level::kRoot) {
      out.Add("FieldValueForbidden", "Forbidden: must not be used at the root", path + ".additionalProperties");
    }
    if (embedded) {
      out.Add("FieldValueForbidden", "Forbidden: must not be used if x-kubernetes-embedded-resource is set",
              path + ".additionalProperties");
    }
    if (additional->is_object()) {
      CheckStructural(additional->get_object(), Level::kField, path + ".additionalProperties", out);
    }
  }
  if (embedded && type != "object") {
    if (type.empty()) {
      out.Add("FieldValueRequired", "Required value: must be object if x-kubernetes-embedded-resource is true",
              path + ".type");
    } else {
      out.Invalid(path + ".type", json::value(type), "must be object if x-kubernetes-embedded-resource is true");
    }
  } else if (type.empty() && !int_or_string && !preserve) {
    const char* detail = level == Level::kRoot   ? "must not be empty at the root"
                         : level == Level::kItem ? "must not be empty for specified array items"
                                                 : "must not be empty for specified object fields";
    out.Add("FieldValueRequired", fmt::format("Required value: {}", detail), path + ".type");
  }
  if (level == Level::kRoot && !type.empty() && type != "object") {
    out.Invalid(path + ".type", json::value(type), "must be object at the root");
  }
  if (int_or_string && preserve) {
    out.Invalid(path + ".x-kubernetes-preserve-unknown-fields", json::value(true),
                "must be false if x-kubernetes-int-or-string is true");
  }
  if (int_or_string && embedded) {
    out.Invalid(path + ".x-kubernetes-embedded-resource", json::value(true),
                "must be false if x-kubernetes-int-or-string is true");
  }
  if (embedded && !preserve && SubSchema(s, "properties") == nullptr) {
    out.Add("FieldValueRequired",
            "Required value: must not be empty if x-kubernetes-embedded-resource is true without "
            "x-kubernetes-preserve-unknown-fields",
            path + ".properties");
  }
  if (const json::value* p = s.if_contains("pattern"); p != nullptr && p->is_string()) {
    std::string error;
    if (CompiledPattern(std::string(p->get_string()), &error) == nullptr) {
      out.Invalid(path + ".pattern", *p, fmt::format("must be a valid regular expression, but isn't: {}", error));
    }
  }
}

}  // namespace

void ApplySchemaDefaults(boost::json::object& object, const boost::json::object& schema) {
  json::value root(std::move(object));
  PruneNulls(root, &schema);
  Default(root, &schema);
  object = std::move(root.get_object());
}

void PruneUnknownFields(boost::json::object& object, const boost::json::object& schema) {
  json::value root(std::move(object));
  Prune(root, &schema, /*keep_type_meta=*/true);
  object = std::move(root.get_object());
}

std::vector<StatusCause> ValidateCustomObject(const boost::json::object& object,
                                              const boost::json::object& schema) {
  Causes out;
  const json::value root(object);
  // The root's metadata only meets the schema's name/generateName restrictions (a structural
  // schema may not say more about it); the rest is ObjectMeta, validated elsewhere.
  Validate(root, schema, "", out);
  ValidateEmbedded(root, &schema, "", out);
  ValidateListTypes(root, &schema, "", out);
  return std::move(out.list);
}

std::vector<StatusCause> NormalizeCustomObject(boost::json::object& object, const boost::json::object& schema) {
  ApplySchemaDefaults(object, schema);
  PruneUnknownFields(object, schema);
  return ValidateCustomObject(object, schema);
}

std::vector<StatusCause> ValidateStructuralSchema(const boost::json::object& schema, std::string_view field_path) {
  Causes out;
  CheckStructural(schema, Level::kRoot, std::string(field_path), out);
  std::sort(out.list.begin(), out.list.end(), [](const StatusCause& a, const StatusCause& b) {
    return fmt::format("{}: {}", a.field, a.message) < fmt::format("{}: {}", b.field, b.message);
  });
  return std::move(out.list);
}

}  // namespace airunway::kubesim
