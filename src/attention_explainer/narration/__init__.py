"""The narration: beats, captions, chapters and voices, all from one script."""
