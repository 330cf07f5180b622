"""A table's grants as the catalog lists them (``relacl``), read back as GRANT statements
to carry over to the table that replaces it.

The catalog is read with ``array_to_string(relacl, ',')``, as AWS's own admin views do
(amazon-redshift-utils, ``v_get_obj_priv_by_user``): Redshift descends from PostgreSQL
8.0, which cannot cast an array to text. Its items are ``grantee=letters/grantor``,
``group name=...`` for a group and an empty grantee for PUBLIC; a letter followed by
``*`` carries the grant option.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from observes_singer.flatten.identifiers import quote

#: PostgreSQL's privilege letters (``aclitem``), by the GRANT keyword each stands for.
POSTGRES_PRIVILEGES = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE",
                       "D": "TRUNCATE", "x": "REFERENCES", "t": "TRIGGER"}
#: Redshift's: ``D`` is DROP there, and its GRANT has no TRUNCATE nor TRIGGER (Amazon
#: Redshift Database Developer Guide, GRANT: SELECT, INSERT, UPDATE, DELETE, DROP,
#: REFERENCES).
REDSHIFT_PRIVILEGES = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE",
                       "D": "DROP", "x": "REFERENCES"}


@dataclass
class Grants:
    """The GRANTs to give a table built anew, and what of the old one's cannot be given."""

    grants: list[tuple[str, list[str]]] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)


def parse_acl(text: Any) -> list[str]:
    """The items of an ``aclitem[]`` as ``array_to_string(relacl, ',')`` gives them."""
    if not text:
        return []
    return [item for item in str(text).split(",") if item]


def grants_of(items: list[str], owner: str, privileges: dict[str, str]) -> Grants:
    """``GRANT`` targets and privileges from acl items, named as ``privileges`` names
    the letters; the owner's own are implicit. A grant option, or a letter the
    warehouse's GRANT has no word for, is listed in ``not_carried``."""
    found = Grants()
    for item in items:
        grantee, _, rest = item.rpartition("=")
        if grantee.startswith('"') and grantee.endswith('"'):
            grantee = grantee[1:-1].replace('""', '"')
        letters = rest.split("/", 1)[0]
        if grantee == owner:
            continue
        named = [privileges[ch] for ch in letters if ch in privileges]
        shown = grantee or "PUBLIC"
        unknown = sorted({ch for ch in letters if ch not in privileges and ch != "*"})
        if unknown:
            found.not_carried.append(f"privileges {''.join(unknown)} of {shown}")
        if "*" in letters:
            found.not_carried.append(f"the grant option of {shown}")
        if not named:
            continue
        if not grantee:
            target = "PUBLIC"
        elif grantee.startswith("group "):
            target = "GROUP " + quote(grantee[len("group "):])
        else:
            target = quote(grantee)
        found.grants.append((target, named))
    return found
