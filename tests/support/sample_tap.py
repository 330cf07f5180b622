"""A small real tap for job tests: emits the items of a JSON file as Singer messages.

Config: ``{"source": PATH, "stream": NAME, "fail_after": N, "pause": SECONDS}``. With ``--state`` it
resumes after the bookmarked ``updated`` value (items sorted by it), emits a STATE
after every item, and with ``fail_after`` it exits 3 after that many items, the
way a tap dies half way through a source. Each run appends the ids it emitted to
``PATH.emitted`` so tests can count what was extracted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--state")
    args = parser.parse_args()
    config = json.loads(Path(args.config).read_text())
    stream = config.get("stream", "items")
    bookmark = ""
    if args.state:
        bookmark = json.loads(Path(args.state).read_text())["bookmarks"][stream]["updated"]
    items = sorted(json.loads(Path(config["source"]).read_text()), key=lambda i: i["updated"])
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
