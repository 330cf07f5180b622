"""The tap kit: what every Observes tap of a REST source shares.

- :mod:`~observes_singer.tapkit.http`: one HTTP layer. A session bound to the source's
  origin (credentials never sent elsewhere), one retry policy (429, 5xx, dropped
  connections; ``Retry-After`` or a reset header, else exponential backoff with jitter,
  every wait capped) and errors that name the source, what was read, the status and a
  hint, never a secret. :class:`~observes_singer.tapkit.http.Client` for plain code,
  :class:`~observes_singer.tapkit.rest.SourceStream` for singer-sdk streams (which also
  takes its base URL from the tap's URL setting, its schema from the tap's package and
  its run budget from the settings).
- :mod:`~observes_singer.tapkit.paging`: paging to a listing's end and never past it:
  on past empty pages, and a page that repeats the one before stopping the listing.
- :mod:`~observes_singer.tapkit.bookmarks`: a time bookmark later than the run's start
  is an error, not a run that reads nothing.
- :mod:`~observes_singer.tapkit.budget`: ``max_pages`` and ``max_duration``, declared once,
  and the :class:`~observes_singer.tapkit.budget.RunBudget` that counts pages, keeps the
  clock and says whether a run must stop, and why.
- :mod:`~observes_singer.tapkit.pacing`: at most N requests in any window of W seconds,
  per route and for the whole run, for sources that publish a limit but send no header.
- :mod:`~observes_singer.tapkit.schemas`: a tap's JSON Schemas, shipped as package data.
- :mod:`~observes_singer.tapkit.sample_sources`: a tap's sample server (in its ``sample/``),
  found by name through an entry point.
- :mod:`~observes_singer.tapkit.fake_api`: a loopback fake API for sample servers: routes,
  a request log, auth, fault injection, the common paging styles and record factories.
- :mod:`~observes_singer.tapkit.testing`: run a tap as a process and read its messages,
  singer-sdk's standard tests in one line, and a schema-coverage check.

Each part is imported on its own (``from observes_singer.tapkit.http import Client``), so
that a tap pays only for what it uses.
"""
