"""Process environment that points every AWS SDK at fake credentials and nothing real."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

FAKE_CREDENTIALS: Mapping[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    # No shared config or credentials files and no instance metadata: a developer's
    # profile must never be picked up, and the metadata lookup only adds timeouts.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}

REMOVED_PREFIXES = ("AWS_", "BOTO_")
"""Any other AWS_* / BOTO_* variable (profiles, session tokens, role ARNs, endpoint overrides)
could redirect the SDKs, so all of them are removed for the duration."""


@contextmanager
def fake_aws_environment() -> Iterator[None]:
    """Apply :data:`FAKE_CREDENTIALS` and restore the environment exactly on exit."""
    touched = {name for name in os.environ if name.startswith(REMOVED_PREFIXES)}
    touched.update(FAKE_CREDENTIALS)
    saved = {name: os.environ[name] for name in touched if name in os.environ}
    for name in touched:
        os.environ.pop(name, None)
    os.environ.update(FAKE_CREDENTIALS)
    try:
        yield
    finally:
        for name in touched:
            os.environ.pop(name, None)
        os.environ.update(saved)
