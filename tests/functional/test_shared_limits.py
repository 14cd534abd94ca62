"""Rate limits are shared by every worker and instance of the service (issue 10, item 7): two apps
made from the same configuration (as two gunicorn workers or two hosts run) count against one limit,
in Redis (production) and in the embedded default's SQLite counter file; a limit is keyed by the
connecting address, and X-Forwarded-For counts only behind a configured number of proxies.

The Redis test needs a Redis server (``RTC_TEST_REDIS_URL``, default ``redis://127.0.0.1:6379``;
``.ci/run`` starts one) and fails, not skips, without one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.security import limiter

from ..registry import Province
from .admin_client import csrf

REDIS_URL = os.environ.get("RTC_TEST_REDIS_URL", "redis://127.0.0.1:6379")
LIMIT = 10  # staff sign-in: 10 a minute from one address


def wrong_sign_in(client: FlaskClient) -> int:
    token = csrf(client.get("/admin/login").get_data(as_text=True))
    data = {"csrf_token": token, "username": "nobody", "password": "wrong"}
    return client.post("/admin/login", data=data).status_code


def statuses(apps: list[Flask], tries: int, environ: dict[str, str] | None = None) -> list[int]:
    """``tries`` wrong sign-ins from one address, sent to the apps in turn."""
    clients = [app.test_client() for app in apps]
    for client in clients:
        client.environ_base.update({"REMOTE_ADDR": "198.51.100.1", **(environ or {})})
    return [wrong_sign_in(clients[n % len(clients)]) for n in range(tries)]


def redis_available() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"no Redis server at {REDIS_URL} ({exc}): start one with "
            "`redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no` "
            "(.ci/run does) or point RTC_TEST_REDIS_URL at one"
        )


def test_two_instances_share_their_limits_in_redis(
    make_app: Callable[..., Flask], province: Province
) -> None:
    redis_available()
    config = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    first, second = make_app(config), make_app(config)
    assert statuses([first, second], LIMIT + 1) == [200] * LIMIT + [429]


def test_two_workers_share_their_limits_in_the_default_counter_file(
    make_app: Callable[..., Flask], province: Province, tmp_path: Path
) -> None:
    instance = tmp_path / "shared-instance"
    first, second = make_app({"INSTANCE_PATH": str(instance)}), make_app({"INSTANCE_PATH": str(instance)})
    assert first.config["RATELIMIT_STORAGE_URI"] == f"sqlite:///{instance / 'rate_limits.sqlite3'}"
    assert statuses([first, second], LIMIT + 1) == [200] * LIMIT + [429]


def test_in_memory_counters_are_one_workers_own(make_app: Callable[..., Flask], province: Province) -> None:
    """Why ``memory://`` is not the default: each worker counts alone, so two double every limit."""
    config = {"RATELIMIT_STORAGE_URI": "memory://"}
    first, second = make_app(config), make_app(config)
    assert statuses([first, second], 2 * LIMIT) == [200] * (2 * LIMIT)


def test_x_forwarded_for_is_not_trusted_unless_configured(
    make_app: Callable[..., Flask], province: Province, tmp_path: Path
) -> None:
    direct = make_app({"INSTANCE_PATH": str(tmp_path / "direct")})
    spoofed = [{"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}"} for n in range(LIMIT + 1)]
    clients = [direct.test_client() for _ in spoofed]
    for client, environ in zip(clients, spoofed, strict=True):
        client.environ_base.update({"REMOTE_ADDR": "198.51.100.1", **environ})
    assert [wrong_sign_in(c) for c in clients] == [200] * LIMIT + [429]  # one address, whatever it claims

    proxied = make_app({"INSTANCE_PATH": str(tmp_path / "proxied"), "PROXY_COUNT": 1})
    clients = [proxied.test_client() for _ in spoofed]
    for client, environ in zip(clients, spoofed, strict=True):
        client.environ_base.update({"REMOTE_ADDR": "10.0.0.2", **environ})  # the proxy's address
    assert [wrong_sign_in(c) for c in clients] == [200] * (LIMIT + 1)  # each client its own limit


def test_limits_of_one_app_are_reset_without_touching_anothers(
    app: Flask, make_app: Callable[..., Flask], province: Province, tmp_path: Path
) -> None:
    other = make_app({"INSTANCE_PATH": str(tmp_path / "other")})
    assert statuses([other], LIMIT + 1)[-1] == 429
    with app.app_context():
        limiter.reset()
    assert statuses([other], 1) == [429]
    with other.app_context():
        limiter.reset()
    assert statuses([other], 1) == [200]
