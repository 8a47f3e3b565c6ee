"""Roles, API tokens (made once, stored hashed, revoked, expiring), the `disproof token`
commands, and when `disproof serve` refuses to start."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa

from disproof.api.serve import is_loopback, serve_refusal
from disproof.auth import TOKEN_PREFIX, Principal, Role, TokenStore, hash_token
from disproof.errors import ConflictError, InvalidInput
from disproof.service import Disproof
from disproof.settings import Settings
from disproof.store.schema import api_tokens

pytestmark = pytest.mark.both_backends


@pytest.fixture
def tokens(service: Disproof) -> TokenStore:
    return service.tokens


def set_expiry(service: Disproof, name: str, when: dt.datetime) -> None:
    with service.store.engine.begin() as connection:
        connection.execute(
            sa.update(api_tokens).where(api_tokens.c.name == name).values(expires_at=when)
        )


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.viewer, {Role.viewer}),
        (Role.editor, {Role.viewer, Role.editor}),
        (Role.admin, {Role.viewer, Role.editor, Role.admin}),
    ],
)
def test_roles_are_ordered(role: Role, allowed: set[Role]) -> None:
    assert {needed for needed in Role if role.allows(needed)} == allowed
    assert isinstance(role, str) and Role(role.value) is role


def test_a_token_is_shown_once_and_stored_only_as_its_hash(
    service: Disproof, tokens: TokenStore
) -> None:
    token = tokens.create("alice", Role.editor)
    assert re.fullmatch(r"dsp_[A-Za-z0-9_-]{43}", token)
    with service.store.engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(sa.select(api_tokens))]
    assert len(rows) == 1 and rows[0]["token_hash"] == hash_token(token)
    assert token not in json.dumps(rows, default=str)
    assert tokens.verify(token) == Principal("alice", Role.editor)
    [info] = tokens.list()
    assert info.name == "alice" and info.role == "editor" and info.expires_at is None
    assert "token" not in info.model_dump() and token not in info.model_dump_json()


@pytest.mark.parametrize(
    "candidate", ["", "dsp_", TOKEN_PREFIX + "x" * 43, "Bearer x", "dsp_" + "x" * 500, "🙂" * 47]
)
def test_unknown_or_malformed_tokens_verify_to_none(tokens: TokenStore, candidate: str) -> None:
    tokens.create("someone", Role.admin)
    assert tokens.verify(candidate) is None


def test_revoked_and_expired_tokens_stop_working(service: Disproof, tokens: TokenStore) -> None:
    revoked = tokens.create("revoked", Role.admin)
    expiring = tokens.create("expiring", Role.admin, expires_in_days=30)
    assert tokens.verify(expiring) is not None
    assert [t.expires_at is not None for t in tokens.list()] == [False, True]
    assert tokens.revoke("revoked") == 1 and tokens.revoke("revoked") == 0
    assert tokens.verify(revoked) is None
    set_expiry(service, "expiring", dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    assert tokens.verify(expiring) is None
    assert not tokens.has_admin() and not tokens.has_any()
    assert tokens.revoke("nobody") == 0


def test_names_are_unique_among_active_tokens(tokens: TokenStore) -> None:
    first = tokens.create("ci", Role.viewer)
    with pytest.raises(ConflictError, match="revoke it first"):
        tokens.create("ci", Role.admin)
    tokens.revoke("ci")
    second = tokens.create("ci", Role.editor)
    assert tokens.verify(first) is None
    assert tokens.verify(second) == Principal("ci", Role.editor)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\there", "nl\nx"])
def test_bad_names_are_refused(tokens: TokenStore, name: str) -> None:
    with pytest.raises(InvalidInput):
        tokens.create(name, Role.viewer)


def test_expiry_must_be_a_day_or_more(tokens: TokenStore) -> None:
    with pytest.raises(InvalidInput):
        tokens.create("x", Role.viewer, expires_in_days=0)


def test_last_use_is_written_at_most_once_a_minute(
    tokens: TokenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = tokens.create("busy", Role.viewer)
    writes: list[dt.datetime] = []
    original = tokens.records.touch

    def touch(pk: int, now: dt.datetime) -> None:
        writes.append(now)
        original(pk, now)

    monkeypatch.setattr(tokens.records, "touch", touch)
    for _ in range(5):
        assert tokens.verify(token) is not None
    assert len(writes) == 1 and tokens.list()[0].last_used_at == writes[0]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    monkeypatch.setattr("disproof.auth._now", lambda: later)
    tokens.verify(token)
    assert len(writes) == 2


def test_has_admin_and_has_any(tokens: TokenStore) -> None:
    assert not tokens.has_any() and not tokens.has_admin()
    tokens.create("reader", Role.viewer)
    assert tokens.has_any() and not tokens.has_admin()
    tokens.create("boss", Role.admin)
    assert tokens.has_admin()


# -- disproof serve --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.org", False),
        ("localhost.evil.example", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_refusal_rules(settings: Settings, tokens: TokenStore) -> None:
    local = settings
    public = settings.model_copy(update={"host": "0.0.0.0"})
    private = settings.model_copy(update={"public_read": False})
    assert serve_refusal(local, tokens) is None
    assert "no admin token" in (serve_refusal(public, tokens) or "")
    assert "no token exists" in (serve_refusal(private, tokens) or "")
    tokens.create("reader", Role.viewer)
    assert serve_refusal(private, tokens) is None
    assert serve_refusal(public, tokens) is not None  # a viewer is not enough
    tokens.create("boss", Role.admin)
    assert serve_refusal(public, tokens) is None
    tokens.revoke("boss")
    assert serve_refusal(public, tokens) is not None


def test_serve_refuses_a_public_host_without_an_admin_token(
    cli: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Disproof] = []
    monkeypatch.setattr("disproof.api.serve.run", started.append)
    refused = cli("serve", "--host", "0.0.0.0")  # type: ignore[operator]
    assert refused.code == 1 and "no admin token" in refused.err and started == []
    assert cli("token", "create", "--name", "boss", "--role", "admin").code == 0  # type: ignore[operator]
    assert cli("serve", "--host", "0.0.0.0", "--port", "9000").code == 0  # type: ignore[operator]
    assert [(s.settings.host, s.settings.port) for s in started] == [("0.0.0.0", 9000)]


def test_serve_refuses_private_reading_without_tokens(
    cli: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Disproof] = []
    monkeypatch.setattr("disproof.api.serve.run", started.append)
    monkeypatch.setenv("DISPROOF_PUBLIC_READ", "false")
    refused = cli("serve")  # type: ignore[operator]
    assert refused.code == 1 and "public_read" in refused.err and started == []


# -- disproof token --------------------------------------------------------------------------------


def test_token_cli_round_trip(cli: object) -> None:
    run = cli  # type: ignore[assignment]
    made = run("token", "create", "--name", "ci bot", "--role", "editor", "--expires-days", "7")
    assert made.code == 0, made.err
    token = made.out.strip()
    assert re.fullmatch(r"dsp_[A-Za-z0-9_-]{43}", token)
    assert "cannot be shown again" in made.err
    listed = run("token", "list")
    assert "ci bot" in listed.out and "editor" in listed.out and "active" in listed.out
    assert token not in listed.out
    as_json = json.loads(run("token", "list", "--json").out)
    assert as_json[0]["name"] == "ci bot" and as_json[0]["expires_at"]
    service = Disproof.open(Settings())  # the cli fixture's DISPROOF_DB
    assert service.tokens.verify(token) == Principal("ci bot", Role.editor)
    assert run("token", "revoke", "ci bot").code == 0
    assert service.tokens.verify(token) is None
    assert "revoked" in run("token", "list").out
    missing = run("token", "revoke", "ci bot")
    assert missing.code == 1 and "no token named" in missing.err
    bad_role = run("token", "create", "--name", "x", "--role", "root")
    assert bad_role.code == 2
    empty = run("token", "create", "--name", " ", "--role", "viewer")
    assert empty.code == 1
