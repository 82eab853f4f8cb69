"""The Batch coupling page (``/coupling``): who else is in the room."""
