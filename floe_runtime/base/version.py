"""floe's version, in the lowest layer so every stage may record it without importing the
package root (whose lazy ``FloeDefinitions`` reaches Dagster)."""

__version__ = "0.1.0"
