// SPDX-License-Identifier: Apache-2.0
#include <curl/curl.h>
#include <fmt/format.h>

#include <cstring>
#include <mutex>

#include "mail/transport.hpp"

namespace wt::mail {

namespace {

Error SmtpError(std::string internal) {
    Error error = Error::Make(ErrorCode::kUnavailable, "SMTP delivery failed");
    error.internal = std::move(internal);
    return error;
}

/// Feeds the message to libcurl's upload, in the chunks it asks for.
struct Upload {
    std::string_view rest;

    static size_t Read(char* buffer, size_t size, size_t count, void* self) {
        auto& upload = *static_cast<Upload*>(self);
        const size_t n = std::min(size * count, upload.rest.size());
        std::memcpy(buffer, upload.rest.data(), n);
        upload.rest.remove_prefix(n);
        return n;
    }
};

/// Called by libcurl at least once a second: a non-zero answer aborts the transfer, which is how
/// shutdown interrupts a slow server without waiting for the 60 s timeout.
int Progress(void* stop_token, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<std::stop_token*>(stop_token)->stop_requested() ? 1 : 0;
}

class SmtpTransport final : public Transport {
  public:
    explicit SmtpTransport(SmtpOptions options) : options_(std::move(options)) {}

    Status Send(const Outgoing& mail, std::stop_token stop) override {
        std::optional<std::string> password;
        if (!options_.username.empty()) {
            auto looked_up = options_.password ? options_.password() : Result<std::optional<std::string>>(std::nullopt);
            if (!looked_up)
                return SmtpError("reading the smtp_password server secret failed: " + looked_up.error().detail);
            if (!*looked_up)
                return SmtpError(
                    "smtp_username is set but no smtp_password is stored "
                    "(watchtower secrets set smtp_password)");
            password = std::move(**looked_up);
        }

        std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
        if (!curl) return SmtpError("curl_easy_init failed");
        CURL* handle = curl.get();
        const std::string mail_from = "<" + std::string(mail.from_address) + ">";
        const std::string rcpt = "<" + std::string(mail.to) + ">";
        std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients(curl_slist_append(nullptr, rcpt.c_str()),
                                                                               &curl_slist_free_all);
        Upload upload{mail.rfc5322};
        char error_buffer[CURL_ERROR_SIZE] = {0};

        curl_easy_setopt(handle, CURLOPT_URL, options_.url.c_str());
        curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(handle, CURLOPT_VERBOSE, 0L);  // verbose output would show the AUTH exchange
        curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
        curl_easy_setopt(handle, CURLOPT_USE_SSL, options_.insecure ? CURLUSESSL_NONE : CURLUSESSL_ALL);
        if (!options_.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_file.c_str());
        if (password) {
            curl_easy_setopt(handle, CURLOPT_USERNAME, options_.username.c_str());
            curl_easy_setopt(handle, CURLOPT_PASSWORD, password->c_str());
        }
        curl_easy_setopt(handle, CURLOPT_MAIL_FROM, mail_from.c_str());
        curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients.get());
        curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(handle, CURLOPT_READFUNCTION, &Upload::Read);
        curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
        curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.rfc5322.size()));
        curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
        curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
        curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &Progress);
        curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &stop);

        const CURLcode code = curl_easy_perform(handle);
        if (password) std::fill(password->begin(), password->end(), '\0');
        if (code == CURLE_OK) return Ok();
        if (code == CURLE_ABORTED_BY_CALLBACK && stop.stop_requested())
            return Error::Make(ErrorCode::kUnavailable, "cancelled");
        long response = 0;
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response);
        return SmtpError(fmt::format("{} (curl {}{}{}", error_buffer[0] ? error_buffer : curl_easy_strerror(code),
                                     static_cast<int>(code), response ? fmt::format(", SMTP {}", response) : "", ")"));
    }

  private:
    SmtpOptions options_;
};

}  // namespace

Result<std::unique_ptr<Transport>> MakeSmtpTransport(SmtpOptions options) {
    if (options.url.rfind("smtp://", 0) != 0 && options.url.rfind("smtps://", 0) != 0) {
        return Error::Validation("mail.smtp_url", "must start with smtp:// (STARTTLS) or smtps://");
    }
    // Credentials in the URL would sit in the config and the logs in clear: the password is a sealed
    // server secret instead.
    const std::string_view authority = std::string_view(options.url).substr(options.url.find("://") + 3);
    if (authority.substr(0, authority.find('/')).find('@') != std::string_view::npos) {
        return Error::Validation("mail.smtp_url",
                                 "must not contain credentials: set mail.smtp_username and store the "
                                 "password with `watchtower secrets set smtp_password`");
    }
    // curl_global_init is not thread-safe in every libcurl version: once, before the first use.
    static std::once_flag curl_initialized;
    std::call_once(curl_initialized, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    return std::unique_ptr<Transport>(std::make_unique<SmtpTransport>(std::move(options)));
}

}  // namespace wt::mail
