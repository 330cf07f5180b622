"""``tap-zoho-crm``: the Singer tap, or one of its commands (``prepare``, ``grant``,
``revoke``) when the first argument names one."""

from __future__ import annotations

import sys

from observes_singer.tapkit.cli import tap_main
from tap_zoho_crm.commands import COMMANDS, run_command
from tap_zoho_crm.tap import TapZohoCRM

COMMANDS_HELP = """
Commands (tap-zoho-crm COMMAND --help):
  prepare  create a bulk read job for each module that has no live one, and record it
           in the ledger (run it some minutes before the tap)
  grant    turn a grant code (on stdin) into a refresh token, printed once on stdout
  revoke   revoke a refresh token
Without a command it is the Singer tap: it loads the prepared exports, or exits 69
naming the modules whose exports are not ready."""


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS:
        sys.exit(run_command(sys.argv[1], sys.argv[2:]))
    try:
        tap_main(TapZohoCRM)
    except SystemExit:
        if "--help" in sys.argv[1:]:
            print(COMMANDS_HELP)
        raise


if __name__ == "__main__":
    main()
