"""The desk's own database: backups, restores and integrity checks (with the audit chain)."""
