"""One module per chapter: the computations behind each figure of the book."""
