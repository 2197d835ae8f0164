"""The ``arcadelab`` command line: the top of the house.

It dispatches to the layers below (``training`` for train/evaluate/record/demo, ``games`` for play/watch) and
nothing imports it back; ``tests/test_layers.py`` checks that.
"""
