"""The ``signaltrust`` command."""
