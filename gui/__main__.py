"""Entry point of the desktop application (``prosthetics-gui``, ``python -m gui``)."""

import sys


def main() -> int:
    print("prosthetics-gui: the desktop application is not in this version yet; "
          "use 'prosthetics design SCAN' (see 'prosthetics --help')", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
