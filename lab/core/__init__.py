"""The shared core under every page: the engine (`norms`), the synthetic
activations, typed URL parameters, the generic page state, the worker pool, the
families' shared copy and small helpers. Pure: no Streamlit, usable from a
notebook."""
