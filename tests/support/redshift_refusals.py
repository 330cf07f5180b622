"""What Amazon Redshift refuses, or does otherwise, where PostgreSQL would go along.

The Redshift shim (:mod:`tests.support.redshift_shim`) passes each statement through
:func:`redshift_statement` before PostgreSQL sees it, so that the tests on the redshift
dialect fail where a real cluster would. Each rule names the page of the Amazon Redshift
Database Developer Guide (or AWS's amazon-redshift-utils) it comes from.

Beside these rules, each with its sources: ``COPY``'s ``NULL AS`` matching quoted fields
too (:mod:`tests.support.redshift_copy`); column compression encodings, their catalogue, a
table's ``ENCODE AUTO`` and ``SVV_TABLE_INFO`` (:mod:`tests.support.redshift_encodings`: a
``CREATE TABLE`` with both a column's ``ENCODE`` and the table's ``ENCODE AUTO`` is not
refused, as no page says Redshift refuses it, but recorded as undefined) and the
serializable isolation violation, error
1023, on demand (:mod:`tests.support.redshift_conflicts`), both on the shim's objects in
each database (:mod:`tests.support.redshift_catalog`); ``COPY``'s 4 MB input row
(:mod:`tests.support.s3_load`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SYNTAX_ERROR = "42601"
FEATURE_NOT_SUPPORTED = "0A000"
CANNOT_COERCE = "42846"
DUPLICATE_COLUMN = "42701"
ACTIVE_SQL_TRANSACTION = "25001"

_PIECE = re.compile(r"""'(?:[^'\\]|''|\\.)*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/""", re.S)


@dataclass(frozen=True)
class Refusal:
    message: str
    sqlstate: str


def fold_identifiers(sql: str) -> str:
    """Delimited (double-quoted) identifiers with their ASCII letters in lower case.

    "Names and identifiers": ASCII letters in standard and delimited identifiers are
    case-insensitive and folded to lower case in the database (unless a session sets
    ``enable_case_sensitive_identifier``, which target-redshift does not)."""
    def fold(match: re.Match[str]) -> str:
        piece = match.group(0)
        if not piece.startswith('"'):
            return piece
        return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in piece)

    return _PIECE.sub(fold, sql)


def code_of(sql: str) -> str:
    """The statement with its string literals and comments blanked out."""
    return _PIECE.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "''", sql)


_ACL_TO_TEXT = re.compile(r"relacl\s*::\s*(?:text|varchar|character\s+varying)|"
                          r"cast\s*\(\s*[\w.]*relacl\s+as\s+(?:text|varchar)", re.I)
_GRANT = re.compile(r"^\s*grant\s+(?P<what>.*?)\s+on\s", re.I | re.S)


_DEFINES_COLUMNS = re.compile(r"\s*(?:create\s+(?:temporary\s+|temp\s+)?table|"
                              r"alter\s+table\s+.*\badd\s+column)\b", re.I | re.S)
_SYSTEM_COLUMN = re.compile(r'"(oid|tableoid|xmin|cmin|xmax|cmax|ctid|insertxid|deletexid)"'
                            r"\s+[a-z]", re.I)
_PLACEHOLDER = re.compile(r"\$(\d+)")
_ALTER_TYPE = re.compile(r"^\s*alter\s+table\s+(?P<table>.+?)\s+alter\s+column\s+"
                         r'(?P<column>"(?:[^"]|"")*"|\w+)\s+type\s+(?P<type>.+?)\s*;?\s*$',
                         re.I | re.S)
_VARCHAR_TYPE = re.compile(r"(?:varchar|character\s+varying)\s*\(\s*\d+\s*\)", re.I)


def refused_statement(refused: Refusal, sql: str) -> str:
    """A statement that fails with the refusal's message and takes the same parameters
    as ``sql`` (a Bind that carries them must still fit it)."""
    message = f"Redshift: {refused.message}".replace("'", "''")
    if not _PLACEHOLDER.search(code_of(sql)):
        return (f"DO $refused$ BEGIN RAISE EXCEPTION USING ERRCODE = '{refused.sqlstate}', "
                f"MESSAGE = '{message}'; END $refused$")
    return with_parameters_of(sql, f"CAST('{message}' AS integer)")


def with_parameters_of(sql: str, expression: str) -> str:
    """``SELECT expression``, taking the same parameters as ``sql``."""
    count = max((int(n) for n in _PLACEHOLDER.findall(code_of(sql))), default=0)
    if not count:
        return f"SELECT {expression}"
    params = ", ".join(f"${n}::text" for n in range(1, count + 1))
    return f"SELECT {expression} FROM (SELECT {params}) AS p"


_GRANT_DROP = re.compile(r"^(\s*grant\s+(?:[\w\s]+,\s*)*)drop\b", re.I)


def postgres_grant(sql: str) -> str:
    """A Redshift GRANT as PostgreSQL takes it: Redshift's DROP privilege is PostgreSQL's
    TRUNCATE, which both catalogues list as the letter ``D`` ("GRANT"; PostgreSQL has no
    DROP privilege)."""
    while (match := _GRANT_DROP.match(sql)) is not None:
        sql = f"{match.group(1)}TRUNCATE{sql[match.end():]}"
    return sql


def refusal(sql: str, in_transaction: bool = False) -> Refusal | None:
    """Why Redshift would refuse ``sql``, or None when it would run it (``in_transaction``:
    the session is inside a transaction block)."""
    code = code_of(sql)
    alter_type = _ALTER_TYPE.match(code)
    if alter_type:
        # ALTER TABLE, "ALTER COLUMN column_name TYPE updated_varchar_data_type_size":
        # only a VARCHAR's size changes, and never within a transaction block.
        if not _VARCHAR_TYPE.fullmatch(alter_type.group("type")):
            return Refusal("ALTER COLUMN TYPE only changes the size of a VARCHAR column",
                           FEATURE_NOT_SUPPORTED)
        if in_transaction:
            return Refusal("ALTER TABLE ALTER COLUMN cannot run inside a transaction block",
                           ACTIVE_SQL_TRANSACTION)
    if _ACL_TO_TEXT.search(code):
        # Redshift is PostgreSQL 8.0.2 underneath ("Amazon Redshift and PostgreSQL"),
        # which has no cast from an array to text; AWS's admin views read ACLs with
        # array_to_string(relacl, ',') (amazon-redshift-utils, v_get_obj_priv_by_user).
        return Refusal("cannot cast type aclitem[] to text", CANNOT_COERCE)
    grant = _GRANT.match(code)
    if grant:
        # "GRANT": a table's privileges are SELECT, INSERT, UPDATE, DELETE, DROP and
        # REFERENCES (and ALL).
        words = {w.strip().upper() for w in grant.group("what").split(",")}
        unknown = sorted(words - {"SELECT", "INSERT", "UPDATE", "DELETE", "DROP",
                                  "REFERENCES", "ALL", "ALL PRIVILEGES"})
        if unknown:
            return Refusal(f'syntax error at or near "{unknown[0]}"', SYNTAX_ERROR)
    if _DEFINES_COLUMNS.match(code):
        system = _SYSTEM_COLUMN.search(code)
        if system:
            # "Names and identifiers" / CREATE TABLE: a column may not take the name of
            # a system column; Redshift's tables also have oid, insertxid and deletexid,
            # which PostgreSQL 12 and later would accept.
            return Refusal(f'column name "{system.group(1)}" conflicts with a system '
                           "column name", DUPLICATE_COLUMN)
    return None


def checked_alter_type(sql: str) -> str | None:
    """An ``ALTER COLUMN ... TYPE`` as a block that first refuses what Redshift refuses by
    the column's definition, then runs it; None for any other statement.

    ALTER TABLE: a column with a default value cannot be altered, nor one with one of the
    encodings BYTEDICT, RUNLENGTH, TEXT255 and TEXT32K (:mod:`tests.support.redshift_encodings`;
    nor one with UNIQUE, PRIMARY KEY or FOREIGN KEY, which the tests' tables never have)."""
    match = _ALTER_TYPE.match(code_of(sql))
    if match is None:
        return None
    table = match.group("table").replace("'", "''")
    column = match.group("column")
    name = column[1:-1].replace('""', '"') if column.startswith('"') else column.lower()
    message = (f'Redshift: cannot alter column "{name}": it has a default value'
               ).replace("'", "''")
    encoded = (f'Redshift: cannot alter column "{name}": its encoding is BYTEDICT, '
               "RUNLENGTH, TEXT255 or TEXT32K").replace("'", "''")
    return (f"DO $redshift$ BEGIN IF EXISTS (SELECT 1 FROM pg_attrdef d JOIN pg_attribute a "
            f"ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = "
            f"'{table}'::regclass AND a.attname = '{name.replace(chr(39), chr(39) * 2)}') "
            f"THEN RAISE EXCEPTION USING ERRCODE = '{FEATURE_NOT_SUPPORTED}', "
            f"MESSAGE = '{message}'; END IF; IF redshift_shim.attencodingtype("
            f"'{table}'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = "
            f"'{table}'::regclass AND attname = '{name.replace(chr(39), chr(39) * 2)}')) "
            f"IN (1, 8, 9, 10) THEN RAISE EXCEPTION USING ERRCODE = '{FEATURE_NOT_SUPPORTED}', "
            f"MESSAGE = '{encoded}'; END IF; EXECUTE {dollar_quoted(sql)}; END $redshift$")


def dollar_quoted(text: str) -> str:
    tag = "$statement$"
    while tag in text:
        tag = tag[:-1] + "_$"
    return f"{tag}{text}{tag}"
