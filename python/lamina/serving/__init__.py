"""`lamina serve`: a TF-Serving-compatible REST prediction server (needs `pip install lamina[serve]`)."""
