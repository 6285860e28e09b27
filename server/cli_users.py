"""`boothcast users create`: staff accounts, with input checked before anything is asked or stored.

The password never has to be on the command line, where shell history and `ps` keep it: it is
prompted for (twice) on a terminal, or read from standard input with `--password-stdin`.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from rooms.db import Database
from rooms.languages import UI_LANGUAGES
from rooms.users import do_create_account
from server.preflight import Problem, check_schema
from server.settings import Settings

STAFF_ROLES = ("supplier", "moderator", "admin")
MIN_PASSWORD = 8  # the domain's rule too (rooms/users.py); checked here before the second prompt


def add_users_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    users = subparsers.add_parser("users", help="manage accounts", description="Staff accounts.")
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
    secret = p.add_mutually_exclusive_group()
    secret.add_argument(
        "--password-stdin", action="store_true",
        help="read the password (at least 8 characters) from the first line of standard input",
    )  # fmt: skip
    # Kept for old scripts only: it leaks into shell history and `ps`, so it is not advertised.
    secret.add_argument("--password", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_users_create)


def check_email(raw: str) -> str:
    try:
        # No DNS lookup (the server may be offline); `.test` addresses stay allowed, as in the demo.
        return validate_email(raw, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as err:
        raise Problem(f"--email {raw!r} is not a valid e-mail address: {err}") from err


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
    first = getpass.getpass("Password (at least 8 characters): ")
    if len(first) < MIN_PASSWORD:
        raise Problem(f"the password needs at least {MIN_PASSWORD} characters")
    if getpass.getpass("Password again: ") != first:
        raise Problem("the two passwords do not match; nothing was created")
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
