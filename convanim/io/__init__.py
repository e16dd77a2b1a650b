"""The edge: files in and out, written atomically."""
