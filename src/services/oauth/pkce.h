// PKCE (RFC 7636) material for the HuggingFace sign-in, and the authorize URL that carries it.
//
// The verifier is 32 random bytes in base64url without padding (43 characters); the
// challenge is base64url(SHA-256(verifier)), method S256. The state is a random UUID v4.
// Randomness comes from OpenSSL's CSPRNG.
//
// Thread-safety: pure functions (OpenSSL's RNG is thread-safe).
#pragma once

#include <string>
#include <string_view>

namespace airunway::oauth {

struct Pkce {
  std::string verifier;
  std::string challenge;
};

Pkce NewPkce();
std::string ChallengeFor(std::string_view verifier);
std::string Base64Url(std::string_view bytes);
std::string NewUuidV4();
// 8-4-4-4-12 hex digits (any version, as RFC 9562 allows, plus nil and max).
bool IsUuid(std::string_view text);

inline constexpr std::string_view kScopes[] = {"openid", "profile", "read-repos"};

// <authorize_endpoint>?client_id=..&redirect_uri=..&scope=openid+profile+read-repos
//   &response_type=code&code_challenge=..&code_challenge_method=S256&state=..
std::string AuthorizeUrl(std::string_view authorize_endpoint, std::string_view client_id,
                         std::string_view redirect_uri, std::string_view challenge, std::string_view state);

}  // namespace airunway::oauth
