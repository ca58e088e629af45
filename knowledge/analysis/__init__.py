"""Text analysis shared by retrieval, the reader and digests: tokens, stems, sentences."""
