"""Publish: convert, validate, diagnose and load a folder of files, with the catalogue and the sources."""
