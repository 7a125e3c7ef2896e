#include "kube/encoding.h"

#include <gtest/gtest.h>

namespace airunway::kube {
namespace {

TEST(EncodingTest, Base64RoundTrip) {
  for (const std::string& text : std::vector<std::string>{"", "a", "ab", "abc", "abcd", "hello, world\n", std::string("\0\xff\x10", 3)}) {
    auto decoded = Base64Decode(Base64Encode(text));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, text);
  }
  EXPECT_EQ(Base64Encode("abc"), "YWJj");
  EXPECT_EQ(Base64Encode("ab"), "YWI=");
}

TEST(EncodingTest, Base64ToleratesWhitespaceAndMissingPadding) {
  EXPECT_EQ(Base64Decode("YW\nJj\n"), "abc");
  EXPECT_EQ(Base64Decode("YWI"), "ab");
  EXPECT_EQ(Base64Decode("not base64!!"), std::nullopt);
  EXPECT_EQ(Base64Decode("YWI=YQ"), std::nullopt);
}

TEST(EncodingTest, UrlEscape) {
  EXPECT_EQ(UrlEscape("app=web,tier!=db"), "app%3Dweb%2Ctier%21%3Ddb");
  EXPECT_EQ(UrlEscape("a-b_c.d~"), "a-b_c.d~");
}

}  // namespace
}  // namespace airunway::kube
