"""``python -m auromat_core`` runs the ``auromat`` command."""

from .cli import main

main()
