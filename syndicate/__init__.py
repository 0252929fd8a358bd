"""syndicate: one article in, Atom / RSS / JSON feeds and a newsletter email out."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("syndicate")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
