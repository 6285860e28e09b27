"""The fair's domain: booths, products, chat, presence, moderation, leads. No transport here."""
