"""Sequences & padding: where BatchNorm breaks and LayerNorm was made for."""
