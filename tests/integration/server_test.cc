// http::Server in-process over real loopback sockets: async handlers, the worker pool,
// JSON bodies, streams, and shutdown with requests and streams in flight.
#include "http/server.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <thread>

#include "http/json_body.h"
#include "http/worker_pool.h"
#include "tests/support/http_client.h"

namespace airunway::http {
namespace {

using namespace std::chrono_literals;
using testing::HttpClient;

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(unsigned threads = 2) {
    auto router = std::make_shared<Router>();
    router->Get("/fast", [](Request&) { return Response::Text(200, "fast"); });
    router->AddAsync("GET", "/slow", [](Request&) -> boost::asio::awaitable<Response> {
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, 300ms);
      co_await timer.async_wait(boost::asio::use_awaitable);
      co_return Response::Text(200, "slow done");
    });
    router->AddAsync("GET", "/blocking", [this](Request&) -> boost::asio::awaitable<Response> {
      auto result = co_await pool_.Run([] {
        std::this_thread::sleep_for(300ms);  // stands in for a blocking libcurl call
        return std::string("blocking done");
      });
      if (!result) co_return Response::Error(result.error());
      co_return Response::Text(200, *result);
    });
    router->Post("/json", [](Request& request) {
      auto body = ParseJsonBody(request);
      if (!body) return Response::Error(body.error());
      return Response::Json(200, *body);
    });
    router->Get("/watch", [this](Request&) {
      watch_ = std::make_shared<BodyStream>();
      watch_->Write("{\"type\":\"ADDED\"}\n");
      return Response::Streaming(200, watch_, "application/json");
    });
    ServerOptions options;
    options.threads = threads;
    options.access_log = false;
    options.shutdown_grace = 5s;
    server_ = std::make_unique<Server>(std::move(options), router);
    ASSERT_TRUE(server_->Listen().ok());
    server_->Start();
  }

  void TearDown() override {
    if (server_) {
      server_->Stop();
      server_->Wait();
    }
  }

  WorkerPool pool_{1, 4};
  std::unique_ptr<Server> server_;
  std::shared_ptr<BodyStream> watch_;
};

TEST_F(ServerTest, BlockingWorkInThePoolDoesNotBlockTheIoThread) {
  StartServer(/*threads=*/1);
  std::thread slow([this] {
    HttpClient client(server_->port());
    EXPECT_EQ(client.Get("/blocking").body, "blocking done");
  });
  std::this_thread::sleep_for(50ms);
  auto started = std::chrono::steady_clock::now();
  HttpClient client(server_->port());
  EXPECT_EQ(client.Get("/fast").body, "fast");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 250ms) << "the only I/O thread was blocked";
  slow.join();
}

TEST_F(ServerTest, PoolRefusesWorkBeyondItsBoundWith503) {
  StartServer();
  std::vector<std::thread> clients;
  std::atomic<int> busy{0};
  std::atomic<int> done{0};
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      HttpClient client(server_->port());
      auto result = client.Get("/blocking");
      if (result.status == 503) ++busy;
      if (result.status == 200) ++done;
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_GT(busy.load(), 0);
  EXPECT_GT(done.load(), 0);
  EXPECT_EQ(busy.load() + done.load(), 8);
}

TEST_F(ServerTest, MalformedJsonIs400SayingWhere) {
  StartServer();
  HttpClient client(server_->port());
  auto bad = client.Request("POST", "/json", {{"Content-Type", "application/json"}}, "{\"replicas\": 2,,}");
  EXPECT_EQ(bad.status, 400);
  auto body = boost::json::parse(bad.body);
  std::string message(body.at("error").at("message").as_string());
  EXPECT_NE(message.find("line 1, column 16"), std::string::npos) << message;
  auto good = client.Request("POST", "/json", {{"Content-Type", "application/json"}}, "{\"replicas\":2}");
  EXPECT_EQ(good.status, 200);
  EXPECT_EQ(good.body, "{\"replicas\":2}");
  auto untyped = client.Request("POST", "/json", {}, "{}");
  EXPECT_EQ(untyped.status, 415);
}

TEST_F(ServerTest, StopLetsSlowRequestsFinishAndEndsStreams) {
  StartServer();
  std::vector<std::thread> clients;
  std::atomic<int> completed{0};
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back([&] {
      HttpClient client(server_->port());
      if (client.Get("/slow").body == "slow done") ++completed;
    });
  }
  HttpClient watcher(server_->port());
  ASSERT_TRUE(watcher.SendRaw("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while ((server_->InFlight() < 3 || !watch_) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  bool producer_told = false;
  watch_->OnCancel([&] { producer_told = true; });
  server_->Stop();
  auto started = std::chrono::steady_clock::now();
  bool refused = false;
  while (!refused && std::chrono::steady_clock::now() - started < 2s) {
    HttpClient late(server_->port(), 1s);
    refused = !late.Connect();
    if (!refused) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(refused);
  for (auto& c : clients) c.join();
  server_->Wait();
  EXPECT_EQ(completed.load(), 3) << "every in-flight request completes";
  auto streamed = watcher.ReadResponse();
  EXPECT_EQ(streamed.status, 200);
  EXPECT_NE(streamed.body.find("ADDED"), std::string::npos);
  EXPECT_TRUE(producer_told);
}

TEST_F(ServerTest, ManyConcurrentConnections) {
  StartServer();
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    clients.emplace_back([&] {
      HttpClient client(server_->port());
      for (int j = 0; j < 50; ++j) ok += client.Get("/fast").status == 200 ? 1 : 0;
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 16 * 50);
}

}  // namespace
}  // namespace airunway::http
