"""The HTTP edge: validates requests, turns writes into commands, serves reads from MongoDB."""
