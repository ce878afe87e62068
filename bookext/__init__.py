"""Local Sphinx extensions for the System Design course: one module per concern, each with its own setup()."""
