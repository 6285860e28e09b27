"""Accounts: guest buyers, staff, moderators and admins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.auth import ROLES, AuthUser, hash_password, verify_password
from rooms.db import Database
from rooms.errors import BadRequest, Banned, Conflict, InvalidCredentials, NotFound, Unauthorized
from rooms.group_commit import GroupCommit
from rooms.models import Booth, User


def actor_of(user: User) -> AuthUser:
    return AuthUser(user.id, user.role, user.display_name, user.lang, user.booth_id)


async def do_guest_sign_in(
    db: Database, *, display_name: str, lang: str, company: str | None, country: str | None
) -> User:
    async with db.session() as s:
        user = User(display_name=display_name, role="buyer", lang=lang, company=company, country=country)
        s.add(user)
        await s.flush()
    return user


@dataclass(frozen=True, slots=True)
class GuestIn:
    display_name: str
    lang: str
    company: str | None = None
    country: str | None = None


class GuestSignIns:
    """Guest buyers' accounts, created in groups: the sign-ins of a crowd share their commits.

    When a popular stream starts, thousands of new buyers sign in within seconds; one transaction
    each made the commit (on SQLite, one writer at a time) their bottleneck. Each sign-in still
    returns only once its account is committed (rooms/group_commit.py).
    """

    def __init__(self, db: Database, max_group: int = 500) -> None:
        self._db = db
        self.group = GroupCommit(self._insert, what="guest sign-ins", max_group=max_group)

    async def sign_in(self, guest: GuestIn) -> User:
        return await self.group.submit(guest)

    async def _insert(self, guests: list[GuestIn]) -> list[User]:
        rows = [{"display_name": g.display_name, "role": "buyer", "lang": g.lang, "company": g.company,
                 "country": g.country} for g in guests]  # fmt: skip
        # In the parameters' order: each caller gets its own account. On SQLite that takes the
        # users table's insert sentinel, or SQLAlchemy writes one INSERT per row.
        stmt = insert(User).returning(User, sort_by_parameter_order=True)
        async with self._db.session() as s:
            # render_nulls: rows with and without a company stay one statement, not one per key set.
            return list(await s.scalars(stmt, rows, execution_options={"render_nulls": True}))

    async def aclose(self) -> None:
        await self.group.aclose()


async def do_login(db: Database, *, email: str, password: str) -> User:
    async with db.reader() as s:
        user = (await s.execute(select(User).where(User.email == email.lower()))).scalar_one_or_none()
    if user is None or not verify_password(user.password_hash if user else None, password):
        raise InvalidCredentials("wrong e-mail or password")
    if user.banned_at is not None:
        raise Banned("this account is banned from the fair")
    return user


async def load_actor(db: Database, user_id: int) -> tuple[User, AuthUser]:
    """The user a token names, refused if it no longer exists or is banned."""
    async with db.reader() as s:
        found = user_or_refusal(await s.get(User, user_id))
    return found, actor_of(found)


def user_or_refusal(user: User | None) -> User:
    """`user`, or `Unauthorized` if it is gone, `Banned` if it is banned (`actor_or_refusal`'s rule)."""
    actor_or_refusal(None if user is None else (actor_of(user), user.banned_at is not None))
    assert user is not None
    return user


async def accounts_by_id(db: Database, user_ids: Iterable[int]) -> dict[int, tuple[AuthUser, bool]]:
    """(who, banned) for the accounts that exist among `user_ids`, in one query.

    Only the columns an `AuthUser` needs, as plain rows: a join storm reads every joiner's account
    twice (connect, then `booth:join`), and ORM instances of the whole row cost twice as much.
    """
    cols = (User.id, User.role, User.display_name, User.lang, User.booth_id, User.banned_at)
    async with db.reader() as s:
        rows = (await s.execute(select(*cols).where(User.id.in_(set(user_ids))))).all()
    return {r[0]: (AuthUser(r[0], r[1], r[2], r[3], r[4]), r[5] is not None) for r in rows}


def actor_or_refusal(account: tuple[AuthUser, bool] | None) -> AuthUser:
    """`accounts_by_id`'s entry as the acting user: `Unauthorized` if gone, `Banned` if banned."""
    if account is None:
        raise Unauthorized("unknown user; sign in again")
    if account[1]:
        raise Banned("this account is banned from the fair")
    return account[0]


async def existing(db: Database, user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` still have an account (one query, ids only)."""
    ids = set(user_ids)
    if not ids:
        return set()
    async with db.reader() as s:
        return set((await s.scalars(select(User.id).where(User.id.in_(ids)))).all())


async def current_actors(db: Database, user_ids: Iterable[int]) -> dict[int, AuthUser | None]:
    """Each account as it is now, in one query; None for one that is gone or banned."""
    ids = set(user_ids)
    found = await accounts_by_id(db, ids)
    return {user_id: None if (a := found.get(user_id)) is None or a[1] else a[0] for user_id in ids}


async def do_create_account(
    db: Database,
    *,
    email: str,
    password: str,
    role: str,
    booth_slug: str | None = None,
    display_name: str | None = None,
    lang: str | None = None,
) -> User:
    if role not in ROLES or role == "buyer":
        raise BadRequest("role must be supplier, moderator or admin")
    if len(password) < 8:
        raise BadRequest("the password needs at least 8 characters")
    if role == "supplier" and not booth_slug:
        raise BadRequest("a supplier account needs --booth SLUG")
    async with db.session() as s:
        booth = None
        if booth_slug:
            booth = (await s.execute(select(Booth).where(Booth.slug == booth_slug))).scalar_one_or_none()
            if booth is None:
                raise NotFound(f"no booth with slug {booth_slug!r}")
        if await _email_taken(s, email):
            raise Conflict(f"an account for {email} exists already")
        user = User(
            email=email.lower(),
            password_hash=hash_password(password),
            display_name=display_name or (booth.supplier_name if booth else email.split("@")[0]),
            role=role,
            lang=lang or (booth.lang if booth else "en"),
            booth_id=booth.id if booth and role == "supplier" else None,
        )
        s.add(user)
        await s.flush()
    return user


async def _email_taken(s: AsyncSession, email: str) -> bool:
    return (await s.execute(select(User.id).where(User.email == email.lower()))).first() is not None
