"""Write the parts of the docs that are made from the code, or check that they are current.

Each part sits in a page between ``<!-- generated:KEY -->`` and ``<!-- /generated:KEY -->``:

- ``plugins`` (README.md and docs/index.md): the taps, targets, tools and jobs, each with
  what it does and a link to its page. The list is read from pyproject.toml's
  ``[project.scripts]``, its ``observes.commands`` entry points, the ``observes``
  command's own subcommands and ``jobs/*.toml``, so nothing installed can be left out: a
  script without a page is an error.
- ``settings:NAME`` (the plugin's page): a tap's or target's settings, from
  ``NAME --about --format json`` (the targets' ``CONFIG_KEYS``, the taps'
  ``config_jsonschema``).
- ``cli`` (docs/reference/cli.md): the ``--help`` of every console script, of every
  ``observes`` subcommand and of the scripts' own subcommands.
- ``environment`` (docs/reference/environment.md): every ``OBSERVES_*`` variable. Each is
  named once by a module-level string constant in observes_singer/, taps/, targets/ or
  tools/ (``TTL_ENV = "OBSERVES_LEASE_TTL"``) followed by a docstring that says what the
  variable does and who reads it. A variable the code names without such a constant is
  an error.

Plugins run as subprocesses, each under its script's name (this script imports no tap or
target). To change a part, change its source, then run::

    python scripts/update_docs.py          # rewrite the parts that are out of date
    python scripts/update_docs.py --check  # change nothing; exit 1 naming each stale part
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from observes_singer.command import markdown_cell as cell

ROOT = Path(__file__).resolve().parents[1]
COMMAND = "python scripts/update_docs.py"
CODE_FOLDERS = ("observes_singer", "taps", "targets", "tools")
COMMANDS_GROUP = "observes.commands"

#: The pages of the tools, relative to docs/; taps and targets have docs/taps/NAME.md and
#: docs/targets/NAME.md. A console script or an ``observes`` subcommand missing here (and
#: not a tap or target) stops the generator: give it a page.
TOOL_PAGES = {
    "observes": "jobs.md#the-observes-command",
    "observes demo": "jobs.md#the-demo",
    "observes run": "jobs.md#observes-run",
    "observes freshness": "jobs.md#freshness",
    "observes new-tap": "development.md#a-new-source",
    "observes batch": "aws-batch.md",
    "observes replay": "taps/tap-singer-replay.md",
    "observes bills": "bills.md",
    "observes report": "report.md",
    "observes state": "jobs.md#state",
    "observes-infer": "observes-infer.md",
    "gitlab-cancel-stuck-jobs": "taps/tap-gitlab.md#gitlab-cancel-stuck-jobs",
    "timedoctor-backup": "taps/tap-timedoctor.md#monthly-backups",
}
#: A job's page is its tap's (a Singer job) or its command's, unless named here.
JOB_PAGES = {
    "timedoctor": "taps/tap-timedoctor.md#the-full-reload",
    "dynamo-load": "taps/tap-dynamo.md#the-dynamodb-etl",
    "batch-stability": "aws-batch.md#failure-reports",
}
#: Subcommands of console scripts other than ``observes``, whose help the CLI page shows.
SCRIPT_SUBCOMMANDS = {
    "target-redshift": ("load-parts",),
    "tap-zoho-crm": ("prepare", "grant", "revoke"),
}
KINDS = ("tap", "target", "tool", "job")

# Runs a console script's function as the script would, under the script's name:
# python -c RUN_SCRIPT NAME MODULE:FUNCTION ARGS...
RUN_SCRIPT = ("import sys; from importlib import import_module; sys.argv[0] = sys.argv.pop(1); "
              "module, _, function = sys.argv.pop(1).partition(':'); "
              "sys.exit(getattr(import_module(module), function)())")
# Help text as wide, plain and stable as on any machine.
HELP_ENVIRONMENT = {"COLUMNS": "100", "LINES": "50", "NO_COLOR": "1", "PYTHON_COLORS": "0",
                    "TERM": "dumb", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
KEPT_ENVIRONMENT = ("PATH", "HOME", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")


class DocsError(Exception):
    """A part cannot be made (a plugin failed, a page or a description is missing) or a
    page's markers are missing."""


@dataclass(frozen=True)
class Block:
    """One generated part: where it goes, and what it is made from."""

    page: str  # relative to the root: README.md, docs/...
    key: str
    source: str
    body: str

    def markers(self) -> tuple[str, str]:
        return f"<!-- generated:{self.key} -->", f"<!-- /generated:{self.key} -->"

    def text(self) -> str:
        begin, end = self.markers()
        note = f"<!-- made by {COMMAND} from {self.source}; edit the source, not this part -->"
        return f"{begin}\n{note}\n\n{self.body}\n\n{end}"


@dataclass(frozen=True)
class Plugin:
    name: str  # as typed: tap-gitlab, observes run, jobs/gitlab.toml
    kind: str  # one of KINDS
    page: str  # relative to docs/, with an optional #anchor
    summary: str


# --- The project -------------------------------------------------------------------


def pyproject(root: Path = ROOT) -> dict[str, Any]:
    return tomllib.loads((root / "pyproject.toml").read_text())


def console_scripts(project: Mapping[str, Any]) -> dict[str, str]:
    """``[project.scripts]``: name -> ``module:function``, in the file's order."""
    return dict(project["project"]["scripts"])


def observes_plugin_commands(project: Mapping[str, Any]) -> list[str]:
    """The ``observes`` subcommands other packages install (``observes.commands``)."""
    return list(project["project"].get("entry-points", {}).get(COMMANDS_GROUP, {}))


def kind_of(name: str) -> str:
    return "tap" if name.startswith("tap-") else "target" if name.startswith("target-") \
        else "tool"


def page_of(name: str, docs: Path) -> str:
    """The page of a console script or ``observes`` subcommand, relative to docs/."""
    kind = kind_of(name)
    page = f"{kind}s/{name}.md" if kind in ("tap", "target") else TOOL_PAGES.get(name)
    if page is None:
        raise DocsError(f"{name} has no page: give it one in TOOL_PAGES in "
                        "scripts/update_docs.py (and write it)")
    if not (docs / page.split("#")[0]).is_file():
        raise DocsError(f"{name} has no page: write docs/{page.split('#')[0]}")
    return page


def observes_subcommands() -> list[tuple[tuple[str, ...], str]]:
    """Every ``observes`` subcommand, nested ones included, with its line of help."""
    from observes_singer.cli import _plugin_commands, build_parser

    found: list[tuple[tuple[str, ...], str]] = []

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
                for name, sub in action.choices.items():
                    found.append(((*path, name), helps.get(name, "")))
                    walk(sub, (*path, name))

    walk(build_parser(_plugin_commands()), ())
    return found


# --- Running the plugins -------------------------------------------------------------


def run_script(name: str, entry: str, *args: str, python: str = sys.executable,
               environment: Mapping[str, str] | None = None) -> str:
    """What the console script ``name`` (``entry``, ``module:function``) prints on stdout
    given ``args``; an error unless it exits 0."""
    env = environment if environment is not None else \
        {key: os.environ[key] for key in KEPT_ENVIRONMENT if key in os.environ}
    result = subprocess.run([python, "-c", RUN_SCRIPT, name, entry, *args], cwd=ROOT,
                            env={**env, **HELP_ENVIRONMENT}, capture_output=True, text=True,
                            timeout=120, check=False)
    if result.returncode != 0:
        raise DocsError(f"{' '.join((name, *args))} exited {result.returncode}: "
                        f"{result.stderr.strip()[-2000:]}")
    return result.stdout


def about(name: str, entry: str) -> dict[str, Any]:
    """The plugin's ``--about`` document."""
    output = run_script(name, entry, "--about", "--format", "json")
    try:
        document = json.loads(output)
    except json.JSONDecodeError as exc:
        raise DocsError(f"{name} --about did not print JSON ({exc})") from None
    if not isinstance(document, dict) or \
            not isinstance(document.get("settings", {}).get("properties"), dict):
        raise DocsError(f"{name} --about has no settings.properties")
    if not str(document.get("description") or "").strip():
        raise DocsError(f"{name} --about has no description")
    return document


def help_text(name: str, entry: str, *args: str) -> str:
    lines = run_script(name, entry, *args, "--help").rstrip().splitlines()
    return "\n".join(line.rstrip() for line in lines)


# --- Settings tables -------------------------------------------------------------------


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


def table(name: str, document: dict[str, Any], builtin: frozenset[str] = frozenset()) -> str:
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
                  + f" (`{name} --about --format markdown` describes them)."]
    return "\n".join(lines)


# --- The plugin list -------------------------------------------------------------------


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    return re.split(r"(?<=[.;])\s+(?=[A-Z])", text, maxsplit=1)[0].rstrip(".;") + "."


def help_description(text: str) -> str:
    """The first paragraph after the usage lines of an argparse ``--help``."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return paragraphs[1] if len(paragraphs) > 1 and paragraphs[0].startswith("usage:") else ""


def jobs(root: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((root / "jobs").glob("*.toml")):
        yield path.stem, tomllib.loads(path.read_text())


def job_page(name: str, job: Mapping[str, Any], pages: Mapping[str, str]) -> str:
    if name in JOB_PAGES:
        return JOB_PAGES[name]
    command = job["tap"]["command"] if "tap" in job else job["command"]
    program = " ".join(command[:2]) if command[0] == "observes" else command[0]
    if program not in pages:
        raise DocsError(f"job {name} runs {program}, which has no page: name the job's page "
                        "in JOB_PAGES in scripts/update_docs.py")
    return pages[program]


def plugin_table(plugins: list[Plugin], prefix: str) -> str:
    lines = ["| name | kind | what it does |", "|---|---|---|"]
    for plugin in sorted(plugins, key=lambda p: (KINDS.index(p.kind), p.name)):
        lines.append(f"| [`{plugin.name}`]({prefix}{plugin.page}) | {plugin.kind} | "
                     f"{cell(plugin.summary)} |")
    return "\n".join(lines)


# --- Environment variables -------------------------------------------------------------

VARIABLE = re.compile(r"OBSERVES_[A-Z0-9_]*[A-Z0-9]")


@dataclass
class Variable:
    name: str
    description: str = ""
    defined_in: str = ""
    used_in: set[str] = field(default_factory=set)


def python_files(root: Path) -> Iterator[Path]:
    for folder in CODE_FOLDERS:
        yield from sorted((root / folder).rglob("*.py"))


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    parts = parts[1:] if parts[0] in ("taps", "targets", "tools") else parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def docstring_markdown(text: str) -> str:
    """A docstring as one Markdown line: reStructuredText's ``code`` and :role:`x` as `x`."""
    text = " ".join(inspect.cleandoc(text).split())
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", text)
    return re.sub(r"``(.+?)``", r"`\1`", text)


def described_constant(body: list[ast.stmt], index: int) -> tuple[str, str, str] | None:
    """``(constant, variable, docstring)`` when ``body[index]`` is ``NAME = "OBSERVES_..."``
    followed by a docstring."""
    node = body[index]
    after = body[index + 1] if index + 1 < len(body) else None
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
            isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Constant) and \
            isinstance(node.value.value, str) and VARIABLE.fullmatch(node.value.value) and \
            isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) and \
            isinstance(after.value.value, str):
        return node.targets[0].id, node.value.value, after.value.value
    return None


def variables_named(tree: ast.Module, constants: Mapping[tuple[str, str], str]) -> Iterator[str]:
    """The variables a module names: as a string, or by importing a described constant."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                VARIABLE.fullmatch(node.value):
            yield node.value
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield from (constants[(node.module, alias.name)] for alias in node.names
                        if (node.module, alias.name) in constants)


def environment_variables(root: Path = ROOT) -> list[Variable]:
    """Every ``OBSERVES_*`` variable the code names, with the docstring under its constant
    and the files that use it (those that name it or import its constant, and job files)."""
    found: dict[str, Variable] = {}
    constants: dict[tuple[str, str], str] = {}  # (module, constant) -> variable
    trees = {str(path.relative_to(root)): (module_name(path, root), ast.parse(path.read_text()))
             for path in python_files(root)}
    for where, (module, tree) in trees.items():
        for index in range(len(tree.body)):
            described = described_constant(tree.body, index)
            if described is None:
                continue
            constant, name, doc = described
            variable = found.setdefault(name, Variable(name))
            if variable.defined_in:
                raise DocsError(f"{name} is described twice, in {variable.defined_in} and "
                                f"{where}: keep one constant, import it in the other")
            variable.description = docstring_markdown(doc)
            variable.defined_in = where
            constants[(module, constant)] = name
    uses = [(where, name) for where, (_, tree) in trees.items()
            for name in variables_named(tree, constants)]
    uses += [(f"jobs/{path.name}", name) for path in sorted((root / "jobs").glob("*.toml"))
             for name in re.findall(r"\$\{(" + VARIABLE.pattern + r")", path.read_text())]
    for where, name in uses:
        if name not in found:
            raise DocsError(f"{where} names {name}, which no constant describes: define it "
                            f'once as NAME = "{name}" with a docstring under it that says '
                            "what it does and who reads it")
        if found[name].defined_in != where:
            found[name].used_in.add(where)
    return sorted(found.values(), key=lambda variable: variable.name)


def environment_table(variables: list[Variable]) -> str:
    lines = ["| variable | what it does | in the code |", "|---|---|---|"]
    for variable in variables:
        code = f"`{variable.defined_in}`"
        if variable.used_in:
            code += "; used in " + ", ".join(f"`{path}`" for path in sorted(variable.used_in))
        lines.append(f"| `{variable.name}` | {cell(variable.description)} | {code} |")
    return "\n".join(lines)


# --- Everything --------------------------------------------------------------------------


def generate(root: Path = ROOT) -> list[Block]:
    """Every generated part, made from the code under ``root`` and its plugins."""
    project = pyproject(root)
    scripts = console_scripts(project)
    docs = root / "docs"
    subcommands = observes_subcommands()
    pages = {name: page_of(name, docs) for name in scripts}
    pages.update({f"observes {path[0]}": page_of(f"observes {path[0]}", docs)
                  for path, _ in subcommands if len(path) == 1})
    described = [name for name in scripts if kind_of(name) != "tool"]
    helps: list[tuple[str, tuple[str, ...]]] = [(name, ()) for name in scripts]
    helps += [("observes", path) for path, _ in subcommands]
    helps += [(name, (sub,)) for name, subs in SCRIPT_SUBCOMMANDS.items() for sub in subs]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        abouts_running = {name: pool.submit(about, name, scripts[name]) for name in described}
        helps_running = {(name, path): pool.submit(help_text, name, scripts[name], *path)
                         for name, path in helps}
        abouts = {name: future.result() for name, future in abouts_running.items()}
        texts = {key: future.result() for key, future in helps_running.items()}

    builtin = sdk_builtin_settings()
    blocks = [Block(f"docs/{pages[name].split('#')[0]}", f"settings:{name}",
                    f"`{name} --about`", table(name, abouts[name], builtin))
              for name in described]

    plugins = [Plugin(name, kind_of(name), pages[name],
                      first_sentence(abouts[name]["description"]) if name in abouts else
                      first_sentence(help_description(texts[(name, ())])))
               for name in scripts if name != "observes"]
    plugins += [Plugin(f"observes {path[0]}", "tool", pages[f"observes {path[0]}"],
                       first_sentence(summary[:1].upper() + summary[1:]))
                for path, summary in subcommands if len(path) == 1]
    plugins += [Plugin(f"jobs/{name}.toml", "job", job_page(name, job, pages),
                       first_sentence(str(job.get("description", ""))))
                for name, job in jobs(root)]
    source = "pyproject.toml's scripts and entry points, observes' subcommands and jobs/"
    blocks += [Block("README.md", "plugins", source, plugin_table(plugins, "docs/")),
               Block("docs/index.md", "plugins", source, plugin_table(plugins, ""))]

    sections = []
    for name in scripts:
        sections.append(f"## `{name}`\n\n```text\n{texts[(name, ())]}\n```")
        paths = [path for path, _ in subcommands] if name == "observes" else \
            [(sub,) for sub in SCRIPT_SUBCOMMANDS.get(name, ())]
        sections += [f"### `{' '.join((name, *path))}`\n\n```text\n{texts[(name, path)]}\n```"
                     for path in paths]
    blocks.append(Block("docs/reference/cli.md", "cli", "each command's `--help`",
                        "\n\n".join(sections)))
    blocks.append(Block("docs/reference/environment.md", "environment",
                        "the docstrings of the OBSERVES_* constants in the code",
                        environment_table(environment_variables(root))))
    return blocks


# --- Pages ---------------------------------------------------------------------------------


def found_blocks(text: str, block: Block) -> list[re.Match[str]]:
    begin, end = block.markers()
    return list(re.finditer(re.escape(begin) + r".*?" + re.escape(end), text, re.DOTALL))


def render(text: str, blocks: list[Block]) -> str:
    """``text`` (one page) with each of ``blocks`` in place of its markers."""
    for block in blocks:
        found = found_blocks(text, block)
        if len(found) != 1:
            begin, end = block.markers()
            raise DocsError(f"{block.page} must hold {begin} ... {end} once, found "
                            f"{len(found)} times")
        text = text[:found[0].start()] + block.text() + text[found[0].end():]
    return text


def by_page(blocks: list[Block]) -> dict[str, list[Block]]:
    pages: dict[str, list[Block]] = {}
    for block in blocks:
        pages.setdefault(block.page, []).append(block)
    return pages


def stale(root: Path, blocks: list[Block]) -> list[Block]:
    """The blocks whose text in their page differs from the generated one."""
    result = []
    for page, on_page in by_page(blocks).items():
        path = root / page
        if not path.is_file():
            raise DocsError(f"{page} is missing")
        text = path.read_text()
        render(text, on_page)  # the markers are there
        result += [block for block in on_page
                   if found_blocks(text, block)[0].group(0) != block.text()]
    return result


def update(root: Path, blocks: list[Block]) -> list[Block]:
    """Rewrite the stale blocks; returns them."""
    changed = stale(root, blocks)
    for page, on_page in by_page(changed).items():
        path = root / page
        path.write_text(render(path.read_text(), on_page))
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write the parts of README.md and docs/ made from the code: the plugin "
        "list, the settings tables, the CLI reference and the environment variables.")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1, naming each part, if one is out of date")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the folder holding README.md and docs/ (default: the repository)")
    args = parser.parse_args(argv)
    try:
        blocks = generate()
        if args.check:
            out = stale(args.root, blocks)
            for block in out:
                print(f"{block.page}: {block.key} is out of date; run {COMMAND}",
                      file=sys.stderr)
            return 1 if out else 0
        changed = update(args.root, blocks)
    except DocsError as exc:
        print(f"update_docs: error: {exc}", file=sys.stderr)
        return 1
    for block in changed:
        print(f"{block.page}: updated {block.key}", file=sys.stderr)
    if not changed:
        print("the generated docs are up to date", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
