"""The capture plugin's public name: `pytest -p lab.capture` in a folder `lab run --keep` wrote records what
the lab records there. The plugin itself is `lab.core.capture`."""

from lab.core.capture import CapturePlugin, pytest_configure

__all__ = ["CapturePlugin", "pytest_configure"]
