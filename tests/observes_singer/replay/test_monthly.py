"""The monthly check of tap-singer-replay: no month missing from the first to the last."""

from __future__ import annotations

from datetime import date

import pytest

from observes_singer.replay.errors import ReplayError
from observes_singer.replay.monthly import check_months
from observes_singer.replay.objects import BackupObject

TODAY = date(2026, 11, 30)


def objects(*names: str) -> list[BackupObject]:
    return [BackupObject(f"s3://b/backup_timedoctor/{name}", 1) for name in names]


def test_contiguous_months_through_the_previous_one_pass() -> None:
    check_months(objects("timedoctor.worklogs.2026-08-01.2026-08-31.singer.gz",
                         "timedoctor.worklogs.2026-09-01.2026-09-30.singer.gz",
                         "timedoctor.worklogs.2026-10-01.2026-10-31.singer.gz"),
                 "s3://b/backup_timedoctor/", TODAY)


@pytest.mark.parametrize(("names", "message"), [
    (("timedoctor.worklogs.2026-08-01.2026-08-31.singer.gz",
      "timedoctor.worklogs.2026-10-01.2026-10-31.singer.gz"), "worklogs: 2026-09"),
    (("timedoctor.worklogs.2026-08-01.2026-08-31.singer.gz",
      "timedoctor.worklogs.2026-09-01.2026-09-30.singer.gz"), "worklogs: 2026-10"),
    (("timedoctor.worklogs.2026-09-01.2026-09-30.singer.gz",
      "timedoctor.worklogs.2026-10-01.2026-10-31.singer.gz",
      "timedoctor.computer_activity.2026-10-01.2026-10-31.singer.gz"), None),
    (("timedoctor.worklogs.2026-09-01.2026-09-29.singer.gz",), "is not one whole month"),
    (("worklogs-2026-09.jsonl",), "not named as a monthly backup"),
])
def test_a_gap_or_a_stray_name_is_named(names: tuple[str, ...], message: str | None) -> None:
    if message is None:
        check_months(objects(*names), "s3://b/backup_timedoctor/", TODAY)
        return
    with pytest.raises(ReplayError, match=message):
        check_months(objects(*names), "s3://b/backup_timedoctor/", TODAY)


@pytest.mark.parametrize("copy", [
    "timedoctor.worklogs.2026-09-01.2026-09-30.singer",  # beside the .singer.gz
    "old/timedoctor.worklogs.2026-09-01.2026-09-30.singer.gz",  # another key
])
def test_two_backups_of_one_month_are_named(copy: str) -> None:
    names = ["timedoctor.worklogs.2026-09-01.2026-09-30.singer.gz",
             "timedoctor.worklogs.2026-10-01.2026-10-31.singer.gz", copy]
    found = sorted(objects(*names), key=lambda backup: backup.url)  # key order, as listed
    first, second = sorted(f"s3://b/backup_timedoctor/{name}" for name in (names[0], copy))
    with pytest.raises(ReplayError) as error:
        check_months(found, "s3://b/backup_timedoctor/", TODAY)
    assert str(error.value) == (
        f"two backups of worklogs for 2026-09: {first} and {second}; keep one (both would be "
        "replayed, the stale one's rows included)")
