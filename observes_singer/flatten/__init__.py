"""The flattener: nested Singer records into relational rows (DESIGN.md, "The flattener").

Two steps, each a function of this package:

- :func:`plan_stream` reads a stream's JSON Schema into a :class:`StreamPlan`: its
  tables (the root, one per list or map), their columns and their names.
- :func:`build_flattener` turns a plan into a :class:`StreamFlattener`, which checks each
  record, appends its rows to one buffer per table and hands them over in blocks.

A value that does not fit raises :class:`BadValue` (naming the field); :class:`Inexact`
and :class:`Repeat` ask the caller to read the line again exactly, or to load the
batch before a repeated key.
"""

from observes_singer.flatten.flattener import (
    BadValue,
    FlattenStats,
    Inexact,
    Repeat,
    StreamFlattener,
    build_flattener,
)
from observes_singer.flatten.plan import SchemaError, StreamPlan, plan_stream, row_columns

__all__ = ["BadValue", "FlattenStats", "Inexact", "Repeat", "SchemaError", "StreamFlattener",
           "StreamPlan", "build_flattener", "plan_stream", "row_columns"]
