"""The target kernel: what every Observes target shares.

A target is a :class:`~observes_singer.target.sink.Sink` (where rows go: a warehouse, a
bucket) plus its configuration. The kernel (:class:`~observes_singer.target.kernel.Kernel`)
reads the Singer messages, plans and flattens each stream, hands the sink row blocks,
emits STATE only once what it vouches for is durable, and reports; the program skeleton
(:class:`~observes_singer.target.program.TargetProgram`) gives every target the same
command line (``--config`` repeatable, ``--input``, ``--about``), run id, progress line,
end summary and error handling.
"""
