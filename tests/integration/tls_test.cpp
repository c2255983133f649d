// SPDX-License-Identifier: Apache-2.0
// Native HTTPS (SECURITY.md "Transport and headers", "Sessions"): `watchtower serve --tls-cert
// --tls-key` offers TLS 1.3 only, sends HSTS and the other security headers, names the session
// cookie `__Host-wt_session` with `Secure`, gives a plain-HTTP client no HTTP answer, drops a
// handshake that stalls after the header deadline, and refuses to start on a missing, mismatched,
// encrypted or non-PEM certificate or key with a line naming the option and the file.
//
// The clients are the real `openssl s_client` and `curl` binaries, run as subprocesses with a
// deadline. The harness's Server::Start probes /readyz over plain HTTP, which a TLS port cannot
// answer, so the harness seeds the data directory and the server process is started here.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>

#include "harness.hpp"

extern char** environ;

namespace wt::integration {
namespace {

namespace json = boost::json;

constexpr auto kHeaderTimeout = 2000ms;  // WATCHTOWER_HEADER_TIMEOUT_MS of the suite's server
constexpr const char* kHsts = "max-age=31536000; includeSubDomains";

// ---------------------------------------------------------------------------------------------
// Subprocesses: openssl and curl with only PATH in their environment (no proxy variables).

struct ToolResult {
    int exit_code = -1;  // -1: killed by a signal or by the deadline
    std::string output;  // stdout and stderr
};

ToolResult RunTool(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 30s) {
    const std::string out_dir = MakeTempDir("tool");
    const std::string out_path = out_dir + "/output";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    const char* path = std::getenv("PATH");
    std::string path_entry = std::string("PATH=") + (path ? path : "/usr/bin:/bin");
    char* envp[] = {path_entry.data(), nullptr};
    pid_t pid = -1;
    const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) throw std::runtime_error("cannot run " + args[0] + ": " + std::strerror(spawned));
    ToolResult result;
    int status = 0;
    const bool exited = PollUntil([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout);
    if (!exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    } else if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    }
    result.output = ReadFile(out_path);
    RemoveTree(out_dir);
    return result;
}

// A self-signed ECDSA P-256 certificate for 127.0.0.1 (CN and subjectAltName) and its key.
struct TlsFiles {
    std::string dir, cert, key;
};

TlsFiles MakeTlsFiles() {
    TlsFiles files;
    files.dir = MakeTempDir("tls");
    files.cert = files.dir + "/cert.pem";
    files.key = files.dir + "/key.pem";
    auto made = RunTool({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                         "-keyout", files.key, "-out", files.cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                         "subjectAltName=IP:127.0.0.1"});
    if (made.exit_code != 0) throw std::runtime_error("openssl req failed: " + made.output);
    return files;
}

// One request through curl to https://127.0.0.1:port, verifying the server against `ca`.
HttpResponse Curl(const TlsFiles& files, int port, const std::string& method, const std::string& target,
                  const std::string& body = "", const HeaderList& headers = {}) {
    const std::string dir = MakeTempDir("curl");
    std::vector<std::string> args = {"curl",          "-sS",       "--noproxy", "*",         "--max-time",
                                     "20",            "--cacert",  files.cert,  "-D",        dir + "/headers",
                                     "-o",            dir + "/body", "-X",      method};
    for (const auto& [name, value] : headers) {
        args.push_back("-H");
        args.push_back(name + ": " + value);
    }
    if (!body.empty()) {
        WriteFile(dir + "/request", body);
        args.push_back("-H");
        args.push_back("Content-Type: application/json");
        args.push_back("--data-binary");
        args.push_back("@" + dir + "/request");
    }
    args.push_back("https://127.0.0.1:" + std::to_string(port) + target);
    auto ran = RunTool(args);
    HttpResponse res;
    if (ran.exit_code == 0) {
        std::istringstream lines(ReadFile(dir + "/headers"));
        std::string line;
        while (std::getline(lines, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.rfind("HTTP/", 0) == 0) {
                res.status = std::stoi(line.substr(line.find(' ') + 1, 3));
            } else if (auto colon = line.find(':'); colon != std::string::npos) {
                res.headers.emplace_back(line.substr(0, colon), line.substr(line.find_first_not_of(' ', colon + 1)));
            }
        }
        res.body = ReadFile(dir + "/body");
    }
    RemoveTree(dir);
    if (ran.exit_code != 0) throw std::runtime_error("curl " + method + " " + target + " failed: " + ran.output);
    return res;
}

// `openssl s_client` against 127.0.0.1:port with one protocol version, trusting only `files.cert`.
ToolResult Handshake(const TlsFiles& files, int port, const std::string& version) {
    return RunTool({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), version, "-CAfile",
                    files.cert, "-verify_return_error", "-verify_ip", "127.0.0.1"});
}

std::vector<std::string> ServeArgs(const std::string& data_dir, int port) {
    return {"--data-dir", data_dir, "serve", "--listen", "127.0.0.1:" + std::to_string(port), "--web-dir",
            data_dir + "/no-console"};
}

// Waits (bounded) until `serve` on `port` answers GET /readyz over HTTPS; false when it exited or
// never became ready.
bool WaitHttpsReady(BackgroundCommand& serve, const TlsFiles& files, int port) {
    bool ready = false;
    PollUntil(
        [&] {
            if (serve.Wait(0ms)) return true;  // exited: stop waiting, not ready
            if (ConnectionRefused(port)) return false;
            try {
                ready = Curl(files, port, "GET", "/readyz").status == 200;
            } catch (const std::exception&) {
                // the handshake or request failed: not ready yet
            }
            return ready;
        },
        30s);
    return ready;
}

// ---------------------------------------------------------------------------------------------
// One seeded server on HTTPS for the suite.

class TlsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        files_ = new TlsFiles(MakeTlsFiles());
        seeded_ = new Server(ServerConfig{});  // seeds the data directory; never started over HTTP
        port_ = FreePort();
        auto args = ServeArgs(seeded_->data_dir(), port_);
        args.insert(args.end(), {"--tls-cert", files_->cert, "--tls-key", files_->key});
        serve_ = new BackgroundCommand(
            args, {{"WATCHTOWER_HEADER_TIMEOUT_MS", std::to_string(kHeaderTimeout.count())}});
        if (!WaitHttpsReady(*serve_, *files_, port_))
            ADD_FAILURE() << "watchtower serve over TLS not ready; stderr:\n" << serve_->Err();
    }
    static void TearDownTestSuite() {
        if (serve_) {
            serve_->Signal(SIGTERM);
            EXPECT_EQ(serve_->Wait(20s), std::optional<int>(0)) << "graceful stop over TLS; stderr:\n" << serve_->Err();
            // Nothing secret reaches the application log or the access log.
            const std::string logs = serve_->Out() + serve_->Err() + ReadFile(seeded_->access_log_path());
            for (const std::string& secret : {std::string(kPassword), *session_cookie_}) {
                if (secret.empty()) continue;
                EXPECT_EQ(logs.find(secret), std::string::npos) << "a secret reached the logs";
            }
            delete serve_;
            serve_ = nullptr;
        }
        delete seeded_;
        seeded_ = nullptr;
        RemoveTree(files_->dir);
        delete files_;
        files_ = nullptr;
    }
    void SetUp() override { ASSERT_TRUE(serve_ && serve_->running()) << "the suite's TLS server did not start"; }

    static TlsFiles* files_;
    static Server* seeded_;
    static BackgroundCommand* serve_;
    static int port_;
    static std::string* session_cookie_;
};
TlsFiles* TlsTest::files_ = nullptr;
Server* TlsTest::seeded_ = nullptr;
BackgroundCommand* TlsTest::serve_ = nullptr;
int TlsTest::port_ = 0;
std::string* TlsTest::session_cookie_ = new std::string();

TEST_F(TlsTest, OffersTls13OnlyAndRefusesTls12) {
    auto tls12 = Handshake(*files_, port_, "-tls1_2");
    EXPECT_NE(tls12.exit_code, 0) << tls12.output;
    EXPECT_NE(tls12.output.find("alert protocol version"), std::string::npos) << tls12.output;
    EXPECT_EQ(tls12.output.find("Cipher is TLS"), std::string::npos) << "a TLS 1.2 cipher was negotiated:\n"
                                                                       << tls12.output;

    auto tls13 = Handshake(*files_, port_, "-tls1_3");
    EXPECT_EQ(tls13.exit_code, 0) << tls13.output;
    EXPECT_NE(tls13.output.find("New, TLSv1.3, Cipher is TLS_"), std::string::npos) << tls13.output;
    EXPECT_NE(tls13.output.find("Verify return code: 0 (ok)"), std::string::npos) << tls13.output;
    // No compression in any case (TLS 1.3 has none; the context forbids it anyway).
    EXPECT_NE(tls13.output.find("Compression: NONE"), std::string::npos) << tls13.output;
}

TEST_F(TlsTest, HealthzOverHttpsCarriesHstsAndTheSecurityHeaders) {
    for (const std::string target : {"/healthz", "/api/v1/auth/me", "/api/v1/no-such-route"}) {
        SCOPED_TRACE(target);
        HttpResponse res = Curl(*files_, port_, "GET", target);
        EXPECT_EQ(res.status, target == "/healthz" ? 200 : target == "/api/v1/auth/me" ? 401 : 404) << res.body;
        EXPECT_EQ(res.Header("Strict-Transport-Security").value_or("<missing>"), kHsts);
        EXPECT_EQ(res.Headers("Strict-Transport-Security").size(), 1u);
        // Every other header of SECURITY.md, as on plain HTTP (the shared check refuses HSTS, which
        // is right for plain HTTP: it is checked above and left out here).
        HttpResponse without_hsts = res;
        std::erase_if(without_hsts.headers, [](const auto& header) {
            return header.first == "Strict-Transport-Security" || header.first == "strict-transport-security";
        });
        ExpectSecurityHeaders(without_hsts, true, "GET " + target + " over HTTPS");
    }
}

TEST_F(TlsTest, SigningInSetsTheHostPrefixedSecureCookie) {
    // The ANALYST: admins sign in in two steps once MFA is enrolled.
    json::object credentials{{"email", seeded_->role_email.at("ANALYST")}, {"password", kPassword}};
    HttpResponse login = Curl(*files_, port_, "POST", "/api/v1/auth/login", json::serialize(credentials));
    ASSERT_EQ(login.status, 200) << login.body;
    std::optional<SetCookie> cookie;
    for (const auto& line : login.Headers("Set-Cookie"))
        if (auto parsed = ParseSetCookie(line); parsed && parsed->name.find("wt_session") != std::string::npos)
            cookie = parsed;
    ASSERT_TRUE(cookie) << "no session cookie";
    *session_cookie_ = cookie->value;
    EXPECT_EQ(cookie->name, "__Host-wt_session");
    EXPECT_FALSE(cookie->value.empty());
    for (const char* attribute : {"Secure", "HttpOnly", "SameSite=Strict", "Path=/"})
        EXPECT_TRUE(cookie->Has(attribute)) << "missing " << attribute;
    for (const auto& attribute : cookie->attributes)
        EXPECT_NE(attribute.rfind("Domain", 0), 0u) << "__Host- cookies carry no Domain: " << attribute;

    // The cookie works over HTTPS under its __Host- name.
    HttpResponse me = Curl(*files_, port_, "GET", "/api/v1/auth/me", "",
                           {{"Cookie", "__Host-wt_session=" + cookie->value}});
    EXPECT_EQ(me.status, 200) << me.body;
    HttpResponse unprefixed =
        Curl(*files_, port_, "GET", "/api/v1/auth/me", "", {{"Cookie", "wt_session=" + cookie->value}});
    EXPECT_EQ(unprefixed.status, 401) << "the plain-HTTP cookie name must not be accepted: " << unprefixed.body;
}

TEST_F(TlsTest, KeepAliveServesSeveralRequestsOnOneTlsConnection) {
    const std::string base = "https://127.0.0.1:" + std::to_string(port_);
    auto ran = RunTool({"curl", "-sS", "--noproxy", "*", "--max-time", "20", "--cacert", files_->cert, "-o",
                        "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n",
                        base + "/healthz", base + "/readyz", base + "/healthz"});
    ASSERT_EQ(ran.exit_code, 0) << ran.output;
    EXPECT_EQ(ran.output, "200 1\n200 0\n200 0\n") << "three answers, one TLS connection";
}

TEST_F(TlsTest, AnOversizedBodyIsAnswered413BeforeTheConnectionCloses) {
    // The refused body is still arriving when the server answers and closes: its close_notify
    // exchange must not destroy the answer (plain HTTP drains the socket for the same reason).
    HttpResponse res = Curl(*files_, port_, "POST", "/api/v1/auth/login", std::string(400 * 1024, ' '));
    EXPECT_EQ(res.status, 413) << res.body;
    EXPECT_EQ(res.Code(), "payload_too_large") << res.body;
    EXPECT_EQ(res.Header("Strict-Transport-Security").value_or("<missing>"), kHsts);
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortGetsNoHttpAnswer) {
    auto raw = SendRaw(port_, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 10s);
    EXPECT_TRUE(raw.closed_by_peer) << "the server kept a plain-HTTP connection open";
    EXPECT_EQ(raw.data.find("HTTP/"), std::string::npos) << raw.data;
    EXPECT_EQ(raw.data.find("healthz"), std::string::npos) << raw.data;
    EXPECT_LT(raw.elapsed, kHeaderTimeout) << "refused at once, not after a deadline";
}

TEST_F(TlsTest, StalledHandshakeIsDroppedAfterTheHeaderTimeout) {
    // One client sends the start of a ClientHello record (announcing 512 bytes) and stops; the
    // other connects and sends nothing at all.
    RawConnection partial(port_);
    RawConnection silent(port_);
    partial.Send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
    RawResult dropped = partial.ReadAll(kHeaderTimeout + 8s);
    EXPECT_TRUE(dropped.closed_by_peer) << "a stalled handshake was kept open";
    EXPECT_GE(dropped.elapsed, kHeaderTimeout - 300ms) << "dropped before the header deadline";
    EXPECT_LT(dropped.elapsed, kHeaderTimeout + 5s);
    EXPECT_TRUE(silent.WaitClosed(3s)) << "a connection that never starts a handshake was kept open";

    HttpResponse metrics = Curl(*files_, port_, "GET", "/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("wt_http_timeouts_total{phase=\"tls_handshake\"} "), std::string::npos)
        << "the drops are counted as handshake timeouts";
}

// ---------------------------------------------------------------------------------------------
// Starts refused with a clear line, and production mode.

class TlsStartTest : public ::testing::Test {
protected:
    void SetUp() override {
        files_ = MakeTlsFiles();
        data_dir_ = MakeTempDir("tls-data");
    }
    void TearDown() override {
        RemoveTree(files_.dir);
        RemoveTree(data_dir_);
    }
    CommandResult Serve(const std::string& cert, const std::string& key, std::map<std::string, std::string> env = {}) {
        env["WATCHTOWER_TLS_CERT"] = cert;
        env["WATCHTOWER_TLS_KEY"] = key;
        return RunWatchtower(ServeArgs(data_dir_, FreePort()), env, 60s);
    }
    // The start failed with exit code 1 and one error line holding every `expected` text, and
    // no line of the key's base64 body.
    void ExpectRefused(const CommandResult& result, const std::vector<std::string>& expected) const {
        EXPECT_EQ(result.exit_code, 1) << result.err;
        EXPECT_NE(result.err.find("watchtower: error: "), std::string::npos) << result.err;
        for (const auto& text : expected) EXPECT_NE(result.err.find(text), std::string::npos) << result.err;
        std::istringstream key_lines(ReadFile(files_.key));
        for (std::string line; std::getline(key_lines, line);) {
            if (line.rfind("-----", 0) == 0) continue;
            EXPECT_EQ(result.err.find(line), std::string::npos) << "key material in the output";
        }
        EXPECT_EQ(result.err.find("serving"), std::string::npos) << "it served: " << result.err;
    }
    TlsFiles files_;
    std::string data_dir_;
};

TEST_F(TlsStartTest, MissingOrUnreadableFilesAreNamed) {
    ExpectRefused(Serve(files_.cert, files_.dir + "/missing-key.pem"),
                  {"tls.key", files_.dir + "/missing-key.pem", "No such file or directory"});
    ExpectRefused(Serve(files_.dir + "/missing-cert.pem", files_.key),
                  {"tls.cert", files_.dir + "/missing-cert.pem", "No such file or directory"});
    auto only_cert = RunWatchtower(ServeArgs(data_dir_, FreePort()), {{"WATCHTOWER_TLS_CERT", files_.cert}}, 60s);
    ExpectRefused(only_cert, {"tls.key", "go together"});
}

TEST_F(TlsStartTest, WrongFileContentsAreRefused) {
    WriteFile(files_.dir + "/garbage.pem", "this is not a certificate\n");
    ExpectRefused(Serve(files_.dir + "/garbage.pem", files_.key), {"tls.cert", files_.dir + "/garbage.pem"});
    // The certificate given as the key.
    ExpectRefused(Serve(files_.cert, files_.cert), {"tls.key", files_.cert, "no PEM private key"});

    auto other = RunTool({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                          files_.dir + "/other-key.pem"});
    ASSERT_EQ(other.exit_code, 0) << other.output;
    ExpectRefused(Serve(files_.cert, files_.dir + "/other-key.pem"),
                  {"tls.key", files_.dir + "/other-key.pem", "does not match the certificate in " + files_.cert});

    // An encrypted key is refused at once, never prompted for (stdin is not read: the run is bounded).
    auto encrypted = RunTool({"openssl", "pkey", "-in", files_.key, "-aes-256-cbc", "-passout", "pass:tls-test-pass",
                              "-out", files_.dir + "/encrypted-key.pem"});
    ASSERT_EQ(encrypted.exit_code, 0) << encrypted.output;
    ExpectRefused(Serve(files_.cert, files_.dir + "/encrypted-key.pem"),
                  {"tls.key", files_.dir + "/encrypted-key.pem", "encrypted"});
}

TEST_F(TlsStartTest, ProductionModeAcceptsTlsAsSecureCookies) {
    const std::map<std::string, std::string> production = {
        {"WATCHTOWER_ENV", "production"},
        {"WATCHTOWER_MASTER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}};
    // Without TLS and without cookie_secure, production refuses to start ...
    auto refused = RunWatchtower(ServeArgs(data_dir_, FreePort()), production, 60s);
    ExpectRefused(refused, {"secure cookies"});
    // ... with TLS it serves, and stops cleanly on SIGTERM (close_notify path included).
    auto env = production;
    env["WATCHTOWER_TLS_CERT"] = files_.cert;
    env["WATCHTOWER_TLS_KEY"] = files_.key;
    const int port = FreePort();
    BackgroundCommand serve(ServeArgs(data_dir_, port), env);
    ASSERT_TRUE(WaitHttpsReady(serve, files_, port)) << serve.Err();
    EXPECT_NE(serve.Err().find("on https://127.0.0.1:" + std::to_string(port)), std::string::npos) << serve.Err();
    serve.Signal(SIGTERM);
    EXPECT_EQ(serve.Wait(20s), std::optional<int>(0)) << serve.Err();
}

}  // namespace
}  // namespace wt::integration
