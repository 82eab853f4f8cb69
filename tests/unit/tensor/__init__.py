"""The Tensor view's unit tests, one module per module of `lab.tensor`."""
