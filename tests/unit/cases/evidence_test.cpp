// SPDX-License-Identifier: Apache-2.0
// Evidence uploads (cases/evidence.hpp): what may be uploaded (types, extensions, magic bytes,
// names), the Content-Disposition of a download, and the durable file store.
#include "cases/evidence.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>

#include "../common/test_support.hpp"

namespace wt::cases {
namespace {

const std::string kPng("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);

std::set<std::string> Fields(const Result<CheckedUpload>& checked) {
    std::set<std::string> fields;
    EXPECT_FALSE(checked.ok());
    if (!checked.ok()) {
        EXPECT_EQ(checked.error().code, ErrorCode::kValidationFailed);
        for (const auto& field : checked.error().fields) fields.insert(field.field);
    }
    return fields;
}

TEST(EvidenceCheckTest, AcceptsEachAllowedTypeByItsFirstBytes) {
    struct Case {
        const char* filename;
        const char* content_type;
        std::string body;
    };
    for (const auto& [filename, content_type, body] :
         {Case{"a.pdf", "application/pdf", "%PDF-1.7\n"}, Case{"a.png", "image/png", kPng},
          Case{"a.JPG", "image/jpeg", "\xFF\xD8\xFF\xE0"}, Case{"a.jpeg", "IMAGE/JPEG", "\xFF\xD8\xFF\xDB"},
          Case{"a.gif", "image/gif", "GIF87a"}, Case{"a.txt", "text/plain; charset=utf-8", "caf\xC3\xA9\n"},
          Case{"a.log", "text/plain", "line"}, Case{"a.csv", "text/csv", "a,b\n1,2\n"},
          Case{"a.json", "application/json", R"({"k": [1, 2]})"}}) {
        auto checked = CheckEvidence(filename, content_type, body);
        ASSERT_TRUE(checked.ok()) << filename << ": " << checked.error().detail;
        EXPECT_EQ(checked->filename, filename);
    }
    EXPECT_EQ(CheckEvidence("a.jpeg", "IMAGE/JPEG", "\xFF\xD8\xFF")->content_type, "image/jpeg");
}

TEST(EvidenceCheckTest, RefusesOtherTypesWith415) {
    for (const char* type : {"text/html", "image/svg+xml", "application/octet-stream", "", "application/pdf2"}) {
        auto checked = CheckEvidence("a.pdf", type, "%PDF-");
        ASSERT_FALSE(checked.ok()) << type;
        EXPECT_EQ(checked.error().code, ErrorCode::kUnsupportedMediaType) << type;
    }
}

TEST(EvidenceCheckTest, TheBodyMustMatchTheDeclaredType) {
    EXPECT_EQ(Fields(CheckEvidence("a.pdf", "application/pdf", "<html>")), std::set<std::string>{"body"});
    EXPECT_EQ(Fields(CheckEvidence("a.png", "image/png", "GIF89a")), std::set<std::string>{"body"});
    EXPECT_EQ(Fields(CheckEvidence("a.png", "image/png", std::string("\x89PNG", 4))), std::set<std::string>{"body"});
    EXPECT_EQ(Fields(CheckEvidence("a.gif", "image/gif", "GIF88a")), std::set<std::string>{"body"});
    EXPECT_EQ(Fields(CheckEvidence("a.txt", "text/plain", std::string("a\0b", 3))), std::set<std::string>{"body"});
    EXPECT_EQ(Fields(CheckEvidence("a.csv", "text/csv", "\xC3")), std::set<std::string>{"body"});
    EXPECT_EQ(Fields(CheckEvidence("a.json", "application/json", "{\"unfinished\":")), std::set<std::string>{"body"});
    EXPECT_EQ(Fields(CheckEvidence("a.txt", "text/plain", "")), std::set<std::string>{"body"});
}

TEST(EvidenceCheckTest, NamesLoseTheirPathAndMustFitTheType) {
    EXPECT_EQ(CheckEvidence("../../etc/report.pdf", "application/pdf", "%PDF-")->filename, "report.pdf");
    EXPECT_EQ(CheckEvidence("C:\\fakepath\\scan 1.png", "image/png", kPng)->filename, "scan 1.png");
    EXPECT_EQ(CheckEvidence("Übersicht März.csv", "text/csv", "a")->filename, "Übersicht März.csv");
    for (const std::string& name : {std::string(""), std::string("dir/"), std::string(".png"), std::string("..png"),
                                    std::string("a\nb.png"), std::string("a\x7f.png"), std::string("a\xff.png"),
                                    std::string(197, 'n') + ".png", std::string("a.png.exe"), std::string("a.pdf")})
        EXPECT_EQ(Fields(CheckEvidence(name, "image/png", kPng)), std::set<std::string>{"filename"}) << name;
    EXPECT_TRUE(CheckEvidence(std::string(196, 'n') + ".png", "image/png", kPng).ok()) << "200 bytes is the limit";
    EXPECT_EQ(Fields(CheckEvidence("a.exe", "text/plain", "")), (std::set<std::string>{"filename", "body"}));
}

TEST(EvidenceDownloadTest, DispositionAndTypeAreSafe) {
    EXPECT_EQ(ContentDisposition("statement p1.png"),
              "attachment; filename=\"statement_p1.png\"; filename*=UTF-8''statement%20p1.png");
    EXPECT_EQ(ContentDisposition("a\";b.txt"), "attachment; filename=\"a__b.txt\"; filename*=UTF-8''a%22%3Bb.txt");
    EXPECT_EQ(ContentDisposition("März.csv"), "attachment; filename=\"M__rz.csv\"; filename*=UTF-8''M%C3%A4rz.csv");
    EXPECT_EQ(ServedContentType("text/csv"), "text/csv; charset=utf-8");
    EXPECT_EQ(ServedContentType("image/png"), "image/png");
}

TEST(EvidenceStoreTest, StoresDurablyPrivatelyAndReadsBackByteForByte) {
    testing::TempDir dir;
    std::string bytes;
    for (int idx = 0; idx < 300000; ++idx) bytes += static_cast<char>(idx % 251);
    ASSERT_TRUE(StoreEvidenceFile(dir.path(), "org_1", "evd_1", bytes).ok());
    auto read = ReadEvidenceFile(dir.path(), "org_1", "evd_1");
    ASSERT_TRUE(read.ok()) << read.error().internal;
    EXPECT_EQ(*read, bytes);
    struct stat file_stat {};
    ASSERT_EQ(::stat((dir.path() + "/evidence/org_1/evd_1").c_str(), &file_stat), 0);
    EXPECT_EQ(file_stat.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((dir.path() + "/evidence/org_1").c_str(), &file_stat), 0);
    EXPECT_EQ(file_stat.st_mode & 0777, 0700u);
    EXPECT_NE(::stat((dir.path() + "/evidence/org_1/evd_1.part").c_str(), &file_stat), 0) << "no temporary left";
    DiscardEvidenceFile(dir.path(), "org_1", "evd_1");
    EXPECT_FALSE(ReadEvidenceFile(dir.path(), "org_1", "evd_1").ok());
    // Ids never become path parts.
    for (const char* id : {"../evd", "evd/1", "", "EVD"}) {
        auto stored = StoreEvidenceFile(dir.path(), "org_1", id, "x");
        ASSERT_FALSE(stored.ok()) << id;
        EXPECT_EQ(stored.error().code, ErrorCode::kInternal) << id;
    }
    EXPECT_FALSE(StoreEvidenceFile(dir.path() + "/missing", "org_1", "evd_2", "x").ok());
}

}  // namespace
}  // namespace wt::cases
