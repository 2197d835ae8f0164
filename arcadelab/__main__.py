"""``python -m arcadelab`` runs the command line, as the ``arcadelab`` script does."""

from arcadelab.cli import main

main()
