"""Types of fixture values, for annotating tests and fixtures alike."""

from __future__ import annotations

from collections.abc import Callable

from redshift_connector.core import Connection

RedshiftConnect = Callable[..., Connection]
"""``connect(**overrides)``: a redshift_connector connection to the test's database through the
shim; keyword arguments override those of ``redshift_connector.connect``."""
