"""Command-line interface: ``ssaser SUBCOMMAND ...``."""
