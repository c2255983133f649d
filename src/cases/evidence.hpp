// SPDX-License-Identifier: Apache-2.0
/// Evidence files of cases (docs/investigations.md "Evidence"): what an upload may be, and its
/// durable storage in the data directory.
///
/// `CheckEvidence` is a pure function over outside input (the `?filename=` parameter, the
/// Content-Type header and the raw body), fuzzed by tests/fuzz/fuzz_evidence.cpp. Allowed types,
/// each with its file name extensions and a check of the content's first bytes: PDF, PNG, JPEG, GIF
/// (magic numbers), plain text and CSV (valid UTF-8 without NUL) and JSON (valid UTF-8 that parses). Files live at
/// `<data_dir>/evidence/<org id>/<evidence id>` (directories 0700, files 0600), written to a
/// temporary name, fsynced, renamed and the directory fsynced, so a stored file survives a crash
/// before its row commits. Evidence is never deleted through the API (a defensible record).
/// Threading: free functions, blocking file I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace wt::cases {

/// The largest evidence file accepted (the route's body limit: larger bodies are 413).
inline constexpr std::size_t kMaxEvidenceBytes = 10 * 1024 * 1024;
/// The longest stored file name, in bytes (after the path parts are dropped).
inline constexpr std::size_t kMaxFilenameBytes = 200;

/// The allowed media types, as stored and served.
const std::vector<std::string>& EvidenceContentTypes();

struct CheckedUpload {
    std::string filename;      // the last path part of the given name
    std::string content_type;  // one of EvidenceContentTypes(), lower case, without parameters
};

/// Checks an upload: kUnsupportedMediaType for a Content-Type outside EvidenceContentTypes()
/// (parameters such as `; charset=utf-8` are ignored); kValidationFailed naming `filename` (absent,
/// empty after dropping everything up to the last `/` or `\`, longer than kMaxFilenameBytes, a
/// control character, a leading `.`, an extension that is not one of the type's) or `body` (empty,
/// or first bytes that do not match the declared type).
Result<CheckedUpload> CheckEvidence(std::string_view filename, std::string_view content_type, std::string_view body);

/// The Content-Type an evidence file is served with (`; charset=utf-8` added to text types).
std::string ServedContentType(std::string_view content_type);

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>` (RFC 6266).
std::string ContentDisposition(std::string_view filename);

/// Writes `bytes` durably as `<data_dir>/evidence/<org_id>/<evidence_id>`. kUnavailable on an I/O
/// failure (nothing is left behind); kInternal for ids with characters other than [a-z0-9_].
Status StoreEvidenceFile(const std::string& data_dir, const std::string& org_id, const std::string& evidence_id,
                         std::string_view bytes);
/// The file's bytes; kUnavailable when it cannot be read.
Result<std::string> ReadEvidenceFile(const std::string& data_dir, const std::string& org_id,
                                     const std::string& evidence_id);
/// Removes a stored file whose row did not commit (best effort).
void DiscardEvidenceFile(const std::string& data_dir, const std::string& org_id, const std::string& evidence_id);

}  // namespace wt::cases
