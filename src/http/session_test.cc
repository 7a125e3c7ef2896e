// Session tests over Beast's in-memory test streams: the same session code as production,
// without sockets, including a stream that fails at every step in turn.
#include "http/session.h"

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <gtest/gtest.h>


namespace airunway::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() {
    router_.Get("/ping", [](Request&) { return Response::Text(200, "pong"); });
    router_.Post("/echo", [](Request& r) { return Response::Text(200, r.body); });
    router_.Get("/throw", [](Request&) -> Response { throw std::runtime_error("secret detail"); });
    router_.Get("/stream", [this](Request&) {
      stream_ = std::make_shared<BodyStream>();
      return Response::Streaming(200, stream_, "application/json");
    });
    options_.body_limit = 64;
    options_.header_limit = 512;
    options_.access_log = false;
    ctx_.options = &options_;
    ctx_.router = &router_;
    ctx_.in_flight = &in_flight_;
    ctx_.stopping = &stopping_;
  }

  // Runs one session on `server` to completion.
  void RunOn(beast::test::stream& server) {
    detail::SessionControl control;
    bool finished = false;
    asio::co_spawn(io_, detail::RunSession(server, ctx_, control, "test", std::nullopt),
                   [&](std::exception_ptr) { finished = true; });
    io_.run();
    io_.restart();
    EXPECT_TRUE(finished) << "the session did not finish";
    EXPECT_EQ(in_flight_.load(), 0u);
  }

  // Sends `wire` and returns everything the server wrote back.
  std::string Exchange(const std::string& wire) {
    beast::test::stream server(io_);
    beast::test::stream client(io_);
    server.connect(client);
    server.append(wire);
    server.close_remote();  // the client has nothing more to send
    RunOn(server);
    return std::string(client.str());
  }

  asio::io_context io_;
  Router router_;
  ServerOptions options_;
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<bool> stopping_{false};
  detail::SessionContext ctx_;
  std::shared_ptr<BodyStream> stream_;
};

TEST_F(SessionTest, AnswersAndKeepsTheConnectionAlive) {
  auto out = Exchange(
      "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /ping HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\r\n\r\n");
  EXPECT_EQ(out.find("HTTP/1.1 200 OK"), 0u) << out;
  EXPECT_NE(out.find("HTTP/1.1 200 OK", 10), std::string::npos) << "second request on the same connection";
  EXPECT_NE(out.find("X-Request-Id: abc"), std::string::npos);
  EXPECT_NE(out.find("pong"), std::string::npos);
}

TEST_F(SessionTest, UnknownRouteAndWrongMethodUseTheErrorShape) {
  auto out = Exchange("GET /nope HTTP/1.1\r\nHost: x\r\n\r\nDELETE /ping HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(out.find("404 Not Found"), std::string::npos);
  EXPECT_NE(out.find(R"("message":"Route not found: GET /nope","statusCode":404)"), std::string::npos) << out;
  EXPECT_NE(out.find("405 Method Not Allowed"), std::string::npos);
  EXPECT_NE(out.find("Allow: GET, HEAD"), std::string::npos);
}

TEST_F(SessionTest, OversizedBodyIs413AndTheConnectionCloses) {
  std::string body(100, 'x');
  auto out = Exchange("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + body +
                      "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(out.find("HTTP/1.1 413"), 0u) << out;
  EXPECT_NE(out.find(R"("statusCode":413)"), std::string::npos);
  EXPECT_EQ(out.find("pong"), std::string::npos) << "nothing is served after a 413";
}

TEST_F(SessionTest, ChunkedBodyOverTheLimitIs413) {
  std::string chunk(80, 'y');
  auto out = Exchange("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n" + chunk +
                      "\r\n0\r\n\r\n");
  EXPECT_EQ(out.find("HTTP/1.1 413"), 0u) << out;
}

TEST_F(SessionTest, OversizedHeadersAre431) {
  auto out = Exchange("GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1000, 'z') + "\r\n\r\n");
  EXPECT_EQ(out.find("HTTP/1.1 431"), 0u) << out;
}

TEST_F(SessionTest, GarbageDropsTheConnectionQuietly) {
  auto out = Exchange("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_TRUE(out.empty()) << out;
}

TEST_F(SessionTest, HandlerExceptionIs500WithoutItsDetail) {
  auto out = Exchange("GET /throw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(out.find("HTTP/1.1 500"), 0u) << out;
  EXPECT_EQ(out.find("secret detail"), std::string::npos);
}

TEST_F(SessionTest, HeadHasLengthButNoBody) {
  auto out = Exchange("HEAD /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("Content-Length: 4"), std::string::npos) << out;
  EXPECT_EQ(out.find("pong"), std::string::npos);
}

TEST_F(SessionTest, StreamingResponseIsChunkedAndEndsWhenTheProducerCloses) {
  beast::test::stream server(io_);
  beast::test::stream client(io_);
  server.connect(client);
  server.append("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  detail::SessionControl control;
  bool finished = false;
  asio::co_spawn(io_, detail::RunSession(server, ctx_, control, "test", std::nullopt),
                 [&](std::exception_ptr) { finished = true; });
  // Run until the handler has produced its stream, then feed it from this thread.
  while (!stream_) io_.run_one();
  stream_->Write("{\"a\":1}\n");
  stream_->Write("{\"b\":2}\n");
  stream_->Close();
  io_.run();
  EXPECT_TRUE(finished);
  std::string out(client.str());
  EXPECT_NE(out.find("Transfer-Encoding: chunked"), std::string::npos) << out;
  EXPECT_NE(out.find("{\"a\":1}"), std::string::npos);
  EXPECT_NE(out.find("{\"b\":2}"), std::string::npos);
  EXPECT_NE(out.find("\r\n0\r\n\r\n"), std::string::npos) << "the last chunk ends the body";
}

TEST_F(SessionTest, StreamEndsWhenTheClientGoesAway) {
  beast::test::stream server(io_);
  beast::test::stream client(io_);
  server.connect(client);
  server.append("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  detail::SessionControl control;
  bool finished = false;
  asio::co_spawn(io_, detail::RunSession(server, ctx_, control, "test", std::nullopt),
                 [&](std::exception_ptr) { finished = true; });
  while (!stream_) io_.run_one();
  bool producer_told = false;
  stream_->OnCancel([&] { producer_told = true; });
  client.close();  // the peer disconnects
  io_.run();
  EXPECT_TRUE(finished);
  EXPECT_TRUE(producer_told) << "the producer learns that nobody is listening";
  EXPECT_FALSE(stream_->Write("more"));
}

// The race in Server::Shutdown: it sees a keep-alive connection idle and posts a closer to its
// strand, but the connection's next request is read before the closer runs. That request must
// be answered in full — cutting the response off is what clients report as "transfer closed
// with outstanding read data remaining".
TEST_F(SessionTest, ShutdownCloserSparesARequestThatArrivedFirst) {
  const std::string big(64 * 1024, 'x');
  router_.Get("/big", [&](Request&) { return Response::Text(200, big); });
  beast::test::stream server(io_);
  beast::test::stream client(io_);
  server.connect(client);
  server.write_size(1000);  // the answer takes many writes, each a chance for the closer to run
  detail::SessionControl control;
  bool finished = false;
  asio::co_spawn(io_, detail::RunSession(server, ctx_, control, "test", std::nullopt),
                 [&](std::exception_ptr) { finished = true; });
  io_.poll();  // the session now waits for a request
  ASSERT_FALSE(finished);
  ASSERT_FALSE(control.busy.load());

  stopping_ = true;
  const std::string request = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(client, asio::buffer(request));  // queues the session's read completion...
  asio::post(io_, [&] { detail::CloseIfIdle(server, control); });  // ...then the closer behind it
  io_.run();

  EXPECT_TRUE(finished);
  std::string out(client.str());
  EXPECT_EQ(out.find("HTTP/1.1 200 OK"), 0u) << out.substr(0, 200);
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << "a stopping server ends keep-alive";
  ASSERT_GE(out.size(), big.size());
  EXPECT_EQ(out.substr(out.size() - big.size()), big) << "the body arrived whole";
}

// The same race for a watch-like stream opened just as the server stops: the closer leaves it
// alone, and the shutdown's EndStream ends the body with its last chunk.
TEST_F(SessionTest, ShutdownCloserSparesAStreamThatStartedFirst) {
  beast::test::stream server(io_);
  beast::test::stream client(io_);
  server.connect(client);
  detail::SessionControl control;
  bool finished = false;
  asio::co_spawn(io_, detail::RunSession(server, ctx_, control, "test", std::nullopt),
                 [&](std::exception_ptr) { finished = true; });
  io_.poll();
  ASSERT_FALSE(control.busy.load());

  stopping_ = true;
  const std::string request = "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(client, asio::buffer(request));
  asio::post(io_, [&] { detail::CloseIfIdle(server, control); });
  io_.poll();
  ASSERT_TRUE(stream_);
  ASSERT_FALSE(finished) << "the closer cut the stream: " << client.str();
  stream_->Write("{\"a\":1}\n");
  control.EndStream();  // what Server::Shutdown does to open streams
  io_.run();

  EXPECT_TRUE(finished);
  std::string out(client.str());
  EXPECT_NE(out.find("{\"a\":1}"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("\r\n0\r\n\r\n")) << "the last chunk ends the body: " << out;
}

TEST_F(SessionTest, SurvivesAFailureAtEveryStep) {
  // Fail the n-th stream operation for n = 1, 2, ... until a run completes without failing.
  const std::string wire =
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  bool completed = false;
  for (std::size_t n = 1; n < 200 && !completed; ++n) {
    beast::test::fail_count fc(n);
    beast::test::stream server(io_, fc);
    beast::test::stream client(io_);
    server.connect(client);
    server.append(wire);
    RunOn(server);  // asserts that the session finishes, whatever step failed
    std::string out(client.str());
    std::size_t first_pong = out.find("pong");
    completed = out.find("hello") != std::string::npos && first_pong != std::string::npos &&
                out.find("pong", first_pong + 4) != std::string::npos;
  }
  EXPECT_TRUE(completed) << "a run without injected failure must succeed";
}

}  // namespace
}  // namespace airunway::http
