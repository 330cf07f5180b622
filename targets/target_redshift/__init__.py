"""target-redshift: the flattening warehouse loader of Observes Singer."""
