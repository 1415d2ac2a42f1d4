"""``party-engine serve``: every app under its prefix, or one app at the root.

Every option of ``serve`` has an environment variable (``PARTY_ENGINE_HOST``,
``PARTY_ENGINE_PORT``, ``PARTY_ENGINE_STORE``, ``PARTY_ENGINE_APPS`` as a comma-separated list,
``PARTY_ENGINE_THROUGH_QUART``, ``PARTY_ENGINE_DEV``, ``PARTY_ENGINE_CLUSTER``); the flag
wins. ``--help`` lists them with their defaults and the apps shipped.

Failing to start (a setting that cannot be used, a store that cannot be opened, a port that
cannot be listened on, an app that cannot be found) prints one line naming the cause to
standard error and exits with status 1 (2 for a command line argparse refuses); a traceback is
kept for bugs. Once serving, the process says so on standard output (``party-engine serving
... on http://HOST:PORT``) and logs to standard error (``engine.logs``).

Subcommands are subparsers of `build_parser`, each with a function run by `main`: ``serve``
and ``loadtest`` (``engine.loadtest``).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn

import attrs
import trio

from engine.collector import collect_young, freeze_survivors
from engine.loadtest import command as loadtest
from engine.logs import FORMATS, configure_logging, parse_level
from engine.settings import (
    DEV_VARIABLE,
    SettingsError,
    environment_variables,
    read_settings,
    setting,
)
from engine.store import StoreError, open_store, prompt_handoffs
from engine.web import AppSpec, open_engine

#: The systems this distribution ships, by name -> module exposing ``app: AppSpec``.
APPS: Mapping[str, str] = {
    "lanrage": "engine.apps.lanrage.app",
    "liaptui": "engine.apps.liaptui.app",
    "p2p": "engine.apps.p2p.app",
    "quipflip": "engine.apps.quipflip.app",
    "watchparty": "engine.apps.watchparty.app",
}

log = logging.getLogger("engine.cli")


class StartupFailed(Exception):
    """Serving could not start; the message names the cause, on one line."""


def _apps(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


@attrs.frozen
class ServeSettings:
    """The defaults of ``serve``'s flags, from ``PARTY_ENGINE_*``."""

    host: str = setting("127.0.0.1", help="address to listen on")
    port: int = setting(8000, min=0, max=65535, help="port to listen on (0: any free port)")
    store: str = setting(
        "sqlite:///party-engine.db",
        help="where durable state lives: memory://, sqlite:///path or postgresql://...",
    )
    apps: tuple[str, ...] = setting(
        (),
        parse=_apps,
        help="apps to serve, comma-separated: shipped names or package.module:attribute",
    )
    through_quart: bool = setting(
        False,
        help="serve every HTTP request through Quart-Trio (for its middleware), not the "
        "declared routes on the engine's own HTTP/1.1 path",
    )
    dev: bool = setting(False, help="development mode: rate limits relaxed, said in the log")
    cluster: str = setting(
        "", help="be one node of the cluster sharing this Redis (redis://HOST:PORT) and --store"
    )


def _log_format(text: str) -> str:
    lowered = text.lower()
    if lowered not in FORMATS:
        raise ValueError(f"one of {', '.join(FORMATS)}")
    return lowered


@attrs.frozen
class LogSettings:
    """The log's level (any case) and format, from ``PARTY_ENGINE_LOG`` and ``_LOG_FORMAT``."""

    log: int = setting(logging.INFO, parse=parse_level, help="log level: debug, info, ...")
    log_format: str = setting("text", parse=_log_format, help="text, or json (a line each)")


def package_version() -> str:
    try:
        return version("party-engine")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def available_apps() -> dict[str, AppSpec]:
    """Every shipped app whose module is installed (each exposes ``app``)."""
    found = {}
    for name, module in APPS.items():
        try:
            found[name] = importlib.import_module(module).app
        except ModuleNotFoundError as exc:
            if exc.name is None or not module.startswith(exc.name):
                raise
    return found


def load_app(target: str) -> AppSpec:
    """The app ``target`` names: ``package.module:attribute`` (an `AppSpec`, or a function
    returning one). Raises `StartupFailed` saying what is wrong with it."""
    module_name, colon, attribute = target.partition(":")
    if not colon or not module_name or not attribute:
        raise StartupFailed(f"--app {target}: expected a shipped app or package.module:attribute")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise StartupFailed(f"--app {target}: no module named {exc.name!r}") from None
    except Exception as exc:
        raise StartupFailed(f"--app {target}: importing {module_name} failed: {exc!r}") from None
    found: Any = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise StartupFailed(f"--app {target}: {module_name} has no {attribute!r}") from None
    if callable(found) and not isinstance(found, AppSpec):
        found = found()
    if not isinstance(found, AppSpec):
        raise StartupFailed(f"--app {target}: {type(found).__name__} is not an AppSpec")
    return found


def resolve_apps(names: Sequence[str]) -> list[AppSpec]:
    """The apps ``names`` ask for (every shipped app when empty); `StartupFailed` for a name
    that is neither shipped nor an importable target."""
    shipped = available_apps()
    if not names:
        return list(shipped.values())
    apps = []
    for name in names:
        if name in shipped:
            apps.append(shipped[name])
        elif ":" in name:
            apps.append(load_app(name))
        else:
            raise StartupFailed(
                f"unknown app {name!r}: the apps are {', '.join(shipped)}, "
                "or give package.module:attribute"
            )
    return apps


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    """The command line: ``--version`` and one subparser per command (``serve``,
    ``loadtest``), ``serve``'s option defaults from their ``PARTY_ENGINE_*`` variables. Raises
    `SettingsError` for a variable that cannot be used."""
    parser = argparse.ArgumentParser(
        prog="party-engine",
        description="An actor-model realtime party and session engine on Trio.",
    )
    parser.add_argument("--version", action="version", version=f"party-engine {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_serve(commands, environ)
    loadtest.add_parser(commands)
    commands.choices["loadtest"].set_defaults(run=loadtest_command)
    return parser


def _add_serve(commands: Any, environ: Mapping[str, str]) -> None:
    defaults = read_settings(ServeSettings, environ, app=None)
    variables = environment_variables(ServeSettings, None)

    def described(field: str, shown: object) -> str:
        variable = f"PARTY_ENGINE_{field.upper()}"
        return f"{variables[variable]} (default: {shown}; environment: {variable})"

    serve = commands.add_parser(
        "serve",
        help="serve the apps over HTTP and WebSocket",
        description="Serve the apps over HTTP and WebSocket on one port until SIGINT or "
        "SIGTERM. One app is served at the root, several under /<name>.",
        epilog=f"apps shipped: {', '.join(APPS)}. Logs go to standard error: PARTY_ENGINE_LOG "
        "sets the level (debug, info, warning, error or critical, in any case; default: info), "
        "PARTY_ENGINE_LOG_FORMAT the format (text, or json: an object a line; default: text).",
    )
    serve.add_argument(
        "--app",
        action="append",
        dest="apps",
        default=None,
        metavar="NAME",
        help=f"serve this app (repeat for several): one of {', '.join(APPS)}, or "
        "package.module:attribute naming an AppSpec of your own "
        f"(default: every shipped app; environment: PARTY_ENGINE_APPS, comma-separated)",
    )
    serve.add_argument("--host", default=defaults.host, help=described("host", defaults.host))
    serve.add_argument(
        "--port", type=int, default=defaults.port, help=described("port", defaults.port)
    )
    serve.add_argument("--store", default=defaults.store, help=described("store", defaults.store))
    serve.add_argument(
        "--through-quart",
        action="store_true",
        default=defaults.through_quart,
        help=described("through_quart", "off"),
    )
    serve.add_argument(
        "--dev", action="store_true", default=defaults.dev, help=described("dev", "off")
    )
    serve.add_argument(
        "--cluster",
        default=defaults.cluster or None,
        metavar="redis://HOST:PORT",
        help=described("cluster", "none: a single node"),
    )
    serve.set_defaults(run=serve_command, apps_default=list(defaults.apps))


def parse_args(argv: Sequence[str], environ: Mapping[str, str]) -> argparse.Namespace:
    """The parsed command line; a variable that cannot be used exits (status 2) naming it."""
    try:
        parser = build_parser(environ)
    except SettingsError as exc:
        _fail(str(exc), status=2)
    args = parser.parse_args(argv)
    if getattr(args, "apps", ()) is None:
        args.apps = args.apps_default
    return args


def serve_command(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    """``serve``: until SIGINT or SIGTERM; `StartupFailed` if it cannot start."""
    if args.dev:
        # Read by everything from the engine's environ, as if the variable had been set.
        environ = {**environ, DEV_VARIABLE: "1"}
    trio.run(serve, args, environ)


def loadtest_command(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    """``loadtest``: simulated players against a running server (``engine.loadtest``)."""
    loadtest.main(args)


async def serve(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    apps = resolve_apps(args.apps)
    prefixed = len(apps) != 1
    await _check_store(args.store)
    if args.cluster is not None:
        await _check_cluster(args.cluster)

    async def until_signal() -> None:
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for signum in signals:
                log.info("received %s, shutting down", signal.Signals(signum).name)
                return

    async def serving(task_status: trio.TaskStatus[int]) -> None:
        await engine.serve(
            args.host,
            args.port,
            prefixed=prefixed,
            through_quart=args.through_quart,
            shutdown_trigger=until_signal,
            task_status=task_status,
        )
        nursery.cancel_scope.cancel()  # the collector's task (below) ends with the server

    async with (
        open_engine(apps, store=args.store, environ=environ, cluster=args.cluster) as engine,
        contextlib.AsyncExitStack() as collector,
        trio.open_nursery() as nursery,
    ):
        try:
            port = await nursery.start(serving)
        except OSError as exc:
            raise StartupFailed(_listen_failure(args.host, args.port, exc)) from None
        # What is alive now (modules, routes, apps' actors) lives as long as the process, and
        # so do connections, mostly: out of the collector's sight (engine.collector). Measured
        # under bench/rest.py: one full collection 240 ms (every connection stalled), 16 ms
        # after gc.freeze(); POST /items p99 224 -> 64 ms.
        collector.enter_context(freeze_survivors())
        nursery.start_soon(collect_young)
        # The store's writer thread gets the GIL back promptly (engine.store._writer_thread).
        collector.enter_context(prompt_handoffs())
        where = ", ".join(f"/{a.name}" for a in apps) if prefixed else f"{apps[0].name} at /"
        print(f"party-engine serving {where or 'no apps'} on http://{args.host}:{port}", flush=True)


async def _check_store(url: str) -> None:
    """Open and close the store once, so that a bad URL or an unreachable database is named
    as the store's fault before anything else starts."""
    try:
        async with open_store(url):
            pass
    except (ValueError, StoreError) as exc:
        cause = exc.__cause__
        reason = f"{exc}: {cause}" if cause is not None and str(cause) not in str(exc) else exc
        raise StartupFailed(f"cannot open the store {url}: {_one_line(str(reason))}") from None


async def _check_cluster(url: str) -> None:
    """Reach the cluster's Redis once, so that a bad URL or an unreachable server is named as
    the cluster's fault before anything else starts."""
    # Imported here: a single node never loads the Redis client.
    from engine.cluster import ClusterUnreachable, check_cluster

    try:
        await check_cluster(url)
    except ClusterUnreachable as exc:
        raise StartupFailed(f"cannot join the cluster: {_one_line(str(exc))}") from None


def _listen_failure(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"cannot listen on {host}:{port}: the address is already in use"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _sole_cause(exc: BaseException) -> BaseException:
    """``exc``, or the one exception inside (nested) groups of exactly one."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def _fail(message: str, *, status: int = 1) -> NoReturn:
    print(f"party-engine: {_one_line(message)}", file=sys.stderr, flush=True)
    raise SystemExit(status)


def main(argv: Sequence[str] | None = None) -> None:
    environ = os.environ
    args = parse_args(sys.argv[1:] if argv is None else argv, environ)
    try:
        logging_settings = read_settings(LogSettings, environ, app=None)
    except SettingsError as exc:
        _fail(str(exc))
    configure_logging(logging_settings.log, logging_settings.log_format)
    run: Callable[[argparse.Namespace, Mapping[str, str]], None] = args.run
    try:
        run(args, environ)
    except BaseException as exc:
        cause = _sole_cause(exc)
        if isinstance(cause, (StartupFailed, SettingsError)):
            _fail(str(cause))
        if isinstance(cause, KeyboardInterrupt):  # before the signal handler was installed
            raise SystemExit(130) from None
        raise
