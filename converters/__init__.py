"""Converters: read municipal CSV, recognise the dataset, normalise values, map rows to RDF."""
