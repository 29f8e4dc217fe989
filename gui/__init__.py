"""Desktop application (PySide6)."""
