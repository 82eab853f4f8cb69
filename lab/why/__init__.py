"""The Why normalize page (``/why``): real training runs, and what they show."""
