"""The flattener: nested Singer records into relational rows (docs/architecture.md, "The
flattener").

Two steps:

- :mod:`observes_singer.flatten.plan` reads a stream's JSON Schema into a ``StreamPlan``
  (``plan_stream``): its tables (the root, one per list or map), their columns and their
  names.
- :mod:`observes_singer.flatten.flattener` turns a plan into a ``StreamFlattener``
  (``build_flattener``), which checks each record, appends its rows to one buffer per
  table and hands them over in blocks.

A value that does not fit raises ``BadValue`` (naming the field); ``Inexact`` and
``Repeat`` ask the caller to read the line again exactly, or to load the batch before a
repeated key.
"""
