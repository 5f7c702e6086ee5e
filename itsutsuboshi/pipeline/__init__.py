"""Convert: a CSV file read, recognised and converted into RDF, serially or by worker processes."""
