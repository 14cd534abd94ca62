"""The request log's parts: ID-card numbers masked exactly as the regular expression that defines
them would (without trying it at every character), and request ids made without a system call."""

from __future__ import annotations

import io
import json
import logging
import os
import random
import re
from collections.abc import Callable

from flask import Flask

from app.logs import RequestIds, redact

# The definition redact() keeps to: 17 digits then a digit or X, not inside a longer run of ASCII
# letters and digits; the first four and the last four are kept.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])([0-9]{4})[0-9]{10}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")


def masked(text: str) -> str:
    return ID_NUMBER.sub(r"\1**********\2", text)


def test_redact_masks_what_the_definition_masks_on_any_text() -> None:
    alphabet = "0123456789" * 8 + "xXaZ -_/.:=\n张\ud800😀"
    rng = random.Random(20261129)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        assert redact(text) == masked(text), text


def test_redact_on_long_runs_and_around_other_characters() -> None:
    number = "37010219900307123X"
    cases = [
        "/v/" + "1234567890" * 52,  # a verification page's path: no number inside a longer run
        f"{number}{number}",
        f"{number}/{number}",
        f"张{number}三",
        f"a{number}",
        f"{number}_",
        f"id={number[:-1]}x;",
        "1" * 17 + "X" + "1",
    ]
    for text in cases:
        assert redact(text) == masked(text), text
    assert redact(f"张{number}三") == "张3701**********123X三"


def test_request_ids_are_new_32_hex_characters_and_a_forked_worker_draws_its_own() -> None:
    ids = RequestIds()
    made = [ids() for _ in range(1000)]
    assert len(set(made)) == 1000 and all(re.fullmatch(r"[0-9a-f]{32}", made_id) for made_id in made)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the forked worker
        os.write(write, ids().encode())
        os._exit(0)
    os.waitpid(child, 0)
    in_child = os.read(read, 64).decode()
    os.close(read)
    os.close(write)
    assert in_child[:16] != made[0][:16] and in_child not in made


def test_the_access_line_names_the_request_given_or_made(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    stream = io.StringIO()
    handler = app.logger.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    client = app.test_client()
    given = client.get("/healthz", headers={"X-Request-ID": "370102199003071238"})
    made = client.get("/healthz", headers={"X-Request-ID": "not an id"})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines if line.get("path") == "/healthz"] == [
        "3701**********1238",  # a request id shaped like an ID number is masked in the log too
        made.headers["X-Request-ID"],
    ]
    assert given.headers["X-Request-ID"] == "370102199003071238"
    assert all(line["message"] == "request" and line["level"] == "INFO" for line in lines)
