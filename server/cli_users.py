"""`boothcast users`: create, list and change accounts, reset a password, disable and enable.

Input is checked before anything is asked or stored. The password never has to be on the command
line, where shell history and `ps` keep it: it is prompted for (twice) on a terminal, or read from
standard input with `--password-stdin`.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC
from pathlib import Path
from typing import TypeVar

from email_validator import EmailNotValidError, validate_email

from rooms.auth import MIN_PASSWORD_LENGTH, ROLES, check_new_password
from rooms.db import Database
from rooms.errors import BadRequest
from rooms.languages import UI_LANGUAGES
from rooms.payloads import Json, iso
from rooms.users import (
    Account,
    account_changes,
    do_create_account,
    do_disable_account,
    do_enable_account,
    do_set_password,
    do_update_account,
    find_account,
    list_accounts,
    staffing_gaps,
)
from server.preflight import Problem, check_schema
from server.settings import Settings

STAFF_ROLES = ("supplier", "moderator", "admin")
LIST_LIMIT = 200  # guests can be tens of thousands: a list is capped unless asked for all

T = TypeVar("T")


def add_users_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    users = subparsers.add_parser(
        "users", help="manage accounts",
        description="Staff accounts: create, list, change, reset a password, disable and enable.",
    )  # fmt: skip
    sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    p = sub.add_parser(
        "create",
        help="create a supplier, moderator or admin account",
        description="Create a supplier, moderator or admin account. The password is prompted for "
        "(twice) or read from standard input with --password-stdin.",
    )
    p.add_argument("--email", required=True)
    p.add_argument("--role", required=True, choices=STAFF_ROLES)
    p.add_argument("--booth", metavar="SLUG", help="the booth a supplier works (suppliers only, required)")
    p.add_argument("--name", help="display name (default: the booth's supplier name or the e-mail's user)")
    p.add_argument("--lang", help="the account's language, e.g. zh (default: the booth's, else en)")
    secret = _password_stdin(p)
    # Kept for old scripts only: it leaks into shell history and `ps`, so it is not advertised.
    secret.add_argument("--password", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_users_create)
    _add_admin_commands(sub)


def _password_stdin(p: argparse.ArgumentParser) -> argparse._MutuallyExclusiveGroup:
    secret = p.add_mutually_exclusive_group()
    secret.add_argument(
        "--password-stdin", action="store_true",
        help=f"read the password (at least {MIN_PASSWORD_LENGTH} characters) from the first line of standard input",
    )  # fmt: skip
    return secret


def _limit(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a count (0 or more)")
    return value


def _add_admin_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "list",
        help="list staff accounts (guests on request)",
        description="List accounts, oldest first, one line each: id, e-mail, role, booth, language, "
        "active or disabled, when created (UTC), display name. Staff (supplier, moderator, admin) by "
        "default; guest buyers only with --role buyer or --all.",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--role", choices=ROLES, help="only this role (buyer: guests and former staff)")
    which.add_argument("--all", action="store_true", help="every role, guests included")
    p.add_argument("--booth", metavar="SLUG", help="only the staff of this booth")
    p.add_argument(
        "--limit", type=_limit, default=LIST_LIMIT, metavar="N",
        help=f"at most N accounts (default {LIST_LIMIT}, 0 = all); says how many more there are",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    p.set_defaults(func=cmd_users_list)

    p = sub.add_parser(
        "set",
        help="change an account's role, booth, name or language",
        description="Change an account's role, booth, name or language, with the checks of create: a "
        "supplier needs a booth, and any other role has none (a supplier given another role leaves "
        "its booth). Open pages follow within seconds. Prints what changed.",
    )
    p.add_argument("email", metavar="EMAIL", help="the account's e-mail")
    p.add_argument("--role", choices=ROLES, help="the new role (buyer: no staff access left)")
    p.add_argument("--booth", metavar="SLUG", help="the booth a supplier works")
    p.add_argument("--name", help="the new display name")
    p.add_argument("--lang", help="the account's language, e.g. zh")
    p.set_defaults(func=cmd_users_set)

    p = sub.add_parser(
        "password",
        help="set a new password for an account",
        description="Set a new password for an account that signs in with an e-mail. The password is "
        "prompted for (twice) or read from standard input with --password-stdin. Every session "
        "signed in with the old password ends: open pages go back to the sign-in form within seconds.",
    )
    p.add_argument("email", metavar="EMAIL", help="the account's e-mail")
    _password_stdin(p)
    p.set_defaults(func=cmd_users_password, password=None)

    p = sub.add_parser(
        "disable",
        help="disable an account: it is signed out and cannot sign in",
        description="Disable an account, as a moderator's ban does: within a few seconds its open "
        "pages are disconnected and told it is banned from the fair, and signing in or using an "
        "old sign-in is refused. `users enable` undoes it.",
    )
    p.add_argument("email", metavar="EMAIL|ID", help="the account's e-mail, or its id (a guest has no e-mail)")
    p.add_argument(
        "--reason",
        metavar="TEXT",
        help="why, kept with the account and in the moderation audit log (at most 500 characters)",
    )
    p.set_defaults(func=cmd_users_disable)

    p = sub.add_parser(
        "enable",
        help="enable a disabled (or banned) account again",
        description="Enable a disabled account, or one a moderator banned (a guest too: name it by its "
        "id, which `users list --role buyer` shows): it can sign in again.",
    )
    p.add_argument("email", metavar="EMAIL|ID", help="the account's e-mail, or its id (a guest has no e-mail)")
    p.set_defaults(func=cmd_users_enable)


def check_email(raw: str, option: str = "--email ") -> str:
    try:
        # No DNS lookup (the server may be offline); `.test` addresses stay allowed, as in the demo.
        return validate_email(raw, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as err:
        raise Problem(f"{option}{raw!r} is not a valid e-mail address: {err}") from err


def supported_languages(models_dir: Path) -> set[str]:
    """The interface languages, and any other language an installed or bundled model serves."""
    from translation.packages import archive_code, bundled_archives, list_installed

    codes = {p.code for p in list_installed(models_dir)} if models_dir.is_dir() else set()
    codes |= {archive_code(a) for a in bundled_archives()}
    return {lang for code in codes for lang in code.split("_")} | set(UI_LANGUAGES)


def check_lang(lang: str | None, models_dir: Path) -> None:
    if lang is None:
        return
    langs = supported_languages(models_dir)
    if lang not in langs:
        raise Problem(
            f"--lang {lang!r} is not a language Boothcast speaks ({', '.join(sorted(langs))}): "
            "pick one of those, or install a model for it with `boothcast models install`"
        )


def check_combination(role: str, booth: str | None) -> None:
    if role == "supplier" and not booth:
        raise Problem("a supplier account needs --booth SLUG, the booth it works")
    if role != "supplier" and booth is not None:
        raise Problem(f"--booth applies to supplier accounts only: a {role} is not tied to a booth")


def check_password_source(args: argparse.Namespace) -> None:
    if args.password is None and not args.password_stdin and not sys.stdin.isatty():
        raise Problem("no terminal to ask for the password: pipe it in with --password-stdin")


def read_password(args: argparse.Namespace) -> str:
    if args.password is not None:
        print(
            "boothcast: warning: --password leaks into shell history and `ps`; "
            "use --password-stdin or the prompt",
            file=sys.stderr,
        )
        return str(args.password)
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password.removesuffix("\r")
        if not password:
            raise Problem("--password-stdin read no password: pipe it in, e.g. `… < password-file`")
        return password
    check_password_source(args)
    first = getpass.getpass(f"Password (at least {MIN_PASSWORD_LENGTH} characters): ")
    try:
        check_new_password(first)  # before the second prompt, not after it
    except BadRequest as e:
        raise Problem(str(e)) from None
    if getpass.getpass("Password again: ") != first:
        raise Problem("the two passwords do not match; nothing was stored")
    return first


def cmd_users_create(args: argparse.Namespace, settings: Settings) -> None:
    # Everything that can be checked is checked before the password is asked for.
    email = check_email(args.email)
    check_combination(args.role, args.booth)
    check_lang(args.lang, settings.models_dir)
    check_password_source(args)
    asyncio.run(check_schema(settings.effective_database_url))
    password = read_password(args)

    async def run() -> None:
        db = Database(settings.effective_database_url)
        try:
            user = await do_create_account(
                db, email=email, password=password, role=args.role, booth_slug=args.booth,
                display_name=args.name, lang=args.lang,
            )  # fmt: skip
        finally:
            await db.aclose()
        print(f"created {user.role} {user.email} (id {user.id})")

    asyncio.run(run())


def _on_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """`work` on the database, once its schema is this release's (`boothcast migrate` otherwise)."""

    async def run() -> T:
        await check_schema(settings.effective_database_url)
        db = Database(settings.effective_database_url)
        try:
            return await work(db)
        finally:
            await db.aclose()

    return asyncio.run(run())


def _printable(text: str) -> str:
    # Guests choose their names: control characters must not drive the organiser's terminal.
    return "".join(c if c.isprintable() else "\ufffd" for c in text)


def _account_json(a: Account) -> Json:
    return {
        "id": a.id, "email": a.email, "display_name": a.display_name, "role": a.role, "booth": a.booth_slug,
        "lang": a.lang, "disabled": a.disabled_at is not None, "disabled_at": iso(a.disabled_at),
        "disabled_reason": a.disabled_reason, "created_at": iso(a.created_at),
    }  # fmt: skip


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> None:
    roles = ROLES if args.all else (args.role,) if args.role else STAFF_ROLES
    accounts, total = _on_db(
        settings, lambda db: list_accounts(db, roles=roles, booth_slug=args.booth, limit=args.limit or None)
    )
    if args.json:
        print(json.dumps([_account_json(a) for a in accounts], ensure_ascii=False, indent=2))
    elif accounts:
        rows = [("ID", "EMAIL", "ROLE", "BOOTH", "LANG", "STATUS", "CREATED (UTC)", "NAME")]
        rows += [
            (str(a.id), _printable(a.email or "-"), a.role, a.booth_slug or "-", a.lang,
             "disabled" if a.disabled_at else "active", a.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
             _printable(a.display_name))
            for a in accounts
        ]  # fmt: skip
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
        for r in rows:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1], sep="  ")
    # On stderr, so the JSON or the table stays whole for a pipe.
    if total > len(accounts):
        print(f"... and {total - len(accounts)} more: raise --limit (0 = all) or narrow with --role or --booth",
              file=sys.stderr)  # fmt: skip
    elif not accounts:
        print("no accounts match", file=sys.stderr)


def cmd_users_set(args: argparse.Namespace, settings: Settings) -> None:
    email = check_email(args.email, "")
    if args.role is None and args.booth is None and args.name is None and args.lang is None:
        raise Problem("nothing to change: give --role, --booth, --name or --lang")
    check_lang(args.lang, settings.models_dir)

    async def change(db: Database) -> tuple[Account, Account]:
        if args.role is not None or args.booth is not None:
            now = await find_account(db, email)
            role = args.role or now.role
            # A supplier given no --booth keeps its own; any other role is left with none.
            booth = args.booth if args.booth is not None else now.booth_slug if role == "supplier" else None
            check_combination(role, booth)
        return await do_update_account(
            db, email, role=args.role, booth_slug=args.booth, display_name=args.name, lang=args.lang
        )

    before, after = _on_db(settings, change)
    changes = [_printable(change) for change in account_changes(before, after)]
    who = f"{before.role} {after.email} (id {after.id})"
    print(f"{who}: {', '.join(changes)}" if changes else f"{who}: nothing changed")
    _say_gaps(settings, before)


def _say_gaps(settings: Settings, before: Account) -> None:
    for gap in _on_db(settings, lambda db: staffing_gaps(db, before)):
        print(f"note: {gap}", file=sys.stderr)


def cmd_users_password(args: argparse.Namespace, settings: Settings) -> None:
    email = check_email(args.email, "")
    check_password_source(args)
    _on_db(settings, lambda db: find_account(db, email))  # an unknown e-mail is said before the prompt
    password = read_password(args)
    account = _on_db(settings, lambda db: do_set_password(db, email, password))
    print(f"new password set for {account.role} {account.email} (id {account.id}); its sessions signed in before have ended")


def _account_ref(raw: str) -> str:
    """An e-mail, or an account id (all digits): guests, whom moderators ban, have no e-mail."""
    return raw if raw.isdigit() else check_email(raw, "")


def cmd_users_disable(args: argparse.Namespace, settings: Settings) -> None:
    ref = _account_ref(args.email)
    account, changed = _on_db(settings, lambda db: do_disable_account(db, ref, args.reason))
    who = f"{account.role} {account.email or _printable(account.display_name)} (id {account.id})"
    if not changed:
        print(f"{who} was disabled already, on {iso(account.disabled_at)}")
        return
    print(f"disabled {who}: its open pages are disconnected within a few seconds, and it cannot sign in")
    _say_gaps(settings, account)


def cmd_users_enable(args: argparse.Namespace, settings: Settings) -> None:
    ref = _account_ref(args.email)
    account, changed = _on_db(settings, lambda db: do_enable_account(db, ref))
    who = f"{account.role} {account.email or _printable(account.display_name)} (id {account.id})"
    print(f"enabled {who}: it can sign in again" if changed else f"{who} is not disabled")
