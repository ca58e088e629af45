"""Optional sentence embeddings (the ``semantic`` extra): load a model, embed sentences, pack vectors."""
