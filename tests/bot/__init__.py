"""Bot tests, mirroring bot/."""
