"""The Choose a norm page (``/choose``, widget keys ``choose.*``): the page
that closes the lab.

`links` (every live view it links to, as data), `flow` (the decision flow and
`recommend`), `tables` (the comparison tables and the pitfalls), `cost` (the
cost calculator), `cheatsheet`, `figures`, `panels` (its sections, pure),
`state` (settings ⇄ link), `texts` (its copy) and `view` (its Streamlit).
"""
