#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A real SMTP server for the mail delivery tests (Debian python3-aiosmtpd).

Listens on 127.0.0.1 on a free port, writes the port to --port-file once it accepts connections,
requires AUTH (PLAIN or LOGIN) with --user/--password, optionally requires STARTTLS with
--tls-cert/--tls-key, answers `451` to the first --fail-first DATA commands, and stores every
accepted message as <n>.eml in --dir, with <n>.json beside it (envelope sender, recipients, the
login that authenticated, whether the session was TLS). Failed logins are counted in
--dir/auth_failures (one line each). Runs until killed.
"""
import argparse
import asyncio
import json
import logging
import os
import ssl
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    # Quiet: plain AUTH is what the insecure tests want, and aiosmtpd's deprecation notes are noise.
    warnings.filterwarnings("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)

    state = {"fail_left": args.fail_first, "stored": 0}

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == args.user.encode()
              and auth_data.password == args.password.encode())
        if ok:
            state["login"] = auth_data.login.decode()
        else:
            with open(os.path.join(args.dir, "auth_failures"), "a") as failures:
                failures.write(mechanism + "\n")
        # handled=False: aiosmtpd itself answers 535 to a refused login.
        return AuthResult(success=ok, handled=False)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            if state["fail_left"] > 0:
                state["fail_left"] -= 1
                return "451 4.3.0 Try again later"
            state["stored"] += 1
            base = os.path.join(args.dir, str(state["stored"]))
            with open(base + ".eml.tmp", "wb") as out:
                out.write(envelope.original_content or envelope.content)
            with open(base + ".json", "w") as out:
                json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                           "login": state.get("login"),
                           "tls": session.ssl is not None}, out)
            os.rename(base + ".eml.tmp", base + ".eml")
            return "250 2.0.0 OK"

    tls_context = None
    if args.tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.tls_cert, args.tls_key)

    def factory():
        return SMTP(Handler(), hostname="localhost", authenticator=authenticator, auth_required=True,
                    auth_require_tls=tls_context is not None, tls_context=tls_context,
                    require_starttls=tls_context is not None)

    async def serve():
        server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        with open(args.port_file + ".tmp", "w") as out:
            out.write(str(port))
        os.rename(args.port_file + ".tmp", args.port_file)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
