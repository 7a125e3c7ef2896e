#include "kube/compact_object.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <malloc.h>

#include <string>
#include <thread>
#include <vector>

namespace airunway::kube {
namespace {

namespace json = boost::json;

json::object SamplePod(int i) {
  return json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod-)" + std::to_string(i) +
                     R"(","namespace":"default","labels":{"app":"a-rather-long-label-value-to-leave-the-small-buffer"},
                        "managedFields":[{"manager":"kubectl","operation":"Apply","fieldsV1":{"f:spec":{}}}]},
                       "spec":{"containers":[{"name":"vllm","image":"vllm/vllm-openai:v0.8.0","args":["--model","Qwen/Qwen3-0.6B"],
                               "resources":{"limits":{"nvidia.com/gpu":"1"}}}],"nodeName":"gpu-node-1"},
                       "status":{"phase":"Running","restarts":3,"ratio":0.5,"ready":true,"nothing":null}})")
      .as_object();
}

TEST(CompactObjectTest, EqualsTheSourceWithoutManagedFields) {
  auto source = SamplePod(1);
  auto compact = MakeCompactObject(source);
  source["metadata"].as_object().erase("managedFields");
  EXPECT_EQ(*compact, source);
  EXPECT_EQ(json::serialize(*compact), json::serialize(source));
}

std::size_t HeapInUse() { return mallinfo2().uordblks; }

TEST(CompactObjectTest, HoldsLessHeapThanAPlainCopy) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's allocator does not report glibc heap figures";
#endif
  const auto source = SamplePod(2);
  std::vector<std::shared_ptr<const json::object>> plain, compact;
  auto before = HeapInUse();
  for (int i = 0; i < 2000; ++i) plain.push_back(std::make_shared<const json::object>(source));
  auto plain_bytes = HeapInUse() - before;
  before = HeapInUse();
  for (int i = 0; i < 2000; ++i) compact.push_back(MakeCompactObject(source));
  auto compact_bytes = HeapInUse() - before;
  // One exact block per object instead of one heap block per string, array and object (and
  // managedFields left out): clearly less than the plain copy (about three quarters here).
  EXPECT_LT(compact_bytes * 10, plain_bytes * 9) << compact_bytes << " vs " << plain_bytes;
}

TEST(CompactObjectTest, CopiesMayBeChangedAndOutliveTheOriginal) {
  json::object copy;
  {
    auto compact = MakeCompactObject(SamplePod(3));
    copy = *compact;  // assignment keeps copy's own (default) storage
    json::object shared_storage = *compact;  // the copy constructor shares the arena's resource
    shared_storage["status"].as_object()["phase"] = "Failed, with a message too long for the inline buffer";
    shared_storage["spec"].as_object()["containers"].as_array().push_back(json::object{{"name", "sidecar"}});
    EXPECT_EQ(compact->at("status").at("phase"), "Running");
    compact.reset();  // the arena stays alive while shared_storage uses it
    EXPECT_EQ(shared_storage.at("spec").at("containers").as_array().size(), 2u);
    EXPECT_EQ(shared_storage.at("metadata").at("name"), "pod-3");
  }
  EXPECT_EQ(copy.at("metadata").at("labels").at("app"), "a-rather-long-label-value-to-leave-the-small-buffer");
}

TEST(CompactObjectTest, ManyThreadsCopyAndChangeOneObject) {
  auto compact = MakeCompactObject(SamplePod(4));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        json::object copy = *compact;
        copy["status"].as_object()["phase"] = std::string(40, static_cast<char>('a' + t));
        auto made = MakeCompactObject(copy);
        if (made->at("status").at("phase").as_string().size() != 40) failures++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(compact->at("status").at("phase"), "Running");
}

TEST(CompactObjectTest, LargeObjectsBeyondTheScratchBuffer) {
  json::object big{{"metadata", {{"name", "big"}}}};
  json::array items;
  for (int i = 0; i < 20'000; ++i) items.push_back(json::value("item number " + std::to_string(i) + " of many"));
  big["data"] = std::move(items);
  auto compact = MakeCompactObject(big);
  EXPECT_EQ(*compact, big);
  auto again = MakeCompactObject(big);  // scratch has grown
  EXPECT_EQ(*again, big);
}

}  // namespace
}  // namespace airunway::kube
