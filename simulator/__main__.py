"""``python -m simulator [--port N] [faults…]`` serves the platform until interrupted;
``python -m simulator push --to URL …`` pushes one made-up application to the service."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path

from . import push
from .server import Faults, Platform, PlatformServer


def _serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator", description="Serve the platform.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18100)
    parser.add_argument("--client-id", default="rtc", help="the service's client ID at the platform")
    parser.add_argument("--client-secret", default="rtc-secret")
    parser.add_argument("--seed", type=int, default=None, help="seed of the faults' dice")
    parser.add_argument("--push-to", default=None, help="the service's base URL, for /_admin/push")
    parser.add_argument("--push-client-id", default="")
    parser.add_argument("--push-client-secret", default="")
    for f in fields(Faults):
        flag = "--" + f.name.replace("_", "-")
        if f.name == "reject_cases":
            parser.add_argument(flag, nargs="*", default=[], metavar="CASE_NUMBER")
        elif f.name == "down_mode":
            parser.add_argument(flag, choices=("503", "reset"), default="503")
        else:
            parser.add_argument(flag, type=type(f.default), default=f.default)
    parser.add_argument("--down-for", type=float, default=0.0, help="start down for N seconds")
    args = parser.parse_args(argv)
    faults = Faults(**{f.name: getattr(args, f.name) for f in fields(Faults)})
    target = push.Target(args.push_to, args.push_client_id, args.push_client_secret) if args.push_to else None
    platform = Platform(args.client_id, args.client_secret, faults, args.seed, target)
    server = PlatformServer((args.host, args.port), platform)
    if args.down_for:
        import time

        platform.down_until = time.monotonic() + args.down_for
    print(f"platform simulator on {server.url} (client {args.client_id})", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _push(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator push", description="Push one application.")
    parser.add_argument("--to", required=True, help="the service's base URL")
    parser.add_argument("--client-id", required=True, help="the platform's client ID at the service")
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--case-number", required=True)
    parser.add_argument("--item-code", required=True)
    parser.add_argument("--implementing-body", required=True, help="unified social credit code")
    parser.add_argument("--application", type=Path, help="a JSON file to push instead of the example")
    parser.add_argument("files", nargs="*", type=Path, help="files named by the application's materials")
    args = parser.parse_args(argv)
    if args.application:
        application = json.loads(args.application.read_text())
        files = {path.name: path.read_bytes() for path in args.files}
    else:
        application = push.example_application(args.case_number, args.item_code, args.implementing_body)
        files = {"application_form.pdf": push.EXAMPLE_PDF}
    target = push.Target(args.to, args.client_id, args.client_secret)
    try:
        status, answer = push.push_application(target, application, files)
    except (push.PushFailed, ValueError) as exc:
        print(f"push failed: {exc}", file=sys.stderr)
        return 1
    print(f"HTTP {status}: {json.dumps(answer, ensure_ascii=False)}")
    return 0 if 200 <= status < 300 else 1


def main(argv: list[str]) -> int:
    """Serve, or push."""
    if argv[:1] == ["push"]:
        return _push(argv[1:])
    return _serve(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
