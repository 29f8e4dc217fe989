"""Geometry shared by every layer: mesh helpers (rings, booleans, surface queries),
tessellation of CadQuery B-reps, and mesh-to-STEP conversion."""
