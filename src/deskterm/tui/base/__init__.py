"""The TUI's base screens, generic dialogs (confirm, form, command line, help) and helpers."""
