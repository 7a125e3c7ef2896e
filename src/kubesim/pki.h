// kubesim PKI: an in-memory certificate authority for the simulated API server.
//
// `airunway sim` serves HTTPS like a real cluster: it creates a CA at start-up, issues the
// serving certificate for its TLS listener and client certificates for kubeconfig users, and
// hands everything around as PEM text. Nothing touches the disk here (kubeconfig_writer does
// that), so the same PEMs can go to Asio's ssl::context, into a kubeconfig's *-data fields, or
// into a test.
//
// Keys are ECDSA P-256, signatures SHA-256, built with OpenSSL 3 EVP/X509 APIs only. The
// OpenSSL objects are owned by the RAII handles below (unique_ptr with the matching free
// function); none of them is shared, so callers own every value they get back.
//
// Errors are common::Result values (kInvalid for bad input such as an unparseable PEM or a
// malformed SAN, kUnauthorized for a certificate that does not verify, kInternal when OpenSSL
// itself fails); messages carry OpenSSL's reason text but never key material.
//
// Thread-safety: free functions over values; safe from any thread (OpenSSL 3 initialises
// itself and its default RNG is thread-safe).
#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace airunway::kubesim {

// --- RAII handles for the OpenSSL objects this module creates ------------------------------

struct EvpPkeyDeleter { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct X509Deleter { void operator()(X509* p) const { X509_free(p); } };
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

// --- Values -------------------------------------------------------------------------------

// A certificate and its private key, both PEM ("-----BEGIN CERTIFICATE-----",
// "-----BEGIN PRIVATE KEY-----" in PKCS#8). The key PEM is a secret: never log it.
struct CertificateAndKey {
  std::string cert_pem;
  std::string key_pem;
};

// The identity a client certificate carries, as Kubernetes reads it: the subject's CN is the
// user name and each O is a group.
struct CertificateSubject {
  std::string common_name;
  std::vector<std::string> organizations;

  friend bool operator==(const CertificateSubject&, const CertificateSubject&) = default;
};

// How long issued certificates live. The CA outlives everything it signs so a long-running
// simulator never serves a certificate signed by an expired CA.
inline constexpr std::chrono::hours kCaValidity{24 * 3650};    // ~10 years
inline constexpr std::chrono::hours kLeafValidity{24 * 365};   // 1 year
// notBefore is back-dated a little so a client whose clock lags does not reject a fresh cert.
inline constexpr std::chrono::minutes kClockSkewAllowance{5};

// --- Issuing ------------------------------------------------------------------------------

// A self-signed CA: basicConstraints critical CA:TRUE, keyUsage critical
// keyCertSign+cRLSign+digitalSignature, subject key identifier, random 127-bit serial.
common::Result<CertificateAndKey> GenerateCa(std::string_view common_name);

// A serving certificate signed by `ca`: CN "kubesim", subjectAltName DNS:localhost,
// IP:127.0.0.1, IP:::1 (always, since kubeconfigs point at loopback) plus every DNS name and
// IP address given, extendedKeyUsage serverAuth, keyUsage digitalSignature+keyEncipherment.
// DNS names may hold letters, digits, '-', '.', and a leading "*."; IPs must parse as v4 or v6.
common::Result<CertificateAndKey> IssueServerCertificate(
    const CertificateAndKey& ca, const std::vector<std::string>& dns_names = {},
    const std::vector<std::string>& ip_addresses = {});

// A client certificate signed by `ca` for user `common_name` in groups `organizations`
// (subject O=<group>... CN=<user>, like kubeadm's admin.conf), extendedKeyUsage clientAuth.
common::Result<CertificateAndKey> IssueClientCertificate(
    const CertificateAndKey& ca, std::string_view common_name,
    const std::vector<std::string>& organizations = {});

// --- Reading and verifying ----------------------------------------------------------------

common::Result<X509Ptr> ParseCertificatePem(std::string_view pem);
common::Result<EvpPkeyPtr> ParsePrivateKeyPem(std::string_view pem);

// The CN and O entries of a certificate's subject, in certificate order.
CertificateSubject SubjectOf(const X509* cert);

// Verifies that `cert_pem` chains to `ca_pem`, is within its validity period and is usable
// for client authentication; returns its subject. kUnauthorized with OpenSSL's reason
// ("certificate signature failure", "unable to get local issuer certificate", ...) otherwise.
common::Result<CertificateSubject> VerifyClientCertificate(std::string_view ca_pem,
                                                           std::string_view cert_pem);

// --- TLS plumbing for the server part -----------------------------------------------------

// Configures a server SSL_CTX (e.g. boost::asio::ssl::context::native_handle()) with the
// serving certificate and key, and asks clients for a certificate signed by `client_ca_pem`
// without requiring one (kubectl with a bearer token presents none). After the handshake,
// VerifiedPeerSubject() gives the identity of a client that did present one.
// Does not change protocol versions or ciphers. The SSL_CTX stays owned by the caller.
common::Status ConfigureTlsServer(SSL_CTX* ctx, const CertificateAndKey& serving,
                                  std::string_view client_ca_pem);

// The subject of the peer certificate of a finished handshake, or nullopt when the peer sent
// none or it did not verify.
std::optional<CertificateSubject> VerifiedPeerSubject(const SSL* ssl);

// --- Encoding -----------------------------------------------------------------------------

// Standard base64 with padding and no line breaks, as kubeconfig *-data fields hold it.
std::string Base64Encode(std::string_view data);
// Inverse of Base64Encode; nullopt on characters outside the alphabet or a bad length.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace airunway::kubesim
