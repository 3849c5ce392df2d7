"""The command-line adapter: translates arguments to storage calls and results to text/JSON."""
