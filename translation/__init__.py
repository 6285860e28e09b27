"""Offline machine translation for the chat, on argos-translate packages."""
