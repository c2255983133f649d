// SPDX-License-Identifier: Apache-2.0
// SECURITY.md "Abuse limits" against a real server: 200 parallel wrong passwords for one account
// from 200 addresses get exactly as far as the lock threshold, the right password is refused while
// the account is locked, and the lock ends when it should (test clock).
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <string>
#include <vector>

#include "harness.hpp"

namespace wt::integration {
namespace {

std::string LoginBody(const std::string& email, const std::string& password) {
    return boost::json::serialize(boost::json::object{{"email", email}, {"password", password}});
}

TEST(BruteForceTest, TwoHundredParallelWrongPasswordsLockTheAccountAtTheThreshold) {
    ServerConfig config;
    config.clock_file = true;
    // Each attempt from its own address (X-Forwarded-For believed from loopback), so only the
    // per-account limit is at work; the SECURITY.md defaults written out (the harness lifts them).
    config.env["WATCHTOWER_TRUSTED_PROXIES"] = "127.0.0.1/32";
    config.env["WATCHTOWER_AUTH_ATTEMPTS_PER_IP_PER_MINUTE"] = "30";
    config.env["WATCHTOWER_AUTH_FAILURES_BEFORE_LOCK"] = "10";
    config.env["WATCHTOWER_AUTH_LOCK_SECONDS"] = "60";
    config.env["WATCHTOWER_AUTH_MAX_LOCK_SECONDS"] = "900";
    Server server(config);
    server.Start();
    const std::string email = server.role_email.at("ANALYST");
    const std::string wrong = "not-the-password-of-this-account";
    server.RememberSecret(wrong);

    std::vector<std::future<HttpResponse>> calls;
    for (int i = 0; i < 200; ++i)
        calls.push_back(std::async(std::launch::async, [&, i] {
            const std::string address = "198.51." + std::to_string(100 + i / 250) + "." + std::to_string(1 + i % 250);
            return server.Call("POST", "/api/v1/auth/login", LoginBody(email, wrong), {{"X-Forwarded-For", address}});
        }));
    std::map<int, int> statuses;
    for (auto& call : calls) {
        HttpResponse res = call.get();
        ++statuses[res.status];
        if (res.status == 429) {
            EXPECT_TRUE(res.Header("Retry-After").has_value()) << "429 without Retry-After";
        }
    }
    EXPECT_EQ(statuses[401], 10) << "wrong passwords checked: exactly the threshold";
    EXPECT_EQ(statuses[429], 190) << "the rest refused before any password check";
    EXPECT_EQ(statuses[401] + statuses[429], 200) << "no other answer (no 503, no 500)";

    // Locked: the right password is refused too, from a fresh address, with the time left.
    auto locked = server.Call("POST", "/api/v1/auth/login", LoginBody(email, kPassword),
                              {{"X-Forwarded-For", "203.0.113.50"}});
    EXPECT_EQ(locked.status, 429) << locked.body;
    int retry_after = std::stoi(locked.Header("Retry-After").value_or("0"));
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, 60);

    // Still locked ten seconds before the minute is over; open after it.
    server.SetClockOffset(50);
    EXPECT_EQ(server.Call("POST", "/api/v1/auth/login", LoginBody(email, kPassword), {{"X-Forwarded-For", "203.0.113.51"}})
                  .status,
              429);
    server.SetClockOffset(61);
    auto open = server.Call("POST", "/api/v1/auth/login", LoginBody(email, kPassword),
                            {{"X-Forwarded-For", "203.0.113.52"}});
    EXPECT_EQ(open.status, 200) << "the lock ends after 60 s: " << open.body;

    // The success reset the count: nine more wrong passwords do not lock again.
    for (int i = 0; i < 9; ++i)
        EXPECT_EQ(server.Call("POST", "/api/v1/auth/login", LoginBody(email, wrong),
                              {{"X-Forwarded-For", "203.0.113." + std::to_string(60 + i)}})
                      .status,
                  401);
    EXPECT_EQ(server.Call("POST", "/api/v1/auth/login", LoginBody(email, kPassword), {{"X-Forwarded-For", "203.0.113.70"}})
                  .status,
              200);
    EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace wt::integration
