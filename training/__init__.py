"""The ``arcadelab`` command line and the trainers behind it."""
