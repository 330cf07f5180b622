"""A small real tap for job tests: emits the items of a JSON file as Singer messages.

Config: ``{"source": PATH, "stream": NAME, "fail_after": N, "pause": SECONDS,
"shard_index": I, "shard_count": N}``; a shard emits the items whose id is I modulo N.
With ``--state`` it resumes after the bookmarked ``updated`` value (items sorted by it),
emits a STATE after every item, and with ``fail_after`` it exits 3 after that many items, the
way a tap dies half way through a source. Each run appends the ids it emitted to
``PATH.emitted`` so tests can count what was extracted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    parser.add_argument("--state")
    parser.add_argument("--about", action="store_true")
    parser.add_argument("--format")
    args = parser.parse_args()
    if args.about:
        settings = ["source", "stream", "fail_after", "pause"]
        if not os.environ.get("SAMPLE_TAP_NO_SHARDS"):
            settings += ["shard_index", "shard_count"]
        print(json.dumps({"name": "sample-tap", "settings": {
            "type": "object", "properties": {name: {} for name in settings}}}))
        return 0
    config = json.loads(Path(args.config).read_text())
    stream = config.get("stream", "items")
    bookmark = ""
    if args.state:
        bookmark = json.loads(Path(args.state).read_text())["bookmarks"][stream]["updated"]
    items = sorted(json.loads(Path(config["source"]).read_text()), key=lambda i: i["updated"])
    if "shard_count" in config:
        items = [i for i in items if i["id"] % config["shard_count"] == config["shard_index"]]
    out = sys.stdout
    schema = {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"},
        "updated": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}}}}
    out.write(json.dumps({"type": "SCHEMA", "stream": stream, "schema": schema,
                          "key_properties": ["id"]}) + "\n")
    emitted = []
    for count, item in enumerate((i for i in items if i["updated"] > bookmark), start=1):
        out.write(json.dumps({"type": "RECORD", "stream": stream, "record": item}) + "\n")
        out.write(json.dumps({"type": "STATE", "value": {"bookmarks": {stream: {
            "updated": item["updated"]}}}}) + "\n")
        out.flush()
        emitted.append(item["id"])
        time.sleep(config.get("pause", 0))
        if config.get("fail_after") == count:
            print("sample tap: the source went away", file=sys.stderr)
            return 3
    with open(config["source"] + ".emitted", "a") as log:
        log.write(json.dumps(emitted) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
