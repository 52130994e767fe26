"""One module per command family; imported lazily by bot.cli."""
