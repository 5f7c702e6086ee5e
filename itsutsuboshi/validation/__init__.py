"""Validate: converted files checked against the shapes, findings mapped back to CSV rows, reports written."""
