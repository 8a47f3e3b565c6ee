"""``python -m disproof``: the command line (used by tests that run it in a subprocess)."""

from disproof.cli import main

main()
