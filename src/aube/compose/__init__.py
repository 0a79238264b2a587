"""An edition from ranked stories: cards with sources, reasons and what changed; rendering."""
