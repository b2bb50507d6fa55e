"""``python -m generator`` runs the ``journeys`` command, with the same Ctrl+C handling."""

from .entry import main

main()
