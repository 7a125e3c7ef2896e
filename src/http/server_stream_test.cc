// Streaming responses over real sockets (plain TCP and TLS): how an open chunked body ends when
// its producer closes it and when the server shuts down. Clients must see a complete body —
// the last chunk, and over TLS a close_notify — never a truncated transfer.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>

#include "http/server.h"

namespace airunway::http {
namespace {

using namespace std::chrono_literals;

// A self-signed certificate for 127.0.0.1; the clients below do not verify it (the framing of
// the response is under test, not the trust chain).
TlsOptions SelfSignedTls() {
  TlsOptions tls;
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  auto pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    return out;
  };
  tls.certificate_chain_pem = pem([&](BIO* bio) { PEM_write_bio_X509(bio, cert); });
  tls.private_key_pem =
      pem([&](BIO* bio) { PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(cert);
  EVP_PKEY_free(key);
  return tls;
}

// How the server ended the connection, as the client's transport reports it.
enum class Ending { kCloseNotify, kEof, kReset, kTimeout, kError };

const char* Describe(Ending ending) {
  switch (ending) {
    case Ending::kCloseNotify: return "TLS close_notify";
    case Ending::kEof: return "EOF (TCP FIN; over TLS: without close_notify)";
    case Ending::kReset: return "connection reset";
    case Ending::kTimeout: return "timeout";
    case Ending::kError: return "error";
  }
  return "?";
}

void PrintTo(Ending ending, std::ostream* out) { *out << Describe(ending); }

// A blocking client over a raw socket, optionally with OpenSSL on top, that reports exactly
// how the connection ended. Every read is bounded by a receive timeout.
class RawClient {
 public:
  ~RawClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }

  bool Connect(std::uint16_t port, bool tls) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return false;
    if (!tls) return true;
    ctx_ = SSL_CTX_new(TLS_client_method());
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    return SSL_connect(ssl_) == 1;
  }

  bool Send(const std::string& bytes) {
    if (ssl_ != nullptr) return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }

  // Reads until `needle` has arrived; false if the connection ended first.
  bool ReadUntil(const std::string& needle) {
    while (received_.find(needle) == std::string::npos) {
      if (ReadSome()) return false;
    }
    return true;
  }

  Ending ReadToEnd() {
    for (;;) {
      if (auto ending = ReadSome()) return *ending;
    }
  }

  const std::string& received() const { return received_; }

 private:
  // Appends what arrives; returns how the connection ended, if it did.
  std::optional<Ending> ReadSome() {
    char buffer[4096];
    if (ssl_ != nullptr) {
      int n = SSL_read(ssl_, buffer, sizeof buffer);
      if (n > 0) {
        received_.append(buffer, static_cast<std::size_t>(n));
        return std::nullopt;
      }
      int error = SSL_get_error(ssl_, n);
      if (error == SSL_ERROR_ZERO_RETURN) return Ending::kCloseNotify;
      if (error == SSL_ERROR_SYSCALL) return ErrnoEnding();
      if (error == SSL_ERROR_SSL &&
          ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return Ending::kEof;
      }
      return Ending::kError;
    }
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      received_.append(buffer, static_cast<std::size_t>(n));
      return std::nullopt;
    }
    if (n == 0) return Ending::kEof;
    return ErrnoEnding();
  }

  static Ending ErrnoEnding() {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Ending::kTimeout;
    if (errno == ECONNRESET) return Ending::kReset;
    return errno == 0 ? Ending::kEof : Ending::kError;
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string received_;
};

// The body of a chunked HTTP/1.1 response, or nullopt if the last chunk never came.
std::optional<std::string> DecodeChunked(const std::string& wire) {
  std::size_t pos = wire.find("\r\n\r\n");
  if (pos == std::string::npos) return std::nullopt;
  pos += 4;
  std::string body;
  for (;;) {
    std::size_t line_end = wire.find("\r\n", pos);
    if (line_end == std::string::npos) return std::nullopt;
    std::size_t size = std::stoul(wire.substr(pos, line_end - pos), nullptr, 16);
    pos = line_end + 2;
    if (size == 0) {
      if (wire.compare(pos, 2, "\r\n") != 0) return std::nullopt;
      return body;
    }
    if (wire.size() < pos + size + 2) return std::nullopt;
    body.append(wire, pos, size);
    pos += size + 2;
  }
}

// Parameter: TLS or plain TCP.
class StreamEndTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto router = std::make_shared<Router>();
    router->Get("/stream", [this](Request&) {
      auto stream = std::make_shared<BodyStream>();
      stream->Write("first\n");
      {
        std::lock_guard lock(mutex_);
        stream_ = stream;
      }
      return Response::Streaming(200, stream, "text/plain");
    });
    ServerOptions options;
    options.threads = 2;
    options.access_log = false;
    options.shutdown_grace = 10s;
    if (GetParam()) options.tls = SelfSignedTls();
    server_ = std::make_unique<Server>(std::move(options), std::move(router));
    ASSERT_TRUE(server_->Listen().ok());
    server_->Start();
  }

  void TearDown() override {
    server_->Stop();
    server_->Wait();
  }

  std::shared_ptr<BodyStream> Stream() {
    std::lock_guard lock(mutex_);
    return stream_;
  }

  // What a TLS client should see at the end: a close_notify; a plain one: a FIN.
  Ending CleanEnding() const { return GetParam() ? Ending::kCloseNotify : Ending::kEof; }

  std::unique_ptr<Server> server_;
  std::mutex mutex_;
  std::shared_ptr<BodyStream> stream_;  // guarded by mutex_
};

TEST_P(StreamEndTest, ProducerCloseEndsTheBodyCleanly) {
  RawClient client;
  ASSERT_TRUE(client.Connect(server_->port(), GetParam()));
  ASSERT_TRUE(client.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(client.ReadUntil("first\n")) << client.received();
  auto stream = Stream();
  ASSERT_TRUE(stream);
  stream->Write("second\n");
  stream->Close();
  Ending ending = client.ReadToEnd();
  auto body = DecodeChunked(client.received());
  ASSERT_TRUE(body) << "truncated: " << client.received();
  EXPECT_EQ(*body, "first\nsecond\n");
  EXPECT_EQ(ending, CleanEnding());
}

TEST_P(StreamEndTest, ShutdownEndsAnOpenBodyCleanly) {
  RawClient client;
  ASSERT_TRUE(client.Connect(server_->port(), GetParam()));
  ASSERT_TRUE(client.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(client.ReadUntil("first\n")) << client.received();
  auto stream = Stream();
  ASSERT_TRUE(stream);
  server_->Stop();
  Ending ending = client.ReadToEnd();
  server_->Wait();
  auto body = DecodeChunked(client.received());
  ASSERT_TRUE(body) << "truncated: " << client.received();
  EXPECT_EQ(*body, "first\n");
  EXPECT_EQ(ending, CleanEnding());
  EXPECT_FALSE(stream->Write("late")) << "the producer is told to stop";
}

// libcurl (the kube client's transport) reports a stream cut short as CURLE_PARTIAL_FILE
// ("transfer closed with outstanding read data remaining").
struct CurlTransfer {
  std::mutex mutex;
  std::condition_variable changed;
  std::string body;
  bool done = false;
  CURLcode result = CURLE_OK;

  static std::size_t OnData(char* data, std::size_t size, std::size_t count, void* user) {
    auto* self = static_cast<CurlTransfer*>(user);
    std::lock_guard lock(self->mutex);
    self->body.append(data, size * count);
    self->changed.notify_all();
    return size * count;
  }
};

TEST_P(StreamEndTest, CurlSeesACompleteTransferAtShutdown) {
  CurlTransfer transfer;
  std::string url = std::string(GetParam() ? "https" : "http") + "://127.0.0.1:" + std::to_string(server_->port()) + "/stream";
  std::thread client([&] {
    CURL* curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &CurlTransfer::OnData);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode result = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    std::lock_guard lock(transfer.mutex);
    transfer.result = result;
    transfer.done = true;
    transfer.changed.notify_all();
  });
  {
    std::unique_lock lock(transfer.mutex);
    bool started = transfer.changed.wait_for(lock, 20s, [&] { return transfer.body == "first\n" || transfer.done; });
    EXPECT_TRUE(started);
  }
  server_->Stop();
  client.join();
  server_->Wait();
  EXPECT_EQ(transfer.result, CURLE_OK) << curl_easy_strerror(transfer.result);
  EXPECT_EQ(transfer.body, "first\n");
}

INSTANTIATE_TEST_SUITE_P(Transports, StreamEndTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param_info) { return param_info.param ? "Tls" : "Plain"; });

}  // namespace
}  // namespace airunway::http
