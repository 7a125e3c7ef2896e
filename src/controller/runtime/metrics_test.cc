#include "controller/runtime/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>
#include <thread>

namespace airunway::controller::runtime {
namespace {

// A small parser of the text format: sample lines -> value, plus HELP/TYPE per family.
struct Exposition {
  std::map<std::string, double> samples;  // "name{labels}" exactly as written
  std::map<std::string, std::string> types;
  std::map<std::string, std::string> helps;
  std::vector<std::string> order;  // family names in TYPE order
};

Exposition Parse(const std::string& text) {
  Exposition out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      auto rest = line.substr(7);
      auto space = rest.find(' ');
      out.helps[rest.substr(0, space)] = rest.substr(space + 1);
    } else if (line.rfind("# TYPE ", 0) == 0) {
      auto rest = line.substr(7);
      auto space = rest.find(' ');
      out.types[rest.substr(0, space)] = rest.substr(space + 1);
      out.order.push_back(rest.substr(0, space));
    } else if (!line.empty()) {
      auto space = line.rfind(' ');
      const std::string value = line.substr(space + 1);
      double v = value == "+Inf" ? INFINITY : value == "-Inf" ? -INFINITY : value == "NaN" ? NAN : std::stod(value);
      out.samples[line.substr(0, space)] = v;
    }
  }
  return out;
}

TEST(MetricsTest, CounterWithLabelsIsExposedWithHelpAndType) {
  Registry registry;
  auto& total = registry.AddCounter("controller_runtime_reconcile_total", "Total reconciles", {"controller", "result"});
  total.WithLabels({"md", "success"}).Inc();
  total.WithLabels({"md", "success"}).Inc(2);
  total.WithLabels({"md", "error"}).Inc();
  total.WithLabels({"md", "error"}).Inc(-5);  // ignored: counters only go up

  auto parsed = Parse(registry.Expose());
  EXPECT_EQ(parsed.types["controller_runtime_reconcile_total"], "counter");
  EXPECT_EQ(parsed.helps["controller_runtime_reconcile_total"], "Total reconciles");
  EXPECT_EQ(parsed.samples["controller_runtime_reconcile_total{controller=\"md\",result=\"success\"}"], 3);
  EXPECT_EQ(parsed.samples["controller_runtime_reconcile_total{controller=\"md\",result=\"error\"}"], 1);
}

TEST(MetricsTest, UnlabelledFamilyIsExposedAtZeroAndLabelledEmptyFamilyIsNot) {
  Registry registry;
  registry.AddGauge("up", "Always one");
  registry.AddGauge("by_phase", "By phase", {"phase"});
  const auto text = registry.Expose();
  EXPECT_NE(text.find("# TYPE up gauge\nup 0\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("by_phase"), std::string::npos) << text;
}

TEST(MetricsTest, GaugeSetAddAndReset) {
  Registry registry;
  auto& phases = registry.AddGauge("airunway_deployment_status", "MDs per phase", {"provider", "phase"});
  phases.WithLabels({"vllm", "Running"}).Set(3);
  phases.WithLabels({"vllm", "Running"}).Dec();
  phases.WithLabels({"vllm", "Pending"}).Add(0.5);
  auto parsed = Parse(registry.Expose());
  EXPECT_EQ(parsed.samples["airunway_deployment_status{provider=\"vllm\",phase=\"Running\"}"], 2);
  EXPECT_EQ(parsed.samples["airunway_deployment_status{provider=\"vllm\",phase=\"Pending\"}"], 0.5);

  phases.Reset();
  phases.WithLabels({"vllm", "Failed"}).Set(1);
  parsed = Parse(registry.Expose());
  EXPECT_EQ(parsed.samples.count("airunway_deployment_status{provider=\"vllm\",phase=\"Running\"}"), 0u);
  EXPECT_EQ(parsed.samples["airunway_deployment_status{provider=\"vllm\",phase=\"Failed\"}"], 1);
}

TEST(MetricsTest, HistogramHasCumulativeBucketsInfSumAndCount) {
  Registry registry;
  auto& h = registry.AddHistogram("work_seconds", "Work", {"name"}, {0.1, 1, 10});
  auto& child = h.WithLabels({"q"});
  child.Observe(0.05);
  child.Observe(0.1);  // le is inclusive
  child.Observe(5);
  child.Observe(100);
  auto parsed = Parse(registry.Expose());
  EXPECT_EQ(parsed.types["work_seconds"], "histogram");
  EXPECT_EQ(parsed.samples["work_seconds_bucket{name=\"q\",le=\"0.1\"}"], 2);
  EXPECT_EQ(parsed.samples["work_seconds_bucket{name=\"q\",le=\"1\"}"], 2);
  EXPECT_EQ(parsed.samples["work_seconds_bucket{name=\"q\",le=\"10\"}"], 3);
  EXPECT_EQ(parsed.samples["work_seconds_bucket{name=\"q\",le=\"+Inf\"}"], 4);
  EXPECT_DOUBLE_EQ(parsed.samples["work_seconds_sum{name=\"q\"}"], 105.15);
  EXPECT_EQ(parsed.samples["work_seconds_count{name=\"q\"}"], 4);
}

TEST(MetricsTest, UnlabelledHistogramWritesOnlyLe) {
  Registry registry;
  registry.AddHistogram("lat", "Latency", {}, {1}).WithLabels(std::vector<std::string>{}).Observe(2);
  const auto text = registry.Expose();
  EXPECT_NE(text.find("lat_bucket{le=\"1\"} 0\nlat_bucket{le=\"+Inf\"} 1\nlat_sum 2\nlat_count 1\n"),
            std::string::npos)
      << text;
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  Registry registry;
  registry.AddCounter("odd", "line one\nback\\slash", {"v"}).WithLabels({"a\"b\\c\nd"}).Inc();
  const auto text = registry.Expose();
  EXPECT_NE(text.find("# HELP odd line one\\nback\\\\slash\n"), std::string::npos) << text;
  EXPECT_NE(text.find("odd{v=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
}

TEST(MetricsTest, ValuesAreFormattedAsPrometheusExpects) {
  EXPECT_EQ(FormatMetricValue(1), "1");
  EXPECT_EQ(FormatMetricValue(0.25), "0.25");
  EXPECT_EQ(FormatMetricValue(1e-08), "1e-08");
  EXPECT_EQ(FormatMetricValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatMetricValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatMetricValue(NAN), "NaN");
}

TEST(MetricsTest, FamiliesAreSortedAndReRegistrationReturnsTheSameFamily) {
  Registry registry;
  auto& b = registry.AddCounter("b_total", "B");
  auto& a = registry.AddCounter("a_total", "A");
  EXPECT_EQ(&registry.AddCounter("b_total", "B"), &b);
  a.WithLabels(std::vector<std::string>{}).Inc();
  auto parsed = Parse(registry.Expose());
  ASSERT_EQ(parsed.order.size(), 2u);
  EXPECT_EQ(parsed.order[0], "a_total");
  EXPECT_EQ(parsed.order[1], "b_total");
}

TEST(MetricsTest, ConflictingRegistrationIsDetachedNotExposed) {
  Registry registry;
  registry.AddCounter("x_total", "X", {"a"}).WithLabels({"1"}).Inc();
  auto& other = registry.AddGauge("x_total", "X as gauge", {"a"});
  other.WithLabels({"1"}).Set(42);  // usable, but never exposed
  auto parsed = Parse(registry.Expose());
  EXPECT_EQ(parsed.types["x_total"], "counter");
  EXPECT_EQ(parsed.samples["x_total{a=\"1\"}"], 1);
}

TEST(MetricsTest, WrongNumberOfLabelValuesIsPaddedNotFatal) {
  Registry registry;
  registry.AddCounter("pad_total", "P", {"a", "b"}).WithLabels({"only"}).Inc();
  auto parsed = Parse(registry.Expose());
  EXPECT_EQ(parsed.samples["pad_total{a=\"only\",b=\"\"}"], 1);
}

TEST(MetricsTest, CollectorsRunBeforeEachExposition) {
  Registry registry;
  auto& gauge = registry.AddGauge("items", "Items", {"phase"});
  int scrapes = 0;
  registry.AddCollector([&] {
    ++scrapes;
    gauge.Reset();
    gauge.WithLabels({"Running"}).Set(scrapes);
  });
  (void)registry.Expose();
  auto parsed = Parse(registry.Expose());
  EXPECT_EQ(parsed.samples["items{phase=\"Running\"}"], 2);
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  Registry registry;
  auto& counter = registry.AddCounter("c_total", "C").WithLabels(std::vector<std::string>{});
  auto& hist = registry.AddHistogram("h", "H", {}, {1}).WithLabels(std::vector<std::string>{});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        counter.Inc();
        hist.Observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.Value(), 4000);
  EXPECT_EQ(hist.Snap().count, 4000u);
}

}  // namespace
}  // namespace airunway::controller::runtime
