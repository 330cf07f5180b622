"""The code ETL and compute-bills as their job files run them: repositories built with git,
loaded by `observes run code` (tap-git | target-redshift), billed by `observes run
compute-bills` for two months, row by row, on DuckDB, PostgreSQL and Redshift (the shim)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import duckdb
import psycopg
import pytest
from observes_bills.month import Month, parse_month

from observes_singer.store.storage import BlobStore
from tests.support.git_repos import ALICE, BOB, CAROL, Person, Repo
from tests.support.paths import REPO_JOBS
from tests.support.warehouses import Warehouse
from tests.targets.target_redshift.conftest import make_warehouse

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

DAN = Person("Dan O'Neil", "dan@example.com", "-0800")
EVE = Person("Eve", "eve@example.com", "+0100")
REPOSITORIES = ('[{ url = "https://gitlab.com/fluidattacks/universe.git", '
                'group = "fluidattacks" }]')


def actor(person: Person) -> str:
    return f"{person.name} <{person.email}>"


class Bench:
    def __init__(self, tmp_path: Path, warehouse: Warehouse) -> None:
        self.path = tmp_path
        self.warehouse = warehouse
        (tmp_path / "jobs").mkdir()
        for name in ("code", "compute-bills"):
            (tmp_path / "jobs" / f"{name}.toml").write_text(
                (REPO_JOBS / f"{name}.toml").read_text())
        self.bills = tmp_path / "bills"

    def repositories(self, entries: list[tuple[Path, str]]) -> None:
        """Point the code job at these repositories (path, group)."""
        job = self.path / "jobs" / "code.toml"
        listed = ", ".join(f'{{ path = "{path}", group = "{group}" }}' for path, group in entries)
        text = (REPO_JOBS / "code.toml").read_text()
        assert REPOSITORIES in text
        job.write_text(text.replace(REPOSITORIES, f"[{listed}]"))

    def observes(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVES_")}
        environment.update({
            "OBSERVES_JOBS_DIR": str(self.path / "jobs"),
            "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
            "OBSERVES_STATE_URL": str(self.path / "state" / "code.json"),
            "OBSERVES_STATE_STORE": str(self.path / "state") + "/",
            "WAREHOUSE_URL": self.warehouse.config["url"],
            "WAREHOUSE_SCHEMA": self.warehouse.schema, "GIT_TOKEN": "not-used",
            "CODE_CLONE_DIR": str(self.path / "clones"), "BILLS_URL": str(self.bills),
            **env})
        return subprocess.run([sys.executable, "-m", "observes_singer.cli", *args],
                              cwd=self.path, env=environment, capture_output=True, text=True,
                              timeout=300, check=False)

    def load(self) -> None:
        done = self.observes("run", "code")
        assert done.returncode == 0, done.stderr[-3000:]

    def bill(self, month: Month, **env: str) -> dict[str, list[dict[str, str]]]:
        done = self.observes("run", "compute-bills", BILLS_MONTH=str(month), **env)
        assert done.returncode == 0, done.stderr[-3000:]
        folder = self.bills / month.folder
        return {path.stem: list(csv.DictReader(io.StringIO(path.read_text())))
                for path in sorted(folder.glob("*.csv"))}

    def backdate(self, to: datetime) -> None:
        """As if every commit loaded so far had been first seen at ``to``."""
        self.execute(f"UPDATE {self.warehouse.q('commits')} SET seen_at = "
                     f"TIMESTAMP '{to:%Y-%m-%d %H:%M:%S}'")

    def execute(self, sql: str) -> None:
        """One statement on the warehouse, outside the tools under test."""
        url = self.warehouse.config["url"]
        if url.startswith("duckdb://"):
            connection = duckdb.connect(url[len("duckdb://"):])
            try:
                connection.execute(sql)
            finally:
                connection.close()
            return
        conninfo = request_conninfo(self.warehouse)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(sql.encode())


def request_conninfo(warehouse: Warehouse) -> str:
    return str(warehouse.env["conninfo"])


def row(person: Person, groups: str, commit: str, repository: str) -> dict[str, str]:
    return {"actor": actor(person), "groups": groups, "commit": commit,
            "repository": repository}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("kind", ["duckdb", "postgres", "redshift"])
def test_two_months_of_bills_row_by_row(kind: str, tmp_path: Path,
                                        request: pytest.FixtureRequest) -> None:
    warehouse = make_warehouse(kind, request, tmp_path)
    warehouse.schema = "code"
    if kind != "duckdb":
        warehouse.env["conninfo"] = request.getfixturevalue("postgres_db").conninfo
    bench = Bench(tmp_path, warehouse)
    now = parse_month("current")
    last = now.previous()

    # Last month: app (group alpha) with Alice and Bob, a merge by Carol; tools (beta), Dan.
    app = Repo(tmp_path / "repos" / "app")
    app.commit("root", {"a.txt": "1\n"}, author=ALICE)
    app.checkout("feature", new=True)
    bob_1 = app.commit("bob one", {"b.txt": "1\n"}, author=BOB)
    app.checkout("main")
    alice_2 = app.commit("alice two", {"a.txt": "2\n"}, author=ALICE)
    merge = app.merge("feature", "merge feature", author=CAROL)
    app.checkout("feature")
    bob_2 = app.commit("bob two", {"b.txt": "2\n"}, author=BOB)
    tools = Repo(tmp_path / "repos" / "tools")
    dan_1 = tools.commit("dan one", {"t.txt": "1\n"}, author=DAN)
    bench.repositories([(app.path, "alpha"), (tools.path, "beta")])
    bench.load()
    bench.backdate(last.start + timedelta(days=3, hours=5))

    # This month: Alice commits; Bob rebases his feature branch (new hashes for bob two);
    # app's history is pushed as it was to a new repository of group gamma (old hashes:
    # nothing to bill); Eve's one commit is pushed to two new repositories of groups delta
    # and epsilon (one hash, first seen this month in both).
    app.checkout("main")
    alice_3 = app.commit("alice three", {"a.txt": "3\n"}, author=ALICE)
    app.checkout("feature")
    app.rebase("main", author=BOB)
    bob_2_rebased = app.head()
    assert bob_2_rebased != bob_2
    mirror = tmp_path / "repos" / "mirror"
    subprocess.run(["git", "clone", "--quiet", "--branch", "feature", str(app.path),
                    str(mirror)], check=True, env=app.env)
    subprocess.run(["git", "-C", str(mirror), "reset", "--quiet", "--hard", bob_2],
                   check=True, env=app.env)
    shared = Repo(tmp_path / "repos" / "shared")
    eve_1 = shared.commit("eve one", {"e.txt": "1\n"}, author=EVE)
    twin = tmp_path / "repos" / "twin"
    subprocess.run(["git", "clone", "--quiet", str(shared.path), str(twin)], check=True,
                   env=shared.env)
    bench.repositories([(app.path, "alpha"), (tools.path, "beta"), (mirror, "gamma"),
                        (shared.path, "delta"), (twin, "epsilon")])
    bench.load()

    before = bench.bill(last)
    assert before == {
        "alpha": [row(ALICE, "alpha", alice_2, "app"), row(BOB, "alpha", bob_2, "app"),
                  row(CAROL, "alpha", merge, "app")],
        "beta": [row(DAN, "beta", dan_1, "tools")],
    }
    assert bob_1 != bob_2  # Bob's representative commit is his latest one seen

    current = bench.bill(now)
    assert current == {
        # Alice's new commit, and Bob's rebased one (a new hash, first seen this month).
        "alpha": [row(ALICE, "alpha", alice_3, "app"),
                  row(BOB, "alpha", bob_2_rebased, "app")],
        # Eve's one commit, first seen this month in both groups: billed in each.
        "delta": [row(EVE, "delta, epsilon", eve_1, "shared")],
        "epsilon": [row(EVE, "delta, epsilon", eve_1, "twin")],
        # gamma's history was first seen last month (in app): no bill; beta: nothing new.
    }

    # A rerun of a month replaces exactly that month, and an organisation mapping adds
    # its column; a group without one says so.
    (tmp_path / "orgs.json").write_text(json.dumps({"alpha": "Acme", "delta": "Initech"}))
    (bench.bills / now.folder / "zeta.csv").write_text("actor\nstale\n")
    done = bench.observes("run", "compute-bills", BILLS_MONTH=str(now),
                          BILLS_ORGANIZATIONS=str(tmp_path / "orgs.json"))
    assert done.returncode == 0, done.stderr
    assert "no organisation for the groups epsilon" in done.stderr
    files = sorted(p.name for p in (bench.bills / now.folder).iterdir())
    assert files == ["alpha.csv", "delta.csv", "epsilon.csv"]
    alpha = list(csv.DictReader(io.StringIO((bench.bills / now.folder / "alpha.csv")
                                            .read_text())))
    assert [r["organization"] for r in alpha] == ["Acme", "Acme"]
    assert bench.bill(last) == before  # the other month untouched


def test_bills_errors_are_clear(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    warehouse = make_warehouse("duckdb", request, tmp_path)
    warehouse.schema = "code"
    bench = Bench(tmp_path, warehouse)
    missing = bench.observes("run", "compute-bills", BILLS_MONTH="2026-10")
    assert missing.returncode == 1
    assert "no table code.commits in duckdb://" in missing.stderr
    assert "load the commits first" in missing.stderr
    month = bench.observes("bills", "--month", "2026-13")
    assert month.returncode == 1
    assert "--month '2026-13': expected YYYY-MM" in month.stderr
    for far in ("9999-12", "1969-12"):
        out_of_range = bench.observes("bills", "--month", far)
        assert out_of_range.returncode == 1
        assert "Traceback" not in out_of_range.stderr
        assert f"--month '{far}': must be from 1970-01 to the current month" \
            in out_of_range.stderr


def test_every_group_has_its_own_bill_and_an_empty_group_is_named(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    warehouse = make_warehouse("duckdb", request, tmp_path)
    warehouse.schema = "code"
    bench = Bench(tmp_path, warehouse)
    app, tools = Repo(tmp_path / "repos" / "app"), Repo(tmp_path / "repos" / "tools")
    alice_1 = app.commit("one", {"a": "1\n"}, author=ALICE)
    dan_1 = tools.commit("one", {"t": "1\n"}, author=DAN)
    # Two groups whose names would make one key segment as target-s3 writes it.
    bench.repositories([(app.path, "a/b"), (tools.path, "a%2Fb")])
    bench.load()
    now = parse_month("current")
    done = bench.observes("run", "compute-bills", BILLS_MONTH=str(now))
    assert done.returncode == 0, done.stderr
    assert "billed in 2 groups" in done.stderr and "(2 objects;" in done.stderr
    folder = bench.bills / now.folder
    bills = {unquote(path.stem): list(csv.DictReader(io.StringIO(path.read_text())))
             for path in sorted(folder.glob("*.csv"))}
    assert sorted(p.name for p in folder.iterdir()) == ["a%252Fb.csv", "a%2Fb.csv"]
    assert bills == {"a/b": [row(ALICE, "a/b", alice_1, "app")],
                     "a%2Fb": [row(DAN, "a%2Fb", dan_1, "tools")]}

    # A commit without a group (loaded before tap-git refused one) stops the month with
    # the commit named, and the bills written before stay whole.
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    bench.execute(f"UPDATE {warehouse.q('commits')} SET \"group\" = '' "
                  "WHERE repository = 'tools'")
    empty = bench.observes("run", "compute-bills", BILLS_MONTH=str(now))
    assert empty.returncode == 1
    assert (f"observes bills: error: {now}: 1 commits have an empty group, so no bill can "
            f"hold them (repository and commit: tools {dan_1[:12]}); set their group") \
        in empty.stderr
    assert "Traceback" not in empty.stderr
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_month_names() -> None:
    moment = datetime(2026, 1, 15, tzinfo=UTC)
    assert str(parse_month("previous", moment)) == "2025-12"
    assert str(parse_month("current", moment)) == "2026-01"
    assert parse_month("2026-02").end == datetime(2026, 3, 1)
    assert Month(2026, 12).folder == "2026/12" and Month(2026, 12).next() == Month(2027, 1)


def test_objects_go_to_s3_whole(tmp_path: Path, request: pytest.FixtureRequest,
                                s3_bucket: Any) -> None:
    """The bills reach a bucket through the storage layer, as on AWS."""
    warehouse = make_warehouse("duckdb", request, tmp_path)
    warehouse.schema = "code"
    bench = Bench(tmp_path, warehouse)
    repo = Repo(tmp_path / "repos" / "app")
    commit = repo.commit("one", {"a": "1\n"}, author=EVE)
    bench.repositories([(repo.path, "alpha/../x")])
    bench.load()
    now = parse_month("current")
    done = bench.observes("run", "compute-bills", BILLS_MONTH=str(now),
                          BILLS_URL=s3_bucket.url("bills"), AWS_ENDPOINT_URL=s3_bucket.endpoint_url)
    assert done.returncode == 0, done.stderr
    blobs = BlobStore(endpoint_url=s3_bucket.endpoint_url)
    (url,) = [info.url for info in blobs.list(s3_bucket.url("bills/"))]
    # A group's name is one key segment, never a path.
    assert url == s3_bucket.url(f"bills/{now.folder}/alpha%2F..%2Fx.csv")
    assert blobs.read_bytes(url).decode() == (
        '"actor","groups","commit","repository"\n'
        f'"{actor(EVE)}","alpha/../x","{commit}","app"\n')


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    warehouse = make_warehouse("duckdb", request, tmp_path)
    warehouse.schema = "code"
    bench = Bench(tmp_path, warehouse)
    mallory = Person("=cmd|' /C calc'!A0", "mallory@example.com", "+0000")
    repo = Repo(tmp_path / "repos" / "app")
    first = repo.commit("one", {"a": "1\n"}, author=mallory)
    second = repo.commit("two", {"a": "2\n"}, author=EVE)
    bench.repositories([(repo.path, "-ops")])
    bench.load()
    now = parse_month("current")
    assert list(bench.bill(now)) == ["-ops"]
    # OWASP's CSV injection guidance: a ' in front of a cell starting with = + - @ tab or
    # CR, and every field quoted.
    assert (bench.bills / now.folder / "-ops.csv").read_text().splitlines() == [
        '"actor","groups","commit","repository"',
        f'"\'=cmd|\' /C calc\'!A0 <mallory@example.com>","\'-ops","{first}","app"',
        f'"{actor(EVE)}","\'-ops","{second}","app"']
