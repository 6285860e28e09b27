"""Accounts: guest buyers, staff, moderators and admins; the organiser's `boothcast users`."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.auth import ROLES, AuthUser, check_new_password, hash_password, verify_password
from rooms.bans import ban_account, unban_account
from rooms.db import Database
from rooms.errors import BadRequest, Banned, Conflict, InvalidCredentials, NotFound, Unauthorized
from rooms.group_commit import GroupCommit
from rooms.models import AuditEntry, Booth, User
from rooms.plain_text import check_plain
from rooms.staff_names import check_guest_name


def actor_of(user: User) -> AuthUser:
    return AuthUser(user.id, user.role, user.display_name, user.lang, user.booth_id, user.session_gen)


MAX_NAME = 80  # a display name
MAX_LABEL = 120  # a guest's company and country


async def do_guest_sign_in(
    db: Database, *, display_name: str, lang: str, company: str | None, country: str | None
) -> User:
    guest = _checked(GuestIn(display_name, lang, company, country))
    async with db.session() as s:
        user = User(display_name=guest.display_name, role="buyer", lang=lang, company=guest.company,
                    country=guest.country)  # fmt: skip
        s.add(user)
        await s.flush()
    return user


@dataclass(frozen=True, slots=True)
class GuestIn:
    display_name: str
    lang: str
    company: str | None = None
    country: str | None = None


def _checked(guest: GuestIn) -> GuestIn:
    """Names that others read in chat and on leads: no control characters (rooms/plain_text.py),
    and none that passes for the fair's own people (rooms/staff_names.py)."""
    return GuestIn(
        check_guest_name(check_plain(guest.display_name, "display_name", MAX_NAME)),
        guest.lang,
        None if guest.company is None else check_plain(guest.company, "company", MAX_LABEL),
        None if guest.country is None else check_plain(guest.country, "country", MAX_LABEL),
    )


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
        return await self.group.submit(_checked(guest))

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
        raise Banned("this account is banned from the fair", reason=user.ban_reason)
    return user


async def do_set_own_lang(db: Database, user_id: int, lang: str) -> User:
    """The account's chat and interface language, changed by its owner (the lobby's picker). The
    same account: a guest's mutes, leads and messages stay theirs (a new sign-in per language made
    a new person, free of a mute)."""
    async with db.session() as s:
        user = user_or_refusal(await s.get(User, user_id))
        user.lang = lang
    return user


async def load_actor(db: Database, user_id: int) -> tuple[User, AuthUser]:
    """The user a token names, refused if it no longer exists or is banned."""
    async with db.reader() as s:
        found = user_or_refusal(await s.get(User, user_id))
    return found, actor_of(found)


def user_or_refusal(user: User | None) -> User:
    """`user`, or `Unauthorized` if it is gone, `Banned` if it is banned (`actor_or_refusal`'s rule).

    The account's own requests learn why (`reason`, as the moderator or organiser gave it)."""
    if user is not None and user.banned_at is not None:
        raise Banned("this account is banned from the fair", reason=user.ban_reason)
    actor_or_refusal(None if user is None else (actor_of(user), user.banned_at is not None))
    assert user is not None
    return user


async def accounts_by_id(db: Database, user_ids: Iterable[int]) -> dict[int, tuple[AuthUser, bool]]:
    """(who, banned) for the accounts that exist among `user_ids`, in one query.

    Only the columns an `AuthUser` needs, as plain rows: a join storm reads every joiner's account
    twice (connect, then `booth:join`), and ORM instances of the whole row cost twice as much.
    """
    cols = (User.id, User.role, User.display_name, User.lang, User.booth_id, User.session_gen, User.banned_at)
    async with db.reader() as s:
        rows = (await s.execute(select(*cols).where(User.id.in_(set(user_ids))))).all()
    return {r[0]: (AuthUser(r[0], r[1], r[2], r[3], r[4], r[5]), r[6] is not None) for r in rows}


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
    check_new_password(password)
    if display_name is not None:
        display_name = check_plain(display_name, "a display name", MAX_NAME)
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
        _audit(s, user.id, "account", f"boothcast users create: {role}" + (f" of {booth.slug}" if booth else ""))
    return user


def _audit(s: AsyncSession, target_id: int, action: str, detail: str) -> None:
    """The organiser's account changes go in the moderators' audit log, with no acting account
    (the page shows "organiser (command line)"), as `users disable` does."""
    s.add(AuditEntry(actor_id=None, action=action, target_user_id=target_id, detail=detail[:500]))


async def _email_taken(s: AsyncSession, email: str) -> bool:
    return (await s.execute(select(User.id).where(User.email == email.lower()))).first() is not None


# --- the organiser's account management (`boothcast users list|set|password|disable|enable`) ---


@dataclass(frozen=True, slots=True)
class Account:
    """An account as the organiser sees it: the booth by slug, "disabled" for a ban."""

    id: int
    email: str | None
    display_name: str
    role: str
    booth_slug: str | None
    lang: str
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None


def _account(user: User, booth_slug: str | None) -> Account:
    return Account(user.id, user.email, user.display_name, user.role, booth_slug, user.lang, user.created_at,
                   user.banned_at, user.ban_reason)  # fmt: skip


async def list_accounts(
    db: Database, *, roles: Collection[str], booth_slug: str | None = None, limit: int | None = 200
) -> tuple[list[Account], int]:
    """The accounts of `roles` (of one booth's staff), oldest first, at most `limit`; and how
    many match in all, so a capped list can say what it left out (guests can be many)."""
    async with db.reader() as s:
        where: list[ColumnElement[bool]] = [User.role.in_(roles)]
        if booth_slug is not None:
            where.append(User.booth_id == (await _booth(s, booth_slug)).id)
        total = (await s.execute(select(func.count()).select_from(User).where(*where))).scalar_one()
        q = (select(User, Booth.slug).outerjoin(Booth, Booth.id == User.booth_id).where(*where)
             .order_by(User.id).limit(limit))  # fmt: skip
        return [_account(u, slug) for u, slug in (await s.execute(q)).all()], int(total)


async def staffing_gaps(db: Database, before: Account) -> list[str]:
    """What the fair lacks now that `before` changed or was disabled: no enabled admin left, or a
    booth with no enabled supplier (its console has nobody). Said, not refused: the organiser may
    mean it, and `users create` fills either gap."""
    gaps: list[str] = []
    async with db.reader() as s:
        enabled = User.banned_at.is_(None)
        if before.role == "admin":
            admins = await s.scalar(select(func.count()).select_from(User).where(User.role == "admin", enabled))
            if not admins:
                gaps.append("no enabled admin account is left (boothcast users create --role admin makes one)")
        if before.role == "supplier" and before.booth_slug is not None:
            booth = await _booth(s, before.booth_slug)
            staff = await s.scalar(
                select(func.count()).select_from(User).where(User.role == "supplier", User.booth_id == booth.id, enabled)
            )
            if not staff:
                gaps.append(f"booth {before.booth_slug} has no enabled supplier account now: nobody can open its console")
    return gaps


async def find_account(db: Database, email: str) -> Account:
    async with db.reader() as s:
        user = await _by_email(s, email)
        return _account(user, await _slug(s, user.booth_id))


async def do_update_account(
    db: Database,
    email: str,
    *,
    role: str | None = None,
    booth_slug: str | None = None,
    display_name: str | None = None,
    lang: str | None = None,
) -> tuple[Account, Account]:
    """Change an account's role, booth, name or language; (before, after).

    A supplier keeps its booth unless given another; any other role has none, so moving away from
    supplier clears it. Open sockets follow within seconds (server/account_watch.py).
    """
    if role is not None and role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}")
    name = None if display_name is None else check_plain(display_name, "a display name", MAX_NAME)
    if lang is not None and not 1 <= len(lang) <= 8:
        raise BadRequest("a language code has 1 to 8 characters")
    async with db.session() as s:
        user = await _by_email(s, email)
        before = _account(user, await _slug(s, user.booth_id))
        new_role = role or user.role
        if new_role != "supplier" and booth_slug is not None:
            raise BadRequest(
                f"--booth applies to supplier accounts only: a {new_role} is not tied to a booth"
            )
        booth_id = None
        if new_role == "supplier":
            booth_id = (await _booth(s, booth_slug)).id if booth_slug is not None else user.booth_id
            if booth_id is None:
                raise BadRequest("a supplier account needs --booth SLUG, the booth it works")
        user.role, user.booth_id = new_role, booth_id
        user.display_name = name or user.display_name
        user.lang = lang or user.lang
        after = _account(user, await _slug(s, booth_id))
        if changes := account_changes(before, after):
            _audit(s, user.id, "account", "boothcast users set: " + ", ".join(changes))
    return before, after


def account_changes(before: Account, after: Account) -> list[str]:
    """What `do_update_account` changed, as the CLI prints it and the audit log keeps it."""
    return [
        f"{what} {old or 'none'} → {new or 'none'}"
        for what, old, new in (
            ("role", before.role, after.role), ("booth", before.booth_slug, after.booth_slug),
            ("name", before.display_name, after.display_name), ("lang", before.lang, after.lang),
        )
        if old != new
    ]  # fmt: skip


async def do_set_password(db: Database, email: str, password: str) -> Account:
    """A new password, which ends the account's sessions: tokens issued before it are refused, and
    open sockets get `session:ended` and are closed within seconds (server/account_watch.py)."""
    check_new_password(password)
    digest = hash_password(password)  # argon2 takes a while: not inside the write transaction
    async with db.session() as s:
        user = await _by_email(s, email)
        user.password_hash = digest
        user.session_gen += 1
        _audit(s, user.id, "password", "boothcast users password: sessions signed in before have ended")
        return _account(user, await _slug(s, user.booth_id))


async def do_disable_account(db: Database, ref: str, reason: str | None) -> tuple[Account, bool]:
    """Ban the account as a moderator's `mod:ban` does (the columns and an audit entry); whether
    it changed. Every node then disconnects its sockets within seconds (`Bans.check_database`)."""
    why = (reason or "").strip() or None
    if why is not None and len(why) > 500:
        raise BadRequest("a reason has at most 500 characters")
    async with db.session() as s:
        user = await _by_ref(s, ref)
        # No acting account: the audit log shows the command instead.
        changed = ban_account(s, user, None, why, "boothcast users disable" + (f": {why}" if why else ""))
        return _account(user, await _slug(s, user.booth_id)), changed


async def do_enable_account(db: Database, ref: str) -> tuple[Account, bool]:
    """Lift the account's ban, whoever set it; whether it changed. Audited as `unban`."""
    async with db.session() as s:
        user = await _by_ref(s, ref)
        changed = unban_account(s, user, None, "boothcast users enable")
        return _account(user, await _slug(s, user.booth_id)), changed


async def _by_ref(s: AsyncSession, ref: str) -> User:
    """An account by e-mail, or by id: a guest has no e-mail (`users list --role buyer` shows ids)."""
    if not ref.isdigit():
        return await _by_email(s, ref)
    user = await s.get(User, int(ref)) if len(ref) <= 18 else None
    if user is None:
        raise NotFound(f"no account has the id {ref}")
    return user


async def _by_email(s: AsyncSession, email: str) -> User:
    user = (await s.execute(select(User).where(User.email == email.lower()))).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no account has the e-mail {email.lower()}")
    return user


async def _booth(s: AsyncSession, slug: str) -> Booth:
    booth = (await s.execute(select(Booth).where(Booth.slug == slug))).scalar_one_or_none()
    if booth is None:
        raise NotFound(f"no booth with slug {slug!r}")
    return booth


async def _slug(s: AsyncSession, booth_id: int | None) -> str | None:
    if booth_id is None:
        return None
    return (await s.execute(select(Booth.slug).where(Booth.id == booth_id))).scalar_one_or_none()
