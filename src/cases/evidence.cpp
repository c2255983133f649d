// SPDX-License-Identifier: Apache-2.0
#include "cases/evidence.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "common/json.hpp"

namespace wt::cases {
namespace {

struct AllowedType {
    std::string_view content_type;
    std::vector<std::string_view> extensions;
    std::vector<std::string_view> magics;  // any of them starts the content; none: valid UTF-8 text
    bool json = false;                     // the text must parse as JSON (exported API answers, statements)
};

const std::vector<AllowedType>& AllowedTypes() {
    static const std::vector<AllowedType> kTypes = {
        {"application/pdf", {".pdf"}, {"%PDF-"}},
        {"image/png", {".png"}, {std::string_view("\x89PNG\r\n\x1a\n", 8)}},
        {"image/jpeg", {".jpg", ".jpeg"}, {"\xFF\xD8\xFF"}},
        {"image/gif", {".gif"}, {"GIF87a", "GIF89a"}},
        {"text/plain", {".txt", ".log"}, {}},
        {"text/csv", {".csv"}, {}},
        {"application/json", {".json"}, {}, true},
    };
    return kTypes;
}

std::string Lower(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
    return lower;
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

bool SafeId(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

Error IoError(std::string_view what, const std::string& path, int error_number) {
    Error error = Error::Make(ErrorCode::kUnavailable, "the evidence file could not be stored or read");
    error.internal = fmt::format("{} {}: {}", what, path, std::strerror(error_number));
    return error;
}

Status SyncDirectory(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return IoError("open", dir, errno);
    const int synced = ::fsync(fd);
    const int sync_errno = errno;
    ::close(fd);
    if (synced != 0) return IoError("sync", dir, sync_errno);
    return Ok();
}

// Creates `dir` (0700) when missing; a new directory's parent is fsynced so its name is durable.
Status EnsureDirectory(const std::string& parent, const std::string& dir) {
    if (::mkdir(dir.c_str(), 0700) == 0) return SyncDirectory(parent);
    if (errno == EEXIST) return Ok();
    return IoError("mkdir", dir, errno);
}

Result<std::string> EvidencePath(const std::string& data_dir, const std::string& org_id,
                                 const std::string& evidence_id) {
    if (!SafeId(org_id) || !SafeId(evidence_id))
        return Error::Internal(fmt::format("unsafe evidence path parts {} / {}", org_id, evidence_id));
    return fmt::format("{}/evidence/{}/{}", data_dir, org_id, evidence_id);
}

}  // namespace

const std::vector<std::string>& EvidenceContentTypes() {
    static const std::vector<std::string> kNames = [] {
        std::vector<std::string> names;
        for (const auto& type : AllowedTypes()) names.emplace_back(type.content_type);
        return names;
    }();
    return kNames;
}

Result<CheckedUpload> CheckEvidence(std::string_view filename, std::string_view content_type, std::string_view body) {
    const std::string media_type = Lower(Trim(content_type.substr(0, content_type.find(';'))));
    const auto type = std::find_if(AllowedTypes().begin(), AllowedTypes().end(),
                                   [&](const AllowedType& allowed) { return allowed.content_type == media_type; });
    if (type == AllowedTypes().end()) {
        std::string list;
        for (const auto& name : EvidenceContentTypes()) list += (list.empty() ? "" : ", ") + name;
        return Error::Make(ErrorCode::kUnsupportedMediaType,
                           fmt::format("evidence must be one of: {} (given \"{}\")", list,
                                       media_type.size() <= 100 && IsValidUtf8(media_type) ? media_type : "?"));
    }
    std::vector<FieldError> problems;
    const auto last_separator = filename.find_last_of("/\\");
    const std::string_view name =
        last_separator == std::string_view::npos ? filename : filename.substr(last_separator + 1);
    const bool control =
        std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
    if (name.empty())
        problems.push_back({"filename", "is required: the file's name as ?filename="});
    else if (name.size() > kMaxFilenameBytes)
        problems.push_back({"filename", fmt::format("must be at most {} bytes", kMaxFilenameBytes)});
    else if (control || !IsValidUtf8(name))
        problems.push_back({"filename", "must be UTF-8 text without control characters"});
    else if (name.front() == '.')
        problems.push_back({"filename", "must not start with a dot"});
    else if (std::none_of(type->extensions.begin(), type->extensions.end(),
                          [&](std::string_view extension) { return Lower(name).ends_with(extension); })) {
        std::string list;
        for (auto extension : type->extensions) list += fmt::format("{}{}", list.empty() ? "" : " or ", extension);
        problems.push_back({"filename", fmt::format("must end in {} for {}", list, type->content_type)});
    }
    if (body.empty()) {
        problems.push_back({"body", "must not be empty: send the file's bytes as the request body"});
    } else if (type->magics.empty()) {
        boost::system::error_code ec;
        if (body.find('\0') != std::string_view::npos || !IsValidUtf8(body))
            problems.push_back(
                {"body", fmt::format("is not {}: text must be UTF-8 without NUL bytes", type->content_type)});
        else if (type->json && (boost::json::parse(body, ec), ec))
            problems.push_back({"body", "is not application/json: it does not parse as JSON"});
    } else if (std::none_of(type->magics.begin(), type->magics.end(),
                            [&](std::string_view magic) { return body.starts_with(magic); })) {
        problems.push_back({"body", fmt::format("does not start like a {} file", type->content_type)});
    }
    if (!problems.empty()) return Error::Validation(std::move(problems));
    return CheckedUpload{std::string(name), std::string(type->content_type)};
}

std::string ServedContentType(std::string_view content_type) {
    if (content_type.starts_with("text/")) return fmt::format("{}; charset=utf-8", content_type);
    return std::string(content_type);
}

std::string ContentDisposition(std::string_view filename) {
    std::string fallback;
    std::string encoded;
    for (char c : filename) {
        const auto byte = static_cast<unsigned char>(c);
        const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                           c == '-' || c == '_';
        fallback += plain ? c : '_';
        encoded += plain ? std::string(1, c) : fmt::format("%{:02X}", byte);
    }
    return fmt::format("attachment; filename=\"{}\"; filename*=UTF-8''{}", fallback, encoded);
}

Status StoreEvidenceFile(const std::string& data_dir, const std::string& org_id, const std::string& evidence_id,
                         std::string_view bytes) {
    WT_ASSIGN_OR_RETURN(auto path, EvidencePath(data_dir, org_id, evidence_id));
    const std::string root = data_dir + "/evidence";
    const std::string dir = root + "/" + org_id;
    WT_RETURN_IF_ERROR(EnsureDirectory(data_dir, root));
    WT_RETURN_IF_ERROR(EnsureDirectory(root, dir));
    const std::string tmp = path + ".part";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return IoError("create", tmp, errno);
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t step = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (step < 0 && errno == EINTR) continue;
        if (step < 0) {
            const int write_errno = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return IoError("write", tmp, write_errno);
        }
        written += static_cast<std::size_t>(step);
    }
    const int synced = ::fsync(fd);
    const int sync_errno = errno;
    ::close(fd);
    if (synced != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const int failed_errno = synced != 0 ? sync_errno : errno;
        ::unlink(tmp.c_str());
        return IoError(synced != 0 ? "sync" : "rename", tmp, failed_errno);
    }
    return SyncDirectory(dir);
}

Result<std::string> ReadEvidenceFile(const std::string& data_dir, const std::string& org_id,
                                     const std::string& evidence_id) {
    WT_ASSIGN_OR_RETURN(auto path, EvidencePath(data_dir, org_id, evidence_id));
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return IoError("open", path, errno);
    std::string content;
    char buffer[64 * 1024];
    while (true) {
        const ssize_t step = ::read(fd, buffer, sizeof buffer);
        if (step < 0 && errno == EINTR) continue;
        if (step < 0) {
            const int read_errno = errno;
            ::close(fd);
            return IoError("read", path, read_errno);
        }
        if (step == 0) break;
        content.append(buffer, static_cast<std::size_t>(step));
    }
    ::close(fd);
    return content;
}

void DiscardEvidenceFile(const std::string& data_dir, const std::string& org_id, const std::string& evidence_id) {
    if (auto path = EvidencePath(data_dir, org_id, evidence_id)) ::unlink(path->c_str());
}

}  // namespace wt::cases
