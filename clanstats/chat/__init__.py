"""Discord chat: what a message tells us once its text is dropped."""
