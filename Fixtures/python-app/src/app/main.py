"""The sample service: prints the version of its dependency and the commit it runs."""
import os

import six


def main() -> None:
    print(f"hello from python-app (six {six.__version__}, commit {os.environ.get('LAYERPIN_COMMIT', 'unknown')})")


if __name__ == "__main__":
    main()
