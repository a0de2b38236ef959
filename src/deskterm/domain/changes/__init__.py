"""Domain rules of change management: RFCs, CABs, the forward schedule, windows and KPIs."""
