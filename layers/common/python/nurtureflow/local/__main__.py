"""``python -m nurtureflow.local``: the same as ``nurtureflow local``."""

from nurtureflow.local.command import main

if __name__ == "__main__":
    main()
