"""The scheduled submissions EventBridge Scheduler gave up on, read from its dead-letter
queue for ``observes batch report-failures``.

When a schedule cannot submit its job after its retry policy, Scheduler sends a
dead-letter event to the schedule's SQS queue: the target's input as the body, and what
failed as message attributes (``ERROR_CODE``, ``ERROR_MESSAGE``, ``SCHEDULE_ARN``,
``TARGET_ARN``, ``RETRY_ATTEMPTS``, ``EXHAUSTED_RETRY_CONDITION``; EventBridge Scheduler
User Guide, "Configuring a dead-letter queue", configuring-schedule-dlq.html, read
2026-12-07).

The queue is only read, never emptied: each message is received (hidden from others while
the queue is read through), then made visible again at once
(``ChangeMessageVisibilityBatch`` to 0), so that every report sees it until someone deals
with it and deletes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from observes_singer.batch.aws import aws_errors

RECEIVE_LIMIT = 10  # messages a ReceiveMessage returns at most
READ_AT_MOST = 1000  # messages one report reads
HIDDEN_WHILE_READ = 60  # seconds: longer than reading the queue takes


@dataclass(frozen=True)
class DeadLetter:
    """One submission Scheduler could not make."""

    schedule: str  # the schedule's name (PREFIX-JOB), else the job name it submits
    sent: datetime | None
    reason: str


def queue_url(sqs: Any, arn: str) -> str:
    """The URL of the queue ``arn`` (arn:aws:sqs:REGION:ACCOUNT:NAME)."""
    *_, account, name = arn.split(":")
    with aws_errors(f"find the dead-letter queue {arn}"):
        url: str = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    return url


def read(sqs: Any, arn: str) -> list[DeadLetter]:
    """Every dead-letter event in the queue (up to :data:`READ_AT_MOST`), oldest first,
    each left in the queue."""
    url = queue_url(sqs, arn)
    messages = list(_received(sqs, url, arn))
    _release(sqs, url, arn, messages)
    letters = [_letter(message) for message in messages]
    return sorted(letters, key=lambda letter: letter.sent or datetime.min.replace(tzinfo=UTC))


def _received(sqs: Any, url: str, arn: str) -> Iterator[dict[str, Any]]:
    seen: set[str] = set()
    while len(seen) < READ_AT_MOST:
        with aws_errors(f"read the dead-letter queue {arn}"):
            batch = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=RECEIVE_LIMIT, WaitTimeSeconds=1,
                VisibilityTimeout=HIDDEN_WHILE_READ, MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["SentTimestamp"]).get("Messages", [])
        new = [m for m in batch if m["MessageId"] not in seen]
        if not new:
            return
        seen.update(m["MessageId"] for m in new)
        yield from new


def _release(sqs: Any, url: str, arn: str, messages: list[dict[str, Any]]) -> None:
    """Make the messages visible again now: a report reads the queue, it does not take."""
    for start in range(0, len(messages), RECEIVE_LIMIT):
        entries = [{"Id": str(index), "ReceiptHandle": message["ReceiptHandle"],
                    "VisibilityTimeout": 0}
                   for index, message in enumerate(messages[start:start + RECEIVE_LIMIT])]
        with aws_errors(f"leave the messages in the dead-letter queue {arn}"):
            sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)


def _letter(message: dict[str, Any]) -> DeadLetter:
    attributes = {name: str(value.get("StringValue", ""))
                  for name, value in (message.get("MessageAttributes") or {}).items()}
    schedule = attributes.get("SCHEDULE_ARN", "").rpartition("/")[2] or \
        _job_name(message.get("Body", ""))
    reason = ": ".join(part for part in (attributes.get("ERROR_CODE"),
                                         attributes.get("ERROR_MESSAGE")) if part)
    sent = (message.get("Attributes") or {}).get("SentTimestamp")
    return DeadLetter(schedule=schedule,
                      sent=datetime.fromtimestamp(int(sent) / 1000, UTC) if sent else None,
                      reason=reason or "Scheduler could not submit the job")


def _job_name(body: str) -> str:
    """The ``JobName`` of the ``SubmitJob`` input the event carries (a launcher's name
    without its ``-launcher``), or empty."""
    try:
        name = json.loads(body).get("JobName", "")
    except (ValueError, AttributeError):
        return ""
    return str(name).removesuffix("-launcher")
