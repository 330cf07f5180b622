"""The optional group-to-organisation mapping: a JSON object ``{"group": "org"}`` or a CSV
with ``group`` and ``organization`` columns, from a storage URL (``s3://``, a path) or an
``https://`` URL."""

from __future__ import annotations

import csv
import io

import orjson
import requests

from observes_singer.store.storage import BlobStore, StorageError


class OrganizationsError(Exception):
    """The mapping cannot be read or is not of the expected shape."""


def read_organizations(url: str, blobs: BlobStore) -> dict[str, str]:
    data = _fetch(url, blobs)
    text = data.decode("utf-8-sig")
    if text.lstrip().startswith("{"):
        try:
            mapping = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise OrganizationsError(f"{url}: not valid JSON ({exc})") from None
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            raise OrganizationsError(f'{url}: expected {{"group": "organization", ...}}')
        return dict(mapping)
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"group", "organization"} <= set(reader.fieldnames):
        raise OrganizationsError(f"{url}: a CSV mapping needs the columns group and "
                                 "organization")
    return {row["group"]: row["organization"] for row in reader}


def _fetch(url: str, blobs: BlobStore) -> bytes:
    if url.startswith(("https://", "http://")):
        try:
            answer = requests.get(url, timeout=60)
            answer.raise_for_status()
        except requests.RequestException as exc:
            shown = url.split("?", 1)[0]  # a query string may hold a token
            raise OrganizationsError(f"cannot read the organisations from {shown}: "
                                     f"{type(exc).__name__}") from None
        return answer.content
    try:
        return blobs.read_bytes(url)
    except StorageError as exc:
        raise OrganizationsError(f"cannot read the organisations: {exc}") from None
