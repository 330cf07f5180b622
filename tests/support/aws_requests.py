"""Every AWS request the code makes in a test, checked against botocore's service model.

moto accepts what AWS refuses: a lower-case enum value, a name past its maximum length,
one that breaks its pattern. botocore's client checks only types, required members and
minimums before it sends (maximums, enums and patterns are left to the service), so the
requests are captured as the code makes them and checked here against the whole model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from botocore.validate import ParamValidator


@dataclass(frozen=True)
class Request:
    """One API call: ``batch.RegisterJobDefinition`` and its parameters."""

    service: str
    operation: OperationModel
    params: dict[str, Any]

    @property
    def call(self) -> str:
        return f"{self.service}.{self.operation.name}"

    def problems(self) -> list[str]:
        """What AWS would refuse, each as ``call: field: why``."""
        found: list[str] = []
        shape = self.operation.input_shape
        if shape is None:
            return found
        report = ParamValidator().validate(self.params, shape)
        if report.has_errors():
            found += [f"{self.call}: {line.strip()}"
                      for line in report.generate_report().splitlines()[1:] if line.strip()]
        found += [f"{self.call}: {where}: {why}"
                  for where, why in _constraints(self.params, shape, "")]
        return found


@dataclass
class Requests:
    """The requests captured so far."""

    made: list[Request] = field(default_factory=list)

    def calls(self) -> set[str]:
        return {request.call for request in self.made}

    def problems(self) -> list[str]:
        return [problem for request in self.made for problem in request.problems()]


@contextmanager
def captured() -> Iterator[Requests]:
    """Capture every API call of every botocore client in this process."""
    requests = Requests()
    original = BaseClient._make_api_call

    def capture(client: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        model = client.meta.service_model
        requests.made.append(Request(model.service_name, model.operation_model(operation_name),
                                     dict(api_params)))
        return original(client, operation_name, api_params)

    BaseClient._make_api_call = capture  # type: ignore[method-assign]
    try:
        yield requests
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def _constraints(value: Any, shape: Shape, where: str) -> Iterator[tuple[str, str]]:
    """The maximums, enums and patterns of ``shape`` that ``value`` breaks."""
    metadata = shape.metadata
    name = where or "(input)"
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for key, member in value.items():
            if key in shape.members:
                yield from _constraints(member, shape.members[key],
                                        f"{where}.{key}" if where else key)
        return
    if isinstance(shape, ListShape) and isinstance(value, list | tuple):
        if "max" in metadata and len(value) > metadata["max"]:
            yield name, f"{len(value)} items, at most {metadata['max']}"
        for index, item in enumerate(value):
            yield from _constraints(item, shape.member, f"{where}[{index}]")
        return
    if isinstance(shape, MapShape) and isinstance(value, dict):
        if "max" in metadata and len(value) > metadata["max"]:
            yield name, f"{len(value)} entries, at most {metadata['max']}"
        for key, item in value.items():
            yield from _constraints(key, shape.key, f"{where} key {key!r}")
            yield from _constraints(item, shape.value, f"{where}[{key!r}]")
        return
    if shape.type_name == "string" and isinstance(value, str):
        if "max" in metadata and len(value) > metadata["max"]:
            yield name, f"{len(value)} characters, at most {metadata['max']}"
        if shape.enum and value not in shape.enum:
            yield name, f"{value!r} is not one of {', '.join(shape.enum)}"
        pattern = _pattern(metadata.get("pattern"))
        if pattern is not None and pattern.search(value) is None:
            yield name, f"{value!r} does not match {pattern.pattern}"
    elif shape.type_name in ("integer", "long") and isinstance(value, int) \
            and "max" in metadata and value > metadata["max"]:
        yield name, f"{value} is above the maximum {metadata['max']}"


def _pattern(pattern: str | None) -> re.Pattern[str] | None:
    """The model's pattern, or None when there is none or it is Java's alone (\\p{...})."""
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None
