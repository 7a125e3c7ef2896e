#include "kubesim/sim_faults.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <regex>

#include "kubesim/sim_objects.h"

namespace airunway::kubesim {
namespace {

namespace json = boost::json;

bool AnyGlob(const std::vector<std::string>& patterns, std::string_view text) {
  if (patterns.empty()) return true;
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return simjson::GlobMatch(p, text); });
}

// RBAC's resource matching: "*" covers everything, "pods" only the main resource,
// "pods/log" one subresource, "*/status" and "pods/*" a wildcard on either side.
bool ResourceMatches(const std::string& pattern, std::string_view resource, std::string_view subresource) {
  if (pattern == "*") return true;
  auto slash = pattern.find('/');
  if (slash == std::string::npos) return subresource.empty() && pattern == resource;
  std::string_view want_resource = std::string_view(pattern).substr(0, slash);
  std::string_view want_sub = std::string_view(pattern).substr(slash + 1);
  if (subresource.empty()) return false;
  return (want_resource == "*" || want_resource == resource) && (want_sub == "*" || want_sub == subresource);
}

std::optional<std::int64_t> ParseRv(std::string_view text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// ---- reading the scenario value, with the key path in every error ----

struct RuleReader {
  std::string path;
  std::optional<common::Error> error;

  void Fail(std::string_view key, std::string_view what) {
    if (!error) error = common::MakeError(common::ErrorCode::kInvalid, fmt::format("{}{}: {}", path, key, what));
  }
  std::vector<std::string> Strings(const json::object& o, std::string_view key) {
    std::vector<std::string> out;
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return out;
    if (v->is_string()) {
      out.emplace_back(v->get_string());
      return out;
    }
    if (!v->is_array()) {
      Fail(key, "expected a list of strings");
      return out;
    }
    for (const json::value& item : v->get_array()) {
      if (!item.is_string()) {
        Fail(key, "expected a list of strings");
        return {};
      }
      out.emplace_back(item.get_string());
    }
    return out;
  }
  std::int64_t Integer(const json::object& o, std::string_view key, std::int64_t fallback) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return fallback;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
    Fail(key, "expected an integer");
    return fallback;
  }
  double Fraction(const json::object& o, std::string_view key, double fallback) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return fallback;
    double d = fallback;
    if (v->is_double()) {
      d = v->get_double();
    } else if (v->is_int64()) {
      d = static_cast<double>(v->get_int64());
    } else {
      Fail(key, "expected a number between 0 and 1");
      return fallback;
    }
    if (d < 0 || d > 1) Fail(key, "expected a number between 0 and 1");
    return d;
  }
  std::string Text(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return {};
    if (v->is_string()) return std::string(v->get_string());
    Fail(key, "expected a string");
    return {};
  }
  std::chrono::milliseconds Duration(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) return std::chrono::milliseconds(0);
    if (v->is_int64() && v->get_int64() >= 0) return std::chrono::milliseconds(v->get_int64());
    if (v->is_string()) {
      static const std::regex kDuration("([0-9]+(\\.[0-9]+)?)(ms|s|m|h)");
      std::smatch m;
      std::string text(v->get_string());
      if (std::regex_match(text, m, kDuration)) {
        double n = std::stod(m[1].str());
        double scale = m[3] == "ms" ? 1 : m[3] == "s" ? 1000 : m[3] == "m" ? 60000 : 3600000;
        return std::chrono::milliseconds(static_cast<std::int64_t>(n * scale));
      }
    }
    Fail(key, "expected a duration (milliseconds, or e.g. \"250ms\", \"2s\", \"1m\")");
    return std::chrono::milliseconds(0);
  }
};

constexpr std::string_view kRuleKeys[] = {"verbs",  "apiGroups", "resources",  "namespaces",
                                          "names",  "latency",   "status",     "message",
                                          "every",  "errorRate", "retryAfter", "dropWatchAfter",
                                          "expireWatchAfter"};

common::Result<FaultRule> RuleFromJson(const json::value& value, const std::string& path) {
  RuleReader r{path, {}};
  if (!value.is_object()) {
    return common::MakeError(common::ErrorCode::kInvalid, fmt::format("{}: expected a mapping", path.substr(0, path.size() - 1)));
  }
  const json::object& o = value.get_object();
  for (const auto& [key, _] : o) {
    if (std::find(std::begin(kRuleKeys), std::end(kRuleKeys), std::string_view(key)) == std::end(kRuleKeys)) {
      // A typo ("namespace:") must not silently widen a rule to every request.
      r.Fail(key, "unknown key");
    }
  }
  FaultRule rule;
  rule.verbs = r.Strings(o, "verbs");
  rule.api_groups = r.Strings(o, "apiGroups");
  rule.resources = r.Strings(o, "resources");
  rule.namespaces = r.Strings(o, "namespaces");
  rule.names = r.Strings(o, "names");
  rule.latency = r.Duration(o, "latency");
  rule.status = static_cast<int>(r.Integer(o, "status", 0));
  if (rule.status != 0 && (rule.status < 400 || rule.status > 599)) {
    r.Fail("status", "expected an HTTP error code (400-599)");
  }
  rule.message = r.Text(o, "message");
  rule.every = static_cast<int>(r.Integer(o, "every", 0));
  if (rule.every < 0) r.Fail("every", "must not be negative");
  rule.error_rate = r.Fraction(o, "errorRate", 1.0);
  rule.retry_after_seconds = static_cast<int>(r.Integer(o, "retryAfter", 0));
  if (rule.retry_after_seconds < 0) r.Fail("retryAfter", "must not be negative");
  rule.drop_watch_after = r.Duration(o, "dropWatchAfter");
  rule.expire_watch_after = r.Duration(o, "expireWatchAfter");
  if (r.error) return *r.error;
  return rule;
}

std::string DefaultReason(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Expired";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return code >= 500 ? "InternalError" : "BadRequest";
  }
}

}  // namespace

bool FaultRuleMatches(const FaultRule& rule, const FaultRequest& request) {
  auto listed = [](const std::vector<std::string>& values, std::string_view value) {
    return values.empty() || std::any_of(values.begin(), values.end(),
                                         [&](const std::string& v) { return v == "*" || v == value; });
  };
  if (!listed(rule.verbs, request.verb) || !listed(rule.api_groups, request.api_group)) return false;
  if (!rule.resources.empty() &&
      std::none_of(rule.resources.begin(), rule.resources.end(), [&](const std::string& pattern) {
        return ResourceMatches(pattern, request.resource, request.subresource);
      })) {
    return false;
  }
  return AnyGlob(rule.namespaces, request.namespace_name) && AnyGlob(rule.names, request.name);
}

ApiStatus FaultStatus(const FaultRule& rule, const FaultRequest& request) {
  ApiStatus status;
  status.code = rule.status;
  status.reason = DefaultReason(rule.status);
  status.retry_after_seconds = rule.retry_after_seconds;
  std::string qualified = QualifiedResource(request.resource, request.api_group);
  switch (rule.status) {
    case 409:
      status = ConflictStale(request.resource, request.api_group, request.name);
      if (request.name.empty()) {
        status.message = fmt::format("Operation cannot be fulfilled on {}: the object has been modified; please "
                                     "apply your changes to the latest version and try again",
                                     qualified);
      }
      break;
    case 429:
      // The apiserver's max-in-flight / priority-and-fairness answer.
      status.message = "Too many requests, please try again later.";
      if (status.retry_after_seconds == 0) status.retry_after_seconds = 1;
      break;
    case 500:
      status.message = "Internal error occurred: an error on the server has prevented the request from succeeding";
      break;
    case 503:
      status.message = "the server is currently unable to handle the request";
      break;
    case 504:
      status.message = "the server was unable to return a response in the time allotted, but may still be "
                       "processing the request";
      break;
    default:
      status.message = fmt::format("the server rejected the request for {} (simulated fault)", qualified);
  }
  if (!rule.message.empty()) status.message = rule.message;
  if (status.name.empty()) status.name = request.name;
  if (status.kind.empty()) status.kind = request.resource;
  if (status.group.empty()) status.group = request.api_group;
  return status;
}

common::Result<FaultRules> FaultRulesFromJson(const json::value& value) {
  FaultRules out;
  const json::array* rules = nullptr;
  std::string prefix = "apiFaults";
  if (value.is_null()) return out;
  if (value.is_array()) {
    rules = &value.get_array();
  } else if (value.is_object()) {
    const json::object& o = value.get_object();
    for (const auto& [key, _] : o) {
      if (key != "seed" && key != "rules") {
        return common::MakeError(common::ErrorCode::kInvalid,
                                 fmt::format("apiFaults.{}: unknown key (expected seed, rules)", std::string_view(key)));
      }
    }
    if (const json::value* seed = o.if_contains("seed")) {
      if (!seed->is_int64() || seed->get_int64() < 0) {
        return common::MakeError(common::ErrorCode::kInvalid, "apiFaults.seed: expected a non-negative integer");
      }
      out.seed = static_cast<std::uint64_t>(seed->get_int64());
    }
    if (const json::value* list = o.if_contains("rules"); list != nullptr && !list->is_null()) {
      if (!list->is_array()) return common::MakeError(common::ErrorCode::kInvalid, "apiFaults.rules: expected a list");
      rules = &list->get_array();
    }
    prefix = "apiFaults.rules";
  } else {
    return common::MakeError(common::ErrorCode::kInvalid, "apiFaults: expected a list of rules or {seed, rules}");
  }
  if (rules != nullptr) {
    for (std::size_t i = 0; i < rules->size(); ++i) {
      auto rule = RuleFromJson((*rules)[i], fmt::format("{}[{}].", prefix, i));
      if (!rule) return rule.error();
      out.rules.push_back(std::move(*rule));
    }
  }
  return out;
}

void FaultInjector::SetRules(FaultRules rules) {
  std::lock_guard lock(mutex_);
  hits_.assign(rules.rules.size(), 0);
  rng_.seed(rules.seed);
  active_.store(!rules.rules.empty(), std::memory_order_release);
  rules_ = std::move(rules);
}

FaultRules FaultInjector::rules() const {
  std::lock_guard lock(mutex_);
  return rules_;
}

FaultDecision FaultInjector::Decide(const FaultRequest& request) {
  FaultDecision decision;
  if (!Active()) return decision;
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < rules_.rules.size(); ++i) {
    const FaultRule& rule = rules_.rules[i];
    if (!FaultRuleMatches(rule, request)) continue;
    std::uint64_t hit = ++hits_[i];
    decision.latency = std::max(decision.latency, rule.latency);
    if (rule.status == 0 || decision.error) continue;
    bool fails = false;
    if (rule.every > 0) {
      fails = hit % static_cast<std::uint64_t>(rule.every) == 0;
    } else if (rule.error_rate >= 1.0) {
      fails = true;
    } else if (rule.error_rate > 0) {
      fails = std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < rule.error_rate;
    }
    if (fails) decision.error = FaultStatus(rule, request);
  }
  return decision;
}

WatchFaults FaultInjector::WatchLimits(const FaultRequest& request) const {
  WatchFaults limits;
  if (!Active()) return limits;
  auto shorter = [](std::chrono::milliseconds current, std::chrono::milliseconds next) {
    if (next.count() <= 0) return current;
    return current.count() <= 0 ? next : std::min(current, next);
  };
  std::lock_guard lock(mutex_);
  for (const FaultRule& rule : rules_.rules) {
    if (!FaultRuleMatches(rule, request)) continue;
    limits.drop_after = shorter(limits.drop_after, rule.drop_watch_after);
    limits.expire_after = shorter(limits.expire_after, rule.expire_watch_after);
  }
  return limits;
}

std::optional<ApiStatus> FaultInjector::CheckWatchResume(std::string_view resource_version,
                                                         std::string_view current_resource_version) const {
  if (resource_version.empty() || resource_version == "0") return std::nullopt;
  auto rv = ParseRv(resource_version);
  std::lock_guard lock(mutex_);
  if (!rv || *rv >= compacted_) return std::nullopt;
  return Gone(fmt::format("too old resource version: {} ({})", resource_version, current_resource_version));
}

void FaultInjector::MarkCompacted(std::string_view current_resource_version) {
  auto rv = ParseRv(current_resource_version);
  if (!rv) return;
  std::lock_guard lock(mutex_);
  compacted_ = std::max(compacted_, *rv);
}

}  // namespace airunway::kubesim
