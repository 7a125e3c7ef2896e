#include "kubesim/pki.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <ctime>

namespace airunway::kubesim {
namespace {

using common::ErrorCode;

struct SslCtxDeleter { void operator()(SSL_CTX* p) const { SSL_CTX_free(p); } };
struct SslDeleter { void operator()(SSL* p) const { SSL_free(p); } };
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

// One CA for the whole suite: key generation is the slow part and every test only reads it.
const CertificateAndKey& TestCa() {
  static const CertificateAndKey ca = [] {
    auto generated = GenerateCa("kubesim-ca");
    if (!generated) {
      ADD_FAILURE() << generated.error().message;
      return CertificateAndKey{};
    }
    return *generated;
  }();
  return ca;
}

X509Ptr MustParse(const std::string& pem) {
  auto cert = ParseCertificatePem(pem);
  EXPECT_TRUE(cert) << (cert ? "" : cert.error().message);
  return cert ? std::move(*cert) : X509Ptr();
}

// Days from now until `time` (negative when in the past).
int DaysFromNow(const ASN1_TIME* time) {
  int days = 0;
  int seconds = 0;
  EXPECT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, time), 1);
  return days;
}

TEST(PkiTest, CaIsASelfSignedTenYearCa) {
  const auto& ca = TestCa();
  EXPECT_NE(ca.cert_pem.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  EXPECT_NE(ca.key_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  X509Ptr cert = MustParse(ca.cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_TRUE(X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN);
  EXPECT_EQ(SubjectOf(cert.get()).common_name, "kubesim-ca");
  EXPECT_EQ(X509_check_issued(cert.get(), cert.get()), X509_V_OK);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);
  EXPECT_LE(DaysFromNow(X509_get0_notBefore(cert.get())), 0);
  EXPECT_GE(DaysFromNow(X509_get0_notAfter(cert.get())), 3640);
}

TEST(PkiTest, TwoCasHaveDifferentSerials) {
  auto other = GenerateCa("kubesim-ca");
  ASSERT_TRUE(other);
  X509Ptr a = MustParse(TestCa().cert_pem);
  X509Ptr b = MustParse(other->cert_pem);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.get()), X509_get0_serialNumber(b.get())), 0);
}

TEST(PkiTest, ServerCertificateCarriesDefaultAndExtraSans) {
  auto server = IssueServerCertificate(TestCa(), {"kubesim.local", "*.svc.local"}, {"10.0.0.5"});
  ASSERT_TRUE(server) << server.error().message;
  X509Ptr cert = MustParse(server->cert_pem);
  ASSERT_TRUE(cert);
  X509Ptr ca = MustParse(TestCa().cert_pem);

  EXPECT_EQ(X509_check_issued(ca.get(), cert.get()), X509_V_OK);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "kubesim.local", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "api.svc.local", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "10.0.0.5", 0), 1);
  EXPECT_NE(X509_check_host(cert.get(), "example.com", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_ip_asc(cert.get(), "10.0.0.6", 0), 1);
  EXPECT_TRUE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_SERVER);
  EXPECT_FALSE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
}

TEST(PkiTest, ServerCertificateRejectsMalformedNames) {
  auto comma = IssueServerCertificate(TestCa(), {"a.local,DNS:evil.com"}, {});
  ASSERT_FALSE(comma);
  EXPECT_EQ(comma.error().code, ErrorCode::kInvalid);
  EXPECT_NE(comma.error().message.find("a.local,DNS:evil.com"), std::string::npos);

  auto ip = IssueServerCertificate(TestCa(), {}, {"300.1.1.1"});
  ASSERT_FALSE(ip);
  EXPECT_EQ(ip.error().code, ErrorCode::kInvalid);
}

TEST(PkiTest, ClientCertificateVerifiesAndCarriesUserAndGroups) {
  auto client = IssueClientCertificate(TestCa(), "alice", {"dev", "ops"});
  ASSERT_TRUE(client) << client.error().message;
  auto subject = VerifyClientCertificate(TestCa().cert_pem, client->cert_pem);
  ASSERT_TRUE(subject) << subject.error().message;
  EXPECT_EQ(subject->common_name, "alice");
  EXPECT_EQ(subject->organizations, (std::vector<std::string>{"dev", "ops"}));

  X509Ptr cert = MustParse(client->cert_pem);
  EXPECT_TRUE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT);
}

TEST(PkiTest, ClientCertificateFromAnotherCaIsRejected) {
  auto other_ca = GenerateCa("other");
  ASSERT_TRUE(other_ca);
  auto client = IssueClientCertificate(*other_ca, "mallory", {"system:masters"});
  ASSERT_TRUE(client);
  auto subject = VerifyClientCertificate(TestCa().cert_pem, client->cert_pem);
  ASSERT_FALSE(subject);
  EXPECT_EQ(subject.error().code, ErrorCode::kUnauthorized);
  EXPECT_NE(subject.error().message.find("unable to get local issuer certificate"), std::string::npos)
      << subject.error().message;
}

TEST(PkiTest, ServerCertificateIsNotAClientCertificate) {
  auto server = IssueServerCertificate(TestCa());
  ASSERT_TRUE(server);
  auto subject = VerifyClientCertificate(TestCa().cert_pem, server->cert_pem);
  ASSERT_FALSE(subject);
  EXPECT_EQ(subject.error().code, ErrorCode::kUnauthorized);
  EXPECT_NE(subject.error().message.find("unsuitable certificate purpose"), std::string::npos)
      << subject.error().message;
}

TEST(PkiTest, IssuingWithAMismatchedCaKeyFails) {
  auto other_ca = GenerateCa("other");
  ASSERT_TRUE(other_ca);
  CertificateAndKey mixed{TestCa().cert_pem, other_ca->key_pem};
  auto client = IssueClientCertificate(mixed, "alice");
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(client.error().message, "CA key does not match the CA certificate");
}

TEST(PkiTest, IssuingWithALeafAsCaFails) {
  auto leaf = IssueClientCertificate(TestCa(), "alice");
  ASSERT_TRUE(leaf);
  auto issued = IssueClientCertificate(*leaf, "bob");
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().code, ErrorCode::kInvalid);
}

TEST(PkiTest, GarbagePemIsInvalid) {
  auto cert = ParseCertificatePem("not a certificate");
  ASSERT_FALSE(cert);
  EXPECT_EQ(cert.error().code, ErrorCode::kInvalid);
  auto key = ParsePrivateKeyPem("-----BEGIN PRIVATE KEY-----\nsecretish\n-----END PRIVATE KEY-----\n");
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().message.find("secretish"), std::string::npos);
  EXPECT_EQ(ERR_peek_error(), 0u) << "the OpenSSL error queue must be left empty";
}

TEST(PkiTest, EmptyCommonNameIsInvalid) {
  auto client = IssueClientCertificate(TestCa(), "");
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, ErrorCode::kInvalid);
}

TEST(Base64Test, EncodesStandardVectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode(std::string("\xfb\xff", 2)), "+/8=");
}

TEST(Base64Test, DecodesAndRoundTrips) {
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_EQ(Base64Decode("Zm8="), "fo");
  EXPECT_EQ(Base64Decode("Zm9v"), "foo");
  const std::string binary("\x00\x01\xfe\xff\x10", 5);
  EXPECT_EQ(Base64Decode(Base64Encode(binary)), binary);
  const std::string pem = TestCa().cert_pem;
  EXPECT_EQ(Base64Decode(Base64Encode(pem)), pem);
  EXPECT_EQ(Base64Encode(pem).find('\n'), std::string::npos);
}

TEST(Base64Test, RejectsMalformedInput) {
  EXPECT_FALSE(Base64Decode("Zg="));     // bad length
  EXPECT_FALSE(Base64Decode("Z=g="));    // padding in the middle
  EXPECT_FALSE(Base64Decode("Zm9v!A=="));
}

// ---- A real TLS handshake over an in-memory BIO pair ------------------------------------

struct TlsPair {
  SslCtxPtr server_ctx;
  SslCtxPtr client_ctx;
  SslPtr server;
  SslPtr client;
};

TlsPair MakePair(const CertificateAndKey& serving, const std::string& client_trusted_ca,
                 const CertificateAndKey* client_identity) {
  TlsPair pair;
  pair.server_ctx.reset(SSL_CTX_new(TLS_server_method()));
  pair.client_ctx.reset(SSL_CTX_new(TLS_client_method()));
  auto configured = ConfigureTlsServer(pair.server_ctx.get(), serving, TestCa().cert_pem);
  EXPECT_TRUE(configured) << (configured ? "" : configured.error().message);

  SSL_CTX_set_verify(pair.client_ctx.get(), SSL_VERIFY_PEER, nullptr);
  X509Ptr trusted = MustParse(client_trusted_ca);
  EXPECT_EQ(X509_STORE_add_cert(SSL_CTX_get_cert_store(pair.client_ctx.get()), trusted.get()), 1);
  if (client_identity != nullptr) {
    X509Ptr cert = MustParse(client_identity->cert_pem);
    auto key = ParsePrivateKeyPem(client_identity->key_pem);
    EXPECT_TRUE(key);
    EXPECT_EQ(SSL_CTX_use_certificate(pair.client_ctx.get(), cert.get()), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey(pair.client_ctx.get(), key->get()), 1);
  }

  pair.server.reset(SSL_new(pair.server_ctx.get()));
  pair.client.reset(SSL_new(pair.client_ctx.get()));
  BIO* server_end = nullptr;
  BIO* client_end = nullptr;
  EXPECT_EQ(BIO_new_bio_pair(&server_end, 0, &client_end, 0), 1);
  SSL_set_bio(pair.server.get(), server_end, server_end);
  SSL_set_bio(pair.client.get(), client_end, client_end);
  SSL_set_accept_state(pair.server.get());
  SSL_set_connect_state(pair.client.get());
  return pair;
}

// Drives both ends until both finished or one failed; true on success.
bool Handshake(TlsPair& pair) {
  bool server_done = false;
  bool client_done = false;
  for (int round = 0; round < 20 && !(server_done && client_done); ++round) {
    for (auto [ssl, done] : {std::pair{pair.client.get(), &client_done}, std::pair{pair.server.get(), &server_done}}) {
      if (*done) continue;
      const int rc = SSL_do_handshake(ssl);
      if (rc == 1) {
        *done = true;
        continue;
      }
      const int err = SSL_get_error(ssl, rc);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return false;
      }
    }
  }
  return server_done && client_done;
}

TEST(TlsTest, HandshakeWithClientCertificateYieldsItsSubject) {
  auto serving = IssueServerCertificate(TestCa());
  auto client = IssueClientCertificate(TestCa(), "alice", {"dev"});
  ASSERT_TRUE(serving && client);
  TlsPair pair = MakePair(*serving, TestCa().cert_pem, &*client);
  ASSERT_EQ(SSL_set1_host(pair.client.get(), "localhost"), 1);
  ASSERT_TRUE(Handshake(pair));

  EXPECT_EQ(SSL_get_verify_result(pair.client.get()), X509_V_OK);
  auto subject = VerifiedPeerSubject(pair.server.get());
  ASSERT_TRUE(subject);
  EXPECT_EQ(*subject, (CertificateSubject{"alice", {"dev"}}));

  // Application data flows both ways.
  ASSERT_EQ(SSL_write(pair.client.get(), "ping", 4), 4);
  char buffer[8] = {};
  ASSERT_EQ(SSL_read(pair.server.get(), buffer, sizeof(buffer)), 4);
  EXPECT_EQ(std::string(buffer, 4), "ping");
}

TEST(TlsTest, ClientWithoutCertificateConnectsAnonymously) {
  auto serving = IssueServerCertificate(TestCa());
  ASSERT_TRUE(serving);
  TlsPair pair = MakePair(*serving, TestCa().cert_pem, nullptr);
  ASSERT_EQ(X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(pair.client.get()), "127.0.0.1"), 1);
  ASSERT_TRUE(Handshake(pair));
  EXPECT_EQ(SSL_get_verify_result(pair.client.get()), X509_V_OK);
  EXPECT_FALSE(VerifiedPeerSubject(pair.server.get()));
}

TEST(TlsTest, ClientTrustingAnotherCaRejectsTheServer) {
  auto serving = IssueServerCertificate(TestCa());
  auto other_ca = GenerateCa("other");
  ASSERT_TRUE(serving && other_ca);
  TlsPair pair = MakePair(*serving, other_ca->cert_pem, nullptr);
  EXPECT_FALSE(Handshake(pair));
  EXPECT_NE(SSL_get_verify_result(pair.client.get()), X509_V_OK);
}

TEST(TlsTest, ClientCheckingAnotherHostNameRejectsTheServer) {
  auto serving = IssueServerCertificate(TestCa());
  ASSERT_TRUE(serving);
  TlsPair pair = MakePair(*serving, TestCa().cert_pem, nullptr);
  ASSERT_EQ(SSL_set1_host(pair.client.get(), "example.com"), 1);
  EXPECT_FALSE(Handshake(pair));
  EXPECT_EQ(SSL_get_verify_result(pair.client.get()), X509_V_ERR_HOSTNAME_MISMATCH);
}

}  // namespace
}  // namespace airunway::kubesim
