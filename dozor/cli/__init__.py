"""The typer CLI (``dozor``): a thin layer over ``dozor.Fleet``."""

import os

# The CLI process uses no pydantic plugins; discovering them scans every installed distribution's metadata
# at the first model build (tens of ms of every cold start). A user who sets the variable keeps their choice.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
