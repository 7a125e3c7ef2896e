#include "controller/runtime/health_server.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/support/http_client.h"

namespace airunway::controller::runtime {
namespace {

class HealthServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HealthServer>(HealthServerOptions{.host = "127.0.0.1", .port = 0}, &registry_);
  }
  void Start() {
    auto started = server_->Start();
    ASSERT_TRUE(started) << started.error().message;
  }
  void TearDown() override {
    server_->Stop();
    server_->Wait();
  }
  airunway::testing::HttpResult Get(const std::string& target) {
    airunway::testing::HttpClient client(server_->port());
    return client.Get(target);
  }

  Registry registry_;
  std::unique_ptr<HealthServer> server_;
};

TEST_F(HealthServerTest, ProbesWithoutChecksAreOk) {
  Start();
  for (const char* path : {"/healthz", "/readyz"}) {
    auto result = Get(path);
    EXPECT_EQ(result.status, 200) << path;
    EXPECT_EQ(result.body, "ok") << path;
  }
  auto verbose = Get("/healthz?verbose");
  EXPECT_EQ(verbose.status, 200);
  EXPECT_EQ(verbose.body, "[+]ping ok\nhealthz check passed\n");
}

TEST_F(HealthServerTest, ReadyzFailsUntilItsCheckPasses) {
  std::atomic<bool> synced{false};
  server_->AddHealthzCheck("ping", [] { return common::Status::Ok(); });
  server_->AddReadyzCheck("informers", [&]() -> common::Status {
    if (synced) return common::Status::Ok();
    return common::MakeError(common::ErrorCode::kUnavailable, "caches have not synced yet");
  });
  Start();

  auto not_ready = Get("/readyz");
  EXPECT_EQ(not_ready.status, 500);
  EXPECT_EQ(not_ready.body, "[-]informers failed: caches have not synced yet\nreadyz check failed\n");
  EXPECT_EQ(Get("/healthz").status, 200);  // alive while not ready

  synced = true;
  auto ready = Get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ok");
  EXPECT_EQ(Get("/readyz/informers").status, 200);
  auto unknown = Get("/readyz/nope");
  EXPECT_EQ(unknown.status, 404);
}

TEST_F(HealthServerTest, MetricsServesTheRegistryExposition) {
  registry_.AddCounter("controller_runtime_reconcile_total", "Total reconciles", {"controller", "result"})
      .WithLabels({"md", "success"})
      .Inc(7);
  Start();
  auto metrics = Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.Header("content-type"), std::string(kExpositionContentType));
  EXPECT_NE(metrics.body.find("# TYPE controller_runtime_reconcile_total counter\n"
                              "controller_runtime_reconcile_total{controller=\"md\",result=\"success\"} 7\n"),
            std::string::npos)
      << metrics.body;
}

}  // namespace
}  // namespace airunway::controller::runtime
