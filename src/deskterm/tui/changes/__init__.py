"""Screens and dialogs of change management: RFCs, CABs, the forward schedule, windows and KPIs."""
