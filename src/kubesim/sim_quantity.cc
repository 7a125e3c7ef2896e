#include "kubesim/sim_quantity.h"

#include <cmath>
#include <limits>

namespace airunway::kubesim {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The multiplier of a suffix, or nullopt when it is not one.
std::optional<long double> SuffixMultiplier(std::string_view suffix) {
  if (suffix.empty()) return 1.0L;
  if (suffix.size() == 2 && suffix[1] == 'i') {
    int power = 0;
    switch (suffix[0]) {
      case 'K': power = 10; break;
      case 'M': power = 20; break;
      case 'G': power = 30; break;
      case 'T': power = 40; break;
      case 'P': power = 50; break;
      case 'E': power = 60; break;
      default: return std::nullopt;
    }
    return std::ldexp(1.0L, power);
  }
  if (suffix.size() == 1) {
    switch (suffix[0]) {
      case 'n': return 1e-9L;
      case 'u': return 1e-6L;
      case 'm': return 1e-3L;
      case 'k': return 1e3L;
      case 'M': return 1e6L;
      case 'G': return 1e9L;
      case 'T': return 1e12L;
      case 'P': return 1e15L;
      case 'E': return 1e18L;
      default: return std::nullopt;
    }
  }
  if (suffix[0] == 'e' || suffix[0] == 'E') {
    std::string_view exp = suffix.substr(1);
    bool negative = false;
    if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) {
      negative = exp[0] == '-';
      exp.remove_prefix(1);
    }
    if (exp.empty() || exp.size() > 4) return std::nullopt;
    int power = 0;
    for (char c : exp) {
      if (!IsDigit(c)) return std::nullopt;
      power = power * 10 + (c - '0');
    }
    return std::pow(10.0L, negative ? -power : power);
  }
  return std::nullopt;
}

std::int64_t Saturate(long double v) {
  if (v >= static_cast<long double>(kMax)) return kMax;
  if (v <= static_cast<long double>(kMin)) return kMin;
  return static_cast<std::int64_t>(v);
}

}  // namespace

std::int64_t Quantity::CeilValue() const {
  if (milli >= 0) return milli / 1000 + (milli % 1000 != 0 ? 1 : 0);
  return milli / 1000;
}

std::optional<Quantity> ParseQuantity(std::string_view text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  // The number part; kept as text digits so that "0.1" is exact until the final scaling.
  long double number = 0;
  bool any_digit = false;
  while (i < text.size() && IsDigit(text[i])) {
    number = number * 10 + (text[i] - '0');
    any_digit = true;
    ++i;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    long double scale = 0.1L;
    while (i < text.size() && IsDigit(text[i])) {
      number += scale * (text[i] - '0');
      scale /= 10;
      any_digit = true;
      ++i;
    }
  }
  if (!any_digit) return std::nullopt;
  auto multiplier = SuffixMultiplier(text.substr(i));
  if (!multiplier) return std::nullopt;
  long double milli = number * *multiplier * 1000.0L;
  // Round up, as the API machinery does for sub-milli precision; tolerate binary noise.
  long double rounded = std::ceil(milli - 1e-6L);
  if (rounded < 0) rounded = 0;
  Quantity q;
  q.milli = Saturate(negative ? -rounded : rounded);
  return q;
}

Quantity operator+(Quantity a, Quantity b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a.milli, b.milli, &out)) out = a.milli > 0 ? kMax : kMin;
  return Quantity{out};
}

Quantity operator-(Quantity a, Quantity b) {
  std::int64_t out = 0;
  if (__builtin_sub_overflow(a.milli, b.milli, &out)) out = a.milli > 0 ? kMax : kMin;
  return Quantity{out};
}

}  // namespace airunway::kubesim
