"""A table's grants as the catalog lists them (``relacl``), read back as GRANT statements
to carry over to the table that replaces it.
"""

from __future__ import annotations

import re
from typing import Any

from observes_singer.flatten.identifiers import quote

_ACL_ITEM = re.compile(r'"((?:[^"\\]|\\.)*)"|([^,{}]+)')


_PRIVILEGES = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "D": "TRUNCATE",
               "x": "REFERENCES", "t": "TRIGGER"}


def parse_acl(text: Any) -> list[str]:
    """The items of an ``aclitem[]`` in its text form: ``{a=r/b,"group x=r/b"}``."""
    if not text:
        return []
    return [quoted.replace('\\"', '"') if quoted else plain
            for quoted, plain in _ACL_ITEM.findall(str(text)) if quoted or plain]


def grants_of(items: list[str], owner: str) -> list[tuple[str, list[str]]]:
    """``GRANT`` targets and privileges from acl items; the owner's own are implicit."""
    grants = []
    for item in items:
        grantee, _, rest = item.partition("=")
        letters = rest.split("/", 1)[0]
        privileges = [_PRIVILEGES[ch] for ch in letters if ch in _PRIVILEGES]
        if not privileges or grantee == owner:
            continue
        if not grantee:
            target = "PUBLIC"
        elif grantee.startswith("group "):
            target = "GROUP " + quote(grantee[len("group "):])
        else:
            target = quote(grantee)
        grants.append((target, privileges))
    return grants
