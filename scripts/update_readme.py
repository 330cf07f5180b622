"""Write README.md's settings tables from the plugins' own descriptions of their settings.

Each table sits between ``<!-- settings:NAME -->`` and ``<!-- /settings:NAME -->`` and is
made from ``NAME --about --format json`` (the plugin run as ``python -m MODULE``, in a
subprocess: this script imports no tap or target): the targets' ``CONFIG_KEYS`` and
the taps' ``config_jsonschema``, the same text as their ``--about --format markdown``
and ``--help``. To change a table, change the plugin's settings, then run::

    python scripts/update_readme.py          # rewrite the tables in README.md
    python scripts/update_readme.py --check  # exit 1, naming them, if any is out of date

A singer-sdk plugin's table holds its own settings, with their type and default; the
settings singer-sdk adds to every plugin (stream maps, flattening, ...) are named after it.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from observes_singer.command import markdown_cell as cell

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
COMMAND = "python scripts/update_readme.py"


@dataclass(frozen=True)
class Plugin:
    name: str  # as in the markers, and the console script
    module: str  # run as python -m MODULE
    source: str  # where its settings are described


PLUGINS = (
    Plugin("target-redshift", "target_redshift.cli",
           "CONFIG_KEYS in targets/target_redshift/config.py"),
    Plugin("target-s3", "target_s3.cli", "CONFIG_KEYS in targets/target_s3/config.py"),
    Plugin("tap-gitlab", "tap_gitlab.tap", "config_jsonschema in taps/tap_gitlab/tap.py"),
    Plugin("tap-checkly", "tap_checkly.tap", "config_jsonschema in taps/tap_checkly/tap.py"),
    Plugin("tap-timedoctor", "tap_timedoctor.tap",
           "config_jsonschema in taps/tap_timedoctor/tap.py"),
    Plugin("tap-dynamo", "tap_dynamo.tap", "config_jsonschema in taps/tap_dynamo/tap.py"),
    Plugin("tap-git", "tap_git.tap", "config_jsonschema in taps/tap_git/tap.py"),
    Plugin("tap-zoho-crm", "tap_zoho_crm.tap", "config_jsonschema in taps/tap_zoho_crm/tap.py"),
    Plugin("tap-singer-replay", "observes_singer.replay.cli",
           "SETTINGS in observes_singer/replay/config.py"),
)


class ReadmeError(Exception):
    """The README's markers are missing or out of order, or a plugin could not say."""


def markers(name: str) -> tuple[str, str]:
    return f"<!-- settings:{name} -->", f"<!-- /settings:{name} -->"


def about(plugin: Plugin, python: str = sys.executable) -> dict[str, Any]:
    """The plugin's ``--about`` document."""
    result = subprocess.run([python, "-m", plugin.module, "--about", "--format", "json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise ReadmeError(f"{plugin.name} --about exited {result.returncode}: "
                          f"{result.stderr.strip()[-2000:]}")
    try:
        document = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise ReadmeError(f"{plugin.name} --about did not print JSON ({exc})") from None
    if not isinstance(document, dict) or \
            not isinstance(document.get("settings", {}).get("properties"), dict):
        raise ReadmeError(f"{plugin.name} --about has no settings.properties")
    return document


def sdk_builtin_settings() -> frozenset[str]:
    """The settings singer-sdk adds to the plugins built on it, by name."""
    try:
        from singer_sdk.helpers import capabilities
    except ImportError:
        return frozenset()
    names: set[str] = set()
    for key, value in vars(capabilities).items():
        if key.endswith("_CONFIG") and isinstance(value, dict):
            names.update(value.get("properties", {}))
    return frozenset(names)


_KINDS = {"string": "string", "integer": "integer", "number": "number",
          "boolean": "boolean", "object": "object", "array": "list"}
_BOUNDS = {"minimum": "{} or more", "exclusiveMinimum": "more than {}",
           "maximum": "{} or less", "exclusiveMaximum": "less than {}"}


def kind(schema: dict[str, Any]) -> str:
    """A JSON Schema's type in words: ``integer, 1 or more``, ``list of strings``, ..."""
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    words = []
    for name in (t for t in types if t != "null"):
        if name == "array" and isinstance(schema.get("items"), dict) and \
                kind(schema["items"]):
            words.append(f"list of {kind(schema['items'])}s")
        elif name == "string" and schema.get("format") in ("date-time", "date"):
            words.append(schema["format"])
        else:
            words.append(_KINDS.get(name, name))
    text = " or ".join(words)
    bounds = [rule.format(schema[key]) for key, rule in _BOUNDS.items() if key in schema]
    if "enum" in schema:
        bounds.append("one of " + ", ".join(json.dumps(v) for v in schema["enum"]))
    return ", ".join([text, *bounds]) if text else ", ".join(bounds)


def table(plugin: Plugin, document: dict[str, Any],
          builtin: frozenset[str] = frozenset()) -> str:
    """The settings table of ``document`` (an ``--about``), in Markdown; for a singer-sdk
    plugin, the ``builtin`` settings it has are named after the table."""
    settings = document["settings"]
    properties: dict[str, dict[str, Any]] = settings["properties"]
    required = set(settings.get("required", []))
    if "sdk_version" not in document:  # not built on singer-sdk: all its settings are its own
        builtin = frozenset()
    own = {key: value for key, value in properties.items() if key not in builtin}
    typed = any("type" in value or "default" in value for value in own.values())
    lines = ["| setting | type | default | meaning |", "|---|---|---|---|"] if typed else \
        ["| setting | meaning |", "|---|---|"]
    for key, schema in own.items():
        description = cell(str(schema.get("description") or ""))
        if not typed:
            lines.append(f"| `{key}` | {description} |")
            continue
        notes = [note for note in (kind(schema),) if note]
        notes += [note for note, yes in (("required", key in required),
                                         ("secret", schema.get("secret") or
                                          schema.get("writeOnly"))) if yes]
        default = schema.get("default")
        shown = "" if default is None else \
            f"`{default if isinstance(default, str) else json.dumps(default)}`"
        lines.append(f"| `{key}` | {cell(', '.join(notes))} | {cell(shown)} | {description} |")
    added = [key for key in properties if key in builtin]
    if added:
        lines += ["", "Also singer-sdk's own settings, which every plugin built on it takes: "
                  + ", ".join(f"`{key}`" for key in added)
                  + f" (`{plugin.name} --about --format markdown` describes them)."]
    return "\n".join(lines)


def block(plugin: Plugin, body: str) -> str:
    begin, end = markers(plugin.name)
    note = (f"<!-- made by {COMMAND} from `{plugin.name} --about` ({plugin.source}): "
            "edit those, not this table -->")
    return f"{begin}\n{note}\n\n{body}\n\n{end}"


def current_blocks(text: str, plugin: Plugin) -> list[re.Match[str]]:
    begin, end = markers(plugin.name)
    return list(re.finditer(re.escape(begin) + r".*?" + re.escape(end), text, re.DOTALL))


def render(text: str, tables: dict[str, str]) -> str:
    """``text`` with each plugin's block replaced by its table."""
    for plugin in PLUGINS:
        found = current_blocks(text, plugin)
        if len(found) != 1:
            begin, end = markers(plugin.name)
            raise ReadmeError(f"README.md must hold {begin} ... {end} once, found "
                              f"{len(found)} times")
        match = found[0]
        text = text[:match.start()] + block(plugin, tables[plugin.name]) + text[match.end():]
    return text


def generated_tables(python: str = sys.executable) -> dict[str, str]:
    builtin = sdk_builtin_settings()
    return {plugin.name: table(plugin, about(plugin, python), builtin) for plugin in PLUGINS}


def out_of_date(text: str, tables: dict[str, str]) -> list[str]:
    """The plugins whose block in ``text`` differs from the generated one."""
    wanted = render(text, tables)
    return [plugin.name for plugin in PLUGINS
            if [m.group(0) for m in current_blocks(text, plugin)] !=
            [m.group(0) for m in current_blocks(wanted, plugin)]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write README.md's settings tables from the plugins' --about.")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a table is out of date")
    parser.add_argument("--readme", type=Path, default=README, help="default: README.md")
    args = parser.parse_args(argv)
    try:
        text = args.readme.read_text()
        tables = generated_tables()
        stale = out_of_date(text, tables)
        if args.check:
            for name in stale:
                print(f"README settings for {name} are out of date; run {COMMAND}",
                      file=sys.stderr)
            return 1 if stale else 0
        if stale:
            args.readme.write_text(render(text, tables))
    except ReadmeError as exc:
        print(f"update_readme: error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.readme}: " + (f"updated the settings of {', '.join(stale)}" if stale else
                                "the settings tables are up to date"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
