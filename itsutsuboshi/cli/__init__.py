"""The command line (``itsutsuboshi …``): the top layer, which may use every stage below it."""
