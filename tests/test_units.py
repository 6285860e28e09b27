"""Pure logic without I/O: tokens, passwords, rate limits, CSV safety, settings, room names."""

from __future__ import annotations

import pytest

from rooms.auth import AuthUser, TokenClaims, Tokens, hash_password, session_actor, verify_password
from rooms.errors import RateLimited, Unauthorized
from rooms.leads import leads_csv
from rooms.payloads import dec
from rooms.ratelimit import MemoryRateLimiter
from server.settings import Settings
from translation.engine import DEFAULT_BEAM

SECRET = "unit-test-secret-that-is-long-enough-0123456789"


def test_tokens_round_trip_and_expire() -> None:
    tokens = Tokens(SECRET, guest_hours=1, staff_hours=1)
    user = AuthUser(7, "buyer", "Ana", "es")
    tok = tokens.issue(user, now=1_000_000)
    with pytest.raises(Unauthorized, match="expired"):
        tokens.read(tok)
    fresh = tokens.issue(user)
    assert tokens.read(fresh) == (7, 0)
    other = Tokens("another-secret-that-is-long-enough-012345678", guest_hours=1, staff_hours=1)
    with pytest.raises(Unauthorized):
        other.read(fresh)
    for bad in (None, 5, "", "a.b.c", "x" * 5000):
        with pytest.raises(Unauthorized):
            tokens.read(bad)


def test_a_token_belongs_to_the_sessions_of_its_password() -> None:
    """A token names the account's session generation; once a password change moved it on, the
    token is refused, and a token from before generations (no `gen`) counts as the first."""
    import jwt

    tokens = Tokens(SECRET, guest_hours=1, staff_hours=1)
    before = AuthUser(7, "supplier", "Li", "zh", 3, session_gen=2)
    claims = tokens.read(tokens.issue(before))
    assert claims == TokenClaims(7, 2) and session_actor(before, claims) is before
    after = AuthUser(7, "supplier", "Li", "zh", 3, session_gen=3)
    with pytest.raises(Unauthorized, match="password was changed"):
        session_actor(after, claims)
    legacy = jwt.encode({"sub": "7", "exp": 4102444800}, SECRET, algorithm="HS256")
    assert tokens.read(legacy, now=2_000_000_000) == TokenClaims(7, 0)
    for gen in ("2", 2.0, True, None):
        forged = jwt.encode({"sub": "7", "gen": gen, "exp": 4102444800}, SECRET, algorithm="HS256")
        with pytest.raises(Unauthorized):
            tokens.read(forged, now=2_000_000_000)


def test_tokens_are_checked_as_pyjwt_checks_them() -> None:
    """The hand-rolled HS256 check (rooms/auth.py) against PyJWT's decode of the same strings."""
    import jwt

    tokens = Tokens(SECRET, guest_hours=1, staff_hours=1)
    now = 2_000_000_000

    def pyjwt_user(tok: str) -> int | None:
        try:
            claims = jwt.decode(tok, SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"], "verify_iat": False})
            return int(claims["sub"])
        except (jwt.InvalidTokenError, ValueError):
            return None

    def ours(tok: str) -> int | None:
        try:
            return tokens.read(tok, now=now).user_id
        except Unauthorized:
            return None

    good = jwt.encode({"sub": "42", "exp": now + 60}, SECRET, algorithm="HS256")
    head, body, sig = good.split(".")
    cases = [
        good,
        jwt.encode({"sub": "42", "exp": now - 1}, SECRET, algorithm="HS256"),  # expired
        jwt.encode({"sub": "42"}, SECRET, algorithm="HS256"),  # no exp
        jwt.encode({"exp": now + 60}, SECRET, algorithm="HS256"),  # no sub
        jwt.encode({"sub": "42", "exp": now + 60}, SECRET * 2, algorithm="HS512"),
        jwt.encode({"sub": "42", "exp": now + 60}, SECRET, algorithm="HS256", headers={"kid": "x"}),
        jwt.encode({"sub": "42", "exp": now + 60}, None, algorithm="none"),
        jwt.encode({"sub": "42", "exp": now + 60}, SECRET + "x", algorithm="HS256"),
        f"{head}.{body}.{sig[:-1]}",
        f"{head}.{body[:-2]}{body[-1]}{body[-2]}.{sig}",  # payload changed, signature kept
        f"{head}.{body}.{sig}=",
        f"{head}.{body}.{sig}.x",
        f" {good}",
    ]
    for tok in cases:
        assert ours(tok) == (42 if pyjwt_user(tok) == 42 and tok == good else None), tok
    assert ours(good) == 42
    # Every token PyJWT accepts for a numeric sub, ours accepts; a flipped character anywhere fails both.
    for sub in ("0", "7", "123456789"):
        tok = jwt.encode({"sub": sub, "exp": now + 5, "role": "buyer", "iat": now}, SECRET, algorithm="HS256")
        assert ours(tok) == pyjwt_user(tok) == int(sub)
        for i in range(len(tok)):
            flipped = tok[:i] + ("A" if tok[i] != "A" else "B") + tok[i + 1 :]
            assert ours(flipped) == pyjwt_user(flipped), (i, flipped)


def test_passwords_are_argon2() -> None:
    h = hash_password("correct horse")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "correct horse") and not verify_password(h, "wrong")
    assert not verify_password(None, "anything") and not verify_password("garbage", "x")


async def test_memory_rate_limiter_bursts_then_refills() -> None:
    now = [100.0]
    limiter = MemoryRateLimiter(clock=lambda: now[0])
    for _ in range(5):
        await limiter.hit("k", per_minute=30, burst=5, message="slow")
    with pytest.raises(RateLimited) as err:
        await limiter.hit("k", per_minute=30, burst=5, message="slow")
    assert err.value.retry_after == pytest.approx(2.0)
    now[0] += 2.0
    await limiter.hit("k", per_minute=30, burst=5, message="slow")
    await limiter.hit("k", per_minute=0, burst=0, message="off")  # 0 disables


def test_csv_cells_cannot_become_formulas() -> None:
    lead = {
        "id": 1, "created_at": "t", "status": "new", "buyer": {"display_name": "=cmd", "email": "@x", "company": "+1"},
        "product_name": "-2", "quantity": 1, "unit": None, "target_price": None, "currency": None, "incoterm": None,
        "destination_country": None, "message": "ok", "message_translated": None, "source_lang": "en",
    }  # fmt: skip
    row = leads_csv([lead]).splitlines()[1]
    assert "'=cmd" in row and "'@x" in row and "'+1" in row and "'-2" in row


def test_csv_units_read_in_the_suppliers_language() -> None:
    """The inquiry form prefills the unit in the buyer's language ("peças", "القطعة"); the Chinese
    supplier's spreadsheet reads them as 件, and a unit nobody catalogued stays as typed."""
    import csv
    import io

    def unit_cell(unit: str | None, quantity: int | None, lang: str | None) -> str:
        lead = {
            "id": 1, "created_at": "t", "status": "new", "buyer": {"display_name": "Ana", "email": "a@x"},
            "product_name": "p", "quantity": quantity, "unit": unit, "target_price": None, "currency": None,
            "incoterm": None, "destination_country": None, "message": "m", "message_translated": None,
            "source_lang": "pt",
        }  # fmt: skip
        return next(csv.DictReader(io.StringIO(leads_csv([lead], lang=lang))))["unit"]

    assert unit_cell("peças", 2000, "zh") == "件"
    assert unit_cell("القطعة", 3000, "zh") == "件"
    assert unit_cell("Peças", 2000, "en") == "pieces"
    assert unit_cell("piezas", 1, "en") == "piece"
    assert unit_cell("托盘", 5, "en") == "托盘"
    assert unit_cell("peças", 2000, None) == "peças"
    assert unit_cell(None, 2000, "zh") == ""


def test_money_keeps_two_decimals() -> None:
    from decimal import Decimal

    assert dec(Decimal("0.8")) == "0.80" and dec(Decimal("12")) == "12.00" and dec(Decimal("0.1234")) == "0.1234"


def test_settings_from_env_and_bad_values(tmp_path: object) -> None:
    s = Settings.from_env({"BOOTHCAST_CHAT_RATE_LIMIT": "0", "REDIS_URL": "redis://x:6379/0"})
    assert s.chat_rate_limit == 0 and s.redis_url == "redis://x:6379/0"
    assert s.effective_database_url.startswith("sqlite+aiosqlite:///")
    with pytest.raises(SystemExit):
        Settings.from_env({"BOOTHCAST_PORT": "eighty"})
    with pytest.raises(SystemExit):
        Settings(secret_key="short").with_secret()
    with pytest.raises(SystemExit, match="same value on every node"):
        Settings(data_dir=tmp_path, redis_url="redis://x:6379/0").with_secret()  # type: ignore[arg-type]
    assert not (tmp_path / "secret.key").exists()  # type: ignore[operator]
    assert Settings.from_env({}).translation_beam == DEFAULT_BEAM
    url = "rtmp://fair.example.com:1935/live"
    assert Settings.from_env({"BOOTHCAST_RTMP_PUBLIC_URL": url + "/"}).rtmp_public_url == url
    with pytest.raises(SystemExit, match="BOOTHCAST_RTMP_PUBLIC_URL"):
        Settings.from_env({"BOOTHCAST_RTMP_PUBLIC_URL": "http://fair.example.com/live"})
    assert Settings.from_env({"BOOTHCAST_TRANSLATION_BEAM": "4"}).translation_beam == 4
    for bad in ("0", "9", "wide"):
        with pytest.raises(SystemExit, match="BOOTHCAST_TRANSLATION_BEAM"):
            Settings.from_env({"BOOTHCAST_TRANSLATION_BEAM": bad})


def test_connections_track_the_sockets_the_account_sweep_rereads() -> None:
    from server.connections import Conn, Connections

    conns = Connections()
    buyer = Conn(user=AuthUser(id=1, role="buyer", display_name="b", lang="en"), batch=True)
    staff = Conn(user=AuthUser(id=2, role="supplier", display_name="s", lang="zh", booth_id=3), batch=True)
    conns.admit("b", buyer)
    conns.admit("s", staff)
    assert set(conns.privileged) == {"s"}
    conns.set_user("s", staff, AuthUser(id=2, role="buyer", display_name="s", lang="zh"))
    assert conns.privileged == {} and staff.user.role == "buyer"
    conns.set_user("b", buyer, AuthUser(id=1, role="moderator", display_name="b", lang="en"))
    assert set(conns.privileged) == {"b"}
    stale = Conn(user=buyer.user, batch=True)  # not the connection registered under "b"
    conns.set_user("b", stale, AuthUser(id=1, role="buyer", display_name="b", lang="en"))
    assert set(conns.privileged) == {"b"}
    assert conns.remove("b") is buyer
    assert conns.privileged == {} and conns.remove("b") is None


def test_media_sizes_read_as_a_person_writes_them() -> None:
    """`boothcast media usage` printed "25276501 bytes" (a user try): the size reads, the exact
    count stays beside it for scripts."""
    from server.cli_media import human_bytes

    assert human_bytes(999) == "999 bytes"
    assert human_bytes(25_276_501) == "25.3 MB (25276501 bytes)"
    assert human_bytes(3_500_000_000) == "3.5 GB (3500000000 bytes)"
