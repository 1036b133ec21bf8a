"""`python -m mercato_cli` is `mercato`."""

from mercato_cli.app import main

main()
