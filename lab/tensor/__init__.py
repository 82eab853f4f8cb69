"""The Tensor view page (``/tensor``): Wu & He's (N, C, H·W) cube, live."""
