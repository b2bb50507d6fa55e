"""Rendering: pure functions from the model to output files (pages, diagrams, feeds)."""
