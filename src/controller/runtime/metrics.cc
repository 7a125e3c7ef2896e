#include "controller/runtime/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/logging.h"

namespace airunway::controller::runtime {

namespace {

void AtomicAdd(std::atomic<double>& target, double delta) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
  }
}

template <typename T>
constexpr MetricType TypeOf();
template <>
constexpr MetricType TypeOf<Counter>() { return MetricType::kCounter; }
template <>
constexpr MetricType TypeOf<Gauge>() { return MetricType::kGauge; }
template <>
constexpr MetricType TypeOf<Histogram>() { return MetricType::kHistogram; }

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

// `{a="x",b="y"}`, with an optional extra label (histogram `le`) last; "" without labels.
std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += EscapeLabelValue(i < values.size() ? values[i] : std::string());
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

void WriteSample(std::string& out, std::string_view name, const std::string& labels, double value) {
  out += name;
  out += labels;
  out += ' ';
  out += FormatMetricValue(value);
  out += '\n';
}

void WriteChild(std::string& out, const std::string& name, const std::vector<std::string>& label_names,
                const std::vector<std::string>& values, const Counter& counter) {
  WriteSample(out, name, LabelText(label_names, values), counter.Value());
}

void WriteChild(std::string& out, const std::string& name, const std::vector<std::string>& label_names,
                const std::vector<std::string>& values, const Gauge& gauge) {
  WriteSample(out, name, LabelText(label_names, values), gauge.Value());
}

void WriteChild(std::string& out, const std::string& name, const std::vector<std::string>& label_names,
                const std::vector<std::string>& values, const Histogram& histogram) {
  const auto snap = histogram.Snap();
  const std::string bucket = name + "_bucket";
  for (std::size_t i = 0; i < snap.upper_bounds.size(); ++i) {
    WriteSample(out, bucket, LabelText(label_names, values, "le", FormatMetricValue(snap.upper_bounds[i])),
                static_cast<double>(snap.cumulative[i]));
  }
  WriteSample(out, bucket, LabelText(label_names, values, "le", "+Inf"), static_cast<double>(snap.count));
  const std::string labels = LabelText(label_names, values);
  WriteSample(out, name + "_sum", labels, snap.sum);
  WriteSample(out, name + "_count", labels, static_cast<double>(snap.count));
}

}  // namespace

// ---- children ------------------------------------------------------------------------------

void Counter::Inc(double delta) {
  if (!(delta >= 0.0)) return;  // also rejects NaN
  AtomicAdd(value_, delta);
}

void Gauge::Add(double delta) { AtomicAdd(value_, delta); }

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_([&] {
        std::sort(upper_bounds.begin(), upper_bounds.end());
        upper_bounds.erase(std::unique(upper_bounds.begin(), upper_bounds.end()), upper_bounds.end());
        // +Inf is implicit; a bound of +Inf given by the caller would be written twice.
        while (!upper_bounds.empty() && std::isinf(upper_bounds.back())) upper_bounds.pop_back();
        return upper_bounds;
      }()),
      counts_(upper_bounds_.size(), 0) {}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  const auto it = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  std::lock_guard lock(mutex_);
  if (it != upper_bounds_.end()) ++counts_[static_cast<std::size_t>(it - upper_bounds_.begin())];
  ++count_;
  sum_ += value;
}

Histogram::Snapshot Histogram::Snap() const {
  Snapshot snap;
  snap.upper_bounds = upper_bounds_;
  std::lock_guard lock(mutex_);
  snap.cumulative.reserve(counts_.size());
  std::uint64_t running = 0;
  for (auto c : counts_) {
    running += c;
    snap.cumulative.push_back(running);
  }
  snap.count = count_;
  snap.sum = sum_;
  return snap;
}

// ---- families ------------------------------------------------------------------------------

template <typename T>
Family<T>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {
  // A family without labels has exactly one child, exposed (at zero) from the start, as
  // Prometheus clients do.
  if (label_names_.empty()) children_.emplace(std::vector<std::string>{}, Make());
}

template <typename T>
MetricType Family<T>::type() const {
  return TypeOf<T>();
}

template <typename T>
std::unique_ptr<T> Family<T>::Make() const {
  if constexpr (std::is_same_v<T, Histogram>) {
    return std::make_unique<Histogram>(buckets_);
  } else {
    return std::make_unique<T>();
  }
}

template <typename T>
std::vector<std::string> Family<T>::Values(std::initializer_list<std::string_view> values) {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (auto v : values) out.emplace_back(v);
  return out;
}

template <typename T>
T& Family<T>::Child(std::vector<std::string> values) {
  if (values.size() != label_names_.size()) {
    common::LogWarn("metric used with the wrong number of label values",
                    {{"metric", name_},
                     {"expected", label_names_.size()},
                     {"got", values.size()}});
    values.resize(label_names_.size());
  }
  std::lock_guard lock(mutex_);
  auto it = children_.find(values);
  if (it == children_.end()) it = children_.emplace(std::move(values), Make()).first;
  return *it->second;
}

template <typename T>
void Family<T>::Reset() {
  std::lock_guard lock(mutex_);
  children_.clear();
  if (label_names_.empty()) children_.emplace(std::vector<std::string>{}, Make());
}

template <typename T>
bool Family<T>::Remove(const std::vector<std::string>& values) {
  std::lock_guard lock(mutex_);
  return children_.erase(values) > 0;
}

template <typename T>
void Family<T>::Write(std::string& out) const {
  std::lock_guard lock(mutex_);
  if (children_.empty()) return;
  out += "# HELP ";
  out += name_;
  out += ' ';
  out += EscapeHelp(help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += TypeName(TypeOf<T>());
  out += '\n';
  for (const auto& [values, child] : children_) WriteChild(out, name_, label_names_, values, *child);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- registry ------------------------------------------------------------------------------

std::vector<double> DefaultBuckets() { return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}; }

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  double bound = start;
  for (int i = 0; i < count; ++i) {
    out.push_back(bound);
    bound *= factor;
  }
  return out;
}

template <typename T>
Family<T>& Registry::Add(std::string name, std::string help, std::vector<std::string> label_names,
                         std::vector<double> buckets) {
  std::lock_guard lock(mutex_);
  if (auto it = families_.find(name); it != families_.end()) {
    if (it->second.type == TypeOf<T>()) {
      auto& existing = *std::static_pointer_cast<Family<T>>(it->second.family);
      if (existing.label_names() == label_names) return existing;
    }
    common::LogError("metric registered twice with a different type or labels; the second is not exposed",
                     {{"metric", name}});
    auto detached = std::make_shared<Family<T>>(std::move(name), std::move(help), std::move(label_names),
                                                std::move(buckets));
    detached_.push_back(detached);
    return *detached;
  }
  auto family = std::make_shared<Family<T>>(name, std::move(help), std::move(label_names), std::move(buckets));
  auto* raw = family.get();
  families_.emplace(std::move(name),
                    Entry{TypeOf<T>(), family, [raw](std::string& out) { raw->Write(out); }});
  return *raw;
}

CounterFamily& Registry::AddCounter(std::string name, std::string help, std::vector<std::string> label_names) {
  return Add<Counter>(std::move(name), std::move(help), std::move(label_names), {});
}

GaugeFamily& Registry::AddGauge(std::string name, std::string help, std::vector<std::string> label_names) {
  return Add<Gauge>(std::move(name), std::move(help), std::move(label_names), {});
}

HistogramFamily& Registry::AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                                        std::vector<double> buckets) {
  return Add<Histogram>(std::move(name), std::move(help), std::move(label_names), std::move(buckets));
}

void Registry::AddCollector(std::function<void()> collect) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collect));
}

std::string Registry::Expose() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
  }
  for (const auto& collect : collectors) collect();

  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, entry] : families_) entry.write(out);
  return out;
}

// ---- formatting ----------------------------------------------------------------------------

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace airunway::controller::runtime
