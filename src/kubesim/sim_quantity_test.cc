#include "kubesim/sim_quantity.h"

#include <gtest/gtest.h>

namespace airunway::kubesim {
namespace {

std::int64_t Milli(std::string_view text) {
  auto q = ParseQuantity(text);
  EXPECT_TRUE(q.has_value()) << text;
  return q ? q->milli : -1;
}

TEST(SimQuantityTest, ParsesDecimalBinaryAndExponentSuffixes) {
  EXPECT_EQ(Milli("500m"), 500);
  EXPECT_EQ(Milli("2"), 2000);
  EXPECT_EQ(Milli("0.5"), 500);
  EXPECT_EQ(Milli("1Gi"), 1073741824LL * 1000);
  EXPECT_EQ(Milli("1.5Ki"), 1536 * 1000);
  EXPECT_EQ(Milli("1e3"), 1000 * 1000);
  EXPECT_EQ(Milli("1E-3"), 1);
  EXPECT_EQ(Milli("2k"), 2000 * 1000);
  EXPECT_EQ(Milli("128M"), 128000000LL * 1000);
  EXPECT_EQ(Milli("+1"), 1000);
  EXPECT_EQ(Milli("-1"), -1000);
  EXPECT_EQ(Milli("100n"), 1);  // rounded up to a milli
  EXPECT_EQ(Milli(".5"), 500);
}

TEST(SimQuantityTest, RejectsMalformedText) {
  for (std::string_view bad : {"", "Gi", "1GB", "1..2", "abc", "1 Gi", "1e", "1ki", "--1"}) {
    EXPECT_FALSE(ParseQuantity(bad).has_value()) << bad;
  }
}

TEST(SimQuantityTest, ComparesAndSumsNumerically) {
  EXPECT_LT(*ParseQuantity("900Mi"), *ParseQuantity("1Gi"));
  EXPECT_EQ(*ParseQuantity("1000m"), *ParseQuantity("1"));
  EXPECT_EQ((*ParseQuantity("250m") + *ParseQuantity("750m")).milli, 1000);
  EXPECT_EQ(ParseQuantity("8Ei")->milli, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(ParseQuantity("500m")->CeilValue(), 1);
}

}  // namespace
}  // namespace airunway::kubesim
