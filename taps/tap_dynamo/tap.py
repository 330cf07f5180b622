"""tap-dynamo: DynamoDB tables, each read whole by a parallel Scan, as plain JSON records."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from singer_sdk import typing as th

from observes_singer.tapkit.budget import RunBudget, budget_settings
from observes_singer.tapkit.cli import tap_main
from observes_singer.tapkit.tap import SourceTap
from tap_dynamo.bookmarks import finished, under_way
from tap_dynamo.client import describe, dynamodb_client
from tap_dynamo.names import name_errors
from tap_dynamo.shards import MAX_SEGMENTS, my_segments, shard_errors
from tap_dynamo.stream import TableStream


def table_errors(config: Mapping[str, Any]) -> list[str]:
    tables = config.get("tables")
    if not isinstance(tables, list):
        return []
    if not tables:
        return ["tables: name at least one DynamoDB table"]
    return name_errors(t for t in tables if isinstance(t, str))


class TapDynamo(SourceTap):
    """DynamoDB tables, each read whole by a parallel Scan, as shards if asked, resumable
    per segment, as plain JSON records with exact values."""

    name = "tap-dynamo"
    config_jsonschema = th.PropertiesList(
        th.Property("tables", th.ArrayType(th.StringType), required=True,
                    description="The DynamoDB tables to read, each whole; each is a stream "
                    "named after its table in lower case, other characters than a-z, 0-9 "
                    "and _ as _ (Orders-Prod: orders_prod)"),
        th.Property("segments", th.IntegerType(minimum=1, maximum=MAX_SEGMENTS),
                    description="Segments of the parallel Scan (TotalSegments); by default "
                    "shard_count, else 1"),
        th.Property("shard_index", th.IntegerType(minimum=0),
                    description="This shard's number, from 0 (observes run --shards and AWS "
                    "Batch array jobs give it): it scans the segments i with "
                    "i % shard_count == shard_index. With shard_count, or neither"),
        th.Property("shard_count", th.IntegerType(minimum=1),
                    description="How many shards scan the tables together"),
        th.Property("region", th.StringType,
                    description="The tables' AWS region; by default boto3's (AWS_REGION, "
                    "AWS_DEFAULT_REGION, the profile)"),
        th.Property("endpoint_url", th.StringType,
                    description="DynamoDB's endpoint; by default AWS_ENDPOINT_URL_DYNAMODB or "
                    "AWS_ENDPOINT_URL, else AWS's own"),
        th.Property("aws_access_key_id", th.StringType, secret=True,
                    description="An access key id; by default boto3's credential chain "
                    "(environment, profile, instance or task role)"),
        th.Property("aws_secret_access_key", th.StringType, secret=True,
                    description="Its secret access key"),
        th.Property("aws_session_token", th.StringType, secret=True,
                    description="A session token, for temporary credentials"),
        th.Property("page_size", th.IntegerType(minimum=1),
                    description="Items asked for in one Scan call (Limit, 1 or more); by "
                    "default as many as fit in DynamoDB's 1 MB page"),
        th.Property("consistent_read", th.BooleanType, default=False,
                    description="Strongly consistent reads (twice the read capacity)"),
        th.Property("retry_mode", th.StringType, default="adaptive",
                    allowed_values=["adaptive", "standard"],
                    description="boto3's retry mode: adaptive also slows the client down "
                    "while DynamoDB throttles it"),
        th.Property("max_attempts", th.IntegerType(minimum=1), default=10,
                    description="Attempts boto3 makes at one call (1 or more) before the "
                    "tap's own backoff takes over"),
        th.Property("decimals", th.StringType, default="number",
                    allowed_values=["number", "text"],
                    description="How numbers with a fraction are written: number (a JSON "
                    "number of their exact digits) or text (DynamoDB's text of the number, "
                    "as a string: exact through observes-infer, which reads JSON numbers "
                    "with a fraction as floats)"),
        th.Property("emit_schema", th.BooleanType, default=True,
                    description="Write SCHEMA messages (an open object, the key attributes "
                    "declared); false leaves the schemas to observes-infer downstream"),
        *budget_settings(
            "Scan pages each table reads in one run",
            "Seconds the run may read before it stops cleanly after a page"),
    ).to_dict()

    def extra_config_errors(self, config: dict[str, Any]) -> list[str]:
        return shard_errors(config) + table_errors(config)

    @cached_property
    def budget(self) -> RunBudget:
        """The run's: one clock for every table, started at discovery; ``max_duration``
        stops nothing before the run has read a page. Each table counts its own pages
        (:meth:`RunBudget.part`)."""
        return RunBudget.from_config(self.config, read_first=True)

    @cached_property
    def client(self) -> Any:
        return dynamodb_client(self.config)

    @cached_property
    def resuming(self) -> bool:
        """Whether a scan of the tables is under way: a table's scan has begun and not
        finished, or some tables are scanned and others not yet (taken once, before any
        table's state changes in this run)."""
        mine = my_segments(self.config)
        bookmarks = self.state.get("bookmarks") or {}
        states = [bookmarks.get(stream.name) or {} for stream in self.streams.values()
                  if stream.selected]
        done = [finished(state, mine) for state in states]
        return any(under_way(state, mine) for state in states) or (any(done) and not all(done))

    def discover_streams(self) -> list[TableStream]:
        self.budget.start()  # the run's clock starts before the first call
        return [TableStream(self, describe(self.client, table))
                for table in self.config["tables"]]


def main() -> None:
    tap_main(TapDynamo)


if __name__ == "__main__":
    main()
