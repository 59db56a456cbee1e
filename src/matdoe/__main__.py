"""``python -m matdoe``: the same as the ``matdoe`` command."""

from matdoe.cli import main

main()
