"""Replay Singer backups (target-s3's ``singer`` format) as one Singer stream.

``tap-singer-replay`` and ``observes replay``: the objects under a prefix, read in key
order, become one valid stream: one SCHEMA per stream (the union of every backup's
schema for it), then every RECORD; no STATE, no ACTIVATE_VERSION. Optionally a live tap
runs afterwards and its messages join the same stream.
"""
