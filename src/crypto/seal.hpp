// SPDX-License-Identifier: Apache-2.0
/// Sealed secrets at rest (SECURITY.md "Secrets at rest"): AES-256-GCM under a master key, with
/// the key's id in the envelope so that keys can rotate.
///
/// Envelope (text, safe in a TEXT column): `wtseal1.<key id>.<base64url(nonce[12] ciphertext tag[16])>`.
/// The key id is the first 8 bytes of SHA-256("watchtower/key-id" || key), hex (16 characters): it
/// names a key without revealing it. A random 96-bit nonce per seal.
///
/// `context` is bound as additional authenticated data: a value sealed for one place (by
/// convention `<table>.<column>:<row id>`, see secrets/sealed_columns.hpp) does not open in another,
/// so sealed values cannot be swapped between rows.
///
/// Threading: a Keyring is immutable after construction and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace wt::crypto {

class Keyring {
  public:
    /// `keys[0]` seals; every key opens. REQUIRES: at least one key; every key 32 bytes.
    explicit Keyring(std::vector<std::string> keys);

    /// The id of a 32-byte key (see the file comment).
    static std::string KeyId(std::string_view key);

    std::string Seal(std::string_view plaintext, std::string_view context) const;
    /// kValidationFailed "sealed value is malformed" for a value that is not an envelope,
    /// kInternal "sealed with an unknown key <id>" when no key of the ring has its id, kInternal
    /// "sealed value failed authentication" when the tag does not verify (tampered, wrong
    /// context, wrong key).
    Result<std::string> Open(std::string_view sealed, std::string_view context) const;

    /// The id of the sealing key.
    const std::string& current_id() const { return ids_.front(); }
    /// The key id of an envelope, or empty when `sealed` is not one.
    static std::string EnvelopeKeyId(std::string_view sealed);

  private:
    std::vector<std::string> keys_;
    std::vector<std::string> ids_;
};

}  // namespace wt::crypto
