#include "kubesim/table.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "common/json.h"
#include "common/time.h"
#include "kubesim/discovery.h"

namespace airunway::kubesim {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

// ---------------------------------------------------------------------------------------------
// Negotiation

ApiResult<IncludeObject> ParseIncludeObject(std::string_view value) {
  if (value.empty() || value == "Metadata") return IncludeObject::kMetadata;
  if (value == "None") return IncludeObject::kNone;
  if (value == "Object") return IncludeObject::kObject;
  return BadRequest(fmt::format(
      "Unsupported value: \"{}\": supported values: \"Metadata\", \"None\", \"Object\"", value));
}

std::optional<TableFormat> NegotiateTable(std::string_view accept) {
  for (const MediaRange& r : ParseAccept(accept)) {
    if (r.type == "application/json" && r.Param("as") == "Table" && r.Param("g") == "meta.k8s.io") {
      if (r.Param("v") == "v1") {
        return TableFormat{"meta.k8s.io/v1", "application/json;as=Table;v=v1;g=meta.k8s.io"};
      }
      if (r.Param("v") == "v1beta1") {
        return TableFormat{"meta.k8s.io/v1beta1",
                           "application/json;as=Table;v=v1beta1;g=meta.k8s.io"};
      }
      continue;
    }
    if (AcceptsPlainJson(r)) return std::nullopt;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Durations

std::string HumanDuration(Clock::duration d) {
  using std::chrono::duration_cast;
  auto seconds = duration_cast<std::chrono::seconds>(d).count();
  // Clocks of different machines disagree a little: up to two seconds in the future is "now".
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return fmt::format("{}s", seconds);
  auto minutes = seconds / 60;
  if (minutes < 10) {
    auto s = seconds % 60;
    return s == 0 ? fmt::format("{}m", minutes) : fmt::format("{}m{}s", minutes, s);
  }
  if (minutes < 60 * 3) return fmt::format("{}m", minutes);
  auto hours = minutes / 60;
  if (hours < 8) {
    auto m = minutes % 60;
    return m == 0 ? fmt::format("{}h", hours) : fmt::format("{}h{}m", hours, m);
  }
  if (hours < 48) return fmt::format("{}h", hours);
  if (hours < 24 * 8) {
    auto h = hours % 24;
    return h == 0 ? fmt::format("{}d", hours / 24) : fmt::format("{}d{}h", hours / 24, h);
  }
  if (hours < 24 * 365 * 2) return fmt::format("{}d", hours / 24);
  if (hours < 24 * 365 * 8) {
    auto days = (hours / 24) % 365;
    return days == 0 ? fmt::format("{}y", hours / 24 / 365)
                     : fmt::format("{}y{}d", hours / 24 / 365, days);
  }
  return fmt::format("{}y", hours / 24 / 365);
}

std::string AgeSince(std::string_view timestamp, Clock::time_point now) {
  if (timestamp.empty()) return "<unknown>";
  auto t = common::ParseRfc3339(timestamp);
  if (!t) return "<invalid>";
  return HumanDuration(now - *t);
}

// ---------------------------------------------------------------------------------------------
// JSONPath subset

namespace {

using Nodes = std::vector<const json::value*>;

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool Done() const { return i >= s.size(); }
  char Peek() const { return Done() ? '\0' : s[i]; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i;
    return true;
  }
  void SkipSpace() {
    while (!Done() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
};

// A field name after '.', with "\." escaping a dot inside a key. Inside a filter the name
// also ends at an operator, a closing parenthesis or a space.
std::string ReadName(Cursor& c, bool in_filter = false) {
  std::string out;
  while (!c.Done()) {
    char ch = c.Peek();
    if (ch == '\\' && c.i + 1 < c.s.size()) {
      out += c.s[c.i + 1];
      c.i += 2;
      continue;
    }
    if (ch == '.' || ch == '[') break;
    if (in_filter && (ch == '=' || ch == '!' || ch == '<' || ch == '>' || ch == ')' ||
                      std::isspace(static_cast<unsigned char>(ch)))) {
      break;
    }
    out += ch;
    ++c.i;
  }
  return out;
}

std::optional<std::string> ReadQuoted(Cursor& c) {
  char q = c.Peek();
  if (q != '\'' && q != '"') return std::nullopt;
  ++c.i;
  std::string out;
  while (!c.Done() && c.Peek() != q) {
    if (c.Peek() == '\\' && c.i + 1 < c.s.size()) ++c.i;
    out += c.s[c.i++];
  }
  if (!c.Eat(q)) return std::nullopt;
  return out;
}

void Children(const json::value& v, Nodes& out) {
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) out.push_back(&kv.value());
  } else if (v.is_array()) {
    for (const auto& e : v.get_array()) out.push_back(&e);
  }
}

// Follows a relative path of plain names ("@.a.b") from `v`.
const json::value* FollowNames(const json::value& v, const std::vector<std::string>& names) {
  const json::value* cur = &v;
  for (const auto& n : names) {
    if (!cur->is_object()) return nullptr;
    cur = cur->get_object().if_contains(n);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

bool LiteralEquals(const json::value& v, std::string_view literal, bool quoted) {
  if (quoted) return v.is_string() && v.get_string() == literal;
  if (literal == "true") return v.is_bool() && v.get_bool();
  if (literal == "false") return v.is_bool() && !v.get_bool();
  if (literal == "null") return v.is_null();
  char* end = nullptr;
  std::string text(literal);
  double d = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') return false;
  if (v.is_int64()) return static_cast<double>(v.get_int64()) == d;
  if (v.is_uint64()) return static_cast<double>(v.get_uint64()) == d;
  if (v.is_double()) return v.get_double() == d;
  return false;
}

// Parses and applies "[...]" at the cursor (the '[' already consumed).
std::optional<Nodes> ApplyBracket(Cursor& c, const Nodes& in) {
  c.SkipSpace();
  Nodes out;
  if (c.Eat('*')) {
    c.SkipSpace();
    if (!c.Eat(']')) return std::nullopt;
    for (const auto* v : in) Children(*v, out);
    return out;
  }
  if (c.Peek() == '\'' || c.Peek() == '"') {
    auto key = ReadQuoted(c);
    c.SkipSpace();
    if (!key || !c.Eat(']')) return std::nullopt;
    for (const auto* v : in) {
      if (v->is_object()) {
        if (const auto* f = v->get_object().if_contains(*key)) out.push_back(f);
      }
    }
    return out;
  }
  if (c.Eat('?')) {
    if (!c.Eat('(')) return std::nullopt;
    c.SkipSpace();
    if (!c.Eat('@')) return std::nullopt;
    std::vector<std::string> names;
    while (c.Eat('.')) names.push_back(ReadName(c, true));
    c.SkipSpace();
    std::string op;
    while (!c.Done() && (c.Peek() == '=' || c.Peek() == '!' || c.Peek() == '<' || c.Peek() == '>')) {
      op += c.s[c.i++];
    }
    c.SkipSpace();
    std::string literal;
    bool quoted = false;
    if (!op.empty()) {
      if (auto q = ReadQuoted(c)) {
        literal = *q;
        quoted = true;
      } else {
        while (!c.Done() && c.Peek() != ')' && !std::isspace(static_cast<unsigned char>(c.Peek()))) {
          literal += c.s[c.i++];
        }
      }
      c.SkipSpace();
    }
    if (!c.Eat(')')) return std::nullopt;
    c.SkipSpace();
    if (!c.Eat(']')) return std::nullopt;
    if (!op.empty() && op != "==" && op != "!=") return std::nullopt;
    Nodes candidates;
    for (const auto* v : in) Children(*v, candidates);
    for (const auto* cand : candidates) {
      const json::value* field = FollowNames(*cand, names);
      bool keep = false;
      if (op.empty()) {
        keep = field != nullptr;
      } else if (field != nullptr) {
        bool eq = LiteralEquals(*field, literal, quoted);
        keep = op == "==" ? eq : !eq;
      }
      if (keep) out.push_back(cand);
    }
    return out;
  }
  // Index or slice start.
  std::string number;
  if (c.Peek() == '-') number += c.s[c.i++];
  while (!c.Done() && std::isdigit(static_cast<unsigned char>(c.Peek()))) number += c.s[c.i++];
  c.SkipSpace();
  if (number.empty() || number == "-" || !c.Eat(']')) return std::nullopt;
  long index = std::strtol(number.c_str(), nullptr, 10);
  for (const auto* v : in) {
    if (!v->is_array()) continue;
    const auto& a = v->get_array();
    long n = static_cast<long>(a.size());
    long at = index < 0 ? n + index : index;
    if (at >= 0 && at < n) out.push_back(&a[static_cast<std::size_t>(at)]);
  }
  return out;
}

}  // namespace

std::optional<json::value> EvaluateJsonPath(const json::value& root, std::string_view expression) {
  std::string_view e = expression;
  while (!e.empty() && std::isspace(static_cast<unsigned char>(e.front()))) e.remove_prefix(1);
  while (!e.empty() && std::isspace(static_cast<unsigned char>(e.back()))) e.remove_suffix(1);
  if (e.size() >= 2 && e.front() == '{' && e.back() == '}') e = e.substr(1, e.size() - 2);
  Cursor c{e};
  c.Eat('$');
  Nodes nodes{&root};
  while (!c.Done()) {
    if (c.Eat('.')) {
      if (c.Eat('*')) {
        Nodes next;
        for (const auto* v : nodes) Children(*v, next);
        nodes = std::move(next);
        continue;
      }
      if (c.Peek() == '[') continue;
      std::string name = ReadName(c);
      if (name.empty()) return std::nullopt;
      Nodes next;
      for (const auto* v : nodes) {
        if (v->is_object()) {
          if (const auto* f = v->get_object().if_contains(name)) next.push_back(f);
        }
      }
      nodes = std::move(next);
    } else if (c.Eat('[')) {
      auto next = ApplyBracket(c, nodes);
      if (!next) return std::nullopt;
      nodes = std::move(*next);
    } else {
      return std::nullopt;
    }
  }
  if (nodes.empty()) return std::nullopt;
  return *nodes.front();
}

// ---------------------------------------------------------------------------------------------
// Helpers for built-in printers

namespace {

const json::object& EmptyObject() {
  static const json::object kEmpty;
  return kEmpty;
}
const json::array& EmptyArray() {
  static const json::array kEmpty;
  return kEmpty;
}

const json::object& Obj(const json::object& o, std::string_view key) {
  const json::object* p = common::GetObject(o, key);
  return p != nullptr ? *p : EmptyObject();
}
const json::array& Arr(const json::object& o, std::string_view key) {
  const json::array* p = common::GetArray(o, key);
  return p != nullptr ? *p : EmptyArray();
}
std::string Str(const json::object& o, std::string_view key) {
  return std::string(common::GetString(o, key).value_or(""));
}
std::int64_t Int(const json::object& o, std::string_view key, std::int64_t fallback = 0) {
  const json::value* v = common::Find(o, key);
  if (v == nullptr) return fallback;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  return fallback;
}
std::string OrNone(std::string s) { return s.empty() ? "<none>" : s; }

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

std::string Name(const json::object& obj) { return Str(Obj(obj, "metadata"), "name"); }
std::string Age(const json::object& obj, Clock::time_point now) {
  return AgeSince(Str(Obj(obj, "metadata"), "creationTimestamp"), now);
}

// "a=b,c=d" of a string map (sorted), or "<none>".
std::string FormatLabels(const json::object& m) {
  std::vector<std::string> parts;
  for (const auto& kv : m) {
    parts.push_back(fmt::format("{}={}", std::string_view(kv.key()),
                                kv.value().is_string() ? std::string_view(kv.value().get_string())
                                                       : std::string_view()));
  }
  std::sort(parts.begin(), parts.end());
  return parts.empty() ? "<none>" : Join(parts, ",");
}

// A metav1.LabelSelector as a selector string, or "<none>" when it selects everything.
std::string FormatSelector(const json::object& sel) {
  std::vector<std::string> parts;
  for (const auto& kv : Obj(sel, "matchLabels")) {
    parts.push_back(fmt::format("{}={}", std::string_view(kv.key()),
                                kv.value().is_string() ? std::string_view(kv.value().get_string())
                                                       : std::string_view()));
  }
  for (const auto& e : Arr(sel, "matchExpressions")) {
    if (!e.is_object()) continue;
    const auto& eo = e.get_object();
    std::string key = Str(eo, "key");
    std::string op = Str(eo, "operator");
    std::vector<std::string> values;
    for (const auto& v : Arr(eo, "values")) {
      if (v.is_string()) values.emplace_back(v.get_string());
    }
    std::sort(values.begin(), values.end());
    if (op == "In") parts.push_back(fmt::format("{} in ({})", key, Join(values, ",")));
    if (op == "NotIn") parts.push_back(fmt::format("{} notin ({})", key, Join(values, ",")));
    if (op == "Exists") parts.push_back(key);
    if (op == "DoesNotExist") parts.push_back("!" + key);
  }
  std::sort(parts.begin(), parts.end());
  return parts.empty() ? "<none>" : Join(parts, ",");
}

// CONTAINERS and IMAGES of a pod template spec.
std::pair<std::string, std::string> ContainersAndImages(const json::object& pod_spec) {
  std::vector<std::string> names;
  std::vector<std::string> images;
  for (const auto& c : Arr(pod_spec, "containers")) {
    if (!c.is_object()) continue;
    names.push_back(Str(c.get_object(), "name"));
    images.push_back(Str(c.get_object(), "image"));
  }
  return {Join(names, ","), Join(images, ",")};
}

const json::object& TemplateSpec(const json::object& obj) {
  return Obj(Obj(Obj(obj, "spec"), "template"), "spec");
}

bool HasCondition(const json::object& status, std::string_view type) {
  for (const auto& c : Arr(status, "conditions")) {
    if (!c.is_object()) continue;
    if (Str(c.get_object(), "type") == type && Str(c.get_object(), "status") == "True") return true;
  }
  return false;
}

struct Column {
  const char* name;
  const char* type;
  const char* format;
  const char* description;
  int priority;
};

using CellFn = std::function<json::array(const json::object&, Clock::time_point)>;

struct Printer {
  std::vector<Column> columns;
  CellFn cells;
};

constexpr const char* kNameDoc =
    "Name must be unique within a namespace. Is required when creating resources.";
constexpr const char* kAgeDoc =
    "CreationTimestamp is a timestamp representing the server time when this object was created.";

Column NameColumn() { return {"Name", "string", "name", kNameDoc, 0}; }
Column AgeColumn() { return {"Age", "string", "", kAgeDoc, 0}; }

// ---- pods -------------------------------------------------------------------------------------

json::array PodCells(const json::object& pod, Clock::time_point now) {
  const json::object& spec = Obj(pod, "spec");
  const json::object& status = Obj(pod, "status");
  const json::object& meta = Obj(pod, "metadata");
  std::int64_t restarts = 0;
  std::int64_t ready = 0;
  std::int64_t total = static_cast<std::int64_t>(Arr(spec, "containers").size());
  // A time plus a flag rather than std::optional: GCC 12 at -O2 reports the optional's
  // payload as maybe-uninitialized here (a false positive that -Werror turns fatal).
  Clock::time_point last_restart{};
  bool has_last_restart = false;
  std::string reason = Str(status, "phase");
  if (!Str(status, "reason").empty()) reason = Str(status, "reason");
  for (const auto& c : Arr(status, "conditions")) {
    if (c.is_object() && Str(c.get_object(), "type") == "PodScheduled" &&
        Str(c.get_object(), "reason") == "SchedulingGated") {
      reason = "SchedulingGated";
    }
  }
  auto note_restart = [&](const json::object& cs) {
    restarts += Int(cs, "restartCount");
    std::string finished = Str(Obj(Obj(cs, "lastState"), "terminated"), "finishedAt");
    if (auto t = common::ParseRfc3339(finished)) {
      if (!has_last_restart || *t > last_restart) {
        last_restart = *t;
        has_last_restart = true;
      }
    }
  };

  bool initializing = false;
  const json::array& init_statuses = Arr(status, "initContainerStatuses");
  std::size_t init_count = Arr(spec, "initContainers").size();
  for (std::size_t i = 0; i < init_statuses.size(); ++i) {
    if (!init_statuses[i].is_object()) continue;
    const json::object& cs = init_statuses[i].get_object();
    note_restart(cs);
    const json::object& state = Obj(cs, "state");
    const json::object* terminated = common::GetObject(state, "terminated");
    const json::object* waiting = common::GetObject(state, "waiting");
    if (terminated != nullptr && Int(*terminated, "exitCode") == 0) continue;
    if (terminated != nullptr) {
      std::string r = Str(*terminated, "reason");
      if (!r.empty()) {
        reason = "Init:" + r;
      } else if (Int(*terminated, "signal") != 0) {
        reason = fmt::format("Init:Signal:{}", Int(*terminated, "signal"));
      } else {
        reason = fmt::format("Init:ExitCode:{}", Int(*terminated, "exitCode"));
      }
    } else if (waiting != nullptr && !Str(*waiting, "reason").empty() &&
               Str(*waiting, "reason") != "PodInitializing") {
      reason = "Init:" + Str(*waiting, "reason");
    } else {
      reason = fmt::format("Init:{}/{}", i, init_count);
    }
    initializing = true;
    break;
  }

  if (!initializing || HasCondition(status, "Initialized")) {
    restarts = 0;
    has_last_restart = false;
    bool has_running = false;
    const json::array& statuses = Arr(status, "containerStatuses");
    for (std::size_t k = statuses.size(); k-- > 0;) {
      if (!statuses[k].is_object()) continue;
      const json::object& cs = statuses[k].get_object();
      note_restart(cs);
      const json::object& state = Obj(cs, "state");
      const json::object* terminated = common::GetObject(state, "terminated");
      const json::object* waiting = common::GetObject(state, "waiting");
      if (waiting != nullptr && !Str(*waiting, "reason").empty()) {
        reason = Str(*waiting, "reason");
      } else if (terminated != nullptr && !Str(*terminated, "reason").empty()) {
        reason = Str(*terminated, "reason");
      } else if (terminated != nullptr) {
        reason = Int(*terminated, "signal") != 0
                     ? fmt::format("Signal:{}", Int(*terminated, "signal"))
                     : fmt::format("ExitCode:{}", Int(*terminated, "exitCode"));
      } else if (common::GetBool(cs, "ready").value_or(false) &&
                 common::GetObject(state, "running") != nullptr) {
        has_running = true;
        ++ready;
      }
    }
    if (reason == "Completed" && has_running) {
      reason = HasCondition(status, "Ready") ? "Running" : "NotReady";
    }
  }

  std::string phase = Str(status, "phase");
  if (common::Find(meta, "deletionTimestamp") != nullptr) {
    if (Str(status, "reason") == "NodeLost") {
      reason = "Unknown";
    } else if (phase != "Succeeded" && phase != "Failed") {
      reason = "Terminating";
    }
  }

  std::string restarts_text = std::to_string(restarts);
  if (restarts != 0 && has_last_restart) {
    restarts_text = fmt::format("{} ({} ago)", restarts, HumanDuration(now - last_restart));
  }

  std::string gates = "<none>";
  const json::array& readiness_gates = Arr(spec, "readinessGates");
  if (!readiness_gates.empty()) {
    std::int64_t true_gates = 0;
    for (const auto& g : readiness_gates) {
      if (g.is_object() && HasCondition(status, Str(g.get_object(), "conditionType"))) ++true_gates;
    }
    gates = fmt::format("{}/{}", true_gates, readiness_gates.size());
  }

  return json::array{Name(pod),
                     fmt::format("{}/{}", ready, total),
                     reason,
                     restarts_text,
                     Age(pod, now),
                     OrNone(Str(status, "podIP")),
                     OrNone(Str(spec, "nodeName")),
                     OrNone(Str(status, "nominatedNodeName")),
                     gates};
}

// ---- services ---------------------------------------------------------------------------------

json::array ServiceCells(const json::object& svc, Clock::time_point now) {
  const json::object& spec = Obj(svc, "spec");
  std::string type = Str(spec, "type");
  if (type.empty()) type = "ClusterIP";
  std::string cluster_ip = OrNone(Str(spec, "clusterIP"));
  std::vector<std::string> external;
  for (const auto& ip : Arr(spec, "externalIPs")) {
    if (ip.is_string()) external.emplace_back(ip.get_string());
  }
  std::string external_ip;
  if (type == "ExternalName") {
    external_ip = Str(spec, "externalName");
  } else if (type == "LoadBalancer") {
    for (const auto& ing : Arr(Obj(Obj(svc, "status"), "loadBalancer"), "ingress")) {
      if (!ing.is_object()) continue;
      std::string ip = Str(ing.get_object(), "ip");
      if (ip.empty()) ip = Str(ing.get_object(), "hostname");
      if (!ip.empty()) external.push_back(ip);
    }
    external_ip = external.empty() ? "<pending>" : Join(external, ",");
  } else {
    external_ip = external.empty() ? "<none>" : Join(external, ",");
  }
  std::vector<std::string> ports;
  for (const auto& p : Arr(spec, "ports")) {
    if (!p.is_object()) continue;
    const auto& po = p.get_object();
    std::string protocol = Str(po, "protocol");
    if (protocol.empty()) protocol = "TCP";
    std::int64_t node_port = Int(po, "nodePort");
    ports.push_back(node_port != 0
                        ? fmt::format("{}:{}/{}", Int(po, "port"), node_port, protocol)
                        : fmt::format("{}/{}", Int(po, "port"), protocol));
  }
  return json::array{Name(svc),    type, cluster_ip, external_ip, ports.empty() ? "<none>" : Join(ports, ","),
                     Age(svc, now), FormatLabels(Obj(spec, "selector"))};
}

// ---- events -----------------------------------------------------------------------------------

json::array EventCells(const json::object& ev, Clock::time_point now) {
  // events.k8s.io/v1 names some fields differently; read either spelling.
  auto pick = [&](std::string_view a, std::string_view b) {
    std::string v = Str(ev, a);
    return v.empty() ? Str(ev, b) : v;
  };
  std::string first_ts = pick("firstTimestamp", "deprecatedFirstTimestamp");
  std::string first = first_ts.empty() ? AgeSince(Str(ev, "eventTime"), now) : AgeSince(first_ts, now);
  std::string last_ts = pick("lastTimestamp", "deprecatedLastTimestamp");
  std::string last = last_ts.empty() ? first : AgeSince(last_ts, now);
  std::int64_t count = Int(ev, "count", Int(ev, "deprecatedCount"));
  if (const json::object* series = common::GetObject(ev, "series")) {
    last = AgeSince(Str(*series, "lastObservedTime"), now);
    count = Int(*series, "count");
  } else if (count == 0) {
    count = 1;
  }
  const json::object& involved =
      common::GetObject(ev, "involvedObject") ? Obj(ev, "involvedObject") : Obj(ev, "regarding");
  std::string kind = Str(involved, "kind");
  for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string target = Str(involved, "name").empty() ? kind : kind + "/" + Str(involved, "name");
  const json::object& source = Obj(ev, "source");
  std::string component = Str(source, "component");
  if (component.empty()) component = Str(ev, "reportingController");
  if (component.empty()) component = Str(ev, "reportingComponent");
  std::string host = Str(source, "host");
  if (host.empty()) host = Str(ev, "reportingInstance");
  std::string src = host.empty() ? component : fmt::format("{}, {}", component, host);
  std::string message = pick("message", "note");
  while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) message.pop_back();
  return json::array{last,  Str(ev, "type"), Str(ev, "reason"), target, Str(involved, "fieldPath"),
                     src,   message,         first,             count,  Name(ev)};
}

// ---- the table of built-in printers ---------------------------------------------------------

std::string CreatedAt(const json::object& obj) {
  std::string ts = Str(Obj(obj, "metadata"), "creationTimestamp");
  if (auto t = common::ParseRfc3339(ts)) return common::FormatRfc3339Seconds(*t);
  return ts;
}

std::string ReplicasOf(const json::object& spec) { return std::to_string(Int(spec, "replicas", 1)); }

const std::map<std::string, Printer, std::less<>>& BuiltinPrinters() {
  static const std::map<std::string, Printer, std::less<>> printers = [] {
    std::map<std::string, Printer, std::less<>> p;
    p["/Pod"] = Printer{
        {NameColumn(),
         {"Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0},
         {"Status", "string", "", "The aggregate status of the containers in this pod.", 0},
         {"Restarts", "string", "", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0},
         AgeColumn(),
         {"IP", "string", "", "IP address allocated to the pod. Routable at least within the cluster.", 1},
         {"Node", "string", "", "Name of the node this pod is running on.", 1},
         {"Nominated Node", "string", "", "Node the scheduler nominated for this pod while it preempts others.", 1},
         {"Readiness Gates", "string", "", "How many of the pod's readiness gates are met.", 1}},
        PodCells};
    p["/Node"] = Printer{
        {NameColumn(),
         {"Status", "string", "", "The status of the node", 0},
         {"Roles", "string", "", "The roles of the node", 0},
         AgeColumn(),
         {"Version", "string", "", "Kubelet Version reported by the node.", 0},
         {"Internal-IP", "string", "", "Internal IP of the node.", 1},
         {"External-IP", "string", "", "External IP of the node.", 1},
         {"OS-Image", "string", "", "OS image reported by the node.", 1},
         {"Kernel-Version", "string", "", "Kernel version reported by the node.", 1},
         {"Container-Runtime", "string", "", "Container runtime version reported by the node.", 1}},
        [](const json::object& node, Clock::time_point now) {
          const json::object& status = Obj(node, "status");
          std::string ready = "Unknown";
          for (const auto& c : Arr(status, "conditions")) {
            if (!c.is_object() || Str(c.get_object(), "type") != "Ready") continue;
            std::string s = Str(c.get_object(), "status");
            ready = s == "True" ? "Ready" : s == "False" ? "NotReady" : "Unknown";
          }
          if (common::GetBool(Obj(node, "spec"), "unschedulable").value_or(false)) {
            ready += ",SchedulingDisabled";
          }
          std::vector<std::string> roles;
          for (const auto& kv : Obj(Obj(node, "metadata"), "labels")) {
            std::string_view key = kv.key();
            if (key.starts_with("node-role.kubernetes.io/")) {
              std::string_view role = key.substr(24);
              if (!role.empty()) roles.emplace_back(role);
            } else if (key == "kubernetes.io/role" && kv.value().is_string()) {
              roles.emplace_back(kv.value().get_string());
            }
          }
          std::sort(roles.begin(), roles.end());
          std::string internal_ip, external_ip;
          for (const auto& a : Arr(status, "addresses")) {
            if (!a.is_object()) continue;
            if (Str(a.get_object(), "type") == "InternalIP" && internal_ip.empty()) internal_ip = Str(a.get_object(), "address");
            if (Str(a.get_object(), "type") == "ExternalIP" && external_ip.empty()) external_ip = Str(a.get_object(), "address");
          }
          const json::object& info = Obj(status, "nodeInfo");
          return json::array{Name(node), ready, roles.empty() ? "<none>" : Join(roles, ","),
                             Age(node, now), Str(info, "kubeletVersion"), OrNone(internal_ip),
                             OrNone(external_ip), Str(info, "osImage").empty() ? "<unknown>" : Str(info, "osImage"),
                             Str(info, "kernelVersion").empty() ? "<unknown>" : Str(info, "kernelVersion"),
                             Str(info, "containerRuntimeVersion").empty() ? "<unknown>" : Str(info, "containerRuntimeVersion")};
        }};
    p["/Namespace"] = Printer{
        {NameColumn(), {"Status", "string", "", "The status of the namespace", 0}, AgeColumn()},
        [](const json::object& ns, Clock::time_point now) {
          return json::array{Name(ns), Str(Obj(ns, "status"), "phase"), Age(ns, now)};
        }};
    p["/Service"] = Printer{
        {NameColumn(),
         {"Type", "string", "", "The type of the service.", 0},
         {"Cluster-IP", "string", "", "The cluster IP of the service.", 0},
         {"External-IP", "string", "", "The external IP of the service.", 0},
         {"Port(s)", "string", "", "The ports of the service.", 0},
         AgeColumn(),
         {"Selector", "string", "", "Route traffic to pods with labels matching this selector.", 1}},
        ServiceCells};
    p["/ConfigMap"] = Printer{
        {NameColumn(), {"Data", "string", "", "Number of keys in the config map.", 0}, AgeColumn()},
        [](const json::object& cm, Clock::time_point now) {
          std::int64_t n = static_cast<std::int64_t>(Obj(cm, "data").size() + Obj(cm, "binaryData").size());
          return json::array{Name(cm), n, Age(cm, now)};
        }};
    p["/Secret"] = Printer{
        {NameColumn(), {"Type", "string", "", "The type of the secret", 0},
         {"Data", "string", "", "Number of keys in the secret.", 0}, AgeColumn()},
        [](const json::object& s, Clock::time_point now) {
          std::string type = Str(s, "type");
          if (type.empty()) type = "Opaque";
          return json::array{Name(s), type, static_cast<std::int64_t>(Obj(s, "data").size()), Age(s, now)};
        }};
    p["/ServiceAccount"] = Printer{
        {NameColumn(), {"Secrets", "string", "", "The number of secrets of the service account.", 0}, AgeColumn()},
        [](const json::object& sa, Clock::time_point now) {
          return json::array{Name(sa), static_cast<std::int64_t>(Arr(sa, "secrets").size()), Age(sa, now)};
        }};
    p["/Endpoints"] = Printer{
        {NameColumn(), {"Endpoints", "string", "", "Endpoints of the service.", 0}, AgeColumn()},
        [](const json::object& ep, Clock::time_point now) {
          std::vector<std::string> list;
          std::size_t total = 0;
          for (const auto& subset : Arr(ep, "subsets")) {
            if (!subset.is_object()) continue;
            const auto& so = subset.get_object();
            const json::array& ports = Arr(so, "ports");
            for (const auto& addr : Arr(so, "addresses")) {
              if (!addr.is_object()) continue;
              std::string ip = Str(addr.get_object(), "ip");
              if (ports.empty()) {
                ++total;
                if (list.size() < 3) list.push_back(ip);
              }
              for (const auto& port : ports) {
                ++total;
                if (list.size() < 3 && port.is_object()) {
                  list.push_back(fmt::format("{}:{}", ip, Int(port.get_object(), "port")));
                }
              }
            }
          }
          std::string text = list.empty() ? "<none>" : Join(list, ",");
          if (total > list.size()) text += fmt::format(" + {} more...", total - list.size());
          return json::array{Name(ep), text, Age(ep, now)};
        }};
    p["/PersistentVolumeClaim"] = Printer{
        {NameColumn(),
         {"Status", "string", "", "The phase of the claim.", 0},
         {"Volume", "string", "", "The volume bound to the claim.", 0},
         {"Capacity", "string", "", "The actual resources of the underlying volume.", 0},
         {"Access Modes", "string", "", "The access modes of the underlying volume.", 0},
         {"StorageClass", "string", "", "The storage class of the claim.", 0},
         {"VolumeAttributesClass", "string", "", "The volume attributes class of the claim.", 0},
         AgeColumn(),
         {"VolumeMode", "string", "", "The volume mode of the claim.", 1}},
        [](const json::object& pvc, Clock::time_point now) {
          const json::object& spec = Obj(pvc, "spec");
          const json::object& status = Obj(pvc, "status");
          std::string phase = Str(status, "phase");
          if (common::Find(Obj(pvc, "metadata"), "deletionTimestamp") != nullptr) phase = "Terminating";
          std::string capacity, modes;
          if (!Str(spec, "volumeName").empty()) {
            capacity = Str(Obj(status, "capacity"), "storage");
            std::vector<std::string> m;
            for (const auto& a : Arr(status, "accessModes")) {
              if (!a.is_string()) continue;
              std::string_view s = a.get_string();
              m.emplace_back(s == "ReadWriteOnce"      ? "RWO"
                             : s == "ReadOnlyMany"     ? "ROX"
                             : s == "ReadWriteMany"    ? "RWX"
                             : s == "ReadWriteOncePod" ? "RWOP"
                                                       : std::string(s));
            }
            modes = Join(m, ",");
          }
          std::string vac = Str(spec, "volumeAttributesClassName");
          std::string mode = Str(spec, "volumeMode");
          return json::array{Name(pvc), phase, Str(spec, "volumeName"), capacity, modes,
                             Str(spec, "storageClassName"), vac.empty() ? "<unset>" : vac,
                             Age(pvc, now), mode.empty() ? "<unset>" : mode};
        }};
    p["/Event"] = Printer{
        {{"Last Seen", "string", "", "Time since the event was last observed.", 0},
         {"Type", "string", "", "Type of this event (Normal, Warning).", 0},
         {"Reason", "string", "", "Why the action was taken.", 0},
         {"Object", "string", "", "The object that this event is about.", 0},
         {"Subobject", "string", "", "The part of the object this event is about.", 1},
         {"Source", "string", "", "The component reporting this event.", 1},
         {"Message", "string", "", "A human-readable description of the status of this operation.", 0},
         {"First Seen", "string", "", "Time since the event was first observed.", 1},
         {"Count", "string", "", "The number of times this event has occurred.", 1},
         {"Name", "string", "name", kNameDoc, 1}},
        EventCells};
    p["events.k8s.io/Event"] = p["/Event"];

    p["apps/Deployment"] = Printer{
        {NameColumn(),
         {"Ready", "string", "", "Number of the pod with ready state", 0},
         {"Up-to-date", "string", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", 0},
         {"Available", "string", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", 0},
         AgeColumn(),
         {"Containers", "string", "", "Names of each container in the template.", 1},
         {"Images", "string", "", "Images referenced by each container in the template.", 1},
         {"Selector", "string", "", "Label selector for pods.", 1}},
        [](const json::object& d, Clock::time_point now) {
          const json::object& status = Obj(d, "status");
          auto [containers, images] = ContainersAndImages(TemplateSpec(d));
          return json::array{Name(d),
                             fmt::format("{}/{}", Int(status, "readyReplicas"), ReplicasOf(Obj(d, "spec"))),
                             Int(status, "updatedReplicas"),
                             Int(status, "availableReplicas"),
                             Age(d, now),
                             containers,
                             images,
                             FormatSelector(Obj(Obj(d, "spec"), "selector"))};
        }};
    p["apps/ReplicaSet"] = Printer{
        {NameColumn(),
         {"Desired", "integer", "", "Number of desired pods.", 0},
         {"Current", "integer", "", "Number of actual replicas.", 0},
         {"Ready", "integer", "", "Number of ready replicas.", 0},
         AgeColumn(),
         {"Containers", "string", "", "Names of each container in the template.", 1},
         {"Images", "string", "", "Images referenced by each container in the template.", 1},
         {"Selector", "string", "", "Label selector for pods.", 1}},
        [](const json::object& rs, Clock::time_point now) {
          const json::object& status = Obj(rs, "status");
          auto [containers, images] = ContainersAndImages(TemplateSpec(rs));
          return json::array{Name(rs),
                             Int(Obj(rs, "spec"), "replicas", 1),
                             Int(status, "replicas"),
                             Int(status, "readyReplicas"),
                             Age(rs, now),
                             containers,
                             images,
                             FormatSelector(Obj(Obj(rs, "spec"), "selector"))};
        }};
    p["apps/StatefulSet"] = Printer{
        {NameColumn(),
         {"Ready", "string", "", "Number of the pod with ready state", 0},
         AgeColumn(),
         {"Containers", "string", "", "Names of each container in the template.", 1},
         {"Images", "string", "", "Images referenced by each container in the template.", 1}},
        [](const json::object& s, Clock::time_point now) {
          auto [containers, images] = ContainersAndImages(TemplateSpec(s));
          return json::array{Name(s),
                             fmt::format("{}/{}", Int(Obj(s, "status"), "readyReplicas"), ReplicasOf(Obj(s, "spec"))),
                             Age(s, now), containers, images};
        }};
    p["apps/DaemonSet"] = Printer{
        {NameColumn(),
         {"Desired", "integer", "", "The total number of nodes that should be running the daemon pod.", 0},
         {"Current", "integer", "", "The number of nodes running at least one daemon pod and are supposed to.", 0},
         {"Ready", "integer", "", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.", 0},
         {"Up-to-date", "integer", "", "The total number of nodes that are running updated daemon pod", 0},
         {"Available", "integer", "", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.", 0},
         {"Node Selector", "string", "", "NodeSelector is a selector which must be true for the pod to fit on a node.", 0},
         AgeColumn(),
         {"Containers", "string", "", "Names of each container in the template.", 1},
         {"Images", "string", "", "Images referenced by each container in the template.", 1},
         {"Selector", "string", "", "Label selector for pods.", 1}},
        [](const json::object& ds, Clock::time_point now) {
          const json::object& status = Obj(ds, "status");
          auto [containers, images] = ContainersAndImages(TemplateSpec(ds));
          return json::array{Name(ds),
                             Int(status, "desiredNumberScheduled"),
                             Int(status, "currentNumberScheduled"),
                             Int(status, "numberReady"),
                             Int(status, "updatedNumberScheduled"),
                             Int(status, "numberAvailable"),
                             FormatLabels(Obj(TemplateSpec(ds), "nodeSelector")),
                             Age(ds, now),
                             containers,
                             images,
                             FormatSelector(Obj(Obj(ds, "spec"), "selector"))};
        }};
    p["batch/Job"] = Printer{
        {NameColumn(),
         {"Status", "string", "", "Status of the job.", 0},
         {"Completions", "string", "", "The completion status of the job.", 0},
         {"Duration", "string", "", "Time required to complete the job.", 0},
         AgeColumn(),
         {"Containers", "string", "", "Names of each container in the template.", 1},
         {"Images", "string", "", "Images referenced by each container in the template.", 1},
         {"Selector", "string", "", "Label selector for pods.", 1}},
        [](const json::object& job, Clock::time_point now) {
          const json::object& spec = Obj(job, "spec");
          const json::object& status = Obj(job, "status");
          std::string state = "Running";
          if (HasCondition(status, "Complete")) {
            state = "Complete";
          } else if (HasCondition(status, "Failed")) {
            state = "Failed";
          } else if (common::Find(Obj(job, "metadata"), "deletionTimestamp") != nullptr) {
            state = "Terminating";
          } else if (HasCondition(status, "Suspended")) {
            state = "Suspended";
          } else if (HasCondition(status, "FailureTarget")) {
            state = "FailureTarget";
          }
          std::string completions;
          if (common::Find(spec, "completions") != nullptr) {
            completions = fmt::format("{}/{}", Int(status, "succeeded"), Int(spec, "completions"));
          } else if (Int(spec, "parallelism", 1) > 1) {
            completions = fmt::format("{}/1 of {}", Int(status, "succeeded"), Int(spec, "parallelism"));
          } else {
            completions = fmt::format("{}/1", Int(status, "succeeded"));
          }
          std::string duration;
          auto start = common::ParseRfc3339(Str(status, "startTime"));
          auto end = common::ParseRfc3339(Str(status, "completionTime"));
          if (start) duration = HumanDuration((end ? *end : now) - *start);
          auto [containers, images] = ContainersAndImages(TemplateSpec(job));
          return json::array{Name(job), state, completions, duration, Age(job, now), containers,
                             images, FormatSelector(Obj(spec, "selector"))};
        }};
    p["batch/CronJob"] = Printer{
        {NameColumn(),
         {"Schedule", "string", "", "The schedule in Cron format.", 0},
         {"Timezone", "string", "", "The time zone of the schedule.", 0},
         {"Suspend", "boolean", "", "Whether subsequent executions are suspended.", 0},
         {"Active", "integer", "", "Number of currently running jobs.", 0},
         {"Last Schedule", "string", "", "When the job was last scheduled.", 0},
         AgeColumn(),
         {"Containers", "string", "", "Names of each container in the template.", 1},
         {"Images", "string", "", "Images referenced by each container in the template.", 1},
         {"Selector", "string", "", "Label selector for pods.", 1}},
        [](const json::object& cj, Clock::time_point now) {
          const json::object& spec = Obj(cj, "spec");
          const json::object& job_spec = Obj(Obj(spec, "jobTemplate"), "spec");
          auto [containers, images] = ContainersAndImages(Obj(Obj(job_spec, "template"), "spec"));
          std::string last = Str(Obj(cj, "status"), "lastScheduleTime");
          return json::array{Name(cj), Str(spec, "schedule"), OrNone(Str(spec, "timeZone")),
                             common::GetBool(spec, "suspend").value_or(false) ? "True" : "False",
                             static_cast<std::int64_t>(Arr(Obj(cj, "status"), "active").size()),
                             last.empty() ? "<none>" : AgeSince(last, now), Age(cj, now),
                             containers, images, FormatSelector(Obj(job_spec, "selector"))};
        }};
    p["coordination.k8s.io/Lease"] = Printer{
        {NameColumn(), {"Holder", "string", "", "The holder of the lease.", 0}, AgeColumn()},
        [](const json::object& l, Clock::time_point now) {
          return json::array{Name(l), Str(Obj(l, "spec"), "holderIdentity"), Age(l, now)};
        }};
    Printer created{{NameColumn(), {"Created At", "date", "", kAgeDoc, 0}},
                    [](const json::object& o, Clock::time_point) {
                      return json::array{Name(o), CreatedAt(o)};
                    }};
    p["rbac.authorization.k8s.io/Role"] = created;
    p["rbac.authorization.k8s.io/ClusterRole"] = created;
    p["apiextensions.k8s.io/CustomResourceDefinition"] = created;
    p["*"] = created;
    Printer binding{
        {NameColumn(),
         {"Role", "string", "", "Role referenced by this binding.", 0},
         AgeColumn(),
         {"Users", "string", "", "Users in the binding.", 1},
         {"Groups", "string", "", "Groups in the binding.", 1},
         {"ServiceAccounts", "string", "", "ServiceAccounts in the binding.", 1}},
        [](const json::object& b, Clock::time_point now) {
          const json::object& ref = Obj(b, "roleRef");
          std::vector<std::string> users, groups, sas;
          for (const auto& s : Arr(b, "subjects")) {
            if (!s.is_object()) continue;
            const auto& so = s.get_object();
            std::string kind = Str(so, "kind");
            if (kind == "User") users.push_back(Str(so, "name"));
            if (kind == "Group") groups.push_back(Str(so, "name"));
            if (kind == "ServiceAccount") sas.push_back(Str(so, "namespace") + "/" + Str(so, "name"));
          }
          return json::array{Name(b), Str(ref, "kind") + "/" + Str(ref, "name"), Age(b, now),
                             Join(users, ", "), Join(groups, ", "), Join(sas, ", ")};
        }};
    p["rbac.authorization.k8s.io/RoleBinding"] = binding;
    p["rbac.authorization.k8s.io/ClusterRoleBinding"] = binding;
    return p;
  }();
  return printers;
}

const Printer& PrinterFor(const ResourceType& type) {
  const auto& printers = BuiltinPrinters();
  auto it = printers.find(type.group + "/" + type.kind);
  if (it == printers.end()) it = printers.find("*");
  return it->second;
}

// ---- CRD cells --------------------------------------------------------------------------------

json::value CrdCell(const PrinterColumn& col, const json::value& object, Clock::time_point now) {
  auto found = EvaluateJsonPath(object, col.json_path);
  if (!found || found->is_null()) return nullptr;
  const json::value& v = *found;
  if (col.type == "string") {
    if (v.is_string()) return v;
    return json::string(json::serialize(v));
  }
  if (col.type == "integer") {
    if (v.is_int64()) return v;
    if (v.is_uint64()) return static_cast<std::int64_t>(v.get_uint64());
    if (v.is_double()) return static_cast<std::int64_t>(v.get_double());
    return nullptr;
  }
  if (col.type == "number") {
    if (v.is_double()) return v;
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    return nullptr;
  }
  if (col.type == "boolean") return v.is_bool() ? v : json::value(nullptr);
  if (col.type == "date") {
    if (!v.is_string()) return nullptr;
    return json::string(AgeSince(v.get_string(), now));
  }
  return nullptr;
}

json::object RowObject(const json::object& object, const TableOptions& options) {
  if (options.include_object == IncludeObject::kObject) return object;
  json::object meta;
  if (const json::object* m = common::GetObject(object, "metadata")) meta = *m;
  return json::object{{"kind", "PartialObjectMetadata"},
                      {"apiVersion", options.api_version},
                      {"metadata", std::move(meta)}};
}

json::object Row(const ResourceType& type, const json::object& object, const TableOptions& options) {
  json::object row{{"cells", RowCells(type, object, options.now)}};
  if (options.include_object != IncludeObject::kNone) row["object"] = RowObject(object, options);
  return row;
}

json::object TableShell(const ResourceType& type, const TableOptions& options) {
  json::object table{{"kind", "Table"}, {"apiVersion", options.api_version}, {"metadata", json::object{}}};
  if (options.no_headers) {
    table["columnDefinitions"] = nullptr;
  } else {
    table["columnDefinitions"] = ColumnDefinitions(type);
  }
  return table;
}

}  // namespace

json::array ColumnDefinitions(const ResourceType& type) {
  json::array out;
  auto add = [&](std::string_view name, std::string_view t, std::string_view format,
                 std::string_view description, int priority) {
    out.push_back(json::object{{"name", name},
                               {"type", t},
                               {"format", format},
                               {"description", description},
                               {"priority", priority}});
  };
  if (type.is_crd) {
    add("Name", "string", "name", kNameDoc, 0);
    for (const auto& c : type.printer_columns) {
      std::string description = c.description.empty()
                                    ? fmt::format("Custom resource definition column (in JSONPath format): {}", c.json_path)
                                    : c.description;
      add(c.name, c.type, c.format, description, c.priority);
    }
    return out;
  }
  for (const auto& c : PrinterFor(type).columns) add(c.name, c.type, c.format, c.description, c.priority);
  return out;
}

json::array RowCells(const ResourceType& type, const json::object& object, Clock::time_point now) {
  if (type.is_crd) {
    json::value root = object;
    json::array cells{Name(object)};
    for (const auto& c : type.printer_columns) cells.push_back(CrdCell(c, root, now));
    return cells;
  }
  return PrinterFor(type).cells(object, now);
}

json::object ListToTable(const ResourceType& type, const json::array& items,
                         const TableListMeta& list_meta, const TableOptions& options) {
  json::object table = TableShell(type, options);
  json::object& meta = table["metadata"].as_object();
  if (!list_meta.resource_version.empty()) meta["resourceVersion"] = list_meta.resource_version;
  if (!list_meta.continue_token.empty()) meta["continue"] = list_meta.continue_token;
  if (list_meta.remaining_item_count) meta["remainingItemCount"] = *list_meta.remaining_item_count;
  json::array rows;
  for (const auto& item : items) {
    if (item.is_object()) rows.push_back(Row(type, item.get_object(), options));
  }
  table["rows"] = std::move(rows);
  return table;
}

json::object ObjectToTable(const ResourceType& type, const json::object& object,
                           const TableOptions& options) {
  json::object table = TableShell(type, options);
  std::string rv = Str(Obj(object, "metadata"), "resourceVersion");
  if (!rv.empty()) table["metadata"].as_object()["resourceVersion"] = rv;
  table["rows"] = json::array{Row(type, object, options)};
  return table;
}

}  // namespace airunway::kubesim
