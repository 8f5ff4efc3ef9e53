"""Instructor tool wrapping nbgrader."""
