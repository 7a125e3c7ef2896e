#include "controller/runtime/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/time.h"
#include "kube/errors.h"
#include "kube/kubesim_fixture.h"

namespace airunway::controller::runtime {
namespace {

using namespace std::chrono_literals;
using kube::testing::Str;
using kube::testing::WaitFor;

// Short durations so that a takeover happens within ~1 s.
LeaderElectionOptions Fast(std::string identity) {
  return {.lease_name = "test-lease",
          .lease_namespace = "default",
          .identity = std::move(identity),
          .lease_duration = 1000ms,
          .renew_deadline = 500ms,
          .retry_period = 50ms};
}

// An elector running on its own thread, recording its callbacks.
struct Candidate {
  Candidate(std::shared_ptr<kube::Client> client, LeaderElectionOptions options)
      : elector(std::move(client), std::move(options),
                {.on_started_leading = [this] { started++; },
                 .on_stopped_leading = [this] { stopped++; }}) {}
  void Start() {
    thread = std::jthread([this](std::stop_token stop) { result = elector.Run(stop) ? 1 : 0; });
  }
  LeaderElector elector;
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::atomic<int> result{-1};  // -1 running, 1 stopped cleanly, 0 lost
  std::jthread thread;
};

class LeaderElectionTest : public kube::testing::KubesimTest {
 protected:
  boost::json::object Lease() {
    auto lease = client_->Get(kLeases, "default", "test-lease");
    EXPECT_TRUE(lease) << (lease ? "" : lease.error().message);
    return lease ? *lease : boost::json::object{};
  }
};

TEST(LeaderElectionOptionsTest, RejectsInconsistentDurations) {
  EXPECT_TRUE(ValidateLeaderElectionOptions(Fast("a")));
  auto options = Fast("a");
  options.renew_deadline = 2s;
  auto status = ValidateLeaderElectionOptions(options);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("lease duration must be longer than the renew deadline"), std::string::npos);
  options = Fast("a");
  options.lease_name.clear();
  EXPECT_FALSE(ValidateLeaderElectionOptions(options));
}

TEST(LeaderElectionOptionsTest, IdentityIsHostPidRandomAndUnique) {
  const auto a = DefaultIdentity();
  const auto b = DefaultIdentity();
  EXPECT_NE(a, b);
  EXPECT_NE(a.find("_" + std::to_string(::getpid()) + "_"), std::string::npos) << a;
}

TEST(LeaderElectionOptionsTest, MicroTimeHasSixFractionDigits) {
  const auto when = common::ParseRfc3339("2026-01-02T03:04:05.123456Z");
  ASSERT_TRUE(when);
  EXPECT_EQ(FormatMicroTime(*when), "2026-01-02T03:04:05.123456Z");
}

TEST_F(LeaderElectionTest, AcquiresAnAbsentLeaseAndRenewsIt) {
  Candidate a(client_, Fast("a"));
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.elector.IsLeader(); }, 5s));
  EXPECT_EQ(a.started.load(), 1);
  auto lease = Lease();
  EXPECT_EQ(Str(lease, {"spec", "holderIdentity"}), "a");
  EXPECT_EQ(common::FindPath(lease, {"spec", "leaseDurationSeconds"})->as_int64(), 1);
  const auto first_renew = Str(lease, {"spec", "renewTime"});
  ASSERT_TRUE(WaitFor([&] { return Str(Lease(), {"spec", "renewTime"}) != first_renew; }, 5s));
  EXPECT_EQ(a.elector.leader_identity(), "a");
}

TEST_F(LeaderElectionTest, StandbyTakesOverAtOnceWhenTheLeaderStopsCleanly) {
  Candidate a(client_, Fast("a"));
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.elector.IsLeader(); }, 5s));
  Candidate b(client_, Fast("b"));
  b.Start();
  ASSERT_TRUE(WaitFor([&] { return b.elector.leader_identity() == "a"; }, 5s));
  EXPECT_FALSE(b.elector.IsLeader());

  const auto stopped_at = std::chrono::steady_clock::now();
  a.thread.request_stop();
  a.thread.join();
  EXPECT_EQ(a.result.load(), 1);
  EXPECT_EQ(a.stopped.load(), 1);
  EXPECT_FALSE(a.elector.IsLeader());
  ASSERT_TRUE(WaitFor([&] { return b.elector.IsLeader(); }, 5s));
  // Released, so the standby did not wait out the 1 s lease.
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 900ms);
  auto lease = Lease();
  EXPECT_EQ(Str(lease, {"spec", "holderIdentity"}), "b");
  EXPECT_EQ(b.started.load(), 1);
}

TEST_F(LeaderElectionTest, StandbyTakesOverWithinTheLeaseDurationWhenTheLeaderVanishes) {
  auto options = Fast("a");
  options.release_on_cancel = false;  // as if the process were killed
  Candidate a(client_, options);
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.elector.IsLeader(); }, 5s));
  Candidate b(client_, Fast("b"));
  b.Start();
  ASSERT_TRUE(WaitFor([&] { return b.elector.leader_identity() == "a"; }, 5s));

  a.thread.request_stop();
  a.thread.join();
  const auto gone_at = std::chrono::steady_clock::now();
  EXPECT_EQ(Str(Lease(), {"spec", "holderIdentity"}), "a");  // not released
  ASSERT_TRUE(WaitFor([&] { return b.elector.IsLeader(); }, 5s));
  // Lease 1 s, renewTime written with sub-second precision; allow for one retry period and
  // the whole-second expiry comparison.
  EXPECT_LT(std::chrono::steady_clock::now() - gone_at, 2500ms);
  auto lease = Lease();
  EXPECT_EQ(Str(lease, {"spec", "holderIdentity"}), "b");
  EXPECT_GE(common::FindPath(lease, {"spec", "leaseTransitions"})->as_int64(), 1);
}

TEST_F(LeaderElectionTest, NeverTwoLeadersWhenCandidatesRace) {
  std::vector<std::unique_ptr<Candidate>> candidates;
  for (const char* id : {"a", "b", "c"}) candidates.push_back(std::make_unique<Candidate>(client_, Fast(id)));
  for (auto& c : candidates) c->Start();
  auto leaders = [&] {
    int n = 0;
    for (auto& c : candidates) n += c->elector.IsLeader() ? 1 : 0;
    return n;
  };
  ASSERT_TRUE(WaitFor([&] { return leaders() == 1; }, 5s));
  // Over several renew periods, exactly one stays leader.
  for (int i = 0; i < 20; ++i) {
    EXPECT_LE(leaders(), 1);
    std::this_thread::sleep_for(25ms);
  }
  int started = 0;
  for (auto& c : candidates) started += c->started.load();
  EXPECT_EQ(started, 1);
}

TEST_F(LeaderElectionTest, LeaderWhoseRenewalsAreForbiddenStopsLeading) {
  ASSERT_TRUE(sim_.authenticator().AddToken("elector-token", {.username = "elector"}));
  auto client = std::make_shared<kube::Client>(kube::testing::MustConfig(sim_.KubeconfigForToken("elector-token")),
                                               Options());
  Candidate a(client, Fast("a"));
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.elector.IsLeader(); }, 5s));

  kubesim::AuthorizationPolicy read_only;
  read_only.allow_all = false;
  read_only.rules.push_back({.name = "read-leases",
                             .users = {"elector"},
                             .verbs = {"get", "list", "watch"},
                             .api_groups = {"coordination.k8s.io"},
                             .resources = {"leases"}});
  const auto revoked_at = std::chrono::steady_clock::now();
  sim_.authorizer().SetPolicy(read_only);

  ASSERT_TRUE(WaitFor([&] { return a.result.load() == 0; }, 5s));  // Run returned: lost
  EXPECT_FALSE(a.elector.IsLeader());
  EXPECT_EQ(a.stopped.load(), 1);
  // Gave up after the renew deadline, before the lease could expire for anyone else.
  EXPECT_GE(std::chrono::steady_clock::now() - revoked_at, 500ms);
  EXPECT_LT(std::chrono::steady_clock::now() - revoked_at, 1000ms + 500ms);
}

TEST_F(LeaderElectionTest, LeaderStopsLeadingWhenTheApiServerGoesAway) {
  Candidate a(client_, Fast("a"));
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.elector.IsLeader(); }, 5s));
  sim_.Stop();
  sim_.Wait();
  ASSERT_TRUE(WaitFor([&] { return a.result.load() == 0; }, 15s));
  EXPECT_EQ(a.stopped.load(), 1);
}

}  // namespace
}  // namespace airunway::controller::runtime
