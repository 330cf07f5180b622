"""A sample Checkly: the public API on loopback with a deterministic account, for the
demo and the tests; not part of the tap, and not shipped in the Batch image.

The records are shaped as Checkly's API reference documents them (its OpenAPI document,
https://api.checklyhq.com/openapi.json, as in the checkly/docs repository): the account's
configuration in :mod:`tap_checkly.sample.data`, check results, alerts and reports in
:mod:`tap_checkly.sample.results` (nested parts as Checkly's own client, checkly/checkly-cli,
types them), the checks and results of the other check types, free-form parts included, in
:mod:`tap_checkly.sample.check_kinds`, the account that ties them together in
:mod:`tap_checkly.sample.account`.
The server (:mod:`tap_checkly.sample.server`) pages, authenticates and limits rates as the
API reference says.
"""
