"""A sample GitLab: a REST API v4 on loopback with deterministic projects, for the demo,
the tests and the benchmarks; not part of the tap, and not shipped in the Batch image.

The records are shaped like GitLab's REST API documentation (gitlabhq/gitlabhq
``doc/api``, GitLab 18 and 19): each endpoint's response attributes table and example
response, every documented field present (:mod:`tap_gitlab.sample.data`, and
:mod:`tap_gitlab.sample.delivery_data` for commits, deployments, environments, releases,
tags, branches, milestones and labels). The server (:mod:`tap_gitlab.sample.server`,
:mod:`tap_gitlab.sample.delivery_routes`) pages, filters, authenticates and limits rates
as GitLab does (``doc/api`` and ``lib/api``); each module names the pages it follows.
"""
