#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "controller/cel/eval.h"

namespace airunway::controller::cel {
namespace {

Value Spec(std::string_view json) { return FromJson(boost::json::parse(json)); }

// Evaluates `expression` with `spec` bound; compile errors fail the test.
Value Eval(std::string_view expression, std::string_view spec = "{}") {
  auto program = Program::Compile(expression, {"spec"});
  EXPECT_TRUE(program) << expression << ": " << (program ? "" : program.error().message);
  if (!program) return Value::Error("did not compile");
  return program->Evaluate({{"spec", Spec(spec)}});
}

void ExpectBool(std::string_view expression, bool expected, std::string_view spec = "{}") {
  Value v = Eval(expression, spec);
  ASSERT_TRUE(v.is_bool()) << expression << " gave " << DebugString(v);
  EXPECT_EQ(v.as_bool(), expected) << expression;
}

void ExpectError(std::string_view expression, std::string_view fragment, std::string_view spec = "{}") {
  Value v = Eval(expression, spec);
  ASSERT_TRUE(v.is_error()) << expression << " gave " << DebugString(v);
  EXPECT_NE(v.error_message().find(fragment), std::string::npos) << v.error_message();
}

void ExpectCompileError(std::string_view expression, std::string_view fragment) {
  auto program = Program::Compile(expression, {"spec"});
  ASSERT_FALSE(program) << expression;
  EXPECT_NE(program.error().message.find(fragment), std::string::npos) << program.error().message;
}

TEST(CelLiterals, EvaluateToTheirValues) {
  EXPECT_EQ(Eval("42").as_int(), 42);
  EXPECT_EQ(Eval("-9223372036854775808").as_int(), INT64_MIN);
  EXPECT_EQ(Eval("0x1F").as_int(), 31);
  EXPECT_EQ(Eval("7u").as_uint(), 7u);
  EXPECT_DOUBLE_EQ(Eval("1.5e2").as_double(), 150.0);
  EXPECT_EQ(Eval("'a\\tb'").as_string(), "a\tb");
  EXPECT_EQ(Eval("\"\\u00e9\"").as_string(), "\xc3\xa9");
  EXPECT_EQ(Eval("r'\\d+'").as_string(), "\\d+");
  EXPECT_EQ(Eval("'''multi\nline'''").as_string(), "multi\nline");
  EXPECT_EQ(Eval("null").kind(), Value::Kind::kNull);
  EXPECT_EQ(Eval("[1, 2, 3]").as_list().size(), 3u);
  EXPECT_EQ(Eval("{'a': 1, 'b': 2}").as_map().size(), 2u);
}

TEST(CelFields, SelectionAndHas) {
  const char* spec = R"({"engine":{"type":"vllm"},"resources":{"gpu":{"count":2}}})";
  ExpectBool("spec.engine.type == 'vllm'", true, spec);
  ExpectBool("spec.resources.gpu.count > 1", true, spec);
  ExpectBool("has(spec.resources.gpu)", true, spec);
  ExpectBool("has(spec.serving)", false, spec);
  ExpectBool("spec['engine']['type'] == 'vllm'", true, spec);
}

TEST(CelFields, MissingKeyIsAnError) {
  ExpectError("spec.engine.type == 'vllm'", "no such key: engine", "{}");
  ExpectError("spec['missing']", "no such key: missing");
}

TEST(CelFields, HasOnlyTestsTheLastField) {
  // has(spec.a.b) fails when spec.a itself is absent (cel-go issue #912).
  ExpectError("has(spec.resources.gpu)", "no such key: resources", "{}");
  ExpectBool("has(spec.resources)", false, "{}");
}

TEST(CelFields, SelectOnNonMapIsAnError) {
  ExpectError("spec.engine.type.name", "does not support field selection", R"({"engine":{"type":"vllm"}})");
}

TEST(CelLogic, AndOrAreCommutativeAndAbsorbErrors) {
  ExpectBool("false && spec.missing", false);
  ExpectBool("spec.missing && false", false);
  ExpectBool("true || spec.missing", true);
  ExpectBool("spec.missing || true", true);
  ExpectError("true && spec.missing", "no such key");
  ExpectError("spec.missing || false", "no such key");
  ExpectError("spec.a || spec.b", "no such key: a");
  ExpectError("1 && true", "no such overload");
  ExpectBool("1 && false", false);
}

TEST(CelLogic, NotAndTernary) {
  ExpectBool("!false", true);
  ExpectBool("!!true", true);
  ExpectError("!1", "no such overload");
  EXPECT_EQ(Eval("true ? 1 : 2").as_int(), 1);
  EXPECT_EQ(Eval("false ? 1 : spec.missing").kind(), Value::Kind::kError);
  EXPECT_EQ(Eval("true ? 1 : spec.missing").as_int(), 1);
  ExpectError("1 ? 2 : 3", "no such overload");
}

TEST(CelLogic, ShippedSelectionRules) {
  const char* kaito = "!has(spec.resources.gpu) || spec.resources.gpu.count == 0";
  // No resources at all: has() errors, and the error wins over false.
  ExpectError(kaito, "no such key: resources", R"({"engine":{}})");
  // A gpu block whose count is zero (absent): the comparison errors and false || error fails.
  ExpectError(kaito, "no such key: count", R"({"resources":{"gpu":{"type":"nvidia.com/gpu"}}})");
  // Zero counts are absent in the reference's view: count == 0 then errors, but !has is true.
  ExpectBool(kaito, true, R"({"resources":{"cpu":"4"}})");
  ExpectBool(kaito, false, R"({"resources":{"gpu":{"count":1}}})");
  const char* dynamo = "has(spec.resources.gpu) && spec.resources.gpu.count > 0 && spec.engine.type == 'vllm'";
  ExpectBool(dynamo, true, R"({"engine":{"type":"vllm"},"resources":{"gpu":{"count":1}}})");
  ExpectBool(dynamo, false, R"({"engine":{"type":"sglang"},"resources":{"gpu":{"count":1}}})");
  ExpectBool("has(spec.serving) && spec.serving.mode == 'disaggregated'", false, "{}");
}

TEST(CelComparison, HeterogeneousNumbers) {
  ExpectBool("spec.n == 1", true, R"({"n":1})");  // JSON numbers are doubles
  ExpectBool("1 == 1.0", true);
  ExpectBool("1u == 1", true);
  ExpectBool("2 > 1.5", true);
  ExpectBool("-1 < 1u", true);
  ExpectBool("1 == 'a'", false);  // mismatched types are unequal, not an error
  ExpectBool("1 != 'a'", true);
  ExpectError("1 < 'a'", "no such overload");
  ExpectBool("'abc' < 'abd'", true);
  ExpectBool("false < true", true);
  ExpectBool("[1, 2] == [1.0, 2.0]", true);
  ExpectBool("{'a': 1} == {'a': 1}", true);
}

TEST(CelArithmetic, SameTypeOnly) {
  EXPECT_EQ(Eval("1 + 2 * 3").as_int(), 7);
  EXPECT_EQ(Eval("(1 + 2) * 3").as_int(), 9);
  EXPECT_EQ(Eval("7 / 2").as_int(), 3);
  EXPECT_EQ(Eval("-7 % 3").as_int(), -1);
  EXPECT_DOUBLE_EQ(Eval("1.0 / 4.0").as_double(), 0.25);
  EXPECT_EQ(Eval("'a' + 'b'").as_string(), "ab");
  EXPECT_EQ(Eval("[1] + [2]").as_list().size(), 2u);
  ExpectError("1 + 1.0", "no such overload");
  ExpectError("spec.n + 1", "no such overload", R"({"n":1})");
  ExpectError("1 / 0", "division by zero");
  ExpectError("1 % 0", "modulus by zero");
  ExpectError("9223372036854775807 + 1", "overflow");
  ExpectError("-(-9223372036854775808)", "overflow");
  ExpectError("0u - 1u", "overflow");
}

TEST(CelFunctions, MembershipSizeAndStrings) {
  ExpectBool("spec.engine.type in ['vllm', 'sglang']", true, R"({"engine":{"type":"vllm"}})");
  ExpectBool("'gpu' in {'gpu': 1}", true);
  ExpectBool("2 in [1.0, 2.0]", true);
  ExpectError("1 in 2", "no such overload");
  EXPECT_EQ(Eval("size('h\xc3\xa9llo')").as_int(), 5);
  EXPECT_EQ(Eval("size([1, 2])").as_int(), 2);
  EXPECT_EQ(Eval("[1, 2, 3].size()").as_int(), 3);
  EXPECT_EQ(Eval("size(spec)", R"({"a":1})").as_int(), 1);
  ExpectError("size(1)", "no such overload");
  ExpectBool("spec.model.id.startsWith('meta-llama/')", true, R"({"model":{"id":"meta-llama/Llama-3"}})");
  ExpectBool("spec.model.id.endsWith('-3')", true, R"({"model":{"id":"meta-llama/Llama-3"}})");
  ExpectBool("spec.model.id.contains('lama')", true, R"({"model":{"id":"meta-llama/Llama-3"}})");
  ExpectBool("spec.model.id.matches('^meta-.*3$')", true, R"({"model":{"id":"meta-llama/Llama-3"}})");
  ExpectBool("matches('abc', 'b')", true);
  ExpectError("'a'.matches('(')", "invalid regular expression");
  EXPECT_EQ(Eval("int(2.9)").as_int(), 2);
  EXPECT_EQ(Eval("int('12')").as_int(), 12);
  EXPECT_DOUBLE_EQ(Eval("double(3)").as_double(), 3.0);
  EXPECT_EQ(Eval("string(5)").as_string(), "5");
  ExpectError("int('x')", "conversion");
  ExpectBool("int(spec.resources.gpu.count) + 1 == 3", true, R"({"resources":{"gpu":{"count":2}}})");
}

TEST(CelIndex, ListsAndMaps) {
  EXPECT_EQ(Eval("[10, 20][1]").as_int(), 20);
  ExpectError("[10, 20][2]", "index out of bounds");
  ExpectError("{'a': 1}['b']", "no such key: b");
  ExpectError("{'a': 1, 'a': 2}", "repeated key");
}

TEST(CelCompile, SyntaxErrors) {
  ExpectCompileError("spec.engine.type ==", "Syntax error");
  ExpectCompileError("spec.engine.type == 'vllm", "unterminated string");
  ExpectCompileError("(1 + 2", "missing ')'");
  ExpectCompileError("1 = 2", "Syntax error");
  ExpectCompileError("a # b", "token recognition error");
  ExpectCompileError("b'bytes'", "bytes literals are not supported");
  ExpectCompileError("1 2", "extraneous input");
  ExpectCompileError("if", "reserved identifier");
  ExpectCompileError("99999999999999999999", "out of range");
}

TEST(CelCompile, CheckErrors) {
  ExpectCompileError("other.field == 1", "undeclared reference to 'other'");
  ExpectCompileError("lowerAscii(spec.x)", "undeclared reference to 'lowerAscii'");
  ExpectCompileError("spec.x.lowerAscii()", "undeclared reference to 'lowerAscii'");
  ExpectCompileError("has(spec)", "invalid argument to has() macro");
  ExpectCompileError("size(1, 2)", "no matching overload");
  ExpectCompileError("spec.list.exists(x, x > 1)", "not supported");
}

TEST(CelCompile, DeepNestingIsRefusedNotCrashed) {
  std::string deep(200, '(');
  deep += "1";
  deep += std::string(200, ')');
  ExpectCompileError(deep, "nested too deeply");
  std::string nots(200, '!');
  nots += "true";
  ExpectCompileError(nots, "nested too deeply");
}

}  // namespace
}  // namespace airunway::controller::cel
