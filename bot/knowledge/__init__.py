"""The knowledge base: entries written by staff, and finding the right one for a question."""
