"""``python -m itsutsuboshi`` runs the command line."""

from itsutsuboshi.cli.main import main

main()
