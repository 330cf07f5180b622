"""A kit for fake source APIs: what every tap's sample server is built on.

:class:`FakeAPI` is a loopback HTTP server with routes, a request log, an auth check and
fault injection (429s, 5xx, dropped connections, redirects); :mod:`.paging` answers a
listing in the common paging styles; :mod:`.records` makes deterministic, awkward sample
values.
"""
