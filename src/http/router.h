// Router: maps (method, path) to a handler, with path parameters.
//
// Patterns are split on '/'. A segment is a literal ("deployments"), a parameter (":name",
// one segment) or a greedy tail ("*id", one or more segments, must be last; model ids such as
// "Qwen/Qwen3-0.6B" contain '/'). Matching is done on the raw (still percent-encoded) path, so
// "%2F" stays inside its segment; parameter values are decoded afterwards.
//
// Precedence is by specificity, segment by segment: literal > parameter > tail; between equal
// patterns the first registered wins. So "/api/models/search" beats "/api/models/*id"
// whatever the order of registration. HEAD is served by the GET route (the server drops the
// body). A path that matches routes only of other methods is a 405 with their Allow list.
//
// Route tables: each API area exposes `void RegisterRoutes(Router&, ...)`.
//
// Thread-safety: build the router on one thread, then share it read-only (Match is const).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/message.h"

namespace airunway::http {

// A handler that answers at once, on the I/O thread. It must not block.
using Handler = std::function<Response(Request&)>;
// A handler that may suspend (co_await a WorkerPool, a timer, an outbound call).
using AsyncHandler = std::function<boost::asio::awaitable<Response>(Request&)>;

class Router {
 public:
  struct Route {
    std::string method;
    std::string pattern;
    std::variant<Handler, AsyncHandler> handler;
  };

  struct Match {
    const Route* route = nullptr;  // set when a route matched path and method
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<std::string> allowed_methods;  // when the path matched but the method did not
    bool path_matched = false;
  };

  void Add(std::string method, std::string pattern, Handler handler);
  void AddAsync(std::string method, std::string pattern, AsyncHandler handler);
  void Get(std::string pattern, Handler handler) { Add("GET", std::move(pattern), std::move(handler)); }
  void Post(std::string pattern, Handler handler) { Add("POST", std::move(pattern), std::move(handler)); }
  void Put(std::string pattern, Handler handler) { Add("PUT", std::move(pattern), std::move(handler)); }
  void Delete(std::string pattern, Handler handler) { Add("DELETE", std::move(pattern), std::move(handler)); }

  // Matches a raw (percent-encoded) path. A parameter whose value does not decode fails the
  // match for that route.
  Match Find(std::string_view method, std::string_view raw_path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Segment {
    enum class Kind { kLiteral, kParam, kTail } kind;
    std::string text;  // literal text or parameter name
  };
  struct Compiled {
    std::vector<Segment> segments;
    std::size_t route_index;
  };

  void AddRoute(Route route);
  // Returns the specificity rank vector when `compiled` matches, and fills params.
  bool MatchOne(const Compiled& compiled, const std::vector<std::string_view>& parts,
                std::vector<std::pair<std::string, std::string>>& params,
                std::vector<int>& rank) const;

  std::vector<Route> routes_;
  std::vector<Compiled> compiled_;
};

}  // namespace airunway::http
