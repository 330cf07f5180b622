"""The flattener: nested Singer records into relational rows (DESIGN.md, "The flattener")."""
