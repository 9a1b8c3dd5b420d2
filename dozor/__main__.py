"""``python -m dozor`` runs the CLI."""

from dozor.cli.app import main

main()
