"""Face-recognition networks behind the identity metrics, written from their official definitions."""
