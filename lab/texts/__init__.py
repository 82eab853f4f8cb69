"""Teaching copy as data, one module per page plus the families' shared copy.

Short, exact, friendly; claims from papers name them. Pages format these
strings; they do not write their own.
"""
