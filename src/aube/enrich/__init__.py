"""Enrichment: embeddings, evidence (names, numbers) and the clustering of items into stories."""
