"""Tests of the Sequences and padding page: lab/sequences."""
