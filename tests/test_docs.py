"""The docs: the parts made from the code are current (scripts/update_docs.py makes them),
nothing installed is missing from them, the site builds, and every tap describes itself."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import observes_singer
from tests.support.paths import REPO as ROOT

SCRIPT = ROOT / "scripts" / "update_docs.py"
FIX = "run python scripts/update_docs.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


update_docs = load_script()


@pytest.fixture(scope="module")
def blocks() -> list[Any]:
    made: list[Any] = update_docs.generate()
    return made


def block(blocks: list[Any], key: str, page: str | None = None) -> Any:
    return next(b for b in blocks if b.key == key and (page is None or b.page == page))


def scripts() -> dict[str, str]:
    """pyproject.toml's console scripts: name -> ``module:function``."""
    found: dict[str, str] = update_docs.console_scripts(update_docs.pyproject())
    return found


# --- The generated parts are current -----------------------------------------------------


def test_the_generated_docs_are_up_to_date(blocks: list[Any]) -> None:
    stale = update_docs.stale(ROOT, blocks)
    if stale:
        pytest.fail("\n".join(f"{b.page}: {b.key} is out of date; {FIX}" for b in stale),
                    pytrace=False)


def test_the_check_names_what_is_stale_and_the_update_fixes_it(
        tmp_path: Path, blocks: list[Any], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    page = tmp_path / "docs" / "targets" / "target-s3.md"
    text = page.read_text()
    begin = "<!-- generated:settings:target-s3 -->"
    start, end = text.index(begin), text.index("<!-- /generated:settings:target-s3 -->")
    page.write_text(text[:start] + begin + "\n| setting | meaning |\n|---|---|\n| `url` | "
                    "hand-written |\n" + text[end:])
    monkeypatch.setattr(update_docs, "generate", lambda: blocks)

    assert update_docs.main(["--check", "--root", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"docs/targets/target-s3.md: settings:target-s3 is out of date; {FIX}\n")
    assert update_docs.main(["--root", str(tmp_path)]) == 0
    assert "docs/targets/target-s3.md: updated settings:target-s3" in capsys.readouterr().err
    assert page.read_text() == text  # the rest of the page as it was
    assert update_docs.main(["--check", "--root", str(tmp_path)]) == 0


def test_missing_markers_are_an_error(blocks: list[Any]) -> None:
    with pytest.raises(update_docs.DocsError, match=re.escape(
            "docs/targets/target-redshift.md must hold "
            "<!-- generated:settings:target-redshift --> ... "
            "<!-- /generated:settings:target-redshift --> once, found 0 times")):
        update_docs.render("no markers here\n", [block(blocks, "settings:target-redshift")])


# --- Settings tables ----------------------------------------------------------------------


def test_every_setting_is_in_its_table(blocks: list[Any]) -> None:
    from target_redshift.config import CONFIG_KEYS as REDSHIFT_KEYS
    from target_s3.config import CONFIG_KEYS as S3_KEYS

    for name, keys in (("target-redshift", REDSHIFT_KEYS), ("target-s3", S3_KEYS)):
        assert block(blocks, f"settings:{name}").page == f"docs/targets/{name}.md"
        assert [line.split("`")[1] for line in block(blocks, f"settings:{name}").body
                .splitlines() if line.startswith("| `")] == list(keys)
    gitlab = block(blocks, "settings:tap-gitlab").body
    assert gitlab.startswith("| setting | type | default | meaning |")
    assert ("| `private_token` | string, required, secret |  | A token with read_api"
            in gitlab)
    assert "| `offset_page_limit` | integer, 1 or more | `400` |" in gitlab
    assert "| `stream_maps` |" not in gitlab  # singer-sdk's, named after the table
    assert "`stream_maps`, `stream_map_config`," in gitlab


def about(properties: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"settings": {"type": "object", "properties": properties}, **more}


def test_the_table_keeps_what_the_description_says() -> None:
    text = update_docs.table("target-x", about({
        "url": {"description": "a|b or c\\, <x>\n  more"},
        "load_method": {"description": "ours, not singer-sdk's"}}),
        frozenset({"load_method"}))
    assert text.splitlines() == [
        "| setting | meaning |", "|---|---|",
        "| `url` | a\\|b or c\\\\, &lt;x> more |",
        "| `load_method` | ours, not singer-sdk's |"]  # not built on singer-sdk


def test_types_defaults_and_singer_sdk_settings() -> None:
    document = about({
        "when": {"type": ["string", "null"], "format": "date-time", "description": "d"},
        "size": {"type": ["integer"], "minimum": 1, "default": 10},
        "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
        "ids": {"type": ["array", "null"], "items": {"type": ["integer"]}},
        "stream_maps": {"type": ["object"], "description": "sdk"}},
        sdk_version="0.54.9")
    document["settings"]["required"] = ["size"]
    assert update_docs.table("tap-gitlab", document,
                             frozenset({"stream_maps"})).splitlines() == [
        "| setting | type | default | meaning |", "|---|---|---|---|",
        "| `when` | date-time |  | d |",
        "| `size` | integer, 1 or more, required | `10` |  |",
        '| `mode` | string, one of "a", "b" | `a` |  |',
        "| `ids` | list of integers |  |  |",
        "",
        "Also singer-sdk's own settings, which every plugin built on it takes: `stream_maps` "
        "(`tap-gitlab --about --format markdown` describes them)."]


def test_about_markdown_escapes_table_cells() -> None:
    from observes_singer.command import About

    text = About("t", "d", {"url": "sslmode=disable|require, a \\ b"}).markdown()
    assert "| `url` | sslmode=disable\\|require, a \\\\ b |" in text


# --- The plugin list ----------------------------------------------------------------------


def test_nothing_installed_is_missing_from_the_plugin_list(blocks: list[Any]) -> None:
    project = update_docs.pyproject()
    names = [name for name in scripts() if name != "observes"]
    names += [f"observes {name}" for name in update_docs.observes_plugin_commands(project)]
    names += [f"observes {path[0]}" for path, _ in update_docs.observes_subcommands()]
    names += [f"jobs/{path.name}" for path in (ROOT / "jobs").glob("*.toml")]
    for page, prefix in (("README.md", "docs/"), ("docs/index.md", "")):
        body = block(blocks, "plugins", page).body
        missing = [name for name in names if f"[`{name}`]({prefix}" not in body]
        assert not missing, f"{page} lists no {missing}"
    assert "observes bills" in names and "tap-zoho-crm" in names


def test_a_plugin_without_a_page_stops_the_generator(tmp_path: Path) -> None:
    (tmp_path / "taps").mkdir()
    (tmp_path / "taps" / "tap-old.md").write_text("# tap-old\n")
    assert update_docs.page_of("tap-old", tmp_path) == "taps/tap-old.md"
    with pytest.raises(update_docs.DocsError, match=re.escape(
            "tap-new has no page: write docs/taps/tap-new.md")):
        update_docs.page_of("tap-new", tmp_path)
    with pytest.raises(update_docs.DocsError, match="acme-sync has no page: give it one in "
                       "TOOL_PAGES"):
        update_docs.page_of("acme-sync", tmp_path)
    with pytest.raises(update_docs.DocsError, match="job acme runs acme-sync, which has no "
                       "page"):
        update_docs.job_page("acme", {"command": ["acme-sync"]}, {"tap-old": "x.md"})


def test_each_plugin_is_described_in_one_sentence(blocks: list[Any]) -> None:
    rows = [line for line in block(blocks, "plugins", "docs/index.md").body.splitlines()
            if line.startswith("| [")]
    assert all(line.endswith('. |') for line in rows), rows
    assert "| [`observes run`](jobs.md#observes-run) | tool | Run a job: its tap piped into " \
        "its target, with state, or its command. |" in rows


# --- Environment variables ------------------------------------------------------------------

MENTION = re.compile(r"\bOBSERVES_[A-Z0-9_]*[A-Z0-9]\b")


def test_every_observes_variable_the_code_names_is_listed() -> None:
    files = [path for folder in update_docs.CODE_FOLDERS for pattern in ("*.py", "*.tmpl")
             for path in (ROOT / folder).rglob(pattern)]
    files += [*(ROOT / "jobs").glob("*.toml"), ROOT / "Dockerfile"]
    named = {name: path for path in files for name in MENTION.findall(path.read_text())}
    page = (ROOT / "docs" / "reference" / "environment.md").read_text()
    listed = set(re.findall(r"^\| `(OBSERVES_[A-Z0-9_]+)` \|", page, re.MULTILINE))
    missing = {name: str(path.relative_to(ROOT)) for name, path in named.items()
               if name not in listed}
    assert not missing, f"docs/reference/environment.md does not list {missing}; describe " \
        f"each in a docstring under its constant, then {FIX}"
    assert {"OBSERVES_JOB", "OBSERVES_HTTP_TRIES", "OBSERVES_DATA_DIR"} <= listed


def test_a_variable_without_a_described_constant_stops_the_generator(tmp_path: Path) -> None:
    module = tmp_path / "observes_singer" / "knob.py"
    module.parent.mkdir()
    module.write_text('KNOB_ENV = "OBSERVES_KNOB"\n\n\ndef knob() -> str:\n'
                      '    return os.environ.get("OBSERVES_KNOB", "")\n')
    with pytest.raises(update_docs.DocsError, match=re.escape(
            "observes_singer/knob.py names OBSERVES_KNOB, which no constant describes")):
        update_docs.environment_variables(tmp_path)
    module.write_text('KNOB_ENV = "OBSERVES_KNOB"\n"""Turns the ``knob``; read by\n'
                      'target-x."""\n')
    (tmp_path / "taps" / "tap_x").mkdir(parents=True)
    (tmp_path / "taps" / "tap_x" / "tap.py").write_text(
        "from observes_singer.knob import KNOB_ENV\n")
    (variable,) = update_docs.environment_variables(tmp_path)
    assert (variable.name, variable.description, variable.defined_in, variable.used_in) == (
        "OBSERVES_KNOB", "Turns the `knob`; read by target-x.", "observes_singer/knob.py",
        {"taps/tap_x/tap.py"})


# --- The README and the site ------------------------------------------------------------------


def test_the_readme_starts_with_the_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    test_command = "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/pytest"
    assert readme.startswith(f"# Observes Singer\n\n```sh\n{test_command}\n"
                             ".venv/bin/observes demo\n```\n")
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()
    assert len(readme.splitlines()) <= 200


def test_the_readme_links_to_files_that_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    local = [link for link in links if "://" not in link]
    assert local and all((ROOT / link).is_file() for link in local), local


def test_the_site_builds_without_a_warning(tmp_path: Path) -> None:
    for module in ("mkdocs", "material"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[dev]' installs it)")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "reference" / "environment" / "index.html").is_file()


# --- Every tap describes itself ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(name for name in scripts() if name.startswith("tap-")))
def test_every_tap_gives_its_description_and_version(name: str) -> None:
    result = subprocess.run([sys.executable, "-c", update_docs.RUN_SCRIPT, name, scripts()[name],
                             "--about", "--format", "json"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    about = json.loads(result.stdout)
    assert about["name"] == name
    assert isinstance(about["description"], str) and about["description"].strip()
    assert "\n" not in about["description"]
    assert about["version"] == metadata.version("observes-singer") == observes_singer.__version__


def test_a_tap_description_is_its_docstring_on_one_line() -> None:
    from observes_singer.tapkit.tap import SourceTap

    class TapX(SourceTap):
        """Reads the X source's widgets
        and gadgets.

        More for developers."""

        name = "tap-x"

    class TapY(SourceTap):
        name = "tap-y"

    assert TapX.about_description() == "Reads the X source's widgets and gadgets."
    assert TapY.about_description() is None
    assert TapX.package_name == "observes-singer"
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"] == \
        "observes-singer"
