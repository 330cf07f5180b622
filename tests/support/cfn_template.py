"""A CloudFormation template read as AWS would create it, as far as IAM is concerned: its
intrinsic functions resolved for given parameters, and what each role's policies allow.

Only what deploy/observes.yaml uses is resolved: ``Ref``, ``Fn::Sub``, ``Fn::GetAtt``,
``Fn::If`` and conditions of ``Fn::Equals``, ``Fn::Not``, ``Fn::And`` and ``Fn::Or``; the
ARN a resource would get is built from its properties, in account ``ACCOUNT`` and region
``REGION``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

ACCOUNT = "123456789012"
REGION = "us-east-1"
_NO_VALUE = object()
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass(frozen=True)
class Statement:
    """An IAM policy statement, its resources resolved."""

    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: Mapping[str, Any] | None

    def allows(self, action: str, resource: str | None = None) -> bool:
        """Whether it allows ``action`` (on ``resource``, when given), wildcards as IAM reads
        them (actions in any case)."""
        if self.effect != "Allow":
            return False
        if not any(fnmatchcase(action.lower(), pattern.lower()) for pattern in self.actions):
            return False
        return resource is None or any(fnmatchcase(resource, pattern)
                                       for pattern in self.resources)


@dataclass
class Template:
    """The template in ``path`` with ``parameters`` given (the others at their defaults)."""

    path: Path
    parameters: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        body, problems = decode_str(self.path.read_text())
        if problems or body is None:
            raise AssertionError(f"{self.path}: {problems}")
        self.body: dict[str, Any] = body

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.body["Resources"]
        return resources

    def of_type(self, kind: str) -> list[str]:
        return [name for name, resource in self.resources.items() if resource["Type"] == kind]

    def statements(self, name: str) -> list[Statement]:
        """The statements of the role or managed policy ``name``, with the managed
        policies of this template the role has."""
        properties = self.resources[name]["Properties"]
        documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        if "PolicyDocument" in properties:
            documents.append(properties["PolicyDocument"])
        found = [statement for document in documents
                 for statement in self._statements(document)]
        for arn in properties.get("ManagedPolicyArns", []):
            if isinstance(arn, dict) and "Fn::If" in arn:
                condition, when_true, when_false = arn["Fn::If"]
                arn = when_true if self.condition(condition) else when_false
            if isinstance(arn, dict) and arn.get("Ref") in self.resources:
                found += self.statements(arn["Ref"])
        return found

    def allows(self, name: str, action: str, resource: str | None = None) -> bool:
        return any(statement.allows(action, resource) for statement in self.statements(name))

    def value(self, node: Any) -> Any:
        """``node`` with its intrinsic functions resolved; ``AWS::NoValue`` left out."""
        if isinstance(node, list):
            resolved = [self.value(item) for item in node]
            return [item for item in resolved if item is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            [(key, argument)] = node.items()
            if key == "Ref":
                return self._ref(str(argument))
            if key == "Fn::GetAtt":
                logical, attribute = argument if isinstance(argument, list) else \
                    str(argument).split(".", 1)
                return self._attribute(logical, attribute)
            if key == "Fn::Sub":
                return _SUB.sub(lambda match: str(self._variable(match.group(1))), argument)
            if key == "Fn::If":
                condition, when_true, when_false = argument
                return self.value(when_true if self.condition(condition) else when_false)
        return {key: self.value(item) for key, item in node.items()}

    def condition(self, name: str) -> bool:
        return self._true(self.body["Conditions"][name])

    def _true(self, node: Any) -> bool:
        [(key, argument)] = node.items()
        if key == "Fn::Equals":
            return bool(self.value(argument[0]) == self.value(argument[1]))
        if key == "Fn::Not":
            return not self._true(argument[0])
        if key == "Fn::And":
            return all(self._true(item) for item in argument)
        if key == "Fn::Or":
            return any(self._true(item) for item in argument)
        if key == "Condition":
            return self.condition(argument)
        raise AssertionError(f"condition {node} is not resolved here")

    def _statements(self, document: Any) -> Iterator[Statement]:
        statements = self.value(document)["Statement"]
        for statement in statements if isinstance(statements, list) else [statements]:
            actions, resources = statement["Action"], statement.get("Resource", [])
            yield Statement(statement["Effect"],
                            tuple(actions if isinstance(actions, list) else [actions]),
                            tuple(resources if isinstance(resources, list) else [resources]),
                            statement.get("Condition"))

    def _variable(self, name: str) -> Any:
        if "." in name and not name.startswith("AWS::"):
            logical, attribute = name.split(".", 1)
            return self._attribute(logical, attribute)
        return self._ref(name)

    def _ref(self, name: str) -> Any:
        pseudo = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
                  "AWS::StackName": "observes", "AWS::NoValue": _NO_VALUE,
                  "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/observes/1"}
        if name in pseudo:
            return pseudo[name]
        if name in self.body.get("Parameters", {}):
            return self.parameters.get(name, self.body["Parameters"][name].get("Default"))
        resource = self.resources[name]
        properties = self.value(resource.get("Properties", {}))
        kind = resource["Type"]
        if kind == "AWS::S3::Bucket":
            return properties["BucketName"]
        if kind == "AWS::Batch::JobQueue":
            return f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/{properties['JobQueueName']}"
        if kind == "AWS::IAM::ManagedPolicy":
            return f"arn:aws:iam::{ACCOUNT}:policy/{name}"
        return f"<{name}>"

    def _attribute(self, logical: str, attribute: str) -> Any:
        resource = self.resources[logical]
        kind = resource["Type"]
        if attribute == "Arn":
            if kind == "AWS::S3::Bucket":
                return f"arn:aws:s3:::{self._ref(logical)}"
            if kind == "AWS::IAM::Role":
                return f"arn:aws:iam::{ACCOUNT}:role/{logical}"
            if kind == "AWS::Logs::LogGroup":
                group = self.value(resource["Properties"]["LogGroupName"])
                return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*"
        return f"<{logical}.{attribute}>"
