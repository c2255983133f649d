// SPDX-License-Identifier: Apache-2.0
#include "harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#ifndef WT_SERVER_BIN
#error "WT_SERVER_BIN must name the watchtower binary"
#endif

extern char** environ;

namespace wt::integration {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string TempRoot() {
    const char* tmp = std::getenv("TMPDIR");
    return tmp && *tmp ? tmp : "/tmp";
}

// argv/envp prepared in the parent: between fork and exec the child only calls async-signal-safe
// functions (the test process is multi-threaded).
struct ExecPlan {
    std::vector<std::string> argv_storage;
    std::vector<std::string> env_storage;
    std::vector<char*> argv;
    std::vector<char*> envp;

    ExecPlan(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
             const std::string& program = WT_SERVER_BIN) {
        argv_storage.push_back(program);
        for (const auto& arg : args) argv_storage.push_back(arg);
        for (char** entry = environ; entry && *entry; ++entry) {
            std::string_view text(*entry);
            if (text.rfind("WATCHTOWER_", 0) == 0) continue;  // only what the test chooses
            if (env.count(std::string(text.substr(0, text.find('='))))) continue;
            env_storage.emplace_back(text);
        }
        for (const auto& [name, value] : env) env_storage.push_back(name + "=" + value);
        for (auto& arg : argv_storage) argv.push_back(arg.data());
        argv.push_back(nullptr);
        for (auto& entry : env_storage) envp.push_back(entry.data());
        envp.push_back(nullptr);
    }
};

// Forks and execs the plan with stdout/stderr on the given descriptors (closed in the parent).
pid_t Spawn(ExecPlan& plan, int out_fd, int err_fd) {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test process
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        ::execve(plan.argv[0], plan.argv.data(), plan.envp.data());
        ::_exit(127);
    }
    return pid;
}

// Waits at most `timeout` for `pid`; returns the exit code, -1 when signalled; nullopt on timeout.
std::optional<int> WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (done < 0 && errno != EINTR) return -1;
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(5ms);
    }
}

int OpenTempFile(const std::string& tag, std::string& path) {
    std::string pattern = TempRoot() + "/wt-integ-" + tag + "-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    int fd = ::mkostemp(buf.data(), O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("mkostemp failed");
    path = buf.data();
    return fd;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t idx = 0; idx < a.size(); ++idx)
        if (std::tolower(static_cast<unsigned char>(a[idx])) != std::tolower(static_cast<unsigned char>(b[idx])))
            return false;
    return true;
}

std::string Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return std::string(text);
}

int ConnectSocket(int port, int* error) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        *error = errno;
        ::close(fd);
        return -1;
    }
    *error = 0;
    return fd;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Processes and files

namespace {

CommandResult Run(ExecPlan& plan, const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    std::string out_path, err_path;
    int out_fd = OpenTempFile("out", out_path);
    int err_fd = OpenTempFile("err", err_path);
    pid_t pid = Spawn(plan, out_fd, err_fd);
    ::close(out_fd);
    ::close(err_fd);
    CommandResult result;
    auto code = WaitFor(pid, timeout);
    if (!code) {
        ::kill(pid, SIGKILL);
        WaitFor(pid, 10s);
        result.exit_code = -1;
    } else {
        result.exit_code = *code;
    }
    result.out = ReadFile(out_path);
    result.err = ReadFile(err_path);
    std::remove(out_path.c_str());
    std::remove(err_path.c_str());
    if (!code) {
        std::string cmd;
        for (const auto& arg : args) cmd += " " + arg;
        ADD_FAILURE() << plan.argv_storage.front() << cmd << " did not finish within " << timeout.count() << " ms";
    }
    return result;
}

}  // namespace

CommandResult RunWatchtower(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                            std::chrono::milliseconds timeout) {
    ExecPlan plan(args, env);
    return Run(plan, args, timeout);
}

CommandResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout) {
    ExecPlan plan(args, {}, program);
    return Run(plan, args, timeout);
}

std::string OathtoolCode(const std::string& secret_base32, long long unix_time, int digits) {
    auto result = RunProgram("/usr/bin/oathtool", {"--totp", "-b", secret_base32, "-d", std::to_string(digits), "-N",
                                                   "@" + std::to_string(unix_time)});
    std::string code = Trim(result.out.substr(0, result.out.find('\n')));
    if (result.exit_code != 0 || code.size() != static_cast<std::size_t>(digits))
        throw std::runtime_error("oathtool failed (install the Debian package oathtool): " + result.err);
    return code;
}

std::string MakeTempDir(const std::string& tag) {
    std::string pattern = TempRoot() + "/wt-integ-" + tag + "-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    return buf.data();
}

void RemoveTree(const std::string& path) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

void WriteFile(const std::string& path, const std::string& content) {
    // Write then rename, so a concurrent reader (the server's clock) never sees a partial file.
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << content;
        if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, path);
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

int FreePort(const std::string& host) {
    const bool v6 = host.find(':') != std::string::npos;
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_storage storage{};
    socklen_t len = 0;
    if (v6) {
        auto* addr = reinterpret_cast<sockaddr_in6*>(&storage);
        addr->sin6_family = AF_INET6;
        if (::inet_pton(AF_INET6, host.c_str(), &addr->sin6_addr) != 1) throw std::runtime_error("bad host " + host);
        len = sizeof(sockaddr_in6);
    } else {
        auto* addr = reinterpret_cast<sockaddr_in*>(&storage);
        addr->sin_family = AF_INET;
        if (::inet_pton(AF_INET, host.c_str(), &addr->sin_addr) != 1) throw std::runtime_error("bad host " + host);
        len = sizeof(sockaddr_in);
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), len) != 0) {
        ::close(fd);
        throw std::runtime_error("bind to port 0 on " + host + " failed");
    }
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len);
    ::close(fd);
    return v6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port)
              : ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

BackgroundCommand::BackgroundCommand(const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& env) {
    ExecPlan plan(args, env);
    int out_fd = OpenTempFile("bg-out", out_path_);
    int err_fd = OpenTempFile("bg-err", err_path_);
    pid_ = Spawn(plan, out_fd, err_fd);
    ::close(out_fd);
    ::close(err_fd);
}

BackgroundCommand::~BackgroundCommand() {
    if (running()) {
        ::kill(pid_, SIGKILL);
        WaitFor(pid_, 10s);
    }
    std::remove(out_path_.c_str());
    std::remove(err_path_.c_str());
}

void BackgroundCommand::Signal(int signal) {
    if (running()) ::kill(pid_, signal);
}

std::optional<int> BackgroundCommand::Wait(std::chrono::milliseconds timeout) {
    if (!running()) return exit_code_;
    auto code = WaitFor(pid_, timeout);
    if (code) {
        pid_ = -1;
        exit_code_ = *code;
    }
    return code;
}

std::string BackgroundCommand::Out() const { return ReadFile(out_path_); }
std::string BackgroundCommand::Err() const { return ReadFile(err_path_); }

// ---------------------------------------------------------------------------------------------
// HTTP

std::optional<std::string> HttpResponse::Header(const std::string& name) const {
    for (const auto& [key, value] : headers)
        if (EqualsNoCase(key, name)) return value;
    return std::nullopt;
}

std::vector<std::string> HttpResponse::Headers(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [key, value] : headers)
        if (EqualsNoCase(key, name)) out.push_back(value);
    return out;
}

boost::json::value HttpResponse::Json() const {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec) {
        ADD_FAILURE() << "response body is not JSON (status " << status << "): " << body.substr(0, 300);
        return nullptr;
    }
    return value;
}

std::string HttpResponse::Code() const {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) return "";
    const auto* code = value.as_object().if_contains("code");
    return code && code->is_string() ? std::string(code->as_string()) : "";
}

HttpResponse Request(int port, const std::string& method, const std::string& target, const std::string& body,
                     const HeaderList& headers, std::chrono::milliseconds timeout) {
    return RequestTo("127.0.0.1", port, method, target, body, headers, timeout);
}

HttpResponse RequestTo(const std::string& host, int port, const std::string& method, const std::string& target,
                       const std::string& body, const HeaderList& headers, std::chrono::milliseconds timeout) {
    const auto address = asio::ip::make_address(host);
    asio::io_context io;
    beast::tcp_stream stream(io);
    bhttp::request<bhttp::string_body> req;
    req.version(11);
    auto verb = bhttp::string_to_verb(method);
    if (verb == bhttp::verb::unknown) {
        req.method_string(method);
    } else {
        req.method(verb);
    }
    req.target(target);
    req.set(bhttp::field::host, (address.is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(port));
    req.set(bhttp::field::connection, "close");
    bool has_content_type = false;
    for (const auto& [name, value] : headers) {
        if (EqualsNoCase(name, "Content-Type")) has_content_type = true;
        req.insert(name, value);
    }
    if (!body.empty() && !has_content_type) req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") req.prepare_payload();

    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.header_limit(64 * 1024);
    beast::error_code failure;
    std::string failed_step;
    stream.expires_after(timeout);
    stream.async_connect(tcp::endpoint(address, static_cast<std::uint16_t>(port)), [&](beast::error_code ec) {
        if (ec) {
            failure = ec;
            failed_step = "connect";
            return;
        }
        bhttp::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
            // A server that answers early (413) and closes may make the write
            // fail; its answer can still be read.
            if (wec && wec != asio::error::broken_pipe && wec != asio::error::connection_reset) {
                failure = wec;
                failed_step = "write";
                return;
            }
            bhttp::async_read(stream, buffer, parser, [&](beast::error_code rec, std::size_t) {
                if (rec) {
                    failure = rec;
                    failed_step = "read";
                }
            });
        });
    });
    io.run();
    if (failure && !(failed_step == "read" && parser.is_header_done() && failure == bhttp::error::end_of_stream)) {
        throw std::runtime_error("HTTP " + method + " " + target.substr(0, 100) + ": " + failed_step +
                                 " failed: " + failure.message());
    }
    HttpResponse out;
    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res.base()) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = res.body();
    return out;
}

RawConnection::RawConnection(int port) {
    int error = 0;
    fd_ = ConnectSocket(port, &error);
    if (fd_ < 0) throw std::runtime_error(std::string("connect failed: ") + std::strerror(error));
}

RawConnection::~RawConnection() { Close(); }

void RawConnection::Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void RawConnection::Send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
        }
        sent += static_cast<std::size_t>(n);
    }
}

RawResult RawConnection::ReadAll(std::chrono::milliseconds timeout) {
    RawResult result;
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + timeout;
    char buf[16384];
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd pfd{fd_, POLLIN, 0};
        int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
            result.data.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        result.closed_by_peer = true;  // 0 = EOF, <0 = reset
        break;
    }
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    return result;
}

bool RawConnection::WaitClosed(std::chrono::milliseconds timeout) { return ReadAll(timeout).closed_by_peer; }

RawResult SendRaw(int port, const std::string& bytes, std::chrono::milliseconds timeout) {
    RawConnection conn(port);
    if (!bytes.empty()) {
        try {
            conn.Send(bytes);
        } catch (const std::exception&) {
            // The server may close before taking everything; what it answered is still readable.
        }
    }
    return conn.ReadAll(timeout);
}

bool ConnectionRefused(int port) {
    int error = 0;
    int fd = ConnectSocket(port, &error);
    if (fd >= 0) {
        ::close(fd);
        return false;
    }
    return error == ECONNREFUSED;
}

bool SetCookie::Has(const std::string& attribute) const {
    for (const auto& a : attributes)
        if (EqualsNoCase(a, attribute)) return true;
    return false;
}

std::optional<SetCookie> ParseSetCookie(const std::string& line) {
    SetCookie cookie;
    std::string_view rest(line);
    bool first = true;
    while (!rest.empty() || first) {
        auto semi = rest.find(';');
        std::string part = Trim(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
        if (first) {
            auto eq = part.find('=');
            if (eq == std::string::npos) return std::nullopt;
            cookie.name = part.substr(0, eq);
            cookie.value = part.substr(eq + 1);
            first = false;
        } else if (!part.empty()) {
            cookie.attributes.push_back(part);
        }
    }
    return cookie;
}

// ---------------------------------------------------------------------------------------------
// Server

namespace {

bool CurrentSuiteFailed() {
    if (::testing::Test::HasFailure()) return true;
    auto* unit = ::testing::UnitTest::GetInstance();
    if (const auto* suite = unit->current_test_suite()) return suite->Failed();
    return unit->Failed();
}

}  // namespace

Server::Server(ServerConfig config) : config_(std::move(config)) {
    data_dir_ = MakeTempDir("data");
    password_file_ = data_dir_ + "/password.txt";
    WriteFile(password_file_, kPassword);
    RememberSecret(kPassword);
    if (auto it = config_.env.find("WATCHTOWER_COOKIE_SECURE"); it != config_.env.end() && it->second == "true")
        cookie_name_ = "__Host-wt_session";
    if (config_.clock_file) SetClockOffset(0);
    if (config_.seed) Seed();
}

Server::~Server() {
    if (running()) Stop();
    // SECURITY.md: logs never hold passwords, tokens, keys, codes or secrets. Every server of the
    // run is checked here, so the whole run's server logs are covered, not only the tests that
    // look themselves.
    for (const auto& secret : LeakedSecrets())
        ADD_FAILURE() << "a secret the harness used appears in " << log_path() << " or " << access_log_path()
                      << " (" << secret.size() << " characters, starting '" << secret.substr(0, 3) << "')";
    if (CurrentSuiteFailed()) {
        std::cerr << "[harness] keeping data dir " << data_dir_ << " (server log: " << log_path() << ")\n";
    } else {
        RemoveTree(data_dir_);
    }
}

std::string Server::JsonField(const CommandResult& result, const char* field) const {
    if (result.exit_code != 0)
        throw std::runtime_error("watchtower CLI failed (" + std::to_string(result.exit_code) + "): " + result.err);
    boost::system::error_code ec;
    auto value = boost::json::parse(result.out, ec);
    if (ec || !value.is_object() || !value.as_object().if_contains(field))
        throw std::runtime_error("watchtower CLI printed no " + std::string(field) + ": " + result.out);
    return std::string(value.as_object().at(field).as_string());
}

void Server::Seed() {
    auto init = Cli({"init", "--org", "Acme Bank", "--email", admin_email, "--name", "Ada Admin", "--password-file",
                     password_file_, "--json"});
    acme_org_id = JsonField(init, "organization_id");
    admin_id = JsonField(init, "user_id");
    role_email["ADMIN"] = admin_email;
    role_user_id["ADMIN"] = admin_id;
    if (!config_.members) return;
    auto other = Cli({"org", "create", "--name", "Other Org", "--admin-email", other_admin_email, "--password-file",
                      password_file_, "--json"});
    other_org_id = JsonField(other, "organization_id");
    other_admin_id = JsonField(other, "user_id");
    // Three bcrypt hashes: in parallel, the machine has cores to spare.
    const std::vector<std::pair<std::string, std::string>> members = {
        {"VIEWER", "viewer@acme.test"}, {"ANALYST", "analyst@acme.test"}, {"RISK_LEAD", "risk@acme.test"}};
    std::vector<CommandResult> results(members.size());
    std::vector<std::thread> threads;
    for (std::size_t idx = 0; idx < members.size(); ++idx) {
        threads.emplace_back([&, idx] {
            results[idx] = Cli({"user", "add", "--org", acme_org_id, "--email", members[idx].second, "--role",
                                members[idx].first, "--password-file", password_file_, "--json"});
        });
    }
    for (auto& thread : threads) thread.join();
    for (std::size_t idx = 0; idx < members.size(); ++idx) {
        role_email[members[idx].first] = members[idx].second;
        role_user_id[members[idx].first] = JsonField(results[idx], "user_id");
    }
}

CommandResult Server::Cli(std::vector<std::string> args, std::chrono::milliseconds timeout) const {
    args.insert(args.begin(), {"--data-dir", data_dir_});
    return RunWatchtower(args, {}, timeout);
}

std::string Server::AddUser(const std::string& org_id, const std::string& email, const std::string& role) {
    return JsonField(
        Cli({"user", "add", "--org", org_id, "--email", email, "--role", role, "--password-file", password_file_, "--json"}),
        "user_id");
}

void Server::SetClockOffset(long long seconds) {
    if (!config_.clock_file) throw std::runtime_error("this server has no test clock");
    WriteFile(data_dir_ + "/clock", std::to_string(seconds) + "\n");
    clock_offset_ = seconds;
}

long long Server::ServerNow() const {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count() + clock_offset_;
}

void Server::Start() {
    if (running()) throw std::runtime_error("server already running");
    port_ = FreePort(config_.host);
    const bool v6 = config_.host.find(':') != std::string::npos;
    std::vector<std::string> args = {"--data-dir", data_dir_, "serve", "--listen",
                                     (v6 ? "[" + config_.host + "]" : config_.host) + ":" + std::to_string(port_)};
    if (!config_.web_dir.empty()) {
        args.push_back("--web-dir");
        args.push_back(config_.web_dir);
    } else {
        args.push_back("--web-dir");
        args.push_back(data_dir_ + "/no-console");  // never the repository's web/dist
    }
    auto env = config_.env;
    if (config_.clock_file) env["WATCHTOWER_TEST_CLOCK_FILE"] = data_dir_ + "/clock";
    // The suite signs in far more often from 127.0.0.1 than a person would: the brute-force limits
    // are lifted unless a test sets them (the tests of the limits do).
    env.try_emplace("WATCHTOWER_AUTH_ATTEMPTS_PER_IP_PER_MINUTE", "1000000");
    env.try_emplace("WATCHTOWER_AUTH_FAILURES_BEFORE_LOCK", "1000");
    ExecPlan plan(args, env);
    int log_fd = ::open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0) throw std::runtime_error("cannot open " + log_path());
    pid_ = Spawn(plan, log_fd, log_fd);
    ::close(log_fd);
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (true) {
        if (auto code = WaitFor(pid_, 0ms)) {
            pid_ = -1;
            last_exit_ = *code;
            throw std::runtime_error("watchtower serve exited with " + std::to_string(*code) +
                                     " before it was ready; log:\n" + ReadFile(log_path()));
        }
        try {
            if (RequestTo(config_.host, port_, "GET", "/readyz", "", {}, 2s).status == 200) return;
        } catch (const std::exception&) {
            // not listening yet
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            Stop(5s);
            throw std::runtime_error("watchtower serve not ready within 30 s; log:\n" + ReadFile(log_path()));
        }
        std::this_thread::sleep_for(25ms);
    }
}

int Server::Stop(std::chrono::milliseconds timeout) {
    if (!running()) return last_exit_;
    ::kill(pid_, SIGTERM);
    auto code = WaitFor(pid_, timeout);
    if (!code) {
        ADD_FAILURE() << "watchtower serve did not stop within " << timeout.count() << " ms of SIGTERM; killing it";
        ::kill(pid_, SIGKILL);
        WaitFor(pid_, 10s);
        code = -1;
    }
    pid_ = -1;
    last_exit_ = *code;
    return last_exit_;
}

void Server::Kill() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    auto code = WaitFor(pid_, 10s);
    if (!code) throw std::runtime_error("watchtower serve survived SIGKILL for 10 s");
    pid_ = -1;
    last_exit_ = *code;
}

std::string Server::BaseUrl() const {
    const bool v6 = config_.host.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + config_.host + "]" : config_.host) + ":" + std::to_string(port_);
}

int Server::WaitForExit(std::chrono::milliseconds timeout) {
    if (!running()) return last_exit_;
    auto code = WaitFor(pid_, timeout);
    if (!code) return -1;
    pid_ = -1;
    last_exit_ = *code;
    return last_exit_;
}

HttpResponse Server::Get(const std::string& target, const HeaderList& headers) const {
    return RequestTo(config_.host, port_, "GET", target, "", headers);
}

HttpResponse Server::Call(const std::string& method, const std::string& target, const std::string& body,
                          const HeaderList& headers) const {
    return RequestTo(config_.host, port_, method, target, body, headers);
}

HttpResponse Server::As(const Session& session, const std::string& method, const std::string& target,
                        const std::string& body, HeaderList headers, bool csrf) const {
    headers.emplace_back("Cookie", session.CookieHeader());
    if (csrf) headers.emplace_back("X-CSRF-Token", session.csrf);
    return RequestTo(config_.host, port_, method, target, body, headers);
}

namespace {

std::string LowerCase(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

const boost::json::value* Field(const boost::json::value& value, std::string_view name) {
    return value.is_object() ? value.as_object().if_contains(name) : nullptr;
}

}  // namespace

std::optional<std::string> Server::NextTotpCode(const std::string& email, bool wait) {
    std::string secret;
    long long step = 0;
    while (true) {
        std::unique_lock lock(mfa_mutex_);
        auto it = mfa_.find(LowerCase(email));
        if (it == mfa_.end()) return std::nullopt;
        const long long now = ServerNow();
        const long long current = now / 30;
        // The oldest usable step first (each step serves one sign-in), but not t-1 in the last
        // seconds of a step: by the time the server checks it, it could be two steps old.
        const long long oldest = now % 30 >= 27 ? current : current - 1;
        step = std::max(oldest, it->second.last_step + 1);
        if (step <= current + 1) {
            it->second.last_step = step;
            secret = it->second.secret;
            break;
        }
        if (!wait || step > current + 2) return std::nullopt;
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::seconds(30 - now % 30));
    }
    std::string code = OathtoolCode(secret, step * 30);
    RememberSecret(code);
    return code;
}

std::string Server::ReauthenticationBody(const std::string& email, const std::string& password) {
    boost::json::object body{{"password", password}};
    if (auto code = NextTotpCode(email)) body["code"] = *code;
    return boost::json::serialize(body);
}

std::optional<MfaAccount> Server::MfaOf(const std::string& email) const {
    std::lock_guard lock(mfa_mutex_);
    auto it = mfa_.find(LowerCase(email));
    if (it == mfa_.end()) return std::nullopt;
    return it->second;
}

void Server::ForgetMfa(const std::string& email) {
    std::lock_guard lock(mfa_mutex_);
    mfa_.erase(LowerCase(email));
}

MfaAccount Server::EnrolMfa(const Session& session, const std::string& email, const std::string& password) {
    auto setup = As(session, "POST", "/api/v1/auth/mfa/setup",
                    boost::json::serialize(boost::json::object{{"password", password}}));
    const boost::json::value setup_body = setup.Json();
    const auto* secret = Field(setup_body, "secret");
    if (setup.status != 200 || secret == nullptr || !secret->is_string()) {
        ADD_FAILURE() << "MFA setup of " << email << " failed: " << setup.status << " " << setup.body;
        throw std::runtime_error("MFA setup failed for " + email);
    }
    MfaAccount account;
    account.secret = std::string(secret->as_string());
    RememberSecret(account.secret);
    // The current step: within t-1..t+1 of the server's however the check and the step edge race.
    const long long step = ServerNow() / 30;
    const std::string code = OathtoolCode(account.secret, step * 30);
    RememberSecret(code);
    auto verified = As(session, "POST", "/api/v1/auth/mfa/verify-setup",
                       boost::json::serialize(boost::json::object{{"code", code}}));
    const boost::json::value verified_body = verified.Json();
    const auto* codes = Field(verified_body, "backup_codes");
    if (verified.status != 200 || codes == nullptr || !codes->is_array()) {
        ADD_FAILURE() << "MFA verify-setup of " << email << " failed: " << verified.status << " " << verified.body;
        throw std::runtime_error("MFA verify-setup failed for " + email);
    }
    for (const auto& backup : codes->as_array()) {
        account.backup_codes.emplace_back(backup.as_string());
        RememberSecret(account.backup_codes.back());
    }
    account.last_step = step;  // the server stored the step the code belongs to
    std::lock_guard lock(mfa_mutex_);
    mfa_[LowerCase(email)] = account;
    return account;
}

std::optional<Session> Server::Login(const std::string& email, const std::string& password, HeaderList headers,
                                     HttpResponse* raw) {
    RememberSecret(password);
    boost::json::object body{{"email", email}, {"password", password}};
    auto res = Call("POST", "/api/v1/auth/login", boost::json::serialize(body), headers);
    const boost::json::value first = res.status == 200 ? res.Json() : boost::json::value();
    if (const auto* token = Field(first, "mfa_token"); token != nullptr && token->is_string() && MfaOf(email)) {
        // The second step. A refused code (a step edge raced us) is retried with the next one:
        // the challenge allows a few.
        const std::string mfa_token(token->as_string());
        RememberSecret(mfa_token);
        for (int try_idx = 0; try_idx < 4; ++try_idx) {
            boost::json::object second{{"mfa_token", mfa_token}};
            if (auto code = NextTotpCode(email, /*wait=*/false)) {
                second["code"] = *code;
            } else {
                std::lock_guard lock(mfa_mutex_);
                auto& backups = mfa_[LowerCase(email)].backup_codes;
                if (!backups.empty()) {
                    second["backup_code"] = backups.back();
                    backups.pop_back();
                }
            }
            if (!second.contains("code") && !second.contains("backup_code")) {
                // Every step in reach was used and no backup code is left: wait for the next step.
                std::this_thread::sleep_for(std::chrono::seconds(30 - ServerNow() % 30));
                continue;
            }
            res = Call("POST", "/api/v1/auth/mfa/verify", boost::json::serialize(second), headers);
            if (res.status != 401 || res.Code() != "invalid_mfa_code") break;
        }
    }
    if (raw) *raw = res;
    if (res.status != 200) return std::nullopt;
    Session session;
    session.cookie_name = cookie_name_;
    for (const auto& line : res.Headers("Set-Cookie")) {
        auto cookie = ParseSetCookie(line);
        if (cookie && cookie->name == cookie_name_) session.cookie = cookie->value;
    }
    session.body = res.Json();
    if (const auto* csrf = Field(session.body, "csrf_token"); csrf && csrf->is_string())
        session.csrf = std::string(csrf->as_string());
    RememberSecret(session.cookie);
    RememberSecret(session.csrf);
    if (config_.enrol_mfa && !session.cookie.empty()) {
        const auto* role = Field(session.body, "role");
        const auto* user = Field(session.body, "user");
        const auto* enabled = user ? Field(*user, "mfa_enabled") : nullptr;
        if (role && role->is_string() && (role->as_string() == "ADMIN" || role->as_string() == "RISK_LEAD") &&
            enabled && enabled->is_bool() && !enabled->as_bool()) {
            EnrolMfa(session, email, password);
            session.body.as_object()["user"].as_object()["mfa_enabled"] = true;
        }
    }
    return session;
}

Session Server::MustLogin(const std::string& email, const std::string& password, HeaderList headers) {
    HttpResponse raw;
    auto session = Login(email, password, std::move(headers), &raw);
    if (!session || session->cookie.empty() || session->csrf.empty()) {
        ADD_FAILURE() << "login of " << email << " failed: " << raw.status << " " << raw.body;
        throw std::runtime_error("login failed for " + email);
    }
    return *session;
}

ApiKey Server::CreateApiKey(const Session& admin, const std::string& environment,
                            const std::vector<std::string>& allowed_ips, const std::string& name) {
    boost::json::array ranges;
    for (const auto& range : allowed_ips) ranges.emplace_back(range);
    auto res = As(admin, "POST", "/api/v1/orgs/api-keys",
                  boost::json::serialize(
                      boost::json::object{{"name", name}, {"environment", environment}, {"allowed_ips", ranges}}));
    if (res.status != 201) {
        ADD_FAILURE() << "creating a " << environment << " API key failed: " << res.status << " " << res.body;
        throw std::runtime_error("API key creation failed");
    }
    auto body = res.Json();
    ApiKey created{std::string(body.at("id").as_string()), std::string(body.at("key").as_string())};
    RememberSecret(created.key);
    return created;
}

void Server::RememberSecret(const std::string& secret) {
    if (secret.empty()) return;
    std::lock_guard lock(secrets_mutex_);
    secrets_.insert(secret);
}

std::set<std::string> Server::Secrets() const {
    std::lock_guard lock(secrets_mutex_);
    return secrets_;
}

namespace {

// Whether `secret` occurs in `text`. A secret of digits only (a TOTP code) counts only as a whole
// number: "123456" inside a duration such as 0.71234567 is not that code.
bool ContainsSecret(const std::string& text, const std::string& secret) {
    const bool numeric = std::all_of(secret.begin(), secret.end(), [](char c) { return c >= '0' && c <= '9'; });
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 1)) {
        if (!numeric) return true;
        auto digit = [&](std::size_t i) { return i < text.size() && text[i] >= '0' && text[i] <= '9'; };
        if ((at == 0 || !digit(at - 1)) && !digit(at + secret.size())) return true;
    }
    return false;
}

}  // namespace

std::vector<std::string> Server::LeakedSecrets() const {
    std::string logs = ReadFile(log_path()) + "\n" + ReadFile(access_log_path());
    std::vector<std::string> leaked;
    for (const auto& secret : Secrets())
        if (ContainsSecret(logs, secret)) leaked.push_back(secret);
    return leaked;
}

boost::json::array Server::AuditEntries(const Session& admin, const std::string& action) const {
    auto res = As(admin, "GET", "/api/v1/orgs/audit-logs?limit=500&action=" + action);
    EXPECT_EQ(res.status, 200) << res.body;
    if (res.status != 200) return {};
    return res.Json().at("data").as_array();
}

void EndSuiteServer(Server*& server) {
    if (server == nullptr) return;
    EXPECT_EQ(server->Stop(), 0);
    const auto leaked = server->LeakedSecrets();
    EXPECT_TRUE(leaked.empty()) << "secret in the logs: " << leaked.front();
    delete server;
    server = nullptr;
}

bool HasAuditTarget(const boost::json::array& entries, const std::string& target) {
    for (const auto& entry : entries)
        if (entry.at("target").is_string() && entry.at("target").as_string() == target) return true;
    return false;
}

std::string Dump(const boost::json::value& value) { return boost::json::serialize(value); }

std::string StringAt(const boost::json::value& value, const char* name) {
    const auto* member = value.is_object() ? value.as_object().if_contains(name) : nullptr;
    return member && member->is_string() ? std::string(member->as_string()) : std::string("<missing>");
}

std::set<std::string> ProblemFields(const HttpResponse& res) {
    std::set<std::string> fields;
    EXPECT_EQ(res.status, 422) << res.body;
    EXPECT_EQ(res.Code(), "validation_failed") << res.body;
    auto body = res.Json();
    if (const auto* errors = body.is_object() ? body.as_object().if_contains("errors") : nullptr)
        for (const auto& error : errors->as_array()) fields.insert(StringAt(error, "field"));
    return fields;
}

void ExpectSecurityHeaders(const HttpResponse& res, bool api, const std::string& what) {
    SCOPED_TRACE(what + " (status " + std::to_string(res.status) + ")");
    EXPECT_EQ(res.Header("X-Frame-Options").value_or("<missing>"), "DENY");
    EXPECT_EQ(res.Header("X-Content-Type-Options").value_or("<missing>"), "nosniff");
    EXPECT_EQ(res.Header("Referrer-Policy").value_or("<missing>"), "no-referrer");
    std::string permissions = res.Header("Permissions-Policy").value_or("<missing>");
    EXPECT_NE(permissions.find("camera=()"), std::string::npos) << permissions;
    EXPECT_NE(permissions.find("microphone=()"), std::string::npos) << permissions;
    EXPECT_NE(permissions.find("geolocation=()"), std::string::npos) << permissions;
    EXPECT_EQ(res.Header("Content-Security-Policy").value_or("<missing>"),
              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
              "base-uri 'none'; frame-ancestors 'none'");
    EXPECT_FALSE(res.Header("X-Request-Id").value_or("").empty()) << "X-Request-Id missing";
    EXPECT_FALSE(res.Header("Strict-Transport-Security")) << "HSTS without TLS";
    if (api) {
        EXPECT_EQ(res.Header("Cache-Control").value_or("<missing>"), "no-store");
    }
}

}  // namespace wt::integration
