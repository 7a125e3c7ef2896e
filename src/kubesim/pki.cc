#include "kubesim/pki.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <climits>

namespace airunway::kubesim {
namespace {

using common::Error;
using common::ErrorCode;
using common::MakeError;
using common::Result;

struct BioDeleter { void operator()(BIO* p) const { BIO_free_all(p); } };
struct BignumDeleter { void operator()(BIGNUM* p) const { BN_free(p); } };
struct ExtensionDeleter { void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); } };
struct StoreDeleter { void operator()(X509_STORE* p) const { X509_STORE_free(p); } };
struct StoreCtxDeleter { void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); } };
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using BignumPtr = std::unique_ptr<BIGNUM, BignumDeleter>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, ExtensionDeleter>;
using StorePtr = std::unique_ptr<X509_STORE, StoreDeleter>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter>;

// Drains OpenSSL's thread-local error queue into one message, so a failure reports the
// library's own reason and a later, unrelated call does not see stale errors.
std::string DrainOpenSslErrors() {
  std::string text;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!text.empty()) text += "; ";
    text += buffer.data();
  }
  return text.empty() ? std::string("unknown OpenSSL error") : text;
}

Error OpenSslFailure(std::string_view what, ErrorCode code = ErrorCode::kInternal) {
  return MakeError(code, fmt::format("{}: {}", what, DrainOpenSslErrors()));
}

// Never prompt on a terminal for a passphrase: our keys are unencrypted, and an encrypted one
// is an input error.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return 0; }

BioPtr MemoryBioOver(std::string_view data) {
  if (data.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string ReadAll(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  if (out.empty()) return out;
  int n = BIO_read(bio, out.data(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

Result<std::string> CertToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return OpenSslFailure("encoding certificate");
  return ReadAll(bio.get());
}

Result<std::string> KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslFailure("encoding private key");
  }
  return ReadAll(bio.get());
}

Result<EvpPkeyPtr> GenerateKey() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return OpenSslFailure("generating P-256 key");
  return key;
}

// A positive, non-zero serial of 127 random bits: RFC 5280 allows up to 20 octets, and
// randomness keeps two simulator runs from issuing colliding serials under one CA.
common::Status SetRandomSerial(X509* cert) {
  std::array<unsigned char, 16> bytes{};
  do {
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      return OpenSslFailure("generating serial number");
    }
    bytes[0] &= 0x7f;
  } while (std::all_of(bytes.begin(), bytes.end(), [](unsigned char b) { return b == 0; }));
  BignumPtr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return OpenSslFailure("setting serial number");
  }
  return {};
}

common::Status AddNameEntry(X509_NAME* name, const char* field, std::string_view value) {
  if (value.empty()) return MakeError(ErrorCode::kInvalid, fmt::format("empty {} in certificate subject", field));
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    return OpenSslFailure(fmt::format("setting subject {}=\"{}\"", field, value), ErrorCode::kInvalid);
  }
  return {};
}

common::Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext) {
    return OpenSslFailure(fmt::format("building extension {} = {}", OBJ_nid2sn(nid), value),
                          ErrorCode::kInvalid);
  }
  if (X509_add_ext(cert, ext.get(), -1) != 1) return OpenSslFailure("adding certificate extension");
  return {};
}

struct Extension {
  int nid;
  std::string value;
};

// Builds, signs and encodes one certificate. `issuer`/`issuer_key` are null for a
// self-signed certificate.
Result<CertificateAndKey> BuildCertificate(const CertificateSubject& subject,
                                           std::chrono::seconds validity, X509* issuer,
                                           EVP_PKEY* issuer_key,
                                           const std::vector<Extension>& extensions) {
  auto key = GenerateKey();
  if (!key) return key.error();
  X509Ptr cert(X509_new());
  if (!cert) return OpenSslFailure("allocating certificate");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return OpenSslFailure("setting version");
  if (auto s = SetRandomSerial(cert.get()); !s) return s.error();

  const auto skew = std::chrono::duration_cast<std::chrono::seconds>(kClockSkewAllowance);
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -static_cast<long>(skew.count())) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(validity.count())) == nullptr) {
    return OpenSslFailure("setting validity");
  }

  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& org : subject.organizations) {
    if (auto s = AddNameEntry(name, "O", org); !s) return s.error();
  }
  if (auto s = AddNameEntry(name, "CN", subject.common_name); !s) return s.error();

  X509* signer = issuer != nullptr ? issuer : cert.get();
  EVP_PKEY* signer_key = issuer_key != nullptr ? issuer_key : key->get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1 ||
      X509_set_pubkey(cert.get(), key->get()) != 1) {
    return OpenSslFailure("setting issuer and public key");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, signer, cert.get(), nullptr, nullptr, 0);
  for (const auto& ext : extensions) {
    if (auto s = AddExtension(cert.get(), &ctx, ext.nid, ext.value); !s) return s.error();
  }

  if (X509_sign(cert.get(), signer_key, EVP_sha256()) <= 0) return OpenSslFailure("signing certificate");

  auto cert_pem = CertToPem(cert.get());
  if (!cert_pem) return cert_pem.error();
  auto key_pem = KeyToPem(key->get());
  if (!key_pem) return key_pem.error();
  return CertificateAndKey{std::move(*cert_pem), std::move(*key_pem)};
}

struct LoadedCa {
  X509Ptr cert;
  EvpPkeyPtr key;
};

Result<LoadedCa> LoadCa(const CertificateAndKey& ca) {
  auto cert = ParseCertificatePem(ca.cert_pem);
  if (!cert) return MakeError(cert.error().code, "CA certificate: " + cert.error().message);
  auto key = ParsePrivateKeyPem(ca.key_pem);
  if (!key) return MakeError(key.error().code, "CA key: " + key.error().message);
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    DrainOpenSslErrors();
    return MakeError(ErrorCode::kInvalid, "CA key does not match the CA certificate");
  }
  if (X509_check_ca(cert->get()) == 0) {
    return MakeError(ErrorCode::kInvalid, "the CA certificate is not a CA (basicConstraints CA:TRUE missing)");
  }
  return LoadedCa{std::move(*cert), std::move(*key)};
}

bool IsValidDnsName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (name.substr(0, 2) == "*.") name.remove_prefix(2);
  if (name.empty() || name.front() == '.' || name.back() == '.' || name.front() == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

bool IsValidIp(const std::string& ip) {
  std::array<unsigned char, 16> buffer{};
  return inet_pton(AF_INET, ip.c_str(), buffer.data()) == 1 ||
         inet_pton(AF_INET6, ip.c_str(), buffer.data()) == 1;
}

void AppendUnique(std::vector<std::string>& list, std::string value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

}  // namespace

Result<CertificateAndKey> GenerateCa(std::string_view common_name) {
  CertificateSubject subject{std::string(common_name), {}};
  std::vector<Extension> extensions = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"},
      {NID_subject_key_identifier, "hash"},
  };
  return BuildCertificate(subject, kCaValidity, nullptr, nullptr, extensions);
}

Result<CertificateAndKey> IssueServerCertificate(const CertificateAndKey& ca,
                                                 const std::vector<std::string>& dns_names,
                                                 const std::vector<std::string>& ip_addresses) {
  auto loaded = LoadCa(ca);
  if (!loaded) return loaded.error();

  // Validation matters beyond politeness: the SAN is passed to OpenSSL as a comma-separated
  // config string, so a stray ',' or ':' in a name would inject another entry.
  std::vector<std::string> dns = {"localhost"};
  for (const auto& name : dns_names) {
    if (!IsValidDnsName(name)) {
      return MakeError(ErrorCode::kInvalid, fmt::format("invalid DNS name \"{}\" for the serving certificate", name));
    }
    AppendUnique(dns, name);
  }
  std::vector<std::string> ips = {"127.0.0.1", "::1"};
  for (const auto& ip : ip_addresses) {
    if (!IsValidIp(ip)) {
      return MakeError(ErrorCode::kInvalid, fmt::format("invalid IP address \"{}\" for the serving certificate", ip));
    }
    AppendUnique(ips, ip);
  }
  std::string san;
  for (const auto& name : dns) san += (san.empty() ? "" : ",") + ("DNS:" + name);
  for (const auto& ip : ips) san += ",IP:" + ip;

  std::vector<Extension> extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
      {NID_ext_key_usage, "serverAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid"},
      {NID_subject_alt_name, san},
  };
  return BuildCertificate(CertificateSubject{"kubesim", {}}, kLeafValidity, loaded->cert.get(),
                          loaded->key.get(), extensions);
}

Result<CertificateAndKey> IssueClientCertificate(const CertificateAndKey& ca,
                                                 std::string_view common_name,
                                                 const std::vector<std::string>& organizations) {
  auto loaded = LoadCa(ca);
  if (!loaded) return loaded.error();
  std::vector<Extension> extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
      {NID_ext_key_usage, "clientAuth"},
      {NID_authority_key_identifier, "keyid"},
  };
  return BuildCertificate(CertificateSubject{std::string(common_name), organizations}, kLeafValidity,
                          loaded->cert.get(), loaded->key.get(), extensions);
}

Result<X509Ptr> ParseCertificatePem(std::string_view pem) {
  BioPtr bio = MemoryBioOver(pem);
  if (!bio) return OpenSslFailure("reading certificate PEM", ErrorCode::kInvalid);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!cert) return OpenSslFailure("parsing certificate PEM", ErrorCode::kInvalid);
  return cert;
}

Result<EvpPkeyPtr> ParsePrivateKeyPem(std::string_view pem) {
  BioPtr bio = MemoryBioOver(pem);
  if (!bio) return OpenSslFailure("reading private key PEM", ErrorCode::kInvalid);
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  // Deliberately no OpenSSL detail here: the reason text can quote the offending input.
  if (!key) {
    DrainOpenSslErrors();
    return MakeError(ErrorCode::kInvalid, "parsing private key PEM failed (not an unencrypted PEM private key)");
  }
  return key;
}

CertificateSubject SubjectOf(const X509* cert) {
  CertificateSubject subject;
  const X509_NAME* name = X509_get_subject_name(cert);
  const int count = X509_NAME_entry_count(name);
  for (int i = 0; i < count; ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    if (nid != NID_commonName && nid != NID_organizationName) continue;
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    if (len < 0) continue;
    std::string value(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    if (nid == NID_commonName) {
      subject.common_name = std::move(value);  // the last CN wins, as in Go's pkix.Name
    } else {
      subject.organizations.push_back(std::move(value));
    }
  }
  return subject;
}

Result<CertificateSubject> VerifyClientCertificate(std::string_view ca_pem, std::string_view cert_pem) {
  auto cert = ParseCertificatePem(cert_pem);
  if (!cert) return MakeError(cert.error().code, "client certificate: " + cert.error().message);

  StorePtr store(X509_STORE_new());
  if (!store) return OpenSslFailure("allocating certificate store");
  BioPtr bio = MemoryBioOver(ca_pem);
  int added = 0;
  while (bio) {
    X509Ptr ca(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
    if (!ca) break;
    if (X509_STORE_add_cert(store.get(), ca.get()) != 1) return OpenSslFailure("adding CA certificate");
    ++added;
  }
  ERR_clear_error();  // the loop ends on a "no start line" error by design
  if (added == 0) return MakeError(ErrorCode::kInvalid, "CA bundle holds no PEM certificate");

  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr) != 1) {
    return OpenSslFailure("initialising certificate verification");
  }
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return MakeError(ErrorCode::kUnauthorized,
                     fmt::format("client certificate does not verify: {}", X509_verify_cert_error_string(err)));
  }
  return SubjectOf(cert->get());
}

common::Status ConfigureTlsServer(SSL_CTX* ctx, const CertificateAndKey& serving,
                                  std::string_view client_ca_pem) {
  auto cert = ParseCertificatePem(serving.cert_pem);
  if (!cert) return MakeError(cert.error().code, "serving certificate: " + cert.error().message);
  auto key = ParsePrivateKeyPem(serving.key_pem);
  if (!key) return MakeError(key.error().code, "serving key: " + key.error().message);
  if (SSL_CTX_use_certificate(ctx, cert->get()) != 1 || SSL_CTX_use_PrivateKey(ctx, key->get()) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return OpenSslFailure("installing serving certificate", ErrorCode::kInvalid);
  }
  auto ca = ParseCertificatePem(client_ca_pem);
  if (!ca) return MakeError(ca.error().code, "client CA: " + ca.error().message);
  if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca->get()) != 1 ||
      SSL_CTX_add_client_CA(ctx, ca->get()) != 1) {
    return OpenSslFailure("installing client CA");
  }
  // Ask for a certificate but do not require one: token-authenticated clients send none. A
  // certificate that is sent and does not verify still fails the handshake, as in the
  // apiserver (Go's VerifyClientCertIfGiven).
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return {};
}

std::optional<CertificateSubject> VerifiedPeerSubject(const SSL* ssl) {
  const X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  return SubjectOf(peer);
}

std::string Base64Encode(std::string_view data) {
  if (data.empty()) return {};
  if (data.size() > static_cast<std::size_t>(INT_MAX / 4 * 3)) return {};
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.empty()) return std::string();
  if (text.size() % 4 != 0 || text.size() > static_cast<std::size_t>(INT_MAX)) return std::nullopt;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                          c == '+' || c == '/';
    if (c == '=') {
      // '=' only as the last one or two characters.
      if (i + 2 < text.size()) return std::nullopt;
      ++padding;
    } else if (!alphabet || padding > 0) {
      return std::nullopt;
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the zero bytes that padding stands for; drop them.
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

}  // namespace airunway::kubesim
