"""tap-checkly: a Singer tap of Checkly's public API (checks, their results and alerts,
reports, and the account's settings), on the tap kit."""
