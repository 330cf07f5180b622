"""``observes report``: the warehouse's health as one self-contained HTML page.

:mod:`.model` holds what the page says, :mod:`.build` gathers it (the run ledger in each
job's state store, ``observes_runs`` in the warehouse, AWS Batch's failures),
:mod:`.svg` draws the charts and :mod:`.html` writes the page.
"""
