"""The tap's commands besides the Singer run: ``prepare``, ``grant`` and ``revoke``.

::

    tap-zoho-crm prepare --config zoho.json [--state state.json]
    tap-zoho-crm grant --config zoho.json < code.txt   # prints the refresh token, once
    tap-zoho-crm revoke --config zoho.json [--token-stdin]

Each takes the tap's settings (``--config`` repeatable, merged in order), checked as the
tap checks them, with the messages that never show a secret. ``grant`` reads the grant
code (Zoho API Console, Self Client: "Generate Code", with the scopes the tap needs) from
stdin, or asks for it without echo on a terminal, and prints only the refresh token on
stdout; ``revoke`` revokes the settings' ``refresh_token`` (or one read from stdin).
Messages go to stderr. Exit codes: 0 done, 1 refused or failed, 2 bad usage or settings.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from observes_singer.store.state import StateError, StateStore, tap_state
from observes_singer.tapkit.errors import SourceError
from observes_singer.tapkit.settings import config_errors
from tap_zoho_crm.ledger import Ledger, LedgerError
from tap_zoho_crm.oauth import Credentials, TokenSource, exchange_grant_code, revoke_refresh_token
from tap_zoho_crm.prepare import prepare
from tap_zoho_crm.regions import endpoints
from tap_zoho_crm.session import ZohoApi
from tap_zoho_crm.settings import DEFAULT_MODULES, settings_errors

PROGRAM = "tap-zoho-crm"


class UsageError(Exception):
    """Bad arguments or settings; exit 2."""


def _say(message: str) -> None:
    print(f"{PROGRAM}: {message}", file=sys.stderr, flush=True)


def _schema(without: Sequence[str] = ()) -> dict[str, Any]:
    from tap_zoho_crm.tap import TapZohoCRM

    schema: dict[str, Any] = json.loads(json.dumps(TapZohoCRM.config_jsonschema))
    schema["required"] = [n for n in schema.get("required", []) if n not in without]
    return schema


def load_config(paths: Sequence[str], without: Sequence[str] = ()) -> dict[str, Any]:
    """The merged settings of ``paths``, checked; :class:`UsageError` listing problems."""
    config: dict[str, Any] = {}
    for path in paths:
        try:
            document = json.loads(Path(path).read_text())
        except OSError as exc:
            raise UsageError(f"--config {path}: cannot read it ({exc.strerror})") from None
        except ValueError:
            raise UsageError(f"--config {path}: not JSON") from None
        if not isinstance(document, dict):
            raise UsageError(f"--config {path}: must be a JSON object")
        config.update(document)
    problems = config_errors(_schema(without), config) + settings_errors(config)
    if problems:
        raise UsageError("settings: " + "; ".join(problems))
    return config


def _parser(command: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{PROGRAM} {command}", description=description)
    parser.add_argument("--config", action="append", required=True,
                        help="a JSON file of the tap's settings (repeatable, merged in order)")
    return parser


def _state(args: argparse.Namespace, config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The committed state: ``--state``, else ``state_url``, read only."""
    try:
        if args.state:
            return tap_state(json.loads(Path(args.state).read_text()), "--state")
        if config.get("state_url"):
            saved = StateStore(str(config["state_url"])).get()
            return None if saved is None else tap_state(saved, str(config["state_url"]))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--state {args.state}: cannot read it as JSON ({exc})") from None
    _say("no state_url (nor --state): the ledger's exports already loaded cannot be told "
         "from the others, so those modules get no new job; give the run's state_url")
    return None


def _api(config: Mapping[str, Any]) -> ZohoApi:
    places = endpoints(config)
    tokens = TokenSource(places.accounts_url, Credentials.from_config(config), log=_say)
    return ZohoApi(places.api_url, tokens, log=_say)


def run_prepare(argv: Sequence[str]) -> int:
    parser = _parser("prepare", "Create a bulk read job for each module that has no live "
                                "one, and record it in the ledger.")
    parser.add_argument("--state", help="the run's committed state (default: state_url)")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    state = _state(args, config)
    api = _api(config)
    try:
        done = prepare(api, Ledger(str(config["ledger_url"])),
                       list(config.get("modules") or DEFAULT_MODULES), state, log=_say)
    finally:
        api.close()
    for line in done.lines():
        print(line, flush=True)
    return 0


def _read_secret(prompt: str) -> str:
    text = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()
    return text.strip()


def run_grant(argv: Sequence[str]) -> int:
    parser = _parser("grant", "Exchange a grant code (read from stdin) for a refresh token, "
                              "printed on stdout once.")
    args = parser.parse_args(argv)
    config = load_config(args.config, without=("refresh_token", "ledger_url"))
    code = _read_secret("Zoho grant code: ")
    if not code:
        raise UsageError("no grant code on stdin")
    token = exchange_grant_code(endpoints(config).accounts_url,
                                Credentials.from_config(config), code, log=_say)
    print(token, flush=True)
    _say("the refresh token is on stdout, shown this once: keep it as refresh_token in the "
         "secret store (tap-zoho-crm revoke revokes it)")
    return 0


def run_revoke(argv: Sequence[str]) -> int:
    parser = _parser("revoke", "Revoke the settings' refresh token (or one read from stdin) "
                               "and every access token made with it.")
    parser.add_argument("--token-stdin", action="store_true",
                        help="revoke the refresh token read from stdin instead")
    args = parser.parse_args(argv)
    without = ("refresh_token", "ledger_url") if args.token_stdin else ("ledger_url",)
    config = load_config(args.config, without=without)
    token = _read_secret("Refresh token to revoke: ") if args.token_stdin \
        else str(config["refresh_token"])
    if not token:
        raise UsageError("no refresh token to revoke")
    revoke_refresh_token(endpoints(config).accounts_url, token, log=_say)
    _say("revoked the refresh token and its access tokens")
    return 0


COMMANDS: Mapping[str, Callable[[Sequence[str]], int]] = {
    "prepare": run_prepare, "grant": run_grant, "revoke": run_revoke}


def run_command(name: str, argv: Sequence[str]) -> int:
    try:
        return COMMANDS[name](argv)
    except UsageError as exc:
        _say(f"{name}: {exc}")
        return 2
    except (SourceError, LedgerError, StateError) as exc:
        _say(f"{name}: {exc}")
        return 1
