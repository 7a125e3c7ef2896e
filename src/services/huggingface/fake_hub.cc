#include "services/huggingface/fake_hub.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "common/json.h"

namespace airunway::huggingface::testing {

namespace {

using http::Response;

std::optional<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Response JsonText(int status, std::string body) {
  Response response;
  response.status = status;
  response.headers.Set("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

Response HubError(int status, std::string_view message) {
  return JsonText(status, common::ToJson(boost::json::object{{"error", message}}));
}

bool KnownToken(std::string_view authorization) {
  return authorization == std::string("Bearer ") + kValidToken ||
         authorization == std::string("Bearer ") + kOAuthAccessToken;
}

std::string FileKey(std::string_view repo) {
  std::string key(repo);
  if (auto slash = key.find('/'); slash != std::string::npos) key.replace(slash, 1, "__");
  return key;
}

}  // namespace

FakeHub::FakeHub(std::string testdata_dir) : testdata_(std::move(testdata_dir)) {}

FakeHub::~FakeHub() { Stop(); }

common::Status FakeHub::Start() {
  auto router = std::make_shared<http::Router>();
  auto handler = [this](http::Request& request) -> boost::asio::awaitable<Response> {
    auto executor = co_await boost::asio::this_coro::executor;
    // A hang lasts until the client gives up or the fixture stops (at most 10 s).
    if (hang_.load()) {
      for (int i = 0; i < 500 && hang_.load() && !stopping_.load(); ++i) {
        boost::asio::steady_timer timer(executor, std::chrono::milliseconds(20));
        co_await timer.async_wait(boost::asio::use_awaitable);
      }
    }
    if (auto delay = delay_ms_.load(); delay > 0) {
      boost::asio::steady_timer timer(executor, std::chrono::milliseconds(delay));
      co_await timer.async_wait(boost::asio::use_awaitable);
    }
    co_return Answer(request);
  };
  router->AddAsync("GET", "/*path", handler);
  router->AddAsync("POST", "/*path", handler);
  http::ServerOptions options;
  options.threads = 2;
  options.access_log = false;
  options.shutdown_grace = std::chrono::milliseconds(100);
  server_ = std::make_unique<http::Server>(std::move(options), router);
  auto listening = server_->Listen();
  if (!listening) return listening;
  server_->Start();
  return common::Status::Ok();
}

void FakeHub::Stop() {
  if (!server_) return;
  stopping_.store(true);
  server_->Stop();
  server_->Wait();
  server_.reset();
}

std::string FakeHub::endpoint() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

void FakeHub::FailNext(int count, int status, std::optional<int> retry_after_seconds) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < count; ++i) failures_.push_back({status, retry_after_seconds});
}

int FakeHub::Hits(const std::string& prefix) const {
  std::lock_guard lock(mutex_);
  int hits = 0;
  for (const auto& path : paths_) {
    if (path.rfind(prefix, 0) == 0) ++hits;
  }
  return hits;
}

std::vector<std::string> FakeHub::authorizations() const {
  std::lock_guard lock(mutex_);
  return authorizations_;
}

std::vector<std::string> FakeHub::targets() const {
  std::lock_guard lock(mutex_);
  return targets_;
}

std::string FakeHub::last_token_form() const {
  std::lock_guard lock(mutex_);
  return last_token_form_;
}

Response FakeHub::Answer(const http::Request& request) {
  std::string authorization(request.Header("Authorization").value_or(""));
  {
    std::lock_guard lock(mutex_);
    paths_.push_back(request.path);
    targets_.push_back(request.target);
    if (!authorization.empty()) authorizations_.push_back(authorization);
    if (request.path == "/oauth/token") last_token_form_ = request.body;
    if (!failures_.empty()) {
      auto failure = failures_.front();
      failures_.pop_front();
      auto response = HubError(failure.status, "scripted failure");
      if (failure.retry_after) response.headers.Set("Retry-After", std::to_string(*failure.retry_after));
      return response;
    }
  }

  const std::string& path = request.path;
  if (request.method == "POST" && path == "/oauth/token") {
    std::vector<std::pair<std::string, std::string>> form;
    std::string_view body = request.body;
    while (!body.empty()) {
      auto amp = body.find('&');
      auto pair = body.substr(0, amp);
      auto eq = pair.find('=');
      auto key = http::PercentDecode(pair.substr(0, eq), true).value_or("");
      auto value = eq == std::string_view::npos ? std::string() : http::PercentDecode(pair.substr(eq + 1), true).value_or("");
      form.emplace_back(key, value);
      if (amp == std::string_view::npos) break;
      body.remove_prefix(amp + 1);
    }
    auto get = [&](std::string_view key) {
      for (const auto& [k, v] : form) {
        if (k == key) return v;
      }
      return std::string();
    };
    if (get("grant_type") != "authorization_code" || get("code") != kGoodCode || get("code_verifier").size() < 43 ||
        get("redirect_uri").empty() || get("client_id").empty()) {
      return JsonText(400, R"({"error":"invalid_grant","error_description":"Invalid authorization code"})");
    }
    return JsonText(200, common::ToJson(boost::json::object{{"access_token", kOAuthAccessToken},
                                                            {"token_type", "bearer"},
                                                            {"expires_in", 28800},
                                                            {"scope", "openid profile read-repos"}}));
  }
  if (request.method != "GET") return HubError(405, "method not allowed");

  if (path == "/api/whoami-v2") {
    if (!KnownToken(authorization)) return HubError(401, "Invalid credentials in Authorization header");
    auto text = ReadText(testdata_ + "/whoami.json");
    return text ? JsonText(200, *text) : HubError(500, "fixture whoami.json missing");
  }
  if (path == "/api/models") {
    static const char* kExpand[] = {"safetensors", "gated", "config", "pipeline_tag",
                                    "library_name", "tags", "downloads", "likes"};
    std::vector<std::string> expand;
    for (const auto& [key, value] : request.query) {
      if (key == "expand[]") expand.push_back(value);
    }
    bool well_formed = request.Query("full") == "true" && request.Query("config") == "true" &&
                       request.Query("limit").has_value() && request.Query("search").has_value() &&
                       request.Query("filter").has_value() && expand.size() == 8;
    for (std::size_t i = 0; well_formed && i < expand.size(); ++i) well_formed = expand[i] == kExpand[i];
    if (!well_formed) return HubError(400, "unexpected search parameters");
    auto text = ReadText(testdata_ + "/search/" + std::string(*request.Query("search")) + "." +
                         std::string(*request.Query("filter")) + ".json");
    return JsonText(200, text.value_or("[]"));
  }
  constexpr std::string_view kModels = "/api/models/";
  if (path.rfind(kModels, 0) == 0) {
    std::string repo = path.substr(kModels.size());
    auto text = ReadText(testdata_ + "/models/" + FileKey(repo) + ".json");
    if (!text) return HubError(404, "Repository not found");
    auto parsed = common::ParseJson(*text);
    if (parsed && parsed->is_object()) {
      const auto* gated = common::Find(parsed->get_object(), "gated");
      bool is_gated = gated != nullptr && !(gated->is_bool() && !gated->get_bool());
      if (is_gated && !KnownToken(authorization)) {
        return HubError(401, "Access to model " + repo + " is restricted. You must have access to it and be authenticated to access it.");
      }
    }
    return JsonText(200, *text);
  }
  constexpr std::string_view kConfig = "/resolve/main/config.json";
  if (path.size() > kConfig.size() && path.substr(path.size() - kConfig.size()) == kConfig) {
    std::string repo = path.substr(1, path.size() - kConfig.size() - 1);
    auto text = ReadText(testdata_ + "/configs/" + FileKey(repo) + ".json");
    return text ? JsonText(200, *text) : HubError(404, "Entry not found");
  }
  return HubError(404, "Not found");
}

}  // namespace airunway::huggingface::testing
