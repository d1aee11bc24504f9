"""`clientbook`: serve, migrate, and the admin commands (each prints one JSON object)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from clientbook import admin, csv_io, ids
from clientbook.config import Settings
from clientbook.store import migrate
from clientbook.store.database import DirectStore, Transaction, open_store

T = TypeVar("T")
Command = Callable[[Transaction, argparse.Namespace, Settings], Awaitable[dict[str, Any]]]
# How long a stopping worker may take to finish its requests before it is killed.
GRACEFUL_SECONDS = 30


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `clientbook` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    overrides = {"database_url": args.database_url} if args.database_url else {}
    settings = Settings(**overrides)
    if args.command == "serve":
        return _serve(args, settings)
    migrate.upgrade(settings.database_url)
    if args.command == "migrate":
        _print({"migrated": True})
        return 0
    if hasattr(args, "runner"):  # commands that own their transactions and output
        code: int = args.runner(args, settings)
        return code
    command: Command = args.handler
    try:
        result = asyncio.run(
            _with_store(settings, lambda store: _admin(store, command, args, settings))
        )
    except admin.AdminError as error:
        print(json.dumps({"error": str(error)}), file=sys.stderr)
        return 1
    _print(result)
    return 0


async def _admin(
    store: DirectStore, command: Command, args: argparse.Namespace, settings: Settings
) -> dict[str, Any]:
    """An admin command in one write unit: committed when it returns, rolled back if the
    command refuses (AdminError)."""
    async with store.writing() as tx:
        return await command(tx, args, settings)


def _print(result: dict[str, Any]) -> None:
    print(json.dumps(result))


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from granian.constants import Interfaces
    from granian.server import Server

    from clientbook.api import access_log

    migrate.upgrade(settings.database_url)
    # Worker processes build their own Settings from the environment.
    os.environ["CLIENTBOOK_DATABASE_URL"] = settings.database_url
    # granian (docs/performance.md measured it against uvicorn): on SIGTERM/SIGINT it
    # stops accepting, lets the requests in flight finish (a worker gets
    # GRACEFUL_SECONDS), and `serve` returns: the process exits 0.
    Server(
        "clientbook.app:create_app_from_env",
        factory=True,
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,
        workers=args.workers,
        # Our access log replaces granian's: one JSON line per request on stdout
        # (api/access_log.py); the server's own messages go to stderr.
        log_access=False,
        log_dictconfig=access_log.serve_log_config(),
        workers_kill_timeout=GRACEFUL_SECONDS,
    ).serve()
    return 0


def _parser() -> argparse.ArgumentParser:
    db_help = "sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a value given after the subcommand must not be reset by the subparser.
    common.add_argument("--database-url", default=argparse.SUPPRESS, help=db_help)
    parser = argparse.ArgumentParser(prog="clientbook", parents=[common])
    parser.set_defaults(database_url=None)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", parents=[common], help="migrate, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1)
    sub.add_parser("migrate", parents=[common], help="bring the database schema up to date")

    def action(group: Any, name: str, handler: Command, help_text: str) -> Any:
        command = group.add_parser(name, parents=[common], help=help_text)
        command.set_defaults(handler=handler)
        return command

    directory = sub.add_parser("directory", help="directories").add_subparsers(required=True)
    action(directory, "create", _directory_create, "create a directory").add_argument(
        "--name", required=True
    )
    business = sub.add_parser("business", help="businesses").add_subparsers(required=True)
    create = action(business, "create", _business_create, "create a business")
    create.add_argument("--directory", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--country", default="US")
    create.add_argument("--no-opt-in", action="store_true", help="turn opt_in_enabled off")
    for kind in ("staff", "app"):
        group = sub.add_parser(kind, help=f"{kind} of a business").add_subparsers(required=True)
        member = action(group, "create", _member_create(kind), f"create a {kind} and its token")
        member.add_argument("--business", required=True)
        member.add_argument("--name", required=True)
    staff = sub.choices["staff"]._subparsers._group_actions[0]  # type: ignore[union-attr]
    delete = action(staff, "delete", _staff_delete, "remove a staff member (revokes their tokens)")
    delete.add_argument("--business", required=True)
    delete.add_argument("uid")
    _clients_parser(sub, common)
    token = sub.add_parser("token", help="tokens").add_subparsers(required=True)
    action(token, "revoke", _token_revoke, "revoke a token").add_argument("token")
    action(sub, "demo", _demo, "create the demo records if absent and print them")
    return parser


def _clients_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("clients", help="clients: CSV import and export").add_subparsers(
        required=True
    )
    load = group.add_parser(
        "import", parents=[common], help="import a CSV file (header: POST field names)"
    )
    load.add_argument("file", type=Path)
    load.add_argument("--business", required=True)
    load.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
    load.set_defaults(runner=_clients_import)
    dump = group.add_parser("export", parents=[common], help="print live clients as CSV")
    dump.add_argument("--business", required=True)
    dump.set_defaults(runner=_clients_export)


def _clients_import(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when every row was imported or a duplicate, 2 when some were rejected."""
    try:
        report = asyncio.run(
            _with_store(
                settings,
                lambda store: csv_io.import_clients(
                    store,
                    business_uid=args.business,
                    path=args.file,
                    dry_run=args.dry_run,
                    progress=sys.stderr,
                ),
            )
        )
    except csv_io.TransferError as error:
        print(json.dumps({"error": str(error)}), file=sys.stderr)
        return 1
    _print(report.as_json())
    return 2 if report.rejected else 0


def _clients_export(args: argparse.Namespace, settings: Settings) -> int:
    try:
        asyncio.run(
            _with_store(
                settings,
                lambda store: csv_io.export_clients(
                    store, business_uid=args.business, out=sys.stdout
                ),
            )
        )
    except csv_io.TransferError as error:
        print(json.dumps({"error": str(error)}), file=sys.stderr)
        return 1
    return 0


async def _with_store(
    settings: Settings, work: Callable[[DirectStore], Coroutine[Any, Any, T]]
) -> T:
    """`work(store)` on a store opened for it (the command owns its units), closed after."""
    store = open_store(settings.database_url, pool_size=1)
    await store.start()
    try:
        return await work(store)
    finally:
        await store.close()


async def _directory_create(
    tx: Transaction, args: argparse.Namespace, s: Settings
) -> dict[str, Any]:
    return await admin.create_directory(tx, name=args.name, settings=s, now=ids.utcnow())


async def _business_create(
    tx: Transaction, args: argparse.Namespace, s: Settings
) -> dict[str, Any]:
    return await admin.create_business(
        tx,
        directory_uid=args.directory,
        name=args.name,
        country=args.country,
        opt_in_enabled=not args.no_opt_in,
        now=ids.utcnow(),
    )


def _member_create(kind: str) -> Command:
    async def handler(tx: Transaction, args: argparse.Namespace, s: Settings) -> dict[str, Any]:
        return await admin.create_member(
            tx,
            kind=kind,
            business_uid=args.business,
            name=args.name,
            settings=s,
            now=ids.utcnow(),
        )

    return handler


async def _staff_delete(tx: Transaction, args: argparse.Namespace, s: Settings) -> dict[str, Any]:
    return await admin.delete_staff(
        tx, business_uid=args.business, staff_uid=args.uid, now=ids.utcnow()
    )


async def _token_revoke(tx: Transaction, args: argparse.Namespace, s: Settings) -> dict[str, Any]:
    return await admin.revoke_token(tx, token=args.token, settings=s, now=ids.utcnow())


async def _demo(tx: Transaction, args: argparse.Namespace, s: Settings) -> dict[str, Any]:
    return await admin.demo(tx, settings=s, now=ids.utcnow())


if __name__ == "__main__":
    raise SystemExit(main())
