"""SHACL shapes for the standard datasets (one Turtle file per dataset)."""
