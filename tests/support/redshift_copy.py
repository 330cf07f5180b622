"""Translate a Redshift ``COPY <table> FROM 's3://...'`` into a PostgreSQL ``COPY ... FROM STDIN``.

The PostgreSQL statement keeps the target table and column list exactly as written (identifier
quoting is the same in both dialects) and carries the format options PostgreSQL understands.
What PostgreSQL cannot do itself (reading S3, manifests, gzip, per-file header lines) is
returned as an :class:`S3Load` for the shim to perform while it feeds the COPY.

String literals follow Redshift, which inherits PostgreSQL 8.0's backslash escapes: ``'\\t'`` is
a tab, as in the common ``DELIMITER '\\t'``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

SYNTAX_ERROR = "42601"
FEATURE_NOT_SUPPORTED = "0A000"

_LOOKS_LIKE_COPY = re.compile(r"\s*(?:(?:--[^\n]*(?:\n|$)|/\*.*?\*/)\s*)*copy\b", re.I | re.S)
_TOKEN = re.compile(
    r"""
      (?P<space>\s+|--[^\n]*|/\*.*?\*/)
    | (?P<ident>"(?:[^"]|"")*")
    | (?P<string>'(?:[^'\\]|''|\\.)*')
    | (?P<number>\d+)
    | (?P<word>[^\W\d][\w$]*)
    | (?P<punct>[.,();])
    """,
    re.VERBOSE | re.DOTALL,
)
_STRING_ESCAPE = re.compile(r"''|\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class CopyTranslationError(Exception):
    """A Redshift COPY that the shim cannot run faithfully; the client gets it as an SQL error."""

    def __init__(self, message: str, sqlstate: str = FEATURE_NOT_SUPPORTED) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@dataclass(frozen=True, slots=True)
class S3Load:
    """What to stream into the COPY: every object under ``source``, or a manifest's entries."""

    source: str
    manifest: bool = False
    gzip: bool = False
    ignore_header: int = 0
    csv: bool = False


@dataclass(frozen=True, slots=True)
class TranslatedCopy:
    sql: str
    load: S3Load


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str

    @property
    def keyword(self) -> str | None:
        return self.text.upper() if self.kind == "word" else None


class _LexError(Exception):
    pass


def _tokenize(sql: str) -> Iterator[_Token]:
    position = 0
    while position < len(sql):
        match = _TOKEN.match(sql, position)
        if match is None:
            raise _LexError(f"unexpected text at {sql[position:position + 20]!r}")
        position = match.end()
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            yield _Token(kind, match.group())


def _decode_string(token: _Token) -> str:
    def replace(match: re.Match[str]) -> str:
        octal, hexadecimal, char = match.groups()
        if octal is not None:
            return chr(int(octal, 8))
        if hexadecimal is not None:
            return chr(int(hexadecimal, 16))
        if char is not None:
            return _SIMPLE_ESCAPES.get(char, char)
        return "'"

    return _STRING_ESCAPE.sub(replace, token.text[1:-1])


def sql_literal(value: str) -> str:
    """A standard-conforming PostgreSQL string literal."""
    if "\0" in value:
        raise CopyTranslationError("NUL characters cannot appear in a PostgreSQL string")
    return "'" + value.replace("'", "''") + "'"


def failing_statement(message: str, sqlstate: str) -> str:
    """A statement that fails with ``message``; stands in for a COPY the shim refuses to run."""
    tag = "$shim$"
    while tag in message:
        tag = tag[:-1] + "_$"
    return (f"DO {tag} BEGIN RAISE EXCEPTION USING ERRCODE = {sql_literal(sqlstate)}, "
            f"MESSAGE = {sql_literal(message)}; END {tag}")


class _Tokens:
    """A token stream with one token of look-ahead."""

    def __init__(self, sql: str) -> None:
        self._tokens = _tokenize(sql)
        self._peeked: _Token | None = None
        self._at_end = False

    def peek(self) -> _Token | None:
        if self._peeked is None and not self._at_end:
            self._peeked = next(self._tokens, None)
            self._at_end = self._peeked is None
        return self._peeked

    def take(self) -> _Token | None:
        token = self.peek()
        self._peeked = None
        return token

    def take_punct(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "punct" and token.text == text:
            self.take()
            return True
        return False

    def take_keyword(self, *keywords: str) -> str | None:
        token = self.peek()
        if token is not None and token.keyword in keywords:
            self.take()
            return token.keyword
        return None


@dataclass(frozen=True, slots=True)
class _Head:
    target: str
    source: str


def _take_identifier(tokens: _Tokens) -> str | None:
    token = tokens.peek()
    if token is None or token.kind not in ("word", "ident"):
        return None
    tokens.take()
    return token.text


def _parse_head(tokens: _Tokens) -> _Head | None:
    """``COPY name [(columns)] FROM '<source>'``, or None for any other statement."""
    if tokens.take_keyword("COPY") is None:
        return None
    parts = [_take_identifier(tokens)]
    while len(parts) < 3 and tokens.take_punct("."):
        parts.append(_take_identifier(tokens))
    if not all(parts):
        return None
    target = ".".join(part for part in parts if part)
    if tokens.take_punct("("):
        columns = [_take_identifier(tokens)]
        while tokens.take_punct(","):
            columns.append(_take_identifier(tokens))
        if not all(columns) or not tokens.take_punct(")"):
            return None
        target += " (" + ", ".join(column for column in columns if column) + ")"
    if tokens.take_keyword("FROM") is None:
        return None
    source = tokens.take()
    if source is None or source.kind != "string":
        return None
    return _Head(target, _decode_string(source))


@dataclass(slots=True)
class _Options:
    csv: bool = False
    delimiter: str | None = None
    null: str | None = None
    quote: str | None = None
    escape: bool = False
    ignore_header: int = 0
    gzip: bool = False
    manifest: bool = False
    seen: set[str] = field(default_factory=set)


def _expect_string(tokens: _Tokens, option: str) -> str:
    tokens.take_keyword("AS")
    token = tokens.take()
    if token is None or token.kind != "string":
        raise CopyTranslationError(f"COPY option {option} needs a quoted string", SYNTAX_ERROR)
    return _decode_string(token)


def _expect_number(tokens: _Tokens, option: str) -> int:
    tokens.take_keyword("AS")
    token = tokens.take()
    if token is None or token.kind != "number":
        raise CopyTranslationError(f"COPY option {option} needs a whole number", SYNTAX_ERROR)
    return int(token.text)


def _ignore_string(tokens: _Tokens, options: _Options, option: str) -> None:
    _expect_string(tokens, option)


def _ignore_flag(tokens: _Tokens, options: _Options, option: str) -> None:
    pass


def _iam_role(tokens: _Tokens, options: _Options, option: str) -> None:
    if tokens.take_keyword("DEFAULT") is None:
        _expect_string(tokens, option)


def _optional_string(tokens: _Tokens, options: _Options, option: str) -> None:
    token = tokens.peek()
    if token is not None and (token.kind == "string" or token.keyword == "AS"):
        _expect_string(tokens, option)


def _on_off(*choices: str) -> Callable[[_Tokens, _Options, str], None]:
    def handler(tokens: _Tokens, options: _Options, option: str) -> None:
        tokens.take_keyword(*choices)

    return handler


def _auto_only(tokens: _Tokens, options: _Options, option: str) -> None:
    value = _expect_string(tokens, option)
    if value.lower() != "auto":
        raise CopyTranslationError(f"COPY {option} {value!r} is not supported (only 'auto')")


def _csv(tokens: _Tokens, options: _Options, option: str) -> None:
    options.csv = True


def _format(tokens: _Tokens, options: _Options, option: str) -> None:
    tokens.take_keyword("AS")
    token = tokens.take()
    if token is None or token.keyword != "CSV":
        name = token.text if token is not None else "(nothing)"
        raise CopyTranslationError(f"COPY FORMAT {name} is not supported (only CSV)")
    options.csv = True


def _delimiter(tokens: _Tokens, options: _Options, option: str) -> None:
    options.delimiter = _expect_string(tokens, option)


def _null(tokens: _Tokens, options: _Options, option: str) -> None:
    options.null = _expect_string(tokens, option)


def _quote(tokens: _Tokens, options: _Options, option: str) -> None:
    options.quote = _expect_string(tokens, option)


def _escape(tokens: _Tokens, options: _Options, option: str) -> None:
    options.escape = True


def _ignore_header(tokens: _Tokens, options: _Options, option: str) -> None:
    options.ignore_header = _expect_number(tokens, option)


def _gzip(tokens: _Tokens, options: _Options, option: str) -> None:
    options.gzip = True


def _manifest(tokens: _Tokens, options: _Options, option: str) -> None:
    options.manifest = True


_OPTION_HANDLERS: dict[str, Callable[[_Tokens, _Options, str], None]] = {
    "CREDENTIALS": _ignore_string,
    "IAM_ROLE": _iam_role,
    "ACCESS_KEY_ID": _ignore_string,
    "SECRET_ACCESS_KEY": _ignore_string,
    "SESSION_TOKEN": _ignore_string,
    "REGION": _ignore_string,
    "CSV": _csv,
    "FORMAT": _format,
    "DELIMITER": _delimiter,
    "NULL": _null,
    "QUOTE": _quote,
    "ESCAPE": _escape,
    "IGNOREHEADER": _ignore_header,
    "GZIP": _gzip,
    "MANIFEST": _manifest,
    "TIMEFORMAT": _auto_only,
    "DATEFORMAT": _auto_only,
    "EMPTYASNULL": _ignore_flag,
    "BLANKSASNULL": _ignore_flag,
    "TRUNCATECOLUMNS": _ignore_flag,
    "ACCEPTINVCHARS": _optional_string,
    "COMPUPDATE": _on_off("ON", "OFF", "TRUE", "FALSE", "PRESET"),
    "STATUPDATE": _on_off("ON", "OFF", "TRUE", "FALSE"),
}


def _parse_options(tokens: _Tokens) -> _Options:
    options = _Options()
    while (token := tokens.take()) is not None:
        if token.kind == "punct" and token.text == ";":
            if tokens.peek() is not None:
                raise CopyTranslationError(
                    "a Redshift COPY from S3 must be the only statement in its query")
            break
        if token.kind == "punct" and token.text == ",":
            continue
        keyword = token.keyword
        if keyword == "WITH":
            continue
        handler = _OPTION_HANDLERS.get(keyword or "")
        if keyword is None or handler is None:
            raise CopyTranslationError(f"COPY option {token.text} is not supported by the shim")
        if keyword in options.seen:
            raise CopyTranslationError(f"COPY option {keyword} is given more than once",
                                       SYNTAX_ERROR)
        options.seen.add(keyword)
        handler(tokens, options, keyword)
    if options.quote is not None and not options.csv:
        raise CopyTranslationError("COPY option QUOTE can only be used with CSV", SYNTAX_ERROR)
    if options.escape and options.csv:
        raise CopyTranslationError("COPY option ESCAPE cannot be used with CSV", SYNTAX_ERROR)
    return options


def _postgres_copy(target: str, options: _Options) -> str:
    settings = ["FORMAT csv" if options.csv else "FORMAT text"]
    delimiter = options.delimiter if options.delimiter is not None or options.csv else "|"
    if delimiter is not None:
        settings.append(f"DELIMITER {sql_literal(delimiter)}")
    if options.null is not None:
        settings.append(f"NULL {sql_literal(options.null)}")
        if options.csv:
            # "Data conversion parameters", NULL AS: Redshift "loads fields that match
            # null_string as NULL", with no exception for quoted fields; PostgreSQL's CSV
            # format never matches a quoted field unless told to (FORCE_NULL).
            settings.append("FORCE_NULL *")
    if options.quote is not None:
        settings.append(f"QUOTE {sql_literal(options.quote)}")
    return f"COPY {target} FROM STDIN WITH ({', '.join(settings)})"


def translate_copy(sql: str) -> TranslatedCopy | None:
    """Translate a Redshift COPY from S3; None for every other statement, which runs unchanged.

    Raises :class:`CopyTranslationError` for a COPY from S3 (or any quoted source) that uses
    options the shim does not support, rather than running it with different semantics.
    """
    if not _LOOKS_LIKE_COPY.match(sql):
        return None
    tokens = _Tokens(sql)
    try:
        head = _parse_head(tokens)
    except _LexError:
        return None
    if head is None:
        return None
    if not head.source.startswith("s3://"):
        raise CopyTranslationError(
            f"COPY FROM {head.source!r}: the Redshift shim only loads from s3:// URLs")
    try:
        options = _parse_options(tokens)
    except _LexError as exc:
        raise CopyTranslationError(f"cannot parse Redshift COPY: {exc}", SYNTAX_ERROR) from exc
    load = S3Load(head.source, options.manifest, options.gzip, options.ignore_header,
                  options.csv)
    return TranslatedCopy(_postgres_copy(head.target, options), load)
