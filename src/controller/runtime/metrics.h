// Metrics: a small Prometheus registry — counters, gauges and histograms, each a family of
// children told apart by label values — and the text exposition format 0.0.4 that
// Prometheus scrapes from /metrics.
//
//   Registry registry;
//   auto& reconciles = registry.AddCounter("controller_runtime_reconcile_total",
//                                          "Total number of reconciliations per controller",
//                                          {"controller", "result"});
//   reconciles.WithLabels({"modeldeployment", "success"}).Inc();
//   std::string text = registry.Expose();
//
// Families are registered once and live as long as the Registry; children are created on
// first use and live as long as their family (until Reset), so references to them may be
// kept and used from hot paths without a lookup. Registering a name again returns the
// existing family when its type and label names agree; a conflicting registration is a
// programming error, logged, and answered with a detached family that is never exposed
// (nothing throws).
//
// Collectors (AddCollector) run at the start of every Expose: the domain uses them to
// compute gauges from a cache at scrape time (e.g. ModelDeployments by phase and provider:
// Reset the family, then Set one child per combination seen).
//
// Thread-safety: everything is safe from any thread. Counter and Gauge updates are
// lock-free atomics; a Histogram child takes its own short lock; family maps and the
// registry take their own locks. Collectors run outside the registry's lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace airunway::controller::runtime {

class Counter {
 public:
  // Negative deltas are ignored: a counter only goes up.
  void Inc(double delta = 1.0);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta);
  void Inc() { Add(1.0); }
  void Dec() { Add(-1.0); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  struct Snapshot {
    std::vector<double> upper_bounds;      // ascending, without +Inf
    std::vector<std::uint64_t> cumulative;  // observations <= each bound
    std::uint64_t count = 0;                // all observations (the +Inf bucket)
    double sum = 0.0;
  };

  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  Snapshot Snap() const;

 private:
  const std::vector<double> upper_bounds_;
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> counts_;  // guarded by mutex_; per bucket, not cumulative
  std::uint64_t count_ = 0;            // guarded by mutex_
  double sum_ = 0.0;                   // guarded by mutex_
};

enum class MetricType { kCounter, kGauge, kHistogram };

// A named family of children of one type. Label values are given in the order of the
// family's label names; a wrong number of values is padded with "" or truncated (and
// logged) rather than failing.
template <typename T>
class Family {
 public:
  T& WithLabels(std::initializer_list<std::string_view> values) { return Child(Values(values)); }
  T& WithLabels(const std::vector<std::string>& values) { return Child(values); }
  // Removes every child (a gauge family recomputed from scratch by a collector).
  void Reset();
  // Removes one child; false when it did not exist.
  bool Remove(const std::vector<std::string>& values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  MetricType type() const;

  // Appends this family's exposition text (nothing when it has no children).
  void Write(std::string& out) const;

  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> buckets = {});

 private:
  static std::vector<std::string> Values(std::initializer_list<std::string_view> values);
  T& Child(std::vector<std::string> values);
  std::unique_ptr<T> Make() const;

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> buckets_;  // histograms only
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;  // guarded by mutex_
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Prometheus' default buckets: .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10.
std::vector<double> DefaultBuckets();
// `count` bounds: start, start*factor, start*factor^2, ...
std::vector<double> ExponentialBuckets(double start, double factor, int count);

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  CounterFamily& AddCounter(std::string name, std::string help, std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  HistogramFamily& AddHistogram(std::string name, std::string help, std::vector<std::string> label_names = {},
                                std::vector<double> buckets = DefaultBuckets());

  // Runs before every exposition, on the scraping thread; must not block for long.
  void AddCollector(std::function<void()> collect);

  // The text exposition format 0.0.4, families sorted by name.
  std::string Expose() const;

 private:
  template <typename T>
  Family<T>& Add(std::string name, std::string help, std::vector<std::string> label_names,
                 std::vector<double> buckets);

  struct Entry {
    MetricType type;
    std::shared_ptr<void> family;  // Family<T> of the matching type
    std::function<void(std::string&)> write;
  };

  mutable std::mutex mutex_;
  std::map<std::string, Entry> families_;           // guarded by mutex_
  std::vector<std::function<void()>> collectors_;   // guarded by mutex_
  std::vector<std::shared_ptr<void>> detached_;     // guarded by mutex_; conflicting registrations
};

// The content type /metrics answers with.
inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

// Formatting pieces of the exposition, exposed for tests and for other exporters.
std::string FormatMetricValue(double value);      // "1", "0.25", "+Inf", "-Inf", "NaN"
std::string EscapeLabelValue(std::string_view value);  // \\, \" and \n escaped
std::string EscapeHelp(std::string_view help);         // \\ and \n escaped

}  // namespace airunway::controller::runtime
