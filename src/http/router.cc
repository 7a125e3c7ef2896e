#include "http/router.h"

#include <algorithm>
#include <cassert>

namespace airunway::http {

namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return parts;
  while (true) {
    std::size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

// Ranks used to compare matches segment by segment: higher is more specific.
constexpr int kRankLiteral = 3;
constexpr int kRankParam = 2;
constexpr int kRankTail = 1;

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  AddRoute(Route{std::move(method), std::move(pattern), std::move(handler)});
}

void Router::AddAsync(std::string method, std::string pattern, AsyncHandler handler) {
  AddRoute(Route{std::move(method), std::move(pattern), std::move(handler)});
}

void Router::AddRoute(Route route) {
  Compiled compiled;
  compiled.route_index = routes_.size();
  auto parts = SplitPath(route.pattern);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (!part.empty() && part.front() == ':') {
      compiled.segments.push_back({Segment::Kind::kParam, std::string(part.substr(1))});
    } else if (!part.empty() && part.front() == '*') {
      assert(i + 1 == parts.size() && "a greedy tail must be the last segment");
      compiled.segments.push_back({Segment::Kind::kTail, std::string(part.substr(1))});
    } else {
      compiled.segments.push_back({Segment::Kind::kLiteral, std::string(part)});
    }
  }
  routes_.push_back(std::move(route));
  compiled_.push_back(std::move(compiled));
}

bool Router::MatchOne(const Compiled& compiled, const std::vector<std::string_view>& parts,
                      std::vector<std::pair<std::string, std::string>>& params,
                      std::vector<int>& rank) const {
  params.clear();
  rank.clear();
  std::size_t i = 0;
  for (const auto& segment : compiled.segments) {
    if (segment.kind == Segment::Kind::kTail) {
      if (i >= parts.size()) return false;
      std::string joined;
      for (std::size_t j = i; j < parts.size(); ++j) {
        if (parts[j].empty()) return false;  // no empty segments inside a tail
        if (j > i) joined += '/';
        joined += parts[j];
      }
      auto decoded = PercentDecode(joined);
      if (!decoded) return false;
      params.emplace_back(segment.text, std::move(*decoded));
      rank.push_back(kRankTail);
      i = parts.size();
      break;
    }
    if (i >= parts.size()) return false;
    if (segment.kind == Segment::Kind::kLiteral) {
      if (parts[i] != segment.text) return false;
      rank.push_back(kRankLiteral);
    } else {
      if (parts[i].empty()) return false;
      auto decoded = PercentDecode(parts[i]);
      if (!decoded) return false;
      params.emplace_back(segment.text, std::move(*decoded));
      rank.push_back(kRankParam);
    }
    ++i;
  }
  return i == parts.size();
}

Router::Match Router::Find(std::string_view method, std::string_view raw_path) const {
  Match best;
  auto parts = SplitPath(raw_path);
  std::vector<int> best_rank;
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<int> rank;
  std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
  for (const auto& compiled : compiled_) {
    if (!MatchOne(compiled, parts, params, rank)) continue;
    const Route& route = routes_[compiled.route_index];
    best.path_matched = true;
    if (route.method != wanted) {
      if (std::find(best.allowed_methods.begin(), best.allowed_methods.end(), route.method) ==
          best.allowed_methods.end()) {
        best.allowed_methods.push_back(route.method);
      }
      continue;
    }
    // Strictly more specific wins; on a tie the earlier registration stays.
    if (best.route == nullptr || std::lexicographical_compare(best_rank.begin(), best_rank.end(),
                                                              rank.begin(), rank.end())) {
      best.route = &route;
      best.params = params;
      best_rank = rank;
    }
  }
  if (best.route != nullptr) {
    best.allowed_methods.clear();
  } else if (std::find(best.allowed_methods.begin(), best.allowed_methods.end(), "GET") !=
             best.allowed_methods.end()) {
    best.allowed_methods.push_back("HEAD");
  }
  return best;
}

}  // namespace airunway::http
