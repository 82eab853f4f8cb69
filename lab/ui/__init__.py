"""The few Streamlit helpers the pages share: the only place in `lab` that imports
streamlit. Everything else in `lab` works in a notebook without a server."""
