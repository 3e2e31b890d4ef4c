"""ssaser: speaker-attentive speech emotion recognition."""

__version__ = "0.1.0"
