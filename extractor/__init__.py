"""finsam extractor: ingest -> layout -> parse -> audit -> store."""
