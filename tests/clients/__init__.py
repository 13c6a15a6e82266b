"""Real feed readers (feedparser, SimplePie) reading the bundled feeds back."""
