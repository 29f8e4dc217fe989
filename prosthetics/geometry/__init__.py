"""Geometry shared by every layer: mesh helpers (rings, booleans, surface queries) and
mesh-to-STEP conversion."""
