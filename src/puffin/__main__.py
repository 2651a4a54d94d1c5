"""Entry point for `python -m puffin`."""

from puffin.cli.main import main

if __name__ == "__main__":
    main()
