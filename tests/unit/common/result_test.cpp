// SPDX-License-Identifier: Apache-2.0
#include "common/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace wt {
namespace {

Result<int> ParsePositive(int n) {
    if (n <= 0) return Error::Validation("n", "must be positive");
    return n;
}

Status CheckEven(int n) {
    if (n % 2 != 0) return Error::Make(ErrorCode::kConflict, "odd");
    return Ok();
}

// Two WT_ASSIGN_OR_RETURN in one scope: the hidden temporaries must not collide.
Result<int> SumOfPositives(int a, int b) {
    WT_ASSIGN_OR_RETURN(int first, ParsePositive(a));
    WT_ASSIGN_OR_RETURN(auto second, ParsePositive(b));
    return first + second;
}

Result<std::string> EvenThenText(int n, int* reached) {
    WT_RETURN_IF_ERROR(CheckEven(n));
    *reached = n;
    return std::to_string(n);
}

Result<std::unique_ptr<int>> MakeBox(int n) { return std::make_unique<int>(n); }

Result<int> Unbox(int n) {
    WT_ASSIGN_OR_RETURN(auto box, MakeBox(n));  // move-only value moves out of the Result
    return *box;
}

Result<int> AssignToExisting(int n) {
    int target = -1;
    WT_ASSIGN_OR_RETURN(target, ParsePositive(n));
    return target * 10;
}

TEST(ResultTest, HoldsValue) {
    Result<int> r = 42;
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(static_cast<bool>(r));
    EXPECT_EQ(*r, 42);
    EXPECT_EQ(r.value(), 42);
}

TEST(ResultTest, HoldsError) {
    Result<int> r = Error::Make(ErrorCode::kNotFound, "gone");
    ASSERT_FALSE(r.ok());
    EXPECT_FALSE(static_cast<bool>(r));
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(r.error().detail, "gone");
}

TEST(ResultTest, StatusDefaultsToOk) {
    Status s;
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE(Ok().ok());
    Status failed = Error::Internal("disk on fire");
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code, ErrorCode::kInternal);
    EXPECT_EQ(failed.error().detail, "internal error") << "internal text must not become the client detail";
    EXPECT_EQ(failed.error().internal, "disk on fire");
}

TEST(ResultTest, ArrowReachesMembers) {
    Result<std::string> r = std::string("abc");
    EXPECT_EQ(r->size(), 3u);
}

TEST(ResultMacrosTest, AssignOrReturnAssignsOnSuccess) {
    auto sum = SumOfPositives(2, 3);
    ASSERT_TRUE(sum.ok());
    EXPECT_EQ(*sum, 5);
}

TEST(ResultMacrosTest, AssignOrReturnPropagatesTheFirstError) {
    auto sum = SumOfPositives(2, -3);
    ASSERT_FALSE(sum.ok());
    EXPECT_EQ(sum.error().code, ErrorCode::kValidationFailed);
    ASSERT_EQ(sum.error().fields.size(), 1u);
    EXPECT_EQ(sum.error().fields[0].field, "n");
    EXPECT_EQ(sum.error().fields[0].message, "must be positive");
}

TEST(ResultMacrosTest, AssignOrReturnIntoExistingVariable) {
    auto ok = AssignToExisting(4);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(*ok, 40);
    EXPECT_FALSE(AssignToExisting(0).ok());
}

TEST(ResultMacrosTest, AssignOrReturnMovesMoveOnlyValues) {
    auto n = Unbox(7);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 7);
}

TEST(ResultMacrosTest, ReturnIfErrorStopsOnError) {
    int reached = -1;
    auto odd = EvenThenText(3, &reached);
    ASSERT_FALSE(odd.ok());
    EXPECT_EQ(odd.error().code, ErrorCode::kConflict);
    EXPECT_EQ(odd.error().detail, "odd");
    EXPECT_EQ(reached, -1) << "code after WT_RETURN_IF_ERROR must not run";

    auto even = EvenThenText(4, &reached);
    ASSERT_TRUE(even.ok());
    EXPECT_EQ(*even, "4");
    EXPECT_EQ(reached, 4);
}

TEST(ErrorTest, FactoriesFillTheRightFields) {
    Error v = Error::Validation({{"a", "x"}, {"b.c", "y"}});
    EXPECT_EQ(v.code, ErrorCode::kValidationFailed);
    ASSERT_EQ(v.fields.size(), 2u);
    EXPECT_EQ(v.fields[1].field, "b.c");
    Error nf = Error::NotFound();
    EXPECT_EQ(nf.code, ErrorCode::kNotFound);
    EXPECT_EQ(nf.detail, "not found");
    EXPECT_EQ(Error::Make(ErrorCode::kRateLimited, "slow").retry_after_seconds, 0);
}

}  // namespace
}  // namespace wt
