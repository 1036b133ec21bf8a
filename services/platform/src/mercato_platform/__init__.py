"""The open platform: partner apps receive the events they are entitled to."""
