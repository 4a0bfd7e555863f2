"""Generated conformance and model tests; never edited by hand."""
