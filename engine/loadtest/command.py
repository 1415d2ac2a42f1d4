"""``party-engine loadtest``: its arguments, the run they describe, and what it prints.

Importing this module is cheap (the command line imports it for every command); the display
and the charts, which need the ``loadtest`` extra (rich, matplotlib), are imported when a load
test runs.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import attrs
import trio

from .report import Report, compare
from .scenario import Plan, load_scenario
from .scenarios import SCENARIOS
from .target import check_target

__all__ = ["add_parser", "main"]

DEFAULT_REPORT_DIRECTORY = "loadtest-reports"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``loadtest`` to ``commands`` (the ``add_subparsers`` of ``party-engine``)."""
    parser = commands.add_parser(
        "loadtest",
        help="simulate players against a server, live, and report what they saw",
        description="Simulated players play SCENARIO against the server at --url for "
        "--duration seconds, with a live view; then a report (JSON, PNG, HTML) is written.",
    )
    names = ", ".join(SCENARIOS)
    parser.add_argument("scenario", help=f"{names}, or your own as package.module:attribute")
    parser.add_argument("--url", required=True, help="the app's base URL (with its prefix)")
    parser.add_argument("--players", type=int, required=True, metavar="N", help="simulated players")
    parser.add_argument(
        "--duration", type=float, required=True, metavar="S", help="seconds the run lasts"
    )
    parser.add_argument(
        "--ramp", type=float, default=0.0, metavar="S", help="seconds over which they arrive"
    )
    parser.add_argument(
        "--rate", type=float, default=1.0, metavar="R", help="each player's actions a second"
    )
    parser.add_argument(
        "--workers", type=int, default=1, metavar="W", help="processes to spread players over"
    )
    parser.add_argument(
        "--group-size", type=int, metavar="G", help="players per group (the scenario's own)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="N", help="seed of the players' choices"
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a target that is not this machine"
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        default=Path(DEFAULT_REPORT_DIRECTORY),
        help=f"directory of the report files (default: {DEFAULT_REPORT_DIRECTORY})",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="previous.json",
        help="an earlier run's JSON report to compare",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def _plan(args: argparse.Namespace) -> Plan:
    try:
        check_target(args.url, allow_remote=args.allow_remote)
        load_scenario(args.scenario)
        return Plan(
            scenario=args.scenario,
            url=args.url,
            players=args.players,
            duration=args.duration,
            ramp=args.ramp,
            rate=args.rate,
            workers=args.workers,
            group_size=args.group_size,
            seed=args.seed,
        )
    except (ValueError, LookupError) as exc:
        raise SystemExit(f"party-engine loadtest: {exc}") from None


def _earlier(path: Path | None) -> Report | None:
    if path is None:
        return None
    try:
        return Report.from_json(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"party-engine loadtest: cannot read {path} as a report: {exc}") from None


def _print_summary(report: Report) -> None:
    summary = report.summary()
    print(
        f"{summary['scenario']}: {summary['actions']} actions in {summary['seconds']:g} s "
        f"({summary['actions_per_second']:.1f}/s), {summary['errors']} errors, "
        f"at most {summary['peak_players']} players and {summary['peak_connections']} connections"
    )
    print(f"{'action':<16}{'count':>9}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, f in report.actions.items():
        figures = "".join(f"{v:>10.2f}" for v in (f.p50_ms, f.p90_ms, f.p99_ms, f.max_ms))
        print(f"{name:<16}{f.count:>9}{figures}")
    for kind, count in report.errors.most_common():
        print(f"error {kind}: {count}")
    for event, count in sorted(report.counts.items()):
        print(f"{event}: {count}")
    generator = report.generator
    print(
        f"generator: {generator['processes']} process(es), "
        f"{generator['mean_core_share']:.0%} of a core each on average, "
        f"{generator['peak_core_share']:.0%} at most"
        + (" (busy: add --workers)" if report.generator_busy else "")
    )


def main(args: argparse.Namespace) -> None:
    """Run the load test ``args`` describe (as parsed by the parser `add_parser` made)."""
    plan = _plan(args)
    earlier = _earlier(args.compare)
    try:
        from .charts import write_report
        from .display import show_progress
    except ImportError as exc:
        raise SystemExit(
            f"party-engine loadtest needs the loadtest extra ({exc.name} is missing): "
            "pip install 'party-engine[loadtest]'"
        ) from None
    from .limits import raise_open_file_limit
    from .run import run_load

    raise_open_file_limit()
    # One line per request at INFO would bury the live view: the report counts them.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    report = trio.run(lambda: run_load(plan, watch=show_progress))
    files = [str(path) for path in attrs.astuple(write_report(report, args.report))]
    differences = compare(earlier, report) if earlier is not None else None
    if args.json:
        print(json.dumps({**report.summary(), "files": files, "compared": differences}))
        return
    _print_summary(report)
    print("report:", *files)
    if differences is not None:
        print(f"compared with {args.compare}:")
        for line in differences:
            print(f"  {line}")
