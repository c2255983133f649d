// SPDX-License-Identifier: Apache-2.0
#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../common/test_support.hpp"

namespace wt::http {
namespace {

void Write(const std::string& path, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream out(path, std::ios::binary);
    out << content;
}

class StaticFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string& root = dir_.path();
        Write(root + "/index.html", "<!doctype html><title>WatchTower</title>");
        Write(root + "/assets/app-3f2a1b.js", "console.log(1)");
        Write(root + "/assets/app-3f2a1b.css", "body{}");
        Write(root + "/assets/fonts/inter-9a8b.woff2", std::string("wOF2\0\x01", 6));
        Write(root + "/favicon.ico", "ico");
        Write(root + "/logo.svg", "<svg/>");
        Write(root + "/robots.txt", "User-agent: *");
        Write(root + "/manifest.json", "{}");
        Write(root + "/blob.bin", "bin");
        Write(root + "/api/secret.json", "{\"not\":\"served\"}");
    }
    testing::TempDir dir_;
};

TEST_F(StaticFilesTest, ContentTypesAndCaching) {
    StaticFiles files(dir_.path());
    ASSERT_TRUE(files.loaded());
    struct Case {
        const char* path;
        const char* content_type;
        const char* cache;
    };
    const Case cases[] = {
        {"/index.html", "text/html; charset=utf-8", "no-cache"},
        {"/assets/app-3f2a1b.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
        {"/assets/app-3f2a1b.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
        {"/assets/fonts/inter-9a8b.woff2", "font/woff2", "public, max-age=31536000, immutable"},
        {"/favicon.ico", "image/x-icon", "no-cache"},
        {"/logo.svg", "image/svg+xml", "no-cache"},
        {"/robots.txt", "text/plain; charset=utf-8", "no-cache"},
        {"/manifest.json", "application/json", "no-cache"},
        {"/blob.bin", "application/octet-stream", "no-cache"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.path);
        auto res = files.Serve(c.path);
        ASSERT_TRUE(res.has_value());
        EXPECT_EQ(res->result_int(), 200u);
        EXPECT_EQ((*res)[beast_http::field::content_type], c.content_type);
        EXPECT_EQ((*res)[beast_http::field::cache_control], c.cache);
    }
    EXPECT_EQ(files.Serve("/assets/app-3f2a1b.js")->body(), "console.log(1)");
    EXPECT_EQ(files.Serve("/assets/fonts/inter-9a8b.woff2")->body(), std::string("wOF2\0\x01", 6));
}

TEST_F(StaticFilesTest, SpaFallbackServesIndexWithoutImmutableCaching) {
    StaticFiles files(dir_.path());
    for (const char* path : {"/", "/team", "/alerts/al_123", "/../etc/passwd", "/index.html/x"}) {
        SCOPED_TRACE(path);
        auto res = files.Serve(path);
        ASSERT_TRUE(res.has_value());
        EXPECT_EQ(res->body(), "<!doctype html><title>WatchTower</title>");
        EXPECT_EQ((*res)[beast_http::field::content_type], "text/html; charset=utf-8");
        EXPECT_EQ((*res)[beast_http::field::cache_control], "no-cache");
    }
}

TEST_F(StaticFilesTest, ApiPathsAreNeverServed) {
    StaticFiles files(dir_.path());
    EXPECT_FALSE(files.Serve("/api").has_value());
    EXPECT_FALSE(files.Serve("/api/").has_value());
    EXPECT_FALSE(files.Serve("/api/v1/unknown").has_value());
    EXPECT_FALSE(files.Serve("/api/secret.json").has_value()) << "not even a file that exists under web/api";
}

TEST_F(StaticFilesTest, MissingAssetIsNotFound) {
    StaticFiles files(dir_.path());
    EXPECT_FALSE(files.Serve("/assets/app-000000.js").has_value());
    EXPECT_FALSE(files.Serve("/assets/").has_value());
}

TEST(StaticFilesEmptyTest, MissingOrEmptyDirectory) {
    StaticFiles missing("/nonexistent/watchtower/web/dist");
    EXPECT_FALSE(missing.loaded());
    EXPECT_FALSE(missing.Serve("/").has_value());
    EXPECT_FALSE(missing.Serve("/index.html").has_value());
    testing::TempDir empty;
    StaticFiles none(empty.path());
    EXPECT_FALSE(none.loaded());
    EXPECT_FALSE(none.Serve("/team").has_value());
}

TEST(StaticFilesEmptyTest, NoIndexMeansNoFallback) {
    testing::TempDir dir;
    Write(dir.path() + "/robots.txt", "x");
    StaticFiles files(dir.path());
    EXPECT_TRUE(files.loaded());
    EXPECT_TRUE(files.Serve("/robots.txt").has_value());
    EXPECT_FALSE(files.Serve("/team").has_value());
}

}  // namespace
}  // namespace wt::http
