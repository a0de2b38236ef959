"""The demo desk: seed() and its generators; only the CLI and the tests import it."""
