#include "services/catalog/gpu_fit.h"

#include <gtest/gtest.h>

namespace airunway::catalog {
namespace {

TEST(GpuFitTest, MemoryEstimateIsFp16PlusTwentyPercent) {
  EXPECT_EQ(EstimateGpuMemoryGb(1e9), 3);
  EXPECT_EQ(EstimateGpuMemoryGb(7e9), 16);
  EXPECT_EQ(EstimateGpuMemoryGb(70e9), 157);
  EXPECT_EQ(EstimateGpuMemoryGb(0), 0);
  EXPECT_EQ(EstimateGpuMemoryGb(-1), 0);
  EXPECT_EQ(FormatGpuMemory(16), "16GB");
}

TEST(GpuFitTest, ParsesMemorySizes) {
  EXPECT_EQ(ParseGpuMemoryGb("16GB"), 16.0);
  EXPECT_EQ(ParseGpuMemoryGb("16 gb"), 16.0);
  EXPECT_EQ(ParseGpuMemoryGb("24"), 24.0);
  EXPECT_EQ(ParseGpuMemoryGb("1.5TB"), 1536.0);
  EXPECT_EQ(ParseGpuMemoryGb("512MB"), 0.5);
  EXPECT_FALSE(ParseGpuMemoryGb(""));
  EXPECT_FALSE(ParseGpuMemoryGb("GB"));
  EXPECT_FALSE(ParseGpuMemoryGb("16GiB"));
  EXPECT_FALSE(ParseGpuMemoryGb("1."));
  EXPECT_FALSE(ParseGpuMemoryGb("-4GB"));
}

TEST(GpuFitTest, CountsRequiredGpus) {
  EXPECT_EQ(AggregatedDemand(2, 4).total, 8);
  EXPECT_EQ(AggregatedDemand(1, std::nullopt).total, 1);
  auto multinode = AggregatedDemand(2, 8, 2);
  EXPECT_EQ(multinode.total, 32);
  EXPECT_EQ(multinode.per_worker_max, 8);
  auto split = DisaggregatedDemand(2, 2, 4, 1);
  EXPECT_EQ(split.total, 8);
  EXPECT_EQ(split.per_worker_max, 2);
  EXPECT_EQ(split.configured_per_worker, 1);
  EXPECT_EQ(DisaggregatedDemand(std::nullopt, std::nullopt, std::nullopt, std::nullopt).total, 2);
  EXPECT_EQ(CpuDemand().total, 0);
}

TEST(GpuFitTest, ReportsEveryReasonADeploymentDoesNotFit) {
  auto fit = CheckGpuFit(AggregatedDemand(2, 4), ClusterGpus{.available = 6, .max_contiguous = 2}, 8);
  EXPECT_FALSE(fit.fits);
  ASSERT_EQ(fit.warnings.size(), 3u);
  EXPECT_EQ(fit.warnings[0],
            "⚠️ Insufficient cluster GPUs: Deployment requires 8 GPU(s) but only 6 are available in the cluster");
  EXPECT_EQ(fit.warnings[1],
            "⚠️ Scheduling constraint: Each worker requires 4 GPU(s) but the largest available block on any node "
            "is 2 GPU(s)");
  EXPECT_EQ(fit.warnings[2],
            "⚠️ Model requirement: Model requires at least 8 GPU(s) per worker but configuration specifies 4");
}

TEST(GpuFitTest, FitsWhenEnoughAndCpuAlwaysFits) {
  EXPECT_TRUE(CheckGpuFit(AggregatedDemand(1, 1), ClusterGpus{.available = 1, .max_contiguous = 1}).fits);
  EXPECT_TRUE(CheckGpuFit(CpuDemand(), ClusterGpus{}, 4).fits);
  // minGpus 0 (llama.cpp models) never adds the model warning.
  EXPECT_TRUE(CheckGpuFit(AggregatedDemand(1, 0), ClusterGpus{}, 0).fits);
}

}  // namespace
}  // namespace airunway::catalog
