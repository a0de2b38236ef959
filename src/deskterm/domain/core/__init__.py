"""Domain rules every capability shares: clock, refs, untrusted-text policy, vocabulary, priority matrix."""
