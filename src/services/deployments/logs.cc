#include "services/deployments/logs.h"

#include <boost/asio/post.hpp>

#include "common/logging.h"
#include "services/deployments/status.h"

namespace airunway::services::deployments {

LogStreamer::LogStreamer(std::shared_ptr<kube::Client> client, std::size_t max_streams)
    : client_(std::move(client)), max_streams_(max_streams), pool_(max_streams) {}

LogStreamer::~LogStreamer() {
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, source] : running_) source.request_stop();
  }
  pool_.join();
}

common::Result<std::shared_ptr<http::BodyStream>> LogStreamer::Follow(std::string ns, std::string pod,
                                                                      kube::LogOptions options) {
  if (active_.fetch_add(1) >= max_streams_) {
    active_.fetch_sub(1);
    return common::MakeError(common::ErrorCode::kUnavailable,
                             "Too many log streams are open on this server; close one and try again.", "Busy");
  }
  auto stream = std::make_shared<http::BodyStream>();
  std::stop_source stop;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    running_.emplace(id, stop);
  }
  stream->OnCancel([stop]() mutable { stop.request_stop(); });
  boost::asio::post(pool_, [this, stream, stop, id, ns = std::move(ns), pod = std::move(pod),
                            options = std::move(options)]() {
    std::string carry;
    auto ended = client_->StreamLogs(
        ns, pod, options,
        [&](std::string_view data) { return stream->Write(StripAnsi(data, &carry)); }, stop.get_token());
    if (!ended && !stop.stop_requested()) {
      // Headers are gone already: say why in the body, as kubectl logs -f would.
      stream->Write("\n[log stream ended: " + ended.error().message + "]\n");
    }
    stream->Close();
    {
      std::lock_guard lock(mutex_);
      running_.erase(id);
    }
    active_.fetch_sub(1);
  });
  return stream;
}

}  // namespace airunway::services::deployments
