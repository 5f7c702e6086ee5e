"""The Linked Data server (Flask app factory); it never imports the converters."""
