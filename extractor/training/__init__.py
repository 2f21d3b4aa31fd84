"""Training the character tagger (imports torch)."""
