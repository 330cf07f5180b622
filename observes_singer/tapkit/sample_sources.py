"""Sample sources: a tap's sample server, found by the core through an entry point.

A tap offers one in the ``observes.sample_servers`` entry point group (pyproject:
``[project.entry-points."observes.sample_servers"] gitlab =
"tap_gitlab.sample.server:demo_source"``): a function that starts its sample server and
returns a :class:`SampleSource` saying how to run the tap against it. The core (``observes
demo``) finds it by name, so that it never imports a tap.

A tap keeps its sample server in its ``sample/`` subpackage, which an install may leave out
(the Batch image does) while the entry point stays declared: asking for it then is a
:class:`SampleSourceError` saying so, not an import traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

GROUP = "observes.sample_servers"


class SampleSourceError(LookupError):
    """No installed tap offers a sample source of that name."""


@dataclass
class SampleSource:
    """A running sample server, and the tap that reads it.

    ``name`` is the source's name for people ("GitLab"), ``schema`` the warehouse schema
    its production job (``jobs/<entry point name>.toml``) loads into, which the demo loads
    into too, so that SQL written against the demo runs in production; ``summary`` what
    the sample holds ("2 projects"), ``real_run`` the command that runs the same job on
    real data.
    ``calls()`` counts the requests served so far; ``close()`` stops the server.
    ``target_settings`` are what the demo gives target-redshift besides its URL and
    schema (by default every stream upserted; a source whose configuration streams must
    drop deleted rows says ``{"streams": {"checks": {"load_method": "replace"}}, ...}``).
    """

    name: str
    url: str
    tap_command: list[str]
    tap_config: dict[str, Any]
    calls: Callable[[], int]
    close: Callable[[], None]
    schema: str
    summary: str = ""
    real_run: str = ""
    target_settings: dict[str, Any] = field(
        default_factory=lambda: {"load_method": "upsert"})

    def __enter__(self) -> SampleSource:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def sample_source_names() -> list[str]:
    return sorted(e.name for e in entry_points(group=GROUP))


def start_sample_source(name: str, **options: Any) -> SampleSource:
    """Start the sample source ``name`` with the options its tap accepts."""
    found = [e for e in entry_points(group=GROUP) if e.name == name]
    if not found:
        known = ", ".join(sample_source_names()) or "none"
        raise SampleSourceError(
            f"no sample source {name!r} is installed (entry point group {GROUP}; installed: "
            f"{known}); install the tap that offers it (pip install -e . in this "
            "repository)")
    start = _load(found[0])
    source = start(**options)
    if not isinstance(source, SampleSource):
        raise SampleSourceError(f"{found[0].value} returned {type(source).__name__}, not a "
                                "SampleSource")
    return source


def _load(entry: EntryPoint) -> Callable[..., Any]:
    """The entry point's function; a clear error when its module is not installed."""
    try:
        start: Callable[..., Any] = entry.load()
    except ModuleNotFoundError as exc:
        module = entry.module
        if exc.name is None or not (module == exc.name or module.startswith(f"{exc.name}.")):
            raise  # the module is there, and something it imports is not
        raise SampleSourceError(
            f"the sample source {entry.name!r} is declared ({GROUP}: {entry.value}) but "
            f"{module} is not installed: this install leaves the sample servers out (as "
            "the Batch image does); run the demo from a checkout (pip install -e .)"
        ) from None
    return start
