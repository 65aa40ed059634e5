"""Search indexes over the plan chunks: tokenizer, keyword (whoosh) index, embeddings, build."""
