"""A sample Time Doctor: the API on loopback with a deterministic company, for the demo
and the tests; not part of the tap, and not shipped in the Batch image.

The answers are shaped as Time Doctor's API reference (https://timedoctor.redoc.ly/) and
the clients built on it show them: the company's users, projects, tasks, work sessions and
computer activity in :mod:`tap_timedoctor.sample.company`, the routes, login, paging and
date ranges in :mod:`tap_timedoctor.sample.server`.
"""
