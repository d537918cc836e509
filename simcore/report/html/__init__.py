"""The HTML report: its building blocks (document) and its sections (report)."""
