// SPDX-License-Identifier: Apache-2.0
#include "http/router.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <variant>

namespace wt::http {
namespace {

Handler Noop() {
    return [](Request&) -> boost::asio::awaitable<Response> { co_return EmptyResponse(HttpStatus::no_content); };
}

// The matched template, or "404" / "405".
std::string Resolve(const Router& router, Method method, std::string_view path) {
    auto found = router.Find(method, path);
    if (auto* miss = std::get_if<Router::Miss>(&found)) return *miss == Router::Miss::kNotFound ? "404" : "405";
    return std::string(std::get<Router::Match>(found).route_template);
}

std::vector<std::pair<std::string, std::string>> Params(const Router& router, Method method, std::string_view path) {
    auto found = router.Find(method, path);
    if (!std::holds_alternative<Router::Match>(found)) return {{"<no match>", ""}};
    return std::get<Router::Match>(found).params;
}

class RouterTest : public ::testing::Test {
protected:
    void SetUp() override {
        router_.Add(Method::get, "/api/v1/orgs/members", Noop());
        router_.Add(Method::get, "/api/v1/orgs/members/{user_id}", Noop());
        router_.Add(Method::patch, "/api/v1/orgs/members/{user_id}", Noop());
        router_.Add(Method::delete_, "/api/v1/orgs/members/{user_id}", Noop());
        router_.Add(Method::get, "/api/v1/orgs/members/me", Noop());  // literal, registered after the parameter
        router_.Add(Method::post, "/api/v1/orgs/members/{user_id}/sessions/revoke", Noop(), RouteOptions{1024});
        router_.Add(Method::get, "/api/v1/things/{a}/{b}", Noop());
        router_.Add(Method::get, "/healthz", Noop());
    }
    Router router_;
};

TEST_F(RouterTest, LiteralRoutes) {
    EXPECT_EQ(Resolve(router_, Method::get, "/healthz"), "/healthz");
    EXPECT_EQ(Resolve(router_, Method::get, "/api/v1/orgs/members"), "/api/v1/orgs/members");
    EXPECT_TRUE(Params(router_, Method::get, "/healthz").empty());
}

TEST_F(RouterTest, LiteralBeatsParameterWhateverTheRegistrationOrder) {
    EXPECT_EQ(Resolve(router_, Method::get, "/api/v1/orgs/members/me"), "/api/v1/orgs/members/me");
    EXPECT_TRUE(Params(router_, Method::get, "/api/v1/orgs/members/me").empty());
    Router literal_first;
    literal_first.Add(Method::get, "/x/me", Noop());
    literal_first.Add(Method::get, "/x/{id}", Noop());
    EXPECT_EQ(Resolve(literal_first, Method::get, "/x/me"), "/x/me");
    EXPECT_EQ(Resolve(literal_first, Method::get, "/x/you"), "/x/{id}");
    // For a method the literal route lacks, the parameter route answers.
    EXPECT_EQ(Resolve(router_, Method::patch, "/api/v1/orgs/members/me"), "/api/v1/orgs/members/{user_id}");
}

TEST_F(RouterTest, ParametersArePercentDecoded) {
    EXPECT_EQ(Resolve(router_, Method::get, "/api/v1/orgs/members/usr_1"), "/api/v1/orgs/members/{user_id}");
    using P = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(Params(router_, Method::get, "/api/v1/orgs/members/usr_1"), (P{{"user_id", "usr_1"}}));
    EXPECT_EQ(Params(router_, Method::get, "/api/v1/orgs/members/usr%5F1"), (P{{"user_id", "usr_1"}}));
    EXPECT_EQ(Params(router_, Method::get, "/api/v1/orgs/members/a%20b%C3%A9"), (P{{"user_id", "a b\xC3\xA9"}}));
    EXPECT_EQ(Params(router_, Method::get, "/api/v1/orgs/members/a+b"), (P{{"user_id", "a+b"}}))
        << "'+' is not a space in a path";
    EXPECT_EQ(Params(router_, Method::get, "/api/v1/things/one/two"), (P{{"a", "one"}, {"b", "two"}}));
    EXPECT_EQ(Params(router_, Method::post, "/api/v1/orgs/members/u%2D9/sessions/revoke"), (P{{"user_id", "u-9"}}));
}

TEST_F(RouterTest, MethodNotAllowedVersusNotFound) {
    EXPECT_EQ(Resolve(router_, Method::put, "/api/v1/orgs/members/usr_1"), "405");
    EXPECT_EQ(Resolve(router_, Method::post, "/healthz"), "405");
    EXPECT_EQ(Resolve(router_, Method::delete_, "/api/v1/orgs/members"), "405");
    EXPECT_EQ(Resolve(router_, Method::get, "/nope"), "404");
    EXPECT_EQ(Resolve(router_, Method::get, "/api/v1/orgs/members/usr_1/extra"), "404");
    EXPECT_EQ(Resolve(router_, Method::get, "/api/v1/orgs"), "404");
    EXPECT_EQ(Resolve(router_, Method::get, "/healthz/"), "404");
    EXPECT_EQ(Resolve(router_, Method::get, ""), "404");
    EXPECT_EQ(Resolve(router_, Method::get, "healthz"), "404");
    EXPECT_EQ(Resolve(router_, Method::get, "/HEALTHZ"), "404") << "paths are case-sensitive";
}

TEST_F(RouterTest, HeadMatchesGet) {
    EXPECT_EQ(Resolve(router_, Method::head, "/healthz"), "/healthz");
    EXPECT_EQ(Resolve(router_, Method::head, "/api/v1/orgs/members/usr_1"), "/api/v1/orgs/members/{user_id}");
    EXPECT_EQ(Resolve(router_, Method::head, "/api/v1/orgs/members/x/sessions/revoke"), "405")
        << "HEAD does not match a POST-only route";
}

TEST_F(RouterTest, BadParameterEncodingIsNoMatch) {
    for (const char* path : {"/api/v1/orgs/members/%zz", "/api/v1/orgs/members/%4", "/api/v1/orgs/members/%",
                             "/api/v1/orgs/members/a%2Fb", "/api/v1/orgs/members/%00", "/api/v1/orgs/members/%FF",
                             "/api/v1/orgs/members/%C3", "/api/v1/orgs/members/"}) {
        EXPECT_EQ(Resolve(router_, Method::get, path), "404") << path;
    }
}

TEST_F(RouterTest, LiteralSegmentsAreNotDecoded) {
    EXPECT_EQ(Resolve(router_, Method::get, "/%68ealthz"), "404");
}

TEST_F(RouterTest, OptionsTravelWithTheMatch) {
    auto found = router_.Find(Method::post, "/api/v1/orgs/members/u/sessions/revoke");
    ASSERT_TRUE(std::holds_alternative<Router::Match>(found));
    const auto& match = std::get<Router::Match>(found);
    EXPECT_EQ(match.options.body_limit, 1024u);
    EXPECT_NE(match.handler, nullptr);
    auto other = router_.Find(Method::get, "/healthz");
    EXPECT_EQ(std::get<Router::Match>(other).options.body_limit, 64u * 1024u);
}

TEST_F(RouterTest, RoutesListsEveryRegistration) {
    std::set<std::pair<std::string, std::string>> routes;
    for (const auto& route : router_.Routes())
        routes.emplace(std::string(boost::beast::http::to_string(route.method)), route.route_template);
    EXPECT_EQ(routes.size(), 8u);
    EXPECT_TRUE(routes.count({"DELETE", "/api/v1/orgs/members/{user_id}"}));
    EXPECT_TRUE(routes.count({"GET", "/api/v1/orgs/members/me"}));
}

}  // namespace
}  // namespace wt::http
