// Kubernetes resource quantities ("500m", "1Gi", "2", "1e3") parsed as numbers, so that the
// simulated scheduler compares requests with node allocatable numerically, never as text.
//
// A Quantity keeps the value in milli-units (as the API machinery's MilliValue does, rounding
// up), saturating at the int64 range instead of overflowing.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace airunway::kubesim {

struct Quantity {
  std::int64_t milli = 0;  // value × 1000, rounded up

  double Value() const { return static_cast<double>(milli) / 1000.0; }
  // The value rounded up to a whole number, as Quantity.Value() does for "500m" → 1.
  std::int64_t CeilValue() const;
  auto operator<=>(const Quantity&) const = default;
};

// Parses the Kubernetes quantity grammar: an optional sign, a decimal number, then one
// suffix — binary (Ki Mi Gi Ti Pi Ei), decimal (n u m "" k M G T P E) or an exponent
// (e3, E-2). nullopt when the text is not a quantity.
std::optional<Quantity> ParseQuantity(std::string_view text);

// Saturating arithmetic for summing requests.
Quantity operator+(Quantity a, Quantity b);
Quantity operator-(Quantity a, Quantity b);

}  // namespace airunway::kubesim
