"""broadsheet: turn a folder of scraped news articles into a browsable, searchable static site."""

__version__ = "0.1.0"
