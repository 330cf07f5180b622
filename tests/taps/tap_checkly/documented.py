"""What Checkly's API reference documents of the answers tap-checkly reads, as data, so
that the tap's schemas are held to Checkly's documentation rather than to the sample
Checkly written alongside them.

Source: Checkly's OpenAPI document, https://api.checklyhq.com/openapi.json, as stored in
checkly/docs (``api-reference/openapi.json`` at 28f329851b7a32b10b6a31e66afa15042817a728,
2026-08-18), read 2026-12-07.
"""

from __future__ import annotations

FREE_FORM_OBJECT_LISTS: list[tuple[str, str]] = [
    # (a result type's field of CheckResult, the path of a list in it): arrays of
    # CheckResultFreeformObject ({"type": "object", "properties": {},
    # "additionalProperties": {"nullable": true}})
    ("agenticCheckResult", "errors"),
    ("playwrightCheckResult", "errors"),
    ("tracerouteCheckResult", "assertions"),
    ("tracerouteCheckResult", "response.hops"),
    ("grpcCheckResult", "assertions"),
    ("grpcCheckResult", "response.metadata"),
    ("sslCheckResult", "assertions"),
    ("sslCheckResult", "response.chain"),
]
ANY_VALUE_LISTS: list[tuple[str, str]] = [
    # arrays whose items are any value ({"nullable": true})
    ("browserCheckResult", "errors"),
    ("multiStepCheckResult", "errors"),
]
FREE_FORM_LISTS = FREE_FORM_OBJECT_LISTS + ANY_VALUE_LISTS
"""The lists of free-form items in check results: each must pass through the tap and the
flattener whole."""
