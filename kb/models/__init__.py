"""Backends and the models behind them: the registry of backends chosen by name (`registry`), the
text embedders shared by ingest and search (`embeddings`, `minilm_numpy`), and the Hugging Face
plumbing of the full profile's models (`hf`).

Storage (the rest of kb/: the SQL and LanceDB stores, their schema, settings) imports none of this,
so opening a library loads no model code; tests/test_layering.py holds every module to it.
"""
