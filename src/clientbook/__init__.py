"""clientbook: a self-hosted implementation of the vcita / inTandem platform Clients API."""

__version__ = "0.1.0"
