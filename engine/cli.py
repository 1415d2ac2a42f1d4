"""``party-engine serve``: every app under its prefix, or one app at the root.

Every option has an environment variable (``PARTY_ENGINE_HOST``, ``PARTY_ENGINE_PORT``,
``PARTY_ENGINE_STORE``, ``PARTY_ENGINE_APPS`` as a comma-separated list,
``PARTY_ENGINE_CLUSTER``); the flag wins.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence

import attrs
import trio

from engine.loadtest import command as loadtest
from engine.settings import SettingsError, read_settings, setting
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


@attrs.frozen
class ServeSettings:
    """The defaults of ``serve``'s flags, from ``PARTY_ENGINE_HOST``, ``_PORT``, ``_STORE``,
    ``_APPS``, ``_THROUGH_QUART`` and ``_CLUSTER``."""

    host: str = "127.0.0.1"
    port: int = setting(8000, min=0, max=65535)
    store: str = "sqlite:///party-engine.db"
    apps: tuple[str, ...] = ()
    through_quart: bool = False
    cluster: str = ""


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


def parse_args(argv: Sequence[str], environ: Mapping[str, str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="party-engine", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the apps over HTTP and WebSocket")
    try:
        defaults = read_settings(ServeSettings, environ, app=None)
    except SettingsError as exc:
        parser.error(str(exc))
    serve.add_argument(
        "--app",
        action="append",
        dest="apps",
        default=None,
        help="serve only this app, at the root (repeat for several, under prefixes)",
    )
    serve.add_argument("--host", default=defaults.host)
    serve.add_argument("--port", type=int, default=defaults.port)
    serve.add_argument(
        "--store", default=defaults.store, help="memory://, sqlite:///path or postgresql://..."
    )
    serve.add_argument(
        "--through-quart",
        action="store_true",
        default=defaults.through_quart,
        help="serve every HTTP request through Quart-Trio (for its middleware), "
        "not the declared routes on the engine's own HTTP/1.1 path",
    )
    serve.add_argument(
        "--cluster",
        default=defaults.cluster or None,
        metavar="redis://HOST:PORT",
        help="be one node of the cluster sharing this Redis and the same --store",
    )
    loadtest.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "serve" and args.apps is None:
        args.apps = list(defaults.apps)
    return args


async def serve(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    shipped = available_apps()
    unknown = [name for name in args.apps if name not in shipped]
    if unknown:
        raise SystemExit(f"unknown app(s): {', '.join(unknown)}; available: {', '.join(shipped)}")
    apps = [shipped[name] for name in args.apps] if args.apps else list(shipped.values())
    prefixed = not (args.apps and len(args.apps) == 1)

    async def until_signal() -> None:
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for signum in signals:
                log.info("received %s, shutting down", signal.Signals(signum).name)
                return

    async with open_engine(apps, store=args.store, environ=environ, cluster=args.cluster) as engine:
        async with trio.open_nursery() as nursery:
            port = await nursery.start(
                lambda task_status: engine.serve(
                    args.host,
                    args.port,
                    prefixed=prefixed,
                    through_quart=args.through_quart,
                    shutdown_trigger=until_signal,
                    task_status=task_status,
                )
            )
            # What is alive now (modules, routes, apps' actors) lives as long as the process: out
            # of the collector's sight, a full collection walks only what requests left behind.
            # Measured under bench/rest.py: one full collection 240 ms (every connection
            # stalled), 16 ms after gc.freeze(); POST /items p99 224 -> 64 ms.
            gc.freeze()
            where = ", ".join(f"/{a.name}" for a in apps) if prefixed else f"{apps[0].name} at /"
            print(
                f"party-engine serving {where or 'no apps'} on http://{args.host}:{port}",
                flush=True,
            )


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(
        level=os.environ.get("PARTY_ENGINE_LOG", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    environ = os.environ
    args = parse_args(sys.argv[1:] if argv is None else argv, environ)
    if args.command == "serve":
        trio.run(serve, args, environ)
    elif args.command == "loadtest":
        loadtest.main(args)
