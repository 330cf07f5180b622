"""README.md's settings tables are the plugins' own (scripts/update_readme.py makes them)."""

from __future__ import annotations

import importlib.util
import json
import re
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

SCRIPT = ROOT / "scripts" / "update_readme.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_readme", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


update_readme = load_script()
NAMES = [plugin.name for plugin in update_readme.PLUGINS]


@pytest.fixture(scope="module")
def tables() -> dict[str, str]:
    result: dict[str, str] = update_readme.generated_tables()
    return result


@pytest.mark.parametrize("name", NAMES)
def test_the_readme_settings_are_up_to_date(tables: dict[str, str], name: str) -> None:
    text = (ROOT / "README.md").read_text()
    if name in update_readme.out_of_date(text, tables):
        pytest.fail(f"README settings for {name} are out of date; run python "
                    "scripts/update_readme.py", pytrace=False)


def test_every_setting_is_in_its_table(tables: dict[str, str]) -> None:
    from target_redshift.config import CONFIG_KEYS as REDSHIFT_KEYS
    from target_s3.config import CONFIG_KEYS as S3_KEYS

    for name, keys in (("target-redshift", REDSHIFT_KEYS), ("target-s3", S3_KEYS)):
        assert [line.split("`")[1] for line in tables[name].splitlines()
                if line.startswith("| `")] == list(keys)
    gitlab = tables["tap-gitlab"]
    assert gitlab.startswith("| setting | type | default | meaning |")
    assert ("| `private_token` | string, required, secret |  | A token with read_api"
            in gitlab)
    assert "| `offset_page_limit` | integer, 1 or more | `400` |" in gitlab
    assert "| `stream_maps` |" not in gitlab  # singer-sdk's, named after the table
    assert "`stream_maps`, `stream_map_config`," in gitlab


def test_the_check_names_what_is_stale_and_the_update_fixes_it(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    text = (ROOT / "README.md").read_text()
    begin = "<!-- settings:target-s3 -->"
    start = text.index(begin)
    end = text.index("<!-- /settings:target-s3 -->")
    readme.write_text(text[:start] + begin + "\n| setting | meaning |\n|---|---|\n| `url` | "
                      "hand-written |\n" + text[end:])

    def script(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(SCRIPT), "--readme", str(readme), *args],
                              capture_output=True, text=True, timeout=300, check=False)

    check = script("--check")
    assert check.returncode == 1
    assert check.stderr == ("README settings for target-s3 are out of date; run python "
                            "scripts/update_readme.py\n")
    assert readme.read_text() != text
    update = script()
    assert update.returncode == 0, update.stderr
    assert "updated the settings of target-s3" in update.stderr
    assert readme.read_text() == text  # the rest of the file as it was
    assert script("--check").returncode == 0


def test_missing_markers_are_an_error(tables: dict[str, str]) -> None:
    with pytest.raises(update_readme.ReadmeError, match=re.escape(
            "must hold <!-- settings:target-redshift --> ... "
            "<!-- /settings:target-redshift --> once, found 0 times")):
        update_readme.render("no markers here\n", tables)


def about(properties: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"settings": {"type": "object", "properties": properties}, **more}


def test_the_table_keeps_what_the_description_says() -> None:
    plugin = update_readme.PLUGINS[0]
    text = update_readme.table(plugin, about({
        "url": {"description": "a|b or c\\, <x>\n  more"},
        "load_method": {"description": "ours, not singer-sdk's"}}),
        frozenset({"load_method"}))
    assert text.splitlines() == [
        "| setting | meaning |", "|---|---|",
        "| `url` | a\\|b or c\\\\, &lt;x> more |",
        "| `load_method` | ours, not singer-sdk's |"]  # not built on singer-sdk


def test_types_defaults_and_singer_sdk_settings() -> None:
    plugin = update_readme.PLUGINS[2]
    document = about({
        "when": {"type": ["string", "null"], "format": "date-time", "description": "d"},
        "size": {"type": ["integer"], "minimum": 1, "default": 10},
        "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
        "ids": {"type": ["array", "null"], "items": {"type": ["integer"]}},
        "stream_maps": {"type": ["object"], "description": "sdk"}},
        sdk_version="0.54.9")
    document["settings"]["required"] = ["size"]
    assert update_readme.table(plugin, document, frozenset({"stream_maps"})).splitlines() == [
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


def scripts() -> dict[str, str]:
    """pyproject.toml's console scripts: name -> ``module:function``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(project["scripts"])


# Runs a console script's function as the script would, under the script's name.
RUN_SCRIPT = ("import sys; from importlib import import_module; sys.argv[0] = sys.argv.pop(1); "
              "module, _, function = sys.argv.pop(1).partition(':'); "
              "sys.exit(getattr(import_module(module), function)())")


@pytest.mark.parametrize("name", sorted(name for name in scripts() if name.startswith("tap-")))
def test_every_tap_gives_its_description_and_version(name: str) -> None:
    result = subprocess.run([sys.executable, "-c", RUN_SCRIPT, name, scripts()[name],
                             "--about", "--format", "json"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    about = json.loads(result.stdout)
    assert about["name"] == name
    assert isinstance(about["description"], str) and about["description"].strip()
    assert "\n" not in about["description"]
    assert about["version"] == metadata.version("observes-singer") == observes_singer.__version__
