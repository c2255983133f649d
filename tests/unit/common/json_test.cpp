// SPDX-License-Identifier: Apache-2.0
#include "common/json.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace wt {
namespace {

namespace json = boost::json;

// field -> message of a failed Finish(); empty when it succeeded.
std::map<std::string, std::string> Errors(const JsonReader& in) {
    std::map<std::string, std::string> out;
    auto status = in.Finish();
    if (status.ok()) return out;
    EXPECT_EQ(status.error().code, ErrorCode::kValidationFailed);
    for (const auto& field : status.error().fields) out[field.field] = field.message;
    return out;
}

TEST(JsonReaderTest, RequiredStringPresent) {
    json::value body = json::parse(R"({"email":"ada@example.com"})");
    JsonReader in(body);
    EXPECT_EQ(in.RequiredString("email", 1, 320), "ada@example.com");
    in.RejectUnknown();
    EXPECT_TRUE(in.Finish().ok());
    EXPECT_FALSE(in.HasErrors());
}

TEST(JsonReaderTest, RequiredStringMissingNullOrWrongType) {
    json::value body = json::parse(R"({"b":null,"c":5,"d":["x"]})");
    JsonReader in(body);
    EXPECT_EQ(in.RequiredString("a", 1, 10), std::nullopt);
    EXPECT_EQ(in.RequiredString("b", 1, 10), std::nullopt);
    EXPECT_EQ(in.RequiredString("c", 1, 10), std::nullopt);
    EXPECT_EQ(in.RequiredString("d", 1, 10), std::nullopt);
    auto errors = Errors(in);
    EXPECT_EQ(errors.size(), 4u);
    EXPECT_EQ(errors["a"], "is required");
    EXPECT_EQ(errors["b"], "is required");
    EXPECT_EQ(errors["c"], "must be a string");
    EXPECT_EQ(errors["d"], "must be a string");
}

TEST(JsonReaderTest, StringLengthsCountCodePointsNotBytes) {
    // "ééé" is 3 code points in 6 bytes; "😀😀" is 2 code points in 8 bytes.
    json::value body = json::parse(R"({"three":"\u00e9\u00e9\u00e9","emoji":"\ud83d\ude00\ud83d\ude00"})");
    {
        JsonReader in(body);
        EXPECT_EQ(in.RequiredString("three", 3, 3), "\xC3\xA9\xC3\xA9\xC3\xA9");
        EXPECT_EQ(in.RequiredString("emoji", 2, 2), "\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
        EXPECT_TRUE(in.Finish().ok());
    }
    {
        JsonReader in(body);
        EXPECT_EQ(in.RequiredString("three", 1, 2), std::nullopt);
        EXPECT_EQ(in.RequiredString("emoji", 3, 10), std::nullopt);
        auto errors = Errors(in);
        EXPECT_EQ(errors["three"], "must be at most 2 characters");
        EXPECT_EQ(errors["emoji"], "must be at least 3 characters");
    }
}

TEST(JsonReaderTest, EmptyStringWithMinimumOne) {
    json::value body = json::parse(R"({"name":""})");
    JsonReader in(body);
    EXPECT_EQ(in.RequiredString("name", 1, 10), std::nullopt);
    EXPECT_EQ(Errors(in)["name"], "must not be empty");
}

TEST(JsonReaderTest, EmptyStringAllowedWithMinimumZero) {
    json::value body = json::parse(R"({"name":""})");
    JsonReader in(body);
    EXPECT_EQ(in.RequiredString("name", 0, 10), "");
    EXPECT_TRUE(in.Finish().ok());
}

TEST(JsonReaderTest, OptionalString) {
    json::value body = json::parse(R"({"present":"yes","nulled":null,"long":"abcdef","number":1})");
    JsonReader in(body);
    EXPECT_EQ(in.OptionalString("absent", 1, 10), std::nullopt);
    EXPECT_EQ(in.OptionalString("nulled", 1, 10), std::nullopt);
    EXPECT_EQ(in.OptionalString("present", 1, 10), "yes");
    EXPECT_EQ(in.OptionalString("long", 1, 5), std::nullopt);
    EXPECT_EQ(in.OptionalString("number", 1, 5), std::nullopt);
    auto errors = Errors(in);
    EXPECT_EQ(errors.size(), 2u) << "absent and null optional fields are not errors";
    EXPECT_EQ(errors["long"], "must be at most 5 characters");
    EXPECT_EQ(errors["number"], "must be a string");
}

TEST(JsonReaderTest, OptionalBool) {
    json::value body = json::parse(R"({"t":true,"f":false,"s":"true","n":1})");
    JsonReader in(body);
    EXPECT_EQ(in.OptionalBool("t"), true);
    EXPECT_EQ(in.OptionalBool("f"), false);
    EXPECT_EQ(in.OptionalBool("absent"), std::nullopt);
    EXPECT_EQ(in.OptionalBool("s"), std::nullopt);
    EXPECT_EQ(in.OptionalBool("n"), std::nullopt);
    auto errors = Errors(in);
    EXPECT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors["s"], "must be true or false");
    EXPECT_EQ(errors["n"], "must be true or false");
}

TEST(JsonReaderTest, OptionalIntRangesAreInclusive) {
    json::value body = json::parse(
        R"({"min":5,"max":720,"low":4,"high":721,"frac":5.5,"text":"30","neg":-1,"huge":18446744073709551615,)"
        R"("big_ok":9223372036854775807})");
    JsonReader in(body);
    EXPECT_EQ(in.OptionalInt("min", 5, 720), 5);
    EXPECT_EQ(in.OptionalInt("max", 5, 720), 720);
    EXPECT_EQ(in.OptionalInt("low", 5, 720), std::nullopt);
    EXPECT_EQ(in.OptionalInt("high", 5, 720), std::nullopt);
    EXPECT_EQ(in.OptionalInt("frac", 5, 720), std::nullopt);
    EXPECT_EQ(in.OptionalInt("text", 5, 720), std::nullopt);
    EXPECT_EQ(in.OptionalInt("neg", -10, 10), -1);
    EXPECT_EQ(in.OptionalInt("huge", 0, INT64_MAX), std::nullopt);
    EXPECT_EQ(in.OptionalInt("big_ok", 0, INT64_MAX), INT64_MAX);
    EXPECT_EQ(in.OptionalInt("absent", 5, 720), std::nullopt);
    auto errors = Errors(in);
    EXPECT_EQ(errors.size(), 5u);
    EXPECT_EQ(errors["low"], "must be between 5 and 720");
    EXPECT_EQ(errors["high"], "must be between 5 and 720");
    EXPECT_EQ(errors["frac"], "must be an integer");
    EXPECT_EQ(errors["text"], "must be an integer");
    EXPECT_EQ(errors["huge"], "must be an integer");
}

TEST(JsonReaderTest, RejectUnknownNamesEveryFieldNobodyAskedFor) {
    json::value body = json::parse(R"({"known":"x","raw":{"a":1},"extra":1,"other":null})");
    JsonReader in(body);
    EXPECT_EQ(in.OptionalString("known", 0, 10), "x");
    const json::value* raw = in.Raw("raw");
    ASSERT_NE(raw, nullptr);
    EXPECT_TRUE(raw->is_object());
    EXPECT_EQ(in.Raw("missing"), nullptr);
    EXPECT_TRUE(in.Has("extra"));
    EXPECT_FALSE(in.Has("missing"));
    in.RejectUnknown();
    auto errors = Errors(in);
    EXPECT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors["extra"], "is not a known field");
    EXPECT_EQ(errors["other"], "is not a known field");
}

TEST(JsonReaderTest, NonObjectBodyIsOneErrorOnTheBody) {
    for (const char* text : {"[1,2]", "\"text\"", "42", "null", "true"}) {
        json::value body = json::parse(text);
        JsonReader in(body);
        EXPECT_EQ(in.RequiredString("email", 1, 10), std::nullopt);
        EXPECT_EQ(in.OptionalBool("flag"), std::nullopt);
        EXPECT_EQ(in.OptionalInt("n", 0, 1), std::nullopt);
        in.RejectUnknown();
        auto status = in.Finish();
        ASSERT_FALSE(status.ok()) << text;
        EXPECT_EQ(status.error().code, ErrorCode::kValidationFailed);
        ASSERT_EQ(status.error().fields.size(), 1u) << text << ": only the body itself is reported";
        EXPECT_EQ(status.error().fields[0].field, "");
        EXPECT_EQ(status.error().fields[0].message, "must be a JSON object");
    }
}

TEST(JsonReaderTest, NonObjectUnderPrefixNamesThePrefix) {
    json::value body = json::parse("[]");
    JsonReader in(body, "settings");
    auto status = in.Finish();
    ASSERT_FALSE(status.ok());
    ASSERT_EQ(status.error().fields.size(), 1u);
    EXPECT_EQ(status.error().fields[0].field, "settings");
}

TEST(JsonReaderTest, CollectsEveryErrorWithDottedPaths) {
    json::value body = json::parse(R"({"name":"","count":99,"flag":"no","unknown":true})");
    JsonReader in(body, "settings");
    (void)in.RequiredString("name", 1, 10);
    (void)in.RequiredString("email", 1, 10);
    (void)in.OptionalInt("count", 0, 10);
    (void)in.OptionalBool("flag");
    in.AddError("custom", "is custom");
    in.RejectUnknown();
    auto status = in.Finish();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kValidationFailed);
    std::map<std::string, std::string> errors;
    for (const auto& field : status.error().fields) errors[field.field] = field.message;
    EXPECT_EQ(errors, (std::map<std::string, std::string>{{"settings.name", "must not be empty"},
                                                          {"settings.email", "is required"},
                                                          {"settings.count", "must be between 0 and 10"},
                                                          {"settings.flag", "must be true or false"},
                                                          {"settings.custom", "is custom"},
                                                          {"settings.unknown", "is not a known field"}}));
}

TEST(Utf8LengthTest, CountsCodePoints) {
    EXPECT_EQ(Utf8Length(""), 0u);
    EXPECT_EQ(Utf8Length("abc"), 3u);
    EXPECT_EQ(Utf8Length("\xC3\xA9"), 1u);                  // é
    EXPECT_EQ(Utf8Length("\xE2\x82\xAC"), 1u);              // €
    EXPECT_EQ(Utf8Length("\xF0\x9F\x98\x80"), 1u);          // 😀
    EXPECT_EQ(Utf8Length("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"), 5u);
}

TEST(JsonTest, ToJsonSerialises) {
    EXPECT_EQ(ToJson(json::value{{"a", 1}}), R"({"a":1})");
}

}  // namespace
}  // namespace wt
