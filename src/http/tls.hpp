// SPDX-License-Identifier: Apache-2.0
/// The TLS context of native HTTPS (SECURITY.md "Transport and headers"): TLS 1.3 only, no
/// compression, no renegotiation, ALPN `http/1.1` only (a client offering ALPN without it is
/// refused), the certificate chain and private key read once from PEM files at start (a renewed
/// certificate takes a restart).
///
/// Failure: every problem an operator can cause (a missing or unreadable file, a file that holds no
/// PEM certificate or no unencrypted PEM private key, a key that does not belong to the certificate)
/// is a `kValidationFailed` error whose message names the option and the file, so `watchtower serve`
/// refuses to start with one clear line instead of failing at the first handshake. Encrypted keys
/// are refused, never prompted for (a server must not block on a terminal).
///
/// Threading: build the context before the server runs; the server then only reads it.
#pragma once

#include <memory>
#include <string>

#include "common/result.hpp"

namespace boost::asio::ssl {
class context;
}

namespace wt::http {

/// A server context for `cert_file` (PEM chain: leaf first, then intermediates) and `key_file`
/// (unencrypted PEM private key of the leaf). Errors name `tls.cert` or `tls.key` and the path.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const std::string& cert_file,
                                                                  const std::string& key_file);

}  // namespace wt::http
