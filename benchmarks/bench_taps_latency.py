"""Benchmark of taps bound by latency: records per second with one request in flight
(the baseline) and with several, on a sample API that waits before every answer.

The sample servers (``tap_gitlab.sample.server``, ``tap_checkly.sample.server``, on the
tap kit's fake API) run in this process and wait ``--delay`` seconds before each answer
(as an API across the internet does), answering requests in parallel. Each tap runs as
its own process, its output read back to count the records; peak RSS is the tap's.

- ``tap-gitlab``: ``--projects`` projects of ``--pipelines`` pipelines (a third as many
  merge requests and issues, four members), the streams read per project (``projects``,
  ``pipelines``, ``merge_requests``, ``issues``, ``members``), with ``--jobs`` also the
  pipelines' ``jobs`` and ``bridges`` (a request each a pipeline). With ``--delivery``,
  a second run reads the delivery streams (``commits``, ``deployments``,
  ``environments``, ``releases``, ``tags``, ``branches``, ``milestones``, ``labels``) of
  ``--projects`` projects of ``--commits`` commits each (the other counts follow it).
- ``tap-checkly``: ``--checks`` API checks of ``--runs`` results each (``checks`` and
  ``check_results``, a request per 100 results of a check). Checkly allows 60 requests a
  minute on ``/v2/check-results`` (the tap keeps to 50): under that limit no number of
  requests in flight reads more than 50 pages a minute, so the run is paced under
  ``--results-limit`` (requests/seconds, for the server and the tap alike; an account
  with a higher limit), and ``--published-limit`` adds a run under Checkly's own (its
  runs a window apart, as the server counts the account's requests across runs).

Each tap runs with ``max_concurrent_requests`` 1 (the baseline) and then each of
``--concurrency``, on the same server, and the outputs (records and final state) are
compared: a line says whether they are the same. The floor beside each line is the
latency alone: requests x delay / requests in flight.

Usage: python benchmarks/bench_taps_latency.py [--delay 0.05] [--projects 40]
       [--pipelines 150] [--jobs] [--delivery] [--commits 150] [--checks 40] [--runs 250]
       [--concurrency 4,8]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.peak_memory import high_water_mb  # noqa: E402
from observes_singer.tapkit.fake_api.server import FakeAPI  # noqa: E402
from observes_singer.tapkit.testing import discover, select_streams, untimed  # noqa: E402

GITLAB_STREAMS = ["projects", "pipelines", "merge_requests", "issues", "members"]
CHECKLY_STREAMS = ["checks", "check_results"]


def run_tap(module: str, config: dict[str, Any], streams: list[str],
            work: Path) -> tuple[float, float, list[dict[str, Any]]]:
    """Seconds, peak RSS (MB) and the messages of ``module`` reading ``streams``."""
    catalog = select_streams(discover(module, config), streams)
    (work / "config.json").write_bytes(orjson.dumps(config))
    (work / "catalog.json").write_bytes(orjson.dumps(catalog))
    command = [sys.executable, "-m", module, "--config", str(work / "config.json"),
               "--catalog", str(work / "catalog.json")]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=errors)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, high_water_mb(process.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{module} failed:\n{errors.read().decode()[-3000:]}")
        out.seek(0)
        messages = [orjson.loads(line) for line in out if line.strip()]
    return seconds, peak, messages


def bench(label: str, server: FakeAPI, module: str, config: dict[str, Any],
          streams: list[str], levels: list[int], delay: float, work: Path,
          between: float = 0.0) -> None:
    """Each run of ``levels`` (1 first), ``between`` seconds apart (a source's window of
    requests let pass, so that a run does not meet the one before's requests)."""
    print(f"{label}", flush=True)
    baseline: list[Any] | None = None
    base_rate = 0.0
    for level in [1, *levels]:
        if baseline is not None and between:
            time.sleep(between)
        calls = len(server.log)
        seconds, peak, messages = run_tap(
            module, {**config, "max_concurrent_requests": level}, streams, work)
        requests = len(server.log) - calls
        records = sum(1 for m in messages if m["type"] == "RECORD")
        rate = records / seconds
        floor = requests * delay / level
        same = ""
        if baseline is None:
            baseline, base_rate = untimed(messages), rate
        else:
            same = ("  output same as baseline" if untimed(messages) == baseline
                    else "  OUTPUT DIFFERS FROM BASELINE")
        speedup = f"x{rate / base_rate:4.2f}" if base_rate else ""
        print(f"  concurrency {level:<3} {records:>7,} records {rate:>8,.0f} records/s "
              f"{speedup:>6}  {seconds:6.2f} s ({requests} requests, latency floor "
              f"{floor:5.2f} s)  peak RSS {peak:5.1f} MB{same}", flush=True)


def limit(text: str) -> tuple[int, float]:
    requests, seconds = text.split("/")
    return int(requests), float(seconds)


def gitlab(args: argparse.Namespace, levels: list[int], work: Path) -> None:
    from tap_gitlab.sample.server import GitLabServer, SampleGitLab
    token = "glpat-bench"
    with GitLabServer(SampleGitLab(args.projects, args.pipelines, token)) as server:
        names = [p.path for p in server.data.projects]
        config = {"api_url": server.url, "private_token": token, "projects": names}
        discover("tap_gitlab.tap", config)  # before the delay: the catalog is not timed
        server.latency = args.delay
        streams = [*GITLAB_STREAMS, *(("jobs", "bridges") if args.jobs else ())]
        bench(f"tap-gitlab: {args.projects} projects, {args.pipelines} pipelines each"
              f"{', with their jobs and bridges' if args.jobs else ''}, "
              f"{args.delay * 1000:g} ms a request", server, "tap_gitlab.tap", config,
              streams, levels, args.delay, work)


def gitlab_delivery(args: argparse.Namespace, levels: list[int], work: Path) -> None:
    from tap_gitlab.sample.delivery_data import STREAMS, DeliveryData
    from tap_gitlab.sample.server import GitLabServer, SampleGitLab
    token = "glpat-bench"
    data = SampleGitLab(args.projects, 0, token)
    for project in data.projects:
        project.delivery = DeliveryData.sample(project.id, project.path, commits=args.commits)
    with GitLabServer(data) as server:
        config = {"api_url": server.url, "private_token": token,
                  "projects": [p.path for p in server.data.projects]}
        discover("tap_gitlab.tap", config)
        server.latency = args.delay
        bench(f"tap-gitlab delivery streams: {args.projects} projects, {args.commits} "
              f"commits each, {args.delay * 1000:g} ms a request", server, "tap_gitlab.tap",
              config, list(STREAMS), levels, args.delay, work)


def checkly(args: argparse.Namespace, levels: list[int], work: Path,
            results_limit: tuple[int, float], label: str) -> None:
    from tap_checkly.sample.account import SampleAccount
    from tap_checkly.sample.server import RATE_LIMITS, ChecklyServer
    account = SampleAccount(api_checks=args.checks, browser_checks=0, runs=args.runs)
    limits = {**RATE_LIMITS, "/check-results/": results_limit}
    with ChecklyServer(account, rate_limits=limits) as server:
        config = {"api_url": server.url, "api_key": account.api_key,
                  "account_id": account.account_id,
                  "check_results_rate_limit": {"requests": max(1, results_limit[0] - 10),
                                               "seconds": results_limit[1]}}
        discover("tap_checkly.tap", config)
        server.latency = args.delay
        bench(f"tap-checkly: {args.checks} checks, {args.runs} results each, "
              f"{args.delay * 1000:g} ms a request, {label}", server, "tap_checkly.tap",
              config, CHECKLY_STREAMS, levels, args.delay, work,
              between=results_limit[1] if results_limit[0] < 1000 else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=0.05,
                        help="seconds the sample API waits before each answer")
    parser.add_argument("--projects", type=int, default=40)
    parser.add_argument("--pipelines", type=int, default=150)
    parser.add_argument("--checks", type=int, default=40)
    parser.add_argument("--runs", type=int, default=250)
    parser.add_argument("--concurrency", default="4,8",
                        help="max_concurrent_requests to run beside 1, comma-separated")
    parser.add_argument("--results-limit", type=limit, default=(6000, 60.0),
                        help="the check-results limit, requests/seconds (default 6000/60)")
    parser.add_argument("--published-limit", action="store_true",
                        help="also run tap-checkly under Checkly's published 60/60")
    parser.add_argument("--jobs", action="store_true",
                        help="tap-gitlab reads the pipelines' jobs and bridges too (a "
                        "request each a pipeline)")
    parser.add_argument("--delivery", action="store_true",
                        help="also run tap-gitlab on its delivery streams")
    parser.add_argument("--commits", type=int, default=150,
                        help="commits a project for --delivery")
    parser.add_argument("--only", choices=("gitlab", "checkly"))
    args = parser.parse_args()
    levels = [int(n) for n in args.concurrency.split(",") if n.strip()]
    runs: list[Callable[[Path], None]] = []
    if args.only in (None, "gitlab"):
        runs.append(lambda work: gitlab(args, levels, work))
        if args.delivery:
            runs.append(lambda work: gitlab_delivery(args, levels, work))
    if args.only in (None, "checkly"):
        runs.append(lambda work: checkly(
            args, levels, work, args.results_limit,
            f"check-results limit {args.results_limit[0]}/{args.results_limit[1]:g} s"))
        if args.published_limit:
            runs.append(lambda work: checkly(args, levels, work, (60, 60.0),
                                             "Checkly's published limit 60/60 s"))
    with tempfile.TemporaryDirectory(prefix="bench-taps-") as folder:
        for run in runs:
            run(Path(folder))


if __name__ == "__main__":
    main()
