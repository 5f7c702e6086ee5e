"""``python -m itsutsuboshi`` runs the command line."""

from .cli import main

main()
