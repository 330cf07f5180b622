"""Redshift's column compression encodings, kept beside PostgreSQL's catalogue.

PostgreSQL has no ``ENCODE``. The shim strips it from ``CREATE TABLE`` and runs
``ALTER TABLE ... ALTER COLUMN c ENCODE e`` as a write to ``redshift_shim.encodings``, a
table in the same database keyed by the column's ``(attrelid, attnum)``, in the client's
transaction (so a rollback takes the encoding back with the table). A catalogue query
reads them as Redshift's does, through ``pg_attribute.attencodingtype`` and
``format_encoding()`` (amazon-redshift-utils, ``v_generate_tbl_ddl``), both rewritten to
the shim's functions.

What comes from the Amazon Redshift Database Developer Guide:

* "Compression encodings": a column given no encoding gets RAW when it is BOOLEAN, REAL or
  DOUBLE PRECISION, AZ64 when SMALLINT, INTEGER, BIGINT, DECIMAL, DATE or TIMESTAMP, and
  LZO when CHAR or VARCHAR (what the shim reports for such a column; sort key columns,
  which get RAW, are not told apart);
* "AZ64 encoding": AZ64 only for SMALLINT, INTEGER, BIGINT, DECIMAL, DATE, TIMESTAMP and
  TIMESTAMPTZ; other types are refused;
* "CREATE TABLE": ``ENCODE encoding`` on a column, ``ENCODE AUTO`` on the table;
  "ALTER TABLE": ``ALTER COLUMN column_name ENCODE new_encode_type`` (several, comma
  separated); both also in v_generate_tbl_ddl's output (``ENCODE RAW`` for ``none``);
* whether a table is ``ENCODE AUTO`` (``redshift_shim.encode_auto``, no row: it is):
  "CREATE TABLE", "ENCODE AUTO is the default if you don't specify an encoding type on any
  column in the table" and "If you specify compression encoding for any column in the
  table, the table is no longer set to ENCODE AUTO"; "ALTER TABLE" examples, ``alter table
  t1 alter encode auto`` makes it so again and ``alter table t2 alter column c0 encode
  lzo`` leaves it "no longer set to ENCODE AUTO". A ``CREATE TABLE`` with both a column's
  ``ENCODE`` and the table's ``ENCODE AUTO`` is recorded as undefined (NULL): the same page
  also says "ENCODE AUTO preserves the initial encode types that you specify", and no page
  says which wins, nor that Redshift refuses it;
* ``SVV_TABLE_INFO.encoded`` ("SVV_TABLE_INFO"): ``Y`` when a column is compressed, else
  ``N``, with ``, AUTO(ENCODE)`` for an ``ENCODE AUTO`` table (NULL where undefined); no row
  for an empty table; visible to superusers and to users granted SELECT on it, as the
  shim's view is to its owner and superusers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.support.redshift_refusals import dollar_quoted

ENCODINGS = ("none", "bytedict", "delta", "delta32k", "lzo", "mostly8", "mostly16",
             "mostly32", "runlength", "text255", "text32k", "zstd", "az64")
"""Each encoding's name; its index is the shim's ``attencodingtype`` code."""
AZ64_TYPES = ("int2", "int4", "int8", "numeric", "date", "timestamp", "timestamptz")

CATALOG = f"""
CREATE TABLE IF NOT EXISTS redshift_shim.encodings (
    attrelid oid NOT NULL, attnum int2 NOT NULL, code integer NOT NULL,
    PRIMARY KEY (attrelid, attnum));
CREATE OR REPLACE FUNCTION redshift_shim.format_encoding(code integer) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT (ARRAY[{", ".join(f"'{name}'" for name in ENCODINGS)}])[code + 1] $$;
CREATE OR REPLACE FUNCTION redshift_shim.encoding_code(name text) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE lower(name) WHEN 'raw' THEN 0 ELSE array_position(
        ARRAY[{", ".join(f"'{name}'" for name in ENCODINGS)}], lower(name)) - 1 END $$;
CREATE OR REPLACE FUNCTION redshift_shim.attencodingtype(rel oid, num int2) RETURNS integer
    LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        (SELECT e.code FROM redshift_shim.encodings e WHERE e.attrelid = rel AND e.attnum = num),
        (SELECT CASE WHEN t.typname IN ('bool', 'float4', 'float8') THEN 0
                     WHEN t.typname IN ('int2', 'int4', 'int8', 'numeric', 'date',
                                        'timestamp', 'timestamptz') THEN 12
                     WHEN t.typname IN ('bpchar', 'varchar', 'text') THEN 4
                     ELSE 0 END
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
         WHERE a.attrelid = rel AND a.attnum = num)) $$;
CREATE TABLE IF NOT EXISTS redshift_shim.encode_auto (
    relid oid PRIMARY KEY, auto boolean);
CREATE OR REPLACE PROCEDURE redshift_shim.set_encode_auto(rel regclass, setting boolean)
    LANGUAGE sql AS $$
    INSERT INTO redshift_shim.encode_auto VALUES (rel, setting)
        ON CONFLICT (relid) DO UPDATE SET auto = EXCLUDED.auto $$;
CREATE OR REPLACE PROCEDURE redshift_shim.set_encoding(rel regclass, col text, name text)
    LANGUAGE plpgsql AS $$
DECLARE
    num int2;
    typ text;
    code integer := redshift_shim.encoding_code(name);
BEGIN
    SELECT a.attnum, t.typname INTO num, typ FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF num IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42703',
            MESSAGE = format('Redshift: column "%s" does not exist', col);
    END IF;
    IF code IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = format('Redshift: unknown encoding "%s"', name);
    END IF;
    IF code = 12 AND typ NOT IN ({", ".join(f"'{t}'" for t in AZ64_TYPES)}) THEN
        RAISE EXCEPTION USING ERRCODE = '0A000',
            MESSAGE = format('Redshift: invalid encoding type specified for column "%s"',
                             col);
    END IF;
    INSERT INTO redshift_shim.encodings VALUES (rel, num, code)
        ON CONFLICT (attrelid, attnum) DO UPDATE SET code = EXCLUDED.code;
    CALL redshift_shim.set_encode_auto(rel, false);
END $$;
CREATE OR REPLACE FUNCTION redshift_shim.has_rows(rel regclass) RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    found boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', rel) INTO found;
    RETURN found;
END $$;
CREATE OR REPLACE VIEW redshift_shim.svv_table_info AS
    SELECT current_database()::text AS database, n.nspname::text AS schema,
           c.oid AS table_id, c.relname::text AS "table",
           CASE WHEN e.relid IS NOT NULL AND e.auto IS NULL THEN NULL
                ELSE CASE WHEN EXISTS (
                         SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                         AND a.attnum > 0 AND NOT a.attisdropped
                         AND redshift_shim.attencodingtype(c.oid, a.attnum) <> 0)
                     THEN 'Y' ELSE 'N' END
                     || CASE WHEN COALESCE(e.auto, true) THEN ', AUTO(ENCODE)' ELSE '' END
           END AS encoded
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN redshift_shim.encode_auto e ON e.relid = c.oid
    WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema',
                                                'redshift_shim')
    AND left(n.nspname, 3) <> 'pg_' AND redshift_shim.has_rows(c.oid);
"""

_NAME = r'(?:"(?:[^"]|"")*"|[\w$]+)'
_CREATE = re.compile(rf"^\s*create\s+(?:(?:temporary|temp)\s+)?table\s+(?:if\s+not\s+exists\s+)?"
                     rf"(?P<table>{_NAME}(?:\s*\.\s*{_NAME})?)\s*\(", re.I | re.S)
_COLUMN_ENCODE = re.compile(rf"(?P<column>{_NAME})\s+[^,()]*?(?:\([^()]*\))?[^,()]*?"
                            r"\s+encode\s+(?P<encoding>\w+)", re.I | re.S)
_ENCODE = re.compile(r"\s+encode\s+\w+", re.I)
_ALTER_ENCODE = re.compile(rf"^\s*alter\s+table\s+(?P<table>{_NAME}(?:\s*\.\s*{_NAME})?)\s+"
                           rf"(?P<changes>alter\s+column\s+{_NAME}\s+encode\s+\w+"
                           rf"(?:\s*,\s*alter\s+column\s+{_NAME}\s+encode\s+\w+)*)\s*;?\s*$",
                           re.I | re.S)
_ALTER_ONE = re.compile(rf"alter\s+column\s+(?P<column>{_NAME})\s+encode\s+(?P<encoding>\w+)",
                        re.I)
_ALTER_ENCODE_AUTO = re.compile(rf"^\s*alter\s+table\s+(?P<table>{_NAME}(?:\s*\.\s*{_NAME})?)"
                                r"\s+alter\s+encode\s+auto\s*;?\s*$", re.I | re.S)
_TABLE_ENCODE_AUTO = re.compile(r"\bencode\s+auto\b", re.I)
_PAREN = re.compile(r'"(?:[^"]|"")*"|[()]')
_TABLE_INFO = re.compile(r"(?<![\w.])(?:pg_catalog\.)?svv_table_info\b", re.I)
_CATALOG_READ = re.compile(r"\b(\w+)\.attencodingtype\b", re.I)
_FORMAT_ENCODING = re.compile(r"(?<![\w.])format_encoding\s*\(", re.I)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _unquoted(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


def _set_encodings(table: str, pairs: list[tuple[str, str]]) -> str:
    return " ".join(f"CALL redshift_shim.set_encoding({_literal(table)}::regclass, "
                    f"{_literal(_unquoted(column))}, {_literal(encoding)});"
                    for column, encoding in pairs)


def _do(body: str) -> str:
    tag = "$encode$"
    while tag in body:
        tag = tag[:-1] + "_$"
    return f"DO {tag} BEGIN {body} END {tag}"


def _columns_end(code: str, start: int) -> int:
    """Where the column list that opens before ``start`` closes (or the statement ends)."""
    depth = 1
    for match in _PAREN.finditer(code, start):
        depth += {"(": 1, ")": -1}.get(match.group(0), 0)
        if depth == 0:
            return match.end()
    return len(code)


def _created(sql: str, code: str, create: re.Match[str],
             strip_layout: Callable[[str], str]) -> str:
    """A ``CREATE TABLE`` that names an encoding, as PostgreSQL runs it: the table without
    ``ENCODE``, then each column's encoding and the table's ``ENCODE AUTO`` recorded."""
    pairs = [(m.group("column"), m.group("encoding"))
             for m in _COLUMN_ENCODE.finditer(code, create.end())
             if m.group("encoding").lower() != "auto"]
    head = _CREATE.match(sql)
    assert head is not None  # the head holds no literal: the same in sql as in code
    stripped = strip_layout(sql[:head.end()] + _ENCODE.sub("", sql[head.end():]))
    if not pairs:
        return stripped
    table = create.group("table")
    undefined = _TABLE_ENCODE_AUTO.search(code, _columns_end(code, create.end()))
    return _do(f"EXECUTE {dollar_quoted(stripped)}; {_set_encodings(table, pairs)}"
               + (f" CALL redshift_shim.set_encode_auto({_literal(table)}::regclass, NULL);"
                  if undefined else ""))


def _catalog_read(sql: str, code: str) -> str | None:
    """A query of ``attencodingtype`` or ``SVV_TABLE_INFO`` on the shim's stand-ins."""
    if "attencodingtype" not in code.lower() and "svv_table_info" not in sql.lower():
        return None
    sql = _CATALOG_READ.sub(r"redshift_shim.attencodingtype(\1.attrelid, \1.attnum)", sql)
    sql = _FORMAT_ENCODING.sub("redshift_shim.format_encoding(", sql)
    # in a literal too: has_table_privilege('svv_table_info', 'SELECT')
    return _TABLE_INFO.sub("redshift_shim.svv_table_info", sql)


def encoded_statement(sql: str, code: str, strip_layout: Callable[[str], str]) -> str | None:
    """The statement as PostgreSQL runs it when it sets or reads encodings, else None
    (``code`` is ``sql`` with its literals blanked out; ``strip_layout`` takes Redshift's
    table layout off a ``CREATE TABLE``)."""
    alter = _ALTER_ENCODE.match(code)
    if alter is not None:
        pairs = [(m.group("column"), m.group("encoding"))
                 for m in _ALTER_ONE.finditer(alter.group("changes"))]
        return _do(_set_encodings(alter.group("table"), pairs))
    auto = _ALTER_ENCODE_AUTO.match(code)
    if auto is not None:
        return (f"DELETE FROM redshift_shim.encode_auto "
                f"WHERE relid = {_literal(auto.group('table'))}::regclass")
    create = _CREATE.match(code)
    if create is not None and _ENCODE.search(code):
        return _created(sql, code, create, strip_layout)
    return _catalog_read(sql, code)
