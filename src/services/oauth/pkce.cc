#include "services/oauth/pkce.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cctype>
#include <stdexcept>

#include <fmt/format.h>

#include "kube/encoding.h"

namespace airunway::oauth {

namespace {

std::string RandomBytes(std::size_t count) {
  std::string bytes(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
    // Without a working CSPRNG no sign-in can be safe; the worker pool turns this into a 500.
    throw std::runtime_error("the system random number generator failed");
  }
  return bytes;
}

// Form encoding as browsers do it: unreserved characters stay, space is '+'.
std::string FormEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '*') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

}  // namespace

std::string Base64Url(std::string_view bytes) {
  std::string text = kube::Base64Encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::string ChallengeFor(std::string_view verifier) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(verifier.data(), verifier.size(), digest, &length, EVP_sha256(), nullptr);
  return Base64Url(std::string_view(reinterpret_cast<const char*>(digest), length));
}

Pkce NewPkce() {
  Pkce pkce;
  pkce.verifier = Base64Url(RandomBytes(32));
  pkce.challenge = ChallengeFor(pkce.verifier);
  return pkce;
}

std::string NewUuidV4() {
  std::string bytes = RandomBytes(16);
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3F) | 0x80);  // RFC 4122 variant
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += fmt::format("{:02x}", static_cast<unsigned char>(bytes[i]));
  }
  return out;
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
    } else if (std::isxdigit(static_cast<unsigned char>(text[i])) == 0) {
      return false;
    }
  }
  return true;
}

std::string AuthorizeUrl(std::string_view authorize_endpoint, std::string_view client_id,
                         std::string_view redirect_uri, std::string_view challenge, std::string_view state) {
  std::string scope;
  for (auto s : kScopes) {
    if (!scope.empty()) scope += ' ';
    scope += s;
  }
  return fmt::format("{}?client_id={}&redirect_uri={}&scope={}&response_type=code&code_challenge={}"
                     "&code_challenge_method=S256&state={}",
                     authorize_endpoint, FormEscape(client_id), FormEscape(redirect_uri), FormEscape(scope),
                     FormEscape(challenge), FormEscape(state));
}

}  // namespace airunway::oauth
