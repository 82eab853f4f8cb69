"""The Batch coupling topic's unit tests (lab/coupling/)."""
