"""Every AWS API operation the project's code can call, read from its source, and the IAM
actions each one needs.

A test process sees only the calls its scenario reaches; the source holds every one. A
call is a method named after an operation of a service whose clients its package makes
(``client("batch")``, ``boto3.client("s3")``, ``session.client("dynamodb")``: a client is
made and used in one package), a paginator of one (``get_paginator("list_objects_v2")``),
or one of the transfer methods boto3 adds to S3 clients.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import botocore.session
from botocore import xform_name
from botocore.model import ServiceModel

from tests.support.paths import REPO

RUNTIME = ("observes_singer", "taps", "targets", "tools")
"""The folders of the code that runs (the sample servers in taps/*/sample/ do not)."""

TRANSFERS = {"upload_fileobj": ("PutObject", "CreateMultipartUpload", "UploadPart",
                                "CompleteMultipartUpload", "AbortMultipartUpload"),
             "upload_file": ("PutObject", "CreateMultipartUpload", "UploadPart",
                             "CompleteMultipartUpload", "AbortMultipartUpload"),
             "download_fileobj": ("HeadObject", "GetObject"),
             "download_file": ("HeadObject", "GetObject")}
"""S3's transfer methods (s3transfer): a single PUT, or a multipart upload above the
threshold, aborted when it fails."""

S3_ACTIONS = {"ListObjectsV2": ("s3:ListBucket",),
              "HeadObject": ("s3:GetObject",),
              "HeadBucket": ("s3:ListBucket",),
              "DeleteObjects": ("s3:DeleteObject",),
              "CreateMultipartUpload": ("s3:PutObject",),
              "UploadPart": ("s3:PutObject",),
              "CompleteMultipartUpload": ("s3:PutObject",)}
"""S3 operations whose IAM action is not named after them, from the Permissions section of
each operation in the Amazon S3 API Reference (read 2026-12-07)."""

SQS_ACTIONS = {"ChangeMessageVisibilityBatch": ("sqs:ChangeMessageVisibility",),
               "DeleteMessageBatch": ("sqs:DeleteMessage",),
               "SendMessageBatch": ("sqs:SendMessage",)}
"""SQS's batch operations, which IAM authorizes as the single action (Amazon SQS Developer
Guide, "Amazon SQS API permissions: Actions and resource reference", read 2026-12-07)."""

ALSO_NEEDED = {("s3", "GetObject"): ("s3:ListBucket",),
               ("s3", "HeadObject"): ("s3:ListBucket",),
               ("batch", "SubmitJob"): ("batch:TagResource",),
               ("batch", "RegisterJobDefinition"): ("batch:TagResource", "iam:PassRole"),
               ("scheduler", "CreateSchedule"): ("iam:PassRole",),
               ("scheduler", "UpdateSchedule"): ("iam:PassRole",)}
"""What else a call needs, as the code makes it: S3 answers a missing key with 403 rather
than 404 to whoever may not list the bucket (GetObject, HeadObject in the S3 API Reference,
read 2026-12-07), and the state store and the lease read a missing object as "none yet";
submit tags its jobs and deploy its job definitions (``tags``, which AWS Batch authorizes
as ``batch:TagResource``); deploy hands the roles to Batch and Scheduler."""


@dataclass(frozen=True)
class Call:
    """One operation called in the source: ``s3.PutObject`` at ``observes_singer/...:226``."""

    service: str
    operation: str
    path: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def actions(self) -> tuple[str, ...]:
        """The IAM actions the call needs."""
        own = {"s3": S3_ACTIONS, "sqs": SQS_ACTIONS}.get(self.service, {}).get(self.operation)
        if own is None:
            own = (f"{_prefix(self.service)}:{self.operation}",)
        return own + ALSO_NEEDED.get((self.service, self.operation), ())


def runtime_files() -> Iterator[Path]:
    for folder in RUNTIME:
        for path in sorted((REPO / folder).rglob("*.py")):
            if "sample" not in path.relative_to(REPO).parts:
                yield path


def calls() -> list[Call]:
    """Every AWS operation called in the runtime code, one entry per call site."""
    trees = {path: ast.parse(path.read_text(), str(path)) for path in runtime_files()}
    made: dict[Path, set[str]] = {}
    for path, tree in trees.items():
        made.setdefault(path.parent, set()).update(_clients_made(tree))
    found: list[Call] = []
    for path, tree in trees.items():
        relative = path.relative_to(REPO).as_posix()
        services = made[path.parent]
        methods = _methods(frozenset(services))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name = node.func.attr
            if name == "get_paginator" and node.args and isinstance(node.args[0], ast.Constant):
                name = str(node.args[0].value)
            if name in TRANSFERS and "s3" in services:
                found += [Call("s3", operation, relative, node.lineno)
                          for operation in TRANSFERS[name]]
                continue
            owners = methods.get(name, [])
            if len(owners) > 1:
                raise AssertionError(f"{relative}:{node.lineno}: {name} is an operation of "
                                     f"{', '.join(s for s, _ in owners)}: say which here")
            found += [Call(service, operation, relative, node.lineno)
                      for service, operation in owners]
    return found


def _clients_made(tree: ast.AST) -> Iterator[str]:
    """The services of the clients made in ``tree``: the first argument, a literal, of a
    call to a function or method whose name ends in ``client``."""
    known = _services()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else \
                func.id if isinstance(func, ast.Name) else ""
            if name.endswith("client") and node.args[0].value in known:
                yield str(node.args[0].value)


@cache
def _methods(services: frozenset[str]) -> dict[str, list[tuple[str, str]]]:
    """boto3 method name -> (service, operation) of ``services``."""
    methods: dict[str, list[tuple[str, str]]] = {}
    for service in sorted(services):
        for operation in _model(service).operation_names:
            methods.setdefault(xform_name(operation), []).append((service, operation))
    return methods


@cache
def _services() -> frozenset[str]:
    return frozenset(botocore.session.get_session().get_available_services())


@cache
def _model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def _prefix(service: str) -> str:
    """The IAM service prefix: the service's signing name (``scheduler``, ``dynamodb``)."""
    metadata = _model(service).metadata
    return str(metadata.get("signingName") or metadata["endpointPrefix"])
