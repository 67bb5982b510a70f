"""Run the fake Clockify server standalone (e.g. for Meltano or manual runs).

Prints one JSON line with the URLs and key, then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
import threading

from .data import DatasetSpec, build_dataset, parse_iso
from .server import FakeClockify


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_clockify", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay added to every response"
    )
    parser.add_argument("--no-last-page", action="store_true", help="omit the Last-Page header")
    parser.add_argument(
        "--fail-rate", type=float, default=0.0, help="fraction of requests answered 5xx"
    )
    parser.add_argument(
        "--deletion-lag", type=float, default=0.0, help="seconds before deletions show"
    )
    parser.add_argument(
        "--feed-shape",
        choices=("wrapped", "flat", "bare"),
        default="wrapped",
        help="item shape of the change feed (see FakeClockify.feed_shape)",
    )
    # One flag per DatasetSpec knob, so the CLI never falls behind the spec.
    for spec_field in dataclasses.fields(DatasetSpec):
        flag = "--" + spec_field.name.replace("_", "-")
        if spec_field.name == "anchor":
            parser.add_argument(
                flag, type=parse_iso, default=None, help="ISO time, e.g. 2026-01-15T12:00:00Z"
            )
        else:
            parser.add_argument(flag, type=int, default=spec_field.default)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Build the dataset, start the server and block until a termination signal."""
    args = _parser().parse_args(argv)
    spec = DatasetSpec(**{f.name: getattr(args, f.name) for f in dataclasses.fields(DatasetSpec)})
    server = FakeClockify(
        build_dataset(spec),
        api_key=args.api_key,
        last_page_header=not args.no_last_page,
        latency=args.latency_ms / 1000,
        deletion_lag=args.deletion_lag,
        host=args.host,
        port=args.port,
    )
    server.feed_shape = args.feed_shape
    if args.fail_rate:
        server.fail_rate(args.fail_rate)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    with server:
        info = {
            "base_url": server.base_url,
            "api_url": server.api_url,
            "reports_url": server.reports_url,
            "api_key": args.api_key,
        }
        print(json.dumps(info), flush=True)
        while not stopped.wait(0.5):
            pass
    sys.stdout.flush()


if __name__ == "__main__":
    main()
