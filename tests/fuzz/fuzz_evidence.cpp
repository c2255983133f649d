// SPDX-License-Identifier: Apache-2.0
/// Fuzzes the outside input of evidence uploads and the SAR document's escaping (cases/evidence.hpp,
/// common/html.hpp). The input is `<filename>\n<content type>\n<body>`. Whatever it is: no crash
/// or UB; an accepted upload has a file name without path parts, control characters or a leading
/// dot, at most kMaxFilenameBytes of valid UTF-8, and an allowed content type; its
/// Content-Disposition is printable ASCII with nothing that could end the quoted name; HtmlEscape
/// of any bytes is valid UTF-8 without `<`, `>`, `"` or `'`.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cases/evidence.hpp"
#include "common/html.hpp"
#include "common/json.hpp"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view value) {
    std::fprintf(stderr, "fuzz_evidence: %s: '%.*s'\n", what, static_cast<int>(value.size()), value.data());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto first = input.find('\n');
    const auto second = first == std::string_view::npos ? first : input.find('\n', first + 1);
    const std::string_view filename = input.substr(0, first);
    const std::string_view content_type =
        first == std::string_view::npos ? std::string_view() : input.substr(first + 1, second - first - 1);
    const std::string_view body = second == std::string_view::npos ? std::string_view() : input.substr(second + 1);

    auto checked = wt::cases::CheckEvidence(filename, content_type, body);
    if (checked) {
        const std::string& name = checked->filename;
        if (name.empty() || name.size() > wt::cases::kMaxFilenameBytes) Fail("accepted name length", name);
        if (name.find_first_of("/\\") != std::string::npos) Fail("accepted a path", name);
        if (name.front() == '.') Fail("accepted a leading dot", name);
        if (!wt::IsValidUtf8(name)) Fail("accepted invalid UTF-8", name);
        if (std::any_of(name.begin(), name.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
            Fail("accepted a control character", name);
        const auto& types = wt::cases::EvidenceContentTypes();
        if (std::find(types.begin(), types.end(), checked->content_type) == types.end())
            Fail("accepted a content type", checked->content_type);
        const std::string disposition = wt::cases::ContentDisposition(name);
        for (char c : disposition)
            if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
                Fail("disposition", disposition);
        const auto open = disposition.find("filename=\"") + 10;
        const auto close = disposition.find('"', open);
        if (disposition.find_first_of("\"\\;", open) != close || disposition.substr(close, 2) != "\";")
            Fail("disposition quoting", disposition);
        (void)wt::cases::ServedContentType(checked->content_type);
    }

    const std::string escaped = wt::HtmlEscape(input);
    if (escaped.find_first_of("<>\"'") != std::string::npos) Fail("unescaped", escaped);
    if (!wt::IsValidUtf8(escaped)) Fail("escaped is not UTF-8", escaped);
    return 0;
}
