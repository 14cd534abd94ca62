"""Command line: ``python -m signing verify TEXT --jwks FILE --key-status FILE [--status FILE]
[--at TIME]`` and
``python -m signing check-identifier ID``.

Exit codes: 0 valid, 1 invalid, 2 bad usage (argparse's own code for usage errors).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from ._identifier import Identifier
from ._presentation import LEGACY_LAYOUT_UNTIL
from ._verify import Verifier, failure_json
from .errors import Error, IdentifierError, VerificationError


def _at(text: str) -> int:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time or epoch seconds") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-11-21T10:00:00+08:00")
    return int(moment.timestamp())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m signing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="verify a credential, presentation or QR link")
    verify.add_argument("text", help="the QR text, presentation payload or credential JWT ('-': stdin)")
    verify.add_argument("--jwks", required=True, type=Path, help="published keys (JWKS JSON)")
    verify.add_argument(
        "--key-status", required=True, type=Path, help="the signed key-status document (the keys' rules)"
    )
    verify.add_argument("--status", type=Path, help="file of status list tokens, one per line")
    verify.add_argument("--at", type=_at, help="verify as of this time (ISO 8601 or epoch)")
    verify.add_argument("--require-status", action="store_true", help="fail without a status list")
    verify.add_argument(
        "--legacy-until",
        type=_at,
        default=LEGACY_LAYOUT_UNTIL,
        help="refuse compact codes in the first layout (untagged, no alg) from this time "
        "(ISO 8601 or epoch; default %(default)s)",
    )
    check = commands.add_parser("check-identifier", help="check a GB/T 36904 identifier")
    check.add_argument("identifier")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "check-identifier":
        try:
            Identifier.parse(args.identifier)
        except IdentifierError as exc:
            print(json.dumps({"valid": False, "detail": str(exc)}))
            return 1
        print(json.dumps({"valid": True}))
        return 0
    text = sys.stdin.read() if args.text == "-" else args.text
    try:
        jwks = json.loads(args.jwks.read_text())
        tokens = args.status.read_text().split() if args.status else []
        key_status = args.key_status.read_text().strip()
        verifier = Verifier.from_documents(
            jwks, key_status, tokens, require_status=args.require_status, legacy_until=args.legacy_until
        )
    except (OSError, ValueError, Error) as exc:
        parser.error(f"cannot load trust files: {exc}")
    try:
        verdict = verifier.verify(text, at=args.at).to_json()
    except VerificationError as exc:
        print(json.dumps(failure_json(exc), ensure_ascii=False))
        return 1
    print(json.dumps(verdict, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
