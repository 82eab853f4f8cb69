"""The Train vs eval page (``/train_eval``): BatchNorm's two modes, a drifting
stream, and what they cost a small classifier."""
