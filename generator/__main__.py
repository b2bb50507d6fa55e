"""``python -m generator`` runs the ``journeys`` command."""

from .cli import main

main()
